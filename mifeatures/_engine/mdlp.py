"""MDLP: supervised cut points (Fayyad & Irani).

See ``kernels.mdlp``. The host sorts the features of a chunk (NumPy's sort
is several times faster than XLA's on this CPU), finds the candidate
positions (boundary points) and the cumulative class counts there with
whole-array passes, and lays all the features' candidates end to end. The
recursion then runs one depth level per step: each step scores every
candidate of every pending segment of every feature in one jitted call
(``kernels.mdlp.choose_cuts``, then ``mdl_verdict`` on the chosen cuts), and
the host turns the accepted cuts into the next level's segments. Only pending
segments are scored, so the work shrinks as segments settle. Chunks of
features run on up to ``_MDLP_THREADS`` threads (NumPy's sort releases the GIL).
"""

from typing import NamedTuple

import jax
import numpy as np

from ..kernels import mdlp
from ._common import _DEFAULT_THREADS, bucket, float64, in_threads

# Threads for chunks of features (each sort and each XLA call uses one core).
_MDLP_THREADS = _DEFAULT_THREADS

# Rows times features per chunk: bounds the host's sorted copies (~50 bytes each).
_MDLP_CHUNK_ELEMENTS = 1 << 22
# Smallest padded shapes: small inputs all share one compiled shape.
_MDLP_MIN_CANDIDATES = 1 << 14
_MDLP_MIN_SEGMENTS = 1 << 8

# Two jitted steps: the first's shape follows the candidates, the second's only
# the segments, so a new candidate bucket recompiles only the smaller first one.
_mdlp_choose = jax.jit(mdlp.choose_cuts)
_mdlp_verdict = jax.jit(mdlp.mdl_verdict)
_xlogx_table = jax.jit(mdlp.xlogx_table, static_argnames="size")


class MdlpSplits(NamedTuple):
    """Accepted MDLP cuts of one feature, as a tree.

    Attributes
    ----------
    cuts : float64 ndarray of shape (n_cuts,)
        Cut points in increasing order.
    parents : int ndarray of shape (n_cuts,)
        Index into ``cuts`` of the cut whose split created the segment that
        this cut split; -1 for the first (root) cut.
    gains : float64 ndarray of shape (n_cuts,)
        ``N Gain`` of each split in bits (rows times bits of class entropy removed).
    """

    cuts: np.ndarray
    parents: np.ndarray
    gains: np.ndarray


def _power_of_two(size, minimum):
    return max(minimum, 1 << (max(int(size), 1) - 1).bit_length())


def _power_of_four(size, minimum):
    """Shape bucket: a power of four. Each new shape costs a compile of about a second
    (two under load here), so coarse buckets are worth their padding."""
    exponent = (max(int(size), 1) - 1).bit_length()
    return max(minimum, 1 << (exponent + exponent % 2))


def _order_keys(values):
    """int64 keys ordered like the float64 values (-0.0 and 0.0 share one key)."""
    bits = (values + 0.0).view(np.int64)
    return bits ^ ((bits >> 63) & np.int64(0x7FFFFFFFFFFFFFFF))


def _sort_with_classes(XT, y_codes, n_classes):
    """Each row of XT sorted, and the classes of its rows in that order.

    One sort of the values and one of int64 keys that carry the class in
    their lowest bits (an indirect sort plus gathers costs about twice as
    much). Dropping those bits merges values less than ``2**bits`` ulps apart,
    so features where that happens are redone with an exact argsort.
    """
    bits = max(1, (n_classes - 1).bit_length())
    low = np.int64((1 << bits) - 1)
    xs = np.sort(XT, axis=1)
    keys = _order_keys(XT)
    keys &= ~low
    keys |= y_codes
    keys.sort(axis=1)
    ys = keys & low
    # Neighbours whose keys agree above the class bits (rare), then their values.
    same_high = np.bitwise_xor(keys[:, 1:], keys[:, :-1]).view(np.uint64) <= np.uint64(low)
    feature, row = np.nonzero(same_high)
    merged = np.unique(feature[xs[feature, row] != xs[feature, row + 1]])
    for j in merged:
        ys[j] = y_codes[np.argsort(XT[j], kind="stable")]
    return xs, ys


def _candidates(xs, ys):
    """Flat indices (into ``xs.ravel()``) of the rows that start a candidate cut.

    A cut before row t of a sorted feature is a candidate where the value
    changes and the rows at the two values (the runs of equal values on
    either side) are not all of one class.
    """
    c, n = xs.shape
    x, y = xs.ravel(), ys.ravel()
    value_change = np.empty(x.size, dtype=bool)
    value_change[0] = True
    np.not_equal(x[1:], x[:-1], out=value_change[1:])
    class_change = np.zeros(x.size, dtype=bool)
    np.not_equal(y[1:], y[:-1], out=class_change[1:])
    class_change[::n] = False
    if value_change.all():  # no ties: every run is one row
        return np.flatnonzero(class_change)
    value_change[::n] = True
    # Class changes inside runs of equal values, counted up to each row.
    within = np.cumsum(class_change & ~value_change, dtype=np.int64)
    starts = np.flatnonzero(value_change)
    ends = np.append(starts[1:] - 1, x.size - 1)
    mixed = within[ends] > within[starts]
    cut = (mixed[1:] | mixed[:-1] | class_change[starts[1:]]) & (starts[1:] % n != 0)
    return starts[1:][cut]


def _flat_layout(candidates, ys, n_classes):
    """Candidate positions and cumulative class counts, all features end to end.

    Positions are flat indices into ``ys.ravel()``: the candidates merged with
    the features' boundaries ``0, n, 2n, ..., c n``. Counts are cumulative over
    the flat rows; a segment never crosses a boundary, so differences of them
    count the rows of one feature (see ``kernels.mdlp``).

    Returns
    -------
    positions : int64 ndarray of shape (size,)
    cum : int32 ndarray of shape (n_classes, size)
    boundaries : int64 ndarray of shape (c + 1,)
        Where the features' boundaries sit in ``positions``.
    """
    c, n = ys.shape
    boundaries = np.searchsorted(candidates, np.arange(c + 1) * n) + np.arange(c + 1)
    positions = np.empty(candidates.size + c + 1, dtype=np.int64)
    is_candidate = np.ones(positions.size, dtype=bool)
    is_candidate[boundaries] = False
    positions[boundaries] = np.arange(c + 1) * n
    positions[is_candidate] = candidates
    # Per-class running counts (the last class is what the others leave).
    y = ys.ravel()
    running = np.zeros(y.size + 1, dtype=np.int64)
    cum = np.empty((n_classes, positions.size), dtype=np.int32)
    for k in range(n_classes - 1):
        np.cumsum(y == k, out=running[1:])
        cum[k] = running[positions]
    cum[-1] = positions - cum[:-1].sum(axis=0)
    return positions, cum, boundaries


def _level_inputs(lo, hi):
    """Padded candidates and segment numbers of the segments ``(lo, hi)``."""
    inside = hi - lo - 1
    n_candidates, n_segments = int(inside.sum()), lo.size
    size = _power_of_two(n_candidates, _MDLP_MIN_CANDIDATES)
    segments = _power_of_two(n_segments, _MDLP_MIN_SEGMENTS)
    first = np.cumsum(inside) - inside
    candidates = np.zeros(size, dtype=np.int32)
    candidates[:n_candidates] = np.arange(n_candidates) + np.repeat(lo + 1 - first, inside)
    segment_of = np.full(size, segments, dtype=np.int32)
    segment_of[:n_candidates] = np.repeat(np.arange(n_segments), inside)
    lo_padded = np.zeros(segments, dtype=np.int32)
    hi_padded = np.zeros(segments, dtype=np.int32)
    lo_padded[:n_segments], hi_padded[:n_segments] = lo, hi
    return candidates, segment_of, lo_padded, hi_padded


def _recursion(positions, cum, boundaries, n_rows, min_samples_split):
    """All accepted cuts: flat indices, parent cut (flat index or -1), N Gain in bits."""

    def splittable(lo, hi):
        return (hi - lo >= 2) & (positions[hi] - positions[lo] >= min_samples_split)

    lo, hi = boundaries[:-1], boundaries[1:]
    keep = splittable(lo, hi)
    lo, hi = lo[keep], hi[keep]
    owner = np.full(lo.size, -1)
    found = []
    padded = np.zeros((bucket(cum.shape[0], minimum=2),
                       _power_of_four(cum.shape[1], _MDLP_MIN_CANDIDATES)), dtype=np.int32)
    padded[: cum.shape[0], : cum.shape[1]] = cum
    with float64():
        cum_device = jax.device_put(padded)
        xlogx = _xlogx_table(_power_of_four(n_rows + 1, _MDLP_MIN_CANDIDATES))
        while lo.size:
            candidates, segment_of, lo_padded, hi_padded = _level_inputs(lo, hi)
            choice = _mdlp_choose(cum_device, xlogx, candidates, segment_of, lo_padded,
                                  hi_padded)
            result = choice, *_mdlp_verdict(cum_device, xlogx, lo_padded, choice, hi_padded)
            choice, accept, gain = (np.asarray(a)[: lo.size] for a in result)
            cut = choice[accept].astype(np.int64)
            found.append((cut, owner[accept], gain[accept]))
            lo = np.concatenate([lo[accept], cut])
            hi = np.concatenate([cut, hi[accept]])
            owner = np.concatenate([cut, cut])
            keep = splittable(lo, hi)
            lo, hi, owner = lo[keep], hi[keep], owner[keep]
    if not found:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    return tuple(np.concatenate(parts) for parts in zip(*found))


def _midpoints(below, above):
    """Cut values between adjacent distinct values: the midpoint, kept in (below, above]."""
    middle = (below + above) / 2
    middle = np.where(np.isfinite(middle), middle, below / 2 + above / 2)
    return np.where(middle > below, middle, above)


def _mdlp_chunk(XT, y_codes, n_classes, min_samples_split):
    """MdlpSplits of each row of ``XT`` (features x rows, finite float64)."""
    c, n = XT.shape
    xs, ys = _sort_with_classes(XT, y_codes, n_classes)
    positions, cum, boundaries = _flat_layout(_candidates(xs, ys), ys, n_classes)
    flat, parent, gain = _recursion(positions, cum, boundaries, n, min_samples_split)
    order = np.argsort(flat)
    flat, parent, gain = flat[order], parent[order], gain[order]
    rows = positions[flat]
    values = xs.ravel()
    cuts = _midpoints(values[rows - 1], values[rows])
    # Parents as indices into their own feature's sorted cuts.
    bounds = np.searchsorted(rows, np.arange(c + 1) * n)
    parent_rank = np.searchsorted(flat, parent) - bounds[rows // n]
    parent_rank = np.where(parent < 0, -1, parent_rank)
    return [MdlpSplits(cuts[a:b], parent_rank[a:b], gain[a:b])
            for a, b in zip(bounds[:-1], bounds[1:])]


def mdlp_splits(X, y_codes, n_classes, min_samples_split=2):
    """MDLP cut points (Fayyad & Irani 1993) of every column of X for one class target.

    Parameters
    ----------
    X : float ndarray of shape (n, p)
        Finite values (the caller checks).
    y_codes : int ndarray of shape (n,)
        Class codes in ``[0, n_classes)``.
    n_classes : int
    min_samples_split : int, default=2
        Segments with fewer rows are not split.

    Returns
    -------
    list of MdlpSplits, one per column
    """
    X = np.asarray(X, dtype=np.float64)
    n, p = X.shape
    y_codes = np.asarray(y_codes, dtype=np.int64)
    per_thread = -(-p // _MDLP_THREADS)
    # The class counts take n_classes int32 per candidate: fewer features when many classes.
    row_cost = max(n, 1) * max(1, bucket(n_classes, minimum=2) // 4)
    step = max(1, min(per_thread, _MDLP_CHUNK_ELEMENTS // row_cost))
    # Features dealt round-robin: neighbouring columns are often alike in depth
    # of recursion, so this balances the threads better than contiguous blocks.
    n_chunks = -(-p // step)
    chunks = [np.arange(i, p, n_chunks) for i in range(n_chunks)]

    def task(columns):
        XT = np.ascontiguousarray(X[:, columns].T)
        return _mdlp_chunk(XT, y_codes, n_classes, min_samples_split)

    if n_chunks == 1:
        return task(chunks[0])
    # On a cold cache both threads may compile the same shapes; the wall time
    # of a first call is about the same and steady state runs twice as fast.
    parts = in_threads(task, chunks, _MDLP_THREADS)
    result = [None] * p
    for columns, part in zip(chunks, parts):
        for j, splits in zip(columns, part):
            result[j] = splits
    return result
