"""Entropy-of-split scores for MDLP cut points (Fayyad & Irani 1993), pure JAX.

``mifeatures._engine`` jits these and drives the recursion; nothing here jits,
validates or prints.

Layout. Each feature's rows are sorted by value. Cuts can only fall at
*candidate positions*: sorted-row indices ``t`` with ``x[t-1] < x[t]`` where
the rows at those two values are not all of one class (Fayyad & Irani's
boundary points; the engine finds them). The features' candidate positions
are laid end to end in one flat array, each feature's block framed by its
first row (position 0) and its end (position n)::

    feature 0: [0, t_1, ..., t_m, n]  feature 1: [0, t_1, ..., n]  ...

``cum[c, i]`` holds the number of rows of class ``c`` before flat index ``i``
in its feature. A *segment* is a pair of flat indices ``lo < hi`` of one
feature (its rows lie between the two positions); the candidates inside it
are ``lo + 1 .. hi - 1``.

One call of :func:`choose_cuts` and one of :func:`mdl_verdict` handle one
depth level of the recursion for every pending segment of every feature at
once: the first scores all their candidates and takes each segment's best by
a segmented minimum, the second applies the MDL acceptance test to each.
Counts stay int32; entropies are float64.

Units. The split criterion is ``N E(T; S) ln 2`` (nats times rows), with

.. math::

    N E(T; S) = |S_1| \\mathrm{Ent}(S_1) + |S_2| \\mathrm{Ent}(S_2),
    \\qquad |S| \\mathrm{Ent}(S) \\ln 2 = f(|S|) - \\sum_c f(|S_c|),
    \\quad f(x) = x \\ln x,

and the acceptance test is Fayyad & Irani's, in bits:

.. math::

    \\mathrm{Gain}(T; S) > \\frac{\\log_2(N - 1) + \\Delta(T; S)}{N},\\qquad
    \\Delta = \\log_2(3^k - 2) - [k \\mathrm{Ent}(S) - k_1 \\mathrm{Ent}(S_1)
    - k_2 \\mathrm{Ent}(S_2)],

where ``k, k1, k2`` count the classes present in ``S, S1, S2``.

Ties. Among the candidates whose ``E(T; S)`` lies within
``TIE_TOLERANCE_BITS`` of the segment's minimum, the leftmost (smallest cut)
wins. Rounding moves ``E`` by about 1e-14 bits at a million rows, so cuts that
tie in exact arithmetic are recognised as ties whatever the order of the
floating-point operations.
"""

import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax import lax

# Candidates whose E(T; S) is within this many bits of the best are tied.
TIE_TOLERANCE_BITS = 1e-12

_LN2 = math.log(2.0)
_LOG2_3 = math.log2(3.0)


def xlogx_table(size):
    """``f(x) = x ln x`` for the integers ``0 .. size - 1`` (``f(0) = 0``), float64.

    Entropies of counts are read from this table: on CPU a 1-D table lookup
    is several times faster than a float64 log.
    """
    x = jnp.arange(size, dtype=jnp.float64)
    return x * jnp.log(jnp.maximum(x, 1.0))


class RangeCounts(NamedTuple):
    """Class counts of row ranges, reduced over classes.

    Attributes
    ----------
    rows : int32 array
        Number of rows ``N`` of each range.
    sum_xlogx : float64 array
        ``sum_c f(N_c)`` over the classes, ``f(x) = x ln x``.
    n_present : int32 array
        Number of classes present in the range.
    """

    rows: jax.Array
    sum_xlogx: jax.Array
    n_present: jax.Array

    def scaled_entropy(self, xlogx):
        """``N Ent ln 2`` (nats times rows): ``f(N) - sum_c f(N_c)``."""
        return xlogx[self.rows] - self.sum_xlogx


def range_counts(cum, xlogx, first, stop):
    """Class counts of the rows between flat indices ``first`` and ``stop`` of ``cum``.

    The counts are ``cum[c, stop] - cum[c, first]``. Classes are visited one
    row of ``cum`` at a time with 1-D gathers (XLA:CPU gathers with 2-D index
    arrays were 20x slower).

    Parameters
    ----------
    cum : int32 array of shape (n_classes, size)
    xlogx : float64 array
        :func:`xlogx_table` of a size above every count.
    first, stop : int32 arrays of the same shape

    Returns
    -------
    RangeCounts
    """

    def add_class(totals, row):
        counts = row[stop] - row[first]
        rows, sum_xlogx, n_present = totals
        return (rows + counts, sum_xlogx + xlogx[counts],
                n_present + (counts > 0).astype(jnp.int32)), None

    zeros = jnp.zeros(first.shape, jnp.int32)
    totals, _ = lax.scan(add_class, (zeros, jnp.zeros(first.shape, jnp.float64), zeros), cum,
                         unroll=min(cum.shape[0], 8))
    return RangeCounts(*totals)


def split_criterion(cum, xlogx, candidates, segment, segment_lo, segment_hi):
    """``N E(T; S) ln 2`` (nats times rows) of cutting each candidate's segment there.

    One pass over the classes; each reads the class's counts at the candidate
    once and at the segment's two ends from the (small) per-segment arrays.

    Parameters
    ----------
    cum : int32 array of shape (n_classes, size)
    xlogx : float64 array
        :func:`xlogx_table` of a size above every count.
    candidates, segment : int32 arrays of shape (n_candidates,)
        Flat index of each candidate and the number of its segment.
    segment_lo, segment_hi : int32 arrays of shape (n_segments,)

    Returns
    -------
    criterion : float64 array of shape (n_candidates,)
    rows : int32 array of shape (n_candidates,)
        ``N``, the rows of the candidate's segment.
    """

    def add_class(totals, row):
        at = row[candidates]
        left = at - row[segment_lo][segment]
        right = row[segment_hi][segment] - at
        n_left, n_right, sum_xlogx = totals
        return (n_left + left, n_right + right, sum_xlogx + xlogx[left] + xlogx[right]), None

    zeros = jnp.zeros(candidates.shape, jnp.int32)
    start = (zeros, zeros, jnp.zeros(candidates.shape, jnp.float64))
    (n_left, n_right, sum_xlogx), _ = lax.scan(add_class, start, cum,
                                               unroll=min(cum.shape[0], 8))
    return xlogx[n_left] + xlogx[n_right] - sum_xlogx, n_left + n_right


def _log2_three_pow_minus_two(k):
    """log2(3**k - 2) without overflow, for k >= 1."""
    k = k.astype(jnp.float64)
    return k * _LOG2_3 + jnp.log1p(-2.0 * jnp.exp(-k * math.log(3.0))) / _LN2


def mdl_accepts(parent, left, right, xlogx):
    """Fayyad & Irani's MDL acceptance test for splitting S into S1 and S2.

    Parameters
    ----------
    parent, left, right : RangeCounts
        Counts of S, S1 and S2.
    xlogx : float64 array
        :func:`xlogx_table` of a size above every count.

    Returns
    -------
    accept : bool array
        ``Gain(T; S) > (log2(N - 1) + Delta(T; S)) / N`` (False where S1 or S2 is empty).
    weighted_gain : float64 array
        ``N Gain(T; S)`` in bits: how much the split lowers the total class
        entropy of the rows.
    """
    h, h1, h2 = (c.scaled_entropy(xlogx) / _LN2 for c in (parent, left, right))  # N Ent, bits

    def entropy(scaled, counts):
        return counts.n_present * (scaled / jnp.maximum(counts.rows, 1).astype(jnp.float64))

    delta = _log2_three_pow_minus_two(parent.n_present) - (
        entropy(h, parent) - entropy(h1, left) - entropy(h2, right))
    bound = jnp.log2(jnp.maximum(parent.rows - 1, 1).astype(jnp.float64)) + delta
    weighted_gain = h - h1 - h2
    return (weighted_gain > bound) & (left.rows > 0) & (right.rows > 0), weighted_gain


def choose_cuts(cum, xlogx, candidates, segment_of, segment_lo, segment_hi):
    """Best cut of every pending segment, all segments at once.

    Parameters
    ----------
    cum : int32 array of shape (n_classes, size)
        Cumulative class counts in the flat layout (module docstring), one
        row per class.
    xlogx : float64 array
        :func:`xlogx_table` of a size above every count (the number of rows).
    candidates : int32 array of shape (n_candidates,)
        Flat indices of the candidates of all pending segments, grouped by
        segment in segment order, increasing within a segment.
    segment_of : int32 array of shape (n_candidates,)
        Segment number of each candidate; ``n_segments`` or more marks padding.
    segment_lo, segment_hi : int32 arrays of shape (n_segments,)
        Flat indices framing each segment.

    Returns
    -------
    int32 array of shape (n_segments,)
        Flat index of each segment's best cut: the smallest among those whose
        ``E(T; S)`` is within ``TIE_TOLERANCE_BITS`` of the minimum;
        meaningless for a segment without candidates.
    """
    n_segments = segment_lo.shape[0]
    real = segment_of < n_segments
    segment = jnp.minimum(segment_of, n_segments - 1)
    criterion, rows = split_criterion(cum, xlogx, candidates, segment, segment_lo, segment_hi)
    criterion = jnp.where(real, criterion, jnp.inf)
    best = jax.ops.segment_min(criterion, segment_of, n_segments, indices_are_sorted=True)
    tolerance = TIE_TOLERANCE_BITS * _LN2 * rows.astype(jnp.float64)
    tied = real & (criterion <= best[segment] + tolerance)
    never = jnp.iinfo(jnp.int32).max
    choice = jax.ops.segment_min(jnp.where(tied, candidates, never), segment_of, n_segments,
                                 indices_are_sorted=True)
    return jnp.clip(choice, 0, cum.shape[1] - 1)


def mdl_verdict(cum, xlogx, segment_lo, choice, segment_hi):
    """MDL acceptance of cutting each segment ``[lo, hi)`` at ``choice``.

    Returns
    -------
    accept : bool array of shape (n_segments,)
    weighted_gain : float64 array of shape (n_segments,)
        ``N Gain`` of each cut in bits (see :func:`mdl_accepts`).
    """
    return mdl_accepts(range_counts(cum, xlogx, segment_lo, segment_hi),
                       range_counts(cum, xlogx, segment_lo, choice),
                       range_counts(cum, xlogx, choice, segment_hi), xlogx)
