"""Ross (2014) mutual information between a continuous and a discrete variable.

Reproduces scikit-learn's private ``_compute_mi_cd`` on the same (already
scaled and noised) inputs, to rounding of the final means, by doing the same
floating-point operations:

* distances are ``|fl(x_j - x_i)|`` (the trees' Euclidean distance in 1-D is
  ``sqrt(fl(d * d)) == |d|`` in binary64); radii are ``nextafter(r_k, 0)``;
* counts use the trees' predicate ``fl(|x_j - x_i|) <= r`` (``knn_common``);
* where scikit-learn's ``NearestNeighbors`` switches to brute force for a class
  of at most ``2 k + 1`` members it computes squared distances as
  ``(fl(a^2) - 2 fl(a b)) + fl(b^2)`` (the GEMM trick); this kernel replays
  that formula for those classes, so the 1-ulp radius differences it
  produces are reproduced too.

A sort by (class, value) is one int64 sort of ``class << 32 | rank(value)``.
Padding rows (added by the engine) carry a class code outside
``[0, n_levels)`` and are ignored. Pure JAX, one column, never jitted here.
"""

import jax
import jax.numpy as jnp
from jax import lax

from .knn_common import (
    KEY_INF,
    count_within_near,
    float_to_key,
    key_to_float,
    kth_smallest,
    psi,
    shifted,
)


def _opaque(x: jax.Array, zero: jax.Array) -> jax.Array:
    """``x`` unchanged, hidden from the compiler behind an integer xor with a runtime zero.

    Keeps XLA:CPU (LLVM) from contracting ``a * b + c`` into a fused
    multiply-add, which rounds once where NumPy rounds twice.
    """
    bits = lax.bitcast_convert_type(x, jnp.int64) ^ zero
    return lax.bitcast_convert_type(bits, jnp.float64)


def ross_mutual_info(
    x: jax.Array,
    y_codes: jax.Array,
    n_levels: int,
    n_neighbors: int,
    psi_table: jax.Array | None = None,
    bracket=32,
) -> jax.Array:
    r"""Ross (2014) mutual information between a continuous ``x`` and a discrete ``y``, in nats.

    .. math::

        \hat I = \psi(N) + \langle \psi(k_i) \rangle - \langle \psi(N_{y_i}) \rangle
                 - \langle \psi(m_i) \rangle

    over the ``N`` points whose class has more than one member (points of
    singleton classes are dropped everywhere), with ``k_i = min(n_neighbors,
    N_{y_i} - 1)``, ``N_{y_i}`` the size of the class, and ``m_i`` the number of
    points of any class (itself included) within ``nextafter(r_i, 0)`` of
    ``x_i``, ``r_i`` the distance to its ``k_i``-th neighbour in its class.
    Reproduces scikit-learn's ``_compute_mi_cd`` before its clipping at 0.

    In 1-D no tree is needed: the column is sorted within each class (one
    int64 sort of ``class << 32 | rank``), the k-th neighbour is among the
    ``k`` nearest on either side, and ``m_i`` is a bisection on the sorted
    column.

    Parameters
    ----------
    x : Array of shape (n,), float64
        Continuous samples (already scaled and noised as scikit-learn does).
    y_codes : Array of shape (n,), integer
        Class codes in ``[0, n_levels)``; other codes mark padding rows.
    n_levels : int
        Static number of classes (classes without members are allowed).
    n_neighbors : int
        Static ``k`` (at least 1).
    psi_table : Array of shape (>= n + 1,), optional
        ``digamma(i)`` at index ``i`` (the engine passes scipy's values);
        computed with ``jax.scipy.special.digamma`` when omitted.
    bracket : int or traced int
        Search bracket of :func:`count_within_near`, a power of two (speed only); about
        four times the typical ``m_i`` is a good choice.

    Returns
    -------
    Array of shape ()
        Raw (unclipped) estimate in nats; 0.0 when no class has two members.
    """
    n = x.shape[0]
    big_k = n_neighbors
    y = y_codes.astype(jnp.int32)
    in_range = (y >= 0) & (y < n_levels)
    y = jnp.where(in_range, y, n_levels)
    counts = jnp.zeros(n_levels + 1, jnp.int32).at[y].add(1)
    class_counts = jnp.where(counts > 1, counts, 0).at[n_levels].set(0)
    valid = class_counts[y] > 0
    n_valid = jnp.sum(class_counts)

    # Global sort (all kept points) and a sort by (class, value).
    keys = jnp.where(valid, float_to_key(x), KEY_INF)
    sorted_keys = jnp.sort(keys)
    sorted_x = key_to_float(sorted_keys)
    rank = jnp.searchsorted(sorted_keys, keys, side="left", method="scan")
    cls = jnp.where(valid, y, n_levels).astype(jnp.int64)
    packed = jnp.sort((cls << 32) | rank.astype(jnp.int64))
    c = (packed >> 32).astype(jnp.int32)  # class of each position, n_levels for dropped
    g = (packed & 0xFFFFFFFF).astype(jnp.int32)  # rank of the value in sorted_x
    v = sorted_x[g]  # values sorted within class

    starts = jnp.cumsum(class_counts) - class_counts
    position = jnp.arange(n, dtype=jnp.int32)
    first = starts[c]
    size = class_counts[c]
    last = first + size  # one past the class
    k = jnp.clip(jnp.minimum(big_k, size - 1), 1, big_k)

    # Tree classes: the k-th neighbour distance is the k-th smallest of the
    # sorted lists of left and right gaps: min over a of max(L_a, R_{k-a}).
    offsets = list(range(1, big_k + 1))
    left_v = shifted(v, [-o for o in offsets], jnp.inf)
    right_v = shifted(v, offsets, jnp.inf)
    o = jnp.asarray(offsets, jnp.int32)[None, :]
    gaps_left = jnp.where(position[:, None] - o >= first[:, None], v[:, None] - left_v, jnp.inf)
    gaps_right = jnp.where(position[:, None] + o < last[:, None], right_v - v[:, None], jnp.inf)
    zero = jnp.zeros((n, 1), v.dtype)
    gaps_left = jnp.concatenate([zero, gaps_left], axis=1)
    gaps_right = jnp.concatenate([zero, gaps_right], axis=1)

    def kth_gap(k):
        out = jnp.full(n, jnp.inf, v.dtype)
        for a in range(big_k + 1):
            b = k - a
            if isinstance(k, int):  # static k: plain slices
                if b >= 0:
                    out = jnp.minimum(out, jnp.maximum(gaps_left[:, a], gaps_right[:, b]))
                continue
            r_b = jnp.take_along_axis(gaps_right, jnp.clip(b, 0, big_k)[:, None], axis=1)[:, 0]
            out = jnp.minimum(out, jnp.where(b >= 0, jnp.maximum(gaps_left[:, a], r_b), jnp.inf))
        return out

    class_k = jnp.clip(jnp.minimum(big_k, class_counts - 1), 1, big_k)
    small_classes = (class_counts > 0) & (class_k < big_k)
    r_tree = lax.cond(jnp.any(small_classes), lambda: kth_gap(k), lambda: kth_gap(big_k))

    # Brute-force classes (scikit-learn's NearestNeighbors picks brute force when
    # k >= size // 2, i.e. size <= 2k + 1): squared distances by the GEMM trick.
    brute_classes = (class_counts > 0) & (class_k >= class_counts // 2)

    def with_brute_radii():
        window = [o for o in range(-2 * big_k, 2 * big_k + 1) if o != 0]
        others = shifted(v, window, 0.0)
        w = jnp.asarray(window, jnp.int32)[None, :]
        same = (position[:, None] + w >= first[:, None]) & (position[:, None] + w < last[:, None])
        vv = v[:, None]
        zero = jnp.minimum(n_valid, 0).astype(jnp.int64)  # 0, unknown to the compiler
        squared = (_opaque(vv * vv, zero) + -2.0 * _opaque(vv * others, zero)) + _opaque(
            others * others, zero)
        squared = jnp.where(same, jnp.maximum(squared, 0.0), jnp.inf)
        r_brute = jnp.sqrt(kth_smallest(squared, k, big_k))
        return jnp.where(brute_classes[c], r_brute, r_tree)

    r_k = lax.cond(jnp.any(brute_classes), with_brute_radii, lambda: r_tree)
    radius = jnp.nextafter(r_k, 0.0)
    kept = c < n_levels
    m = count_within_near(sorted_x, v, radius, g, kept, bracket)
    safe_m = jnp.where(kept, m, 1)
    sum_psi_m = jnp.sum(jnp.where(kept, psi(safe_m, psi_table), 0.0))
    safe_counts = jnp.maximum(class_counts, 1)
    sum_psi_k = jnp.sum(class_counts * psi(class_k, psi_table))
    sum_psi_counts = jnp.sum(class_counts * psi(safe_counts, psi_table))
    safe_n = jnp.maximum(n_valid, 1)
    mi = psi(safe_n, psi_table) + (sum_psi_k - sum_psi_counts - sum_psi_m) / safe_n
    return jnp.where(n_valid > 0, mi, 0.0)
