"""Nearest-neighbour estimators: Ross (mixed), KSG (continuous) MI and Kozachenko-Leonenko.

Pure JAX kernels for ONE feature column; ``mifeatures._engine`` maps them over
features inside ``jit`` and scopes float64 (they need float64 inputs: the
1e-10 tie-breaking noise of scikit-learn vanishes in float32). Nothing here
jits, validates or prints.

Exactness. The MI kernels reproduce scikit-learn's private ``_compute_mi_cd``
and ``_compute_mi_cc`` on the same (already scaled and noised) inputs, to
rounding of the final means, by doing the same floating-point operations:

* distances are ``|fl(x_j - x_i)|`` (the trees' Euclidean distance in 1-D is
  ``sqrt(fl(d * d)) == |d|`` in binary64), Chebyshev distances the max of two;
* radii are ``nextafter(r_k, 0)``;
* "within the radius" is the predicate ``fl(|x_j - x_i|) <= r`` that the trees
  evaluate, found by bisection on the sorted column (it is monotone there).
  ``searchsorted(x_sorted, x_i +- r)`` is NOT equivalent: rounding of
  ``x_i + r`` admits the neighbour that set the radius.
* where scikit-learn's ``NearestNeighbors`` switches to brute force for a class
  of at most ``2 k + 1`` members it computes squared distances as
  ``(fl(a^2) - 2 fl(a b)) + fl(b^2)`` (the GEMM trick); the Ross kernel
  replays that formula for those classes, so the 1-ulp radius differences it
  produces are reproduced too.

Sorting. Floats are sorted as order-preserving int64 keys (a single-operand
integer sort is about 5x faster than a float sort on XLA:CPU), and a sort by
(class, value) is one int64 sort of ``class << 32 | rank(value)``.

Padding. The engine pads rows to shape buckets: for Ross with a target code
outside ``[0, n_levels)``, for KSG and KL with ``x = +inf``. Padded rows are
ignored (they sort last and lie at infinite distance from every real row).

Results are raw estimates (not clipped at 0, see DESIGN.md on permutation
tests) in nats, as 0-d float64 arrays.
"""

import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax import lax
from jax.scipy.special import digamma

_SIGN_OFF = 0x7FFFFFFFFFFFFFFF
# Key of +inf: padding rows sort after every finite value.
KEY_INF = 0x7FF0000000000000


def float_to_key(x: jax.Array) -> jax.Array:
    """Order-preserving map float64 -> int64 (bitcast; negatives get their non-sign bits flipped).

    ``a < b`` iff ``key(a) < key(b)`` for non-NaN floats, except that ``-0.0``
    sorts just before ``+0.0``. The map is its own inverse on int64
    (:func:`key_to_float`).
    """
    bits = lax.bitcast_convert_type(x.astype(jnp.float64), jnp.int64)
    return jnp.where(bits < 0, bits ^ _SIGN_OFF, bits)


def key_to_float(key: jax.Array) -> jax.Array:
    """Inverse of :func:`float_to_key`."""
    return lax.bitcast_convert_type(jnp.where(key < 0, key ^ _SIGN_OFF, key), jnp.float64)


def _psi(values: jax.Array, psi_table: jax.Array | None) -> jax.Array:
    """digamma of positive integers, from a table when one is given (exactly scipy's values)."""
    if psi_table is None:
        return digamma(values.astype(jnp.float64))
    return jnp.asarray(psi_table)[values]


def _prefix_count(predicate, length: jax.Array, max_length) -> jax.Array:
    """Length of the true prefix of a monotone (true, then false) predicate on ``0..length-1``.

    Branchless binary search with power-of-two steps, vectorised over the shape
    of ``length`` (``length <= max_length``). ``max_length`` is a static int or
    a traced power of two (then the number of steps is traced too).
    ``predicate(t)`` gets offsets in ``[0, max(length, 1))``.
    """
    if isinstance(max_length, int):
        top = max(max_length, 1).bit_length() - 1
    else:  # traced power of two: log2 from the leading zeros
        top = 31 - lax.clz(jnp.maximum(jnp.asarray(max_length, jnp.int32), 1))

    def body(i, pos):
        step = jnp.left_shift(jnp.int32(1), top - i)
        probe = pos + step - 1
        take = (probe < length) & predicate(jnp.clip(probe, 0, jnp.maximum(length - 1, 0)))
        return jnp.where(take, pos + step, pos)

    return lax.fori_loop(0, top + 1, body, jnp.zeros(jnp.shape(length), jnp.int32))


def count_within(sorted_values: jax.Array, values: jax.Array, radius: jax.Array) -> jax.Array:
    """For each ``v, r``: the number of ``s`` in ``sorted_values`` with ``fl(|s - v|) <= r``.

    Exactly the predicate of scikit-learn's KDTree radius queries in 1-D
    (including the point itself when it is in ``sorted_values``). ``+inf``
    entries (padding) are never counted for finite ``v, r``. Two bisections
    over the whole array; see :func:`count_within_near` for the fast path.
    """
    n = sorted_values.shape[0]
    size = jnp.full(values.shape, n, jnp.int32)
    left = _prefix_count(lambda j: (values - sorted_values[j]) > radius, size, n)
    right = _prefix_count(lambda j: (sorted_values[j] - values) <= radius, size, n)
    return right - left


# Points per block of the exact fallback of count_within_near.
_FALLBACK_BLOCK = 512


def count_within_near(sorted_values: jax.Array, values: jax.Array, radius: jax.Array,
                      rank: jax.Array, active: jax.Array | None = None,
                      bracket=32) -> jax.Array:
    """:func:`count_within` for values that occur in ``sorted_values`` at index ``rank``.

    Bisects only within ``bracket`` positions (a power of two, static or traced) on
    either side of ``rank``: the counts of kNN estimators are small. Blocks of
    points where the bracket does not hold the boundary are redone with
    :func:`count_within` inside a ``lax.cond``, so the result is exact for any
    radius; a good bracket only saves time. Entries where ``active`` is false
    (padding) get arbitrary counts.
    """
    n = sorted_values.shape[0]
    w = bracket
    v, r = values, radius

    def outside_left(j):
        return (v - sorted_values[jnp.clip(j, 0, n - 1)]) > r

    def inside_right(j):
        return (sorted_values[jnp.clip(j, 0, n - 1)] - v) <= r

    lo = jnp.maximum(rank - w, 0)
    left = lo + _prefix_count(lambda t: outside_left(lo + t), rank - lo, w)
    hi = jnp.minimum(rank + 1 + w, n)
    right = rank + 1 + _prefix_count(lambda t: inside_right(rank + 1 + t), hi - rank - 1, w)
    exact = ((lo == 0) | outside_left(lo - 1)) & ((hi == n) | ~inside_right(hi))
    if active is not None:
        exact = exact | ~active
    counts = right - left

    # Exact fallback, block by block (failures cluster in the tails).
    size = values.shape[0]
    block = min(_FALLBACK_BLOCK, size)
    pad = -size % block

    def blocks(a, fill):
        return jnp.concatenate([a, jnp.full(pad, fill, a.dtype)]).reshape(-1, block)

    def redo(args):
        vb, rb, cb, ok = args
        return lax.cond(jnp.all(ok), lambda: cb,
                        lambda: jnp.where(ok, cb, count_within(sorted_values, vb, rb)))

    done = lax.map(redo, (blocks(v, jnp.inf), blocks(r, 0.0), blocks(counts, 0),
                          blocks(exact, True)))
    return done.reshape(-1)[:size]


def _shifted(v: jax.Array, offsets, fill) -> jax.Array:
    """``out[i, t] = v[i + offsets[t]]``, ``fill`` outside ``v``: shape (n, len(offsets))."""
    pad = max(abs(o) for o in offsets)
    padded = jnp.concatenate([jnp.full(pad, fill, v.dtype), v, jnp.full(pad, fill, v.dtype)])
    n = v.shape[0]
    return jnp.stack([lax.dynamic_slice_in_dim(padded, pad + o, n) for o in offsets], axis=1)


def _opaque(x: jax.Array, zero: jax.Array) -> jax.Array:
    """``x`` unchanged, hidden from the compiler behind an integer xor with a runtime zero.

    Keeps XLA:CPU (LLVM) from contracting ``a * b + c`` into a fused
    multiply-add, which rounds once where NumPy rounds twice.
    """
    bits = lax.bitcast_convert_type(x, jnp.int64) ^ zero
    return lax.bitcast_convert_type(bits, jnp.float64)


def _kth_smallest(d: jax.Array, k: jax.Array, k_max: int) -> jax.Array:
    """The ``k``-th smallest (1-based, with multiplicity) of each row of ``d``, for ``k <= k_max``.

    ``k_max`` min-passes, each removing one occurrence of the minimum (exact with
    ties; cheaper than ``lax.top_k`` on CPU).
    """
    out = jnp.zeros(d.shape[:-1], d.dtype)
    columns = jnp.arange(d.shape[-1])
    for t in range(1, k_max + 1):
        smallest = jnp.min(d, axis=-1)
        out = jnp.where(k == t, smallest, out)
        if t < k_max:
            first = jnp.argmin(d, axis=-1)
            d = jnp.where(columns[None, :] == first[:, None], jnp.inf, d)
    return out


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
    left_v = _shifted(v, [-o for o in offsets], jnp.inf)
    right_v = _shifted(v, offsets, jnp.inf)
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
        others = _shifted(v, window, 0.0)
        w = jnp.asarray(window, jnp.int32)[None, :]
        same = (position[:, None] + w >= first[:, None]) & (position[:, None] + w < last[:, None])
        vv = v[:, None]
        zero = jnp.minimum(n_valid, 0).astype(jnp.int64)  # 0, unknown to the compiler
        squared = (_opaque(vv * vv, zero) + -2.0 * _opaque(vv * others, zero)) + _opaque(
            others * others, zero)
        squared = jnp.where(same, jnp.maximum(squared, 0.0), jnp.inf)
        r_brute = jnp.sqrt(_kth_smallest(squared, k, big_k))
        return jnp.where(brute_classes[c], r_brute, r_tree)

    r_k = lax.cond(jnp.any(brute_classes), with_brute_radii, lambda: r_tree)
    radius = jnp.nextafter(r_k, 0.0)
    kept = c < n_levels
    m = count_within_near(sorted_x, v, radius, g, kept, bracket)
    safe_m = jnp.where(kept, m, 1)
    sum_psi_m = jnp.sum(jnp.where(kept, _psi(safe_m, psi_table), 0.0))
    safe_counts = jnp.maximum(class_counts, 1)
    sum_psi_k = jnp.sum(class_counts * _psi(class_k, psi_table))
    sum_psi_counts = jnp.sum(class_counts * _psi(safe_counts, psi_table))
    safe_n = jnp.maximum(n_valid, 1)
    mi = _psi(safe_n, psi_table) + (sum_psi_k - sum_psi_counts - sum_psi_m) / safe_n
    return jnp.where(n_valid > 0, mi, 0.0)


def _kth_gap_1d(sorted_v: jax.Array, k: int) -> jax.Array:
    """Distance from each entry of a sorted 1-D array to its k-th nearest other entry.

    The k-th smallest of the union of the left gaps ``L_1 <= ... <= L_k`` and
    the right gaps ``R_1 <= ... <= R_k``: ``min_a max(L_a, R_{k-a})`` (``L_0 =
    R_0 = 0``). Gaps past either end are ``+inf``.
    """
    offsets = list(range(1, k + 1))
    left = sorted_v[:, None] - _shifted(sorted_v, [-o for o in offsets], -jnp.inf)
    right = _shifted(sorted_v, offsets, jnp.inf) - sorted_v[:, None]
    out = jnp.minimum(left[:, k - 1], right[:, k - 1])
    for a in range(1, k):
        out = jnp.minimum(out, jnp.maximum(left[:, a - 1], right[:, k - a - 1]))
    return out


# Query rows per block of the brute-force d-D neighbour search (memory: block * n floats).
_KL_BLOCK = 256


def _kth_chebyshev_brute(x: jax.Array, k: int) -> jax.Array:
    """Chebyshev distance from each row of ``x`` (n, d) to its k-th nearest other row.

    Brute force, ``O(k n^2 d)`` time, ``_KL_BLOCK * n`` memory per block.
    """
    n, d = x.shape
    pad = -n % _KL_BLOCK
    queries = jnp.concatenate([x, jnp.full((pad, d), jnp.inf, x.dtype)])
    index = jnp.arange(n + pad).reshape(-1, _KL_BLOCK)

    def block(args):
        q, i = args
        dist = jnp.max(jnp.abs(q[:, None, :] - x[None, :, :]), axis=-1)
        dist = jnp.where(i[:, None] == jnp.arange(n)[None, :], jnp.inf, dist)
        return _kth_smallest(dist, jnp.full(q.shape[0], k), k)

    out = lax.map(block, (queries.reshape(-1, _KL_BLOCK, d), index))
    return out.reshape(-1)[:n]


def kl_entropy(x: jax.Array, n_neighbors: int, psi_table: jax.Array | None = None) -> jax.Array:
    r"""Kozachenko-Leonenko differential entropy (nats) of samples of a 1-D or d-D variable.

    With the maximum norm, whose unit ball is the cube of volume
    :math:`c_d = 2^d`, and :math:`\epsilon_i` the DISTANCE (radius, not twice
    the distance) from sample ``i`` to its k-th nearest neighbour:

    .. math::

        \hat H = \psi(n) - \psi(k) + d \log 2 + \frac{d}{n} \sum_i \log \epsilon_i

    (Kozachenko & Leonenko 1987; Kraskov et al. 2004, eq. 20, where
    :math:`\epsilon_i` is twice the distance and :math:`c_d = 1`: the same number).

    1-D samples are sorted; 2-D samples use the exact strip search of the KSG
    kernel; d > 2 a brute-force search (``O(k n^2 d)``, about a second at
    n = 20 000 here; see the engine's documented limit).

    Parameters
    ----------
    x : Array of shape (n,) or (n, d), float64
        Rows with a ``+inf`` entry are padding and ignored.
    n_neighbors : int
        Static ``k``; needs more than ``k`` real rows.
    psi_table : Array, optional
        ``digamma(i)`` at index ``i`` for ``i <= n``.

    Returns
    -------
    Array of shape ()
        Entropy in nats; ``-inf`` when some sample has ``k`` exact duplicates
        (a zero distance), as the estimator is then undefined.
    """
    points = x if x.ndim == 2 else x[:, None]
    d = points.shape[1]
    valid = jnp.all(points < jnp.inf, axis=1)
    n_valid = jnp.sum(valid)
    if d == 1:
        values = jnp.where(valid, points[:, 0], jnp.inf)
        eps = _kth_gap_1d(key_to_float(jnp.sort(float_to_key(values))), n_neighbors)
        kept = jnp.arange(points.shape[0]) < n_valid  # real rows sort first
    elif d == 2:
        xy = jnp.where(valid[:, None], points, jnp.inf)
        strip = 1 << max(round(math.log2(1.6 * points.shape[0] ** 0.5)), 0)
        eps, (xq, _, _, _), _ = _joint_knn(xy[:, 0], xy[:, 1], n_neighbors, strip, 8)
        kept = xq < jnp.inf  # in strip order, padding last
    else:
        eps = _kth_chebyshev_brute(points, n_neighbors)
        kept = valid
    sum_log = jnp.sum(jnp.where(kept, jnp.log(jnp.where(kept, eps, 1.0)), 0.0))
    psi = _psi(jnp.stack([jnp.maximum(n_valid, 1), jnp.asarray(n_neighbors, n_valid.dtype)]),
               psi_table)
    return psi[0] - psi[1] + d * jnp.log(2.0) + d * sum_log / jnp.maximum(n_valid, 1)


def marginal(v: jax.Array):
    """Sorted values (``+inf`` padding last) and the leftmost rank of each entry in them."""
    keys = float_to_key(v)
    sorted_keys = jnp.sort(keys)
    rank = jnp.searchsorted(sorted_keys, keys, side="left", method="scan").astype(jnp.int32)
    return key_to_float(sorted_keys), rank


def _insert(best: list, c: jax.Array) -> list:
    """Insert ``c`` into ascending lists ``best`` (one array per slot), keeping the smallest.

    A compare-exchange network: exact with ties, elementwise (no reductions).
    """
    out = [jnp.minimum(best[0], c)]
    for i in range(1, len(best)):
        out.append(jnp.minimum(best[i], jnp.maximum(best[i - 1], c)))
    return out


class _Strips(NamedTuple):
    """Points cut into strips of ``strip`` consecutive a-ranks, each strip sorted by b.

    Position ``i`` holds the point with packed key ``packed[i]`` =
    ``strip_id << (bits + shift) | b_rank << shift | (a_rank - strip_id * strip)``.
    """

    packed: jax.Array
    a: jax.Array  # a-value at each position
    b: jax.Array  # b-value at each position
    ra: jax.Array
    rb: jax.Array
    bounds: jax.Array  # bounds[u + 1] = first position of strip u (u = -1 .. n_strips)
    sorted_a: jax.Array


def _strip_layout(n: int, strip: int):
    bits = max(n.bit_length(), 1)
    shift = max(strip - 1, 0).bit_length()
    if 2 * bits + 2 > 63:
        raise ValueError(f"too many rows ({n}) for the packed strip sort")
    return bits, shift, (n - 1) // strip + 1


def _build_strips(sa, ra, sb, rb, strip) -> _Strips:
    n = sa.shape[0]
    bits, shift, n_strips = _strip_layout(n, strip)
    t = ra // strip
    packed = jnp.sort((((t.astype(jnp.int64) << bits) | rb) << shift) | (ra - t * strip))
    t_q = (packed >> (bits + shift)).astype(jnp.int32)
    rb_q = ((packed >> shift) & ((1 << bits) - 1)).astype(jnp.int32)
    ra_q = t_q * strip + (packed & ((1 << shift) - 1)).astype(jnp.int32)
    starts = jnp.searchsorted(packed, jnp.arange(n_strips + 1, dtype=jnp.int64) << (bits + shift),
                              method="scan").astype(jnp.int32)
    bounds = jnp.concatenate([starts[:1], starts, starts[-1:]])
    return _Strips(packed, sa[ra_q], sb[rb_q], ra_q, rb_q, bounds, sa)


def _window_knn(st: _Strips, qa, qb, qra, qrb, own, k, strip, window):
    """k-th smallest Chebyshev distance among windowed candidates, and its certificate.

    Queries are points of ``st`` given by values and ranks; ``own`` is each
    query's position in ``st`` or None (then searched for). Candidates: the
    ``window`` points on either side of the query's b in its own strip and
    in the strips next to it. Certified (exact) when the a-gap beyond those
    three strips and the b-gaps beyond every window are at least the radius.
    The gaps are signed, so a window placed wrongly (the bisections look at
    no more than ``2 * strip`` entries of a strip, longer only with ties)
    fails its certificate instead of giving a wrong radius.
    (Loops, not unrolled code: measured faster here, and much faster to compile.)
    """
    n = st.packed.shape[0]
    bits, shift, _ = _strip_layout(n, strip)
    t = qra // strip
    lo_rank, hi_rank = (t - 1) * strip - 1, (t + 2) * strip
    gap = jnp.minimum(
        jnp.where(lo_rank >= 0, qa - st.sorted_a[jnp.maximum(lo_rank, 0)], jnp.inf),
        jnp.where(hi_rank < n, st.sorted_a[jnp.minimum(hi_rank, n - 1)] - qa, jnp.inf))

    def one_strip(du, carry):
        best, gap = carry
        u = t + du
        lo, hi = st.bounds[u + 1], st.bounds[u + 2]
        # own strip: the query's exact key; others: the first entry with b-rank >= the query's
        target = (((u.astype(jnp.int64) << bits) | qrb) << shift) | jnp.where(
            du == 0, qra - t * strip, 0)
        center = lo + _prefix_count(lambda j: st.packed[jnp.minimum(lo + j, n - 1)] < target,
                                    hi - lo, 2 * strip)
        if own is not None:
            center = jnp.where(du == 0, own, center)

        def add(o, best):
            pos = center + o
            at = jnp.clip(pos, 0, n - 1)
            d = jnp.maximum(jnp.abs(st.a[at] - qa), jnp.abs(st.b[at] - qb))
            inside = (pos >= lo) & (pos < hi) & ((du != 0) | (o != 0))
            return _insert(best, jnp.where(inside, d, jnp.inf))

        best = lax.fori_loop(-window, window + 1, add, best)
        below, above = center - window - 1, center + window + 1
        gap = jnp.minimum(gap, jnp.where(below >= lo, qb - st.b[jnp.clip(below, 0, n - 1)],
                                         jnp.inf))
        gap = jnp.minimum(gap, jnp.where(above < hi, st.b[jnp.clip(above, 0, n - 1)] - qb,
                                         jnp.inf))
        return best, gap

    best = [jnp.full(qa.shape, jnp.inf)] * k
    best, gap = lax.fori_loop(-1, 2, one_strip, (best, gap))
    return best[-1], best[-1] <= gap


def _compact(mask: jax.Array) -> jax.Array:
    """Indices where ``mask`` holds, in order, then ``n`` (cheaper than ``jnp.nonzero``)."""
    n = mask.shape[0]
    slot = jnp.where(mask, jnp.cumsum(mask) - 1, n)
    return jnp.full(n, n, jnp.int32).at[slot].set(jnp.arange(n, dtype=jnp.int32), mode="drop")


def _for_failing(fail, r, compute, batch):
    """``r[i] = compute(indices)[...]`` for the indices where ``fail``, in batches (while_loop).

    ``compute(q, real)`` gets a batch of indices (``real`` false for filler) and
    returns ``(new_r, still_failing)`` for them.
    """
    n = fail.shape[0]
    order = jnp.concatenate([_compact(fail), jnp.full(batch, n, jnp.int32)])
    n_fail = jnp.sum(fail)

    def body(state):
        i, r, fail = state
        q = lax.dynamic_slice_in_dim(order, i * batch, batch)
        real = q < n
        q = jnp.minimum(q, n - 1)
        new_r, still = compute(q, real)
        target = jnp.where(real, q, n)
        return (i + 1, r.at[target].set(new_r, mode="drop"),
                fail.at[target].set(still, mode="drop"))

    _, r, fail = lax.while_loop(lambda s: s[0] * batch < n_fail, body, (0, r, fail))
    return r, fail


def _a_range(sorted_a, qa, bound, offset=0, n=None):
    """Positions ``[lo, hi)`` in ``sorted_a`` within ``bound`` of ``qa`` (fl predicate).

    ``sorted_a`` may hold several sorted arrays of ``n`` entries end to end:
    each query then searches the ``n`` entries starting at its ``offset``.
    """
    n = sorted_a.shape[0] if n is None else n
    size = jnp.full(qa.shape, n, jnp.int32)
    lo = _prefix_count(lambda j: (qa - sorted_a[offset + j]) > bound, size, n)
    hi = _prefix_count(lambda j: (sorted_a[offset + j] - qa) <= bound, size, n)
    return lo, hi


def _box_scan(xs: _Strips, ys: _Strips, along_x, qx, qy, bound, active, k, strip):
    """Exact k-th neighbour distance: scan every point within ``bound`` in both coordinates.

    Walks the strips (of ``xs`` where ``along_x``, else of ``ys``) that the
    a-range ``[qa - bound, qa + bound]`` touches and, in each, the points
    whose b is within the bound (a bisection; the bound shrinks to the best
    distance found so far), ``_SCAN_STEP`` at a time. The query itself is
    among them, so the answer is the (k + 1)-th smallest distance, the
    point's own zero included. Inactive queries scan nothing (return ``inf``).
    """
    n = xs.packed.shape[0]
    a_all = jnp.concatenate([xs.a, ys.a])  # both structures end to end
    b_all = jnp.concatenate([xs.b, ys.b])
    bounds = jnp.concatenate([xs.bounds, ys.bounds])
    off = jnp.where(along_x, 0, n)
    off_bounds = jnp.where(along_x, 0, xs.bounds.shape[0])
    qa, qb = jnp.where(along_x, qx, qy), jnp.where(along_x, qy, qx)
    a_lo, a_hi = _a_range(jnp.concatenate([xs.sorted_a, ys.sorted_a]), qa, bound, off, n)
    u_first = a_lo // strip  # the query itself is in the a-range: a_lo < a_hi
    u_last = jnp.where(active, jnp.maximum(a_hi - 1, 0) // strip, u_first)

    def b_range(u, best):
        limit = jnp.minimum(bound, best)
        lo, hi = bounds[off_bounds + u + 1], bounds[off_bounds + u + 2]
        first = lo + _prefix_count(
            lambda j: (qb - b_all[off + jnp.minimum(lo + j, n - 1)]) > limit, hi - lo, n)
        last = lo + _prefix_count(
            lambda j: (b_all[off + jnp.minimum(lo + j, n - 1)] - qb) <= limit, hi - lo, n)
        return first, jnp.where(active, last, first)

    def add(o, best, pos, end):
        at = off + jnp.clip(pos + o, 0, n - 1)
        d = jnp.maximum(jnp.abs(a_all[at] - qa), jnp.abs(b_all[at] - qb))
        return _insert(best, jnp.where(pos + o < end, d, jnp.inf))

    def body(state):
        u, pos, end, best = state
        best = lax.fori_loop(0, _SCAN_STEP, lambda o, b: add(o, b, pos, end), best)
        pos = pos + _SCAN_STEP
        move = (pos >= end) & (u < u_last)
        u = jnp.where(move, u + 1, u)
        first, last = b_range(u, best[-1])
        return u, jnp.where(move, first, pos), jnp.where(move, last, end), best

    first, last = b_range(u_first, jnp.inf)
    state = (u_first, first, last, [jnp.full(qa.shape, jnp.inf)] * (k + 1))
    state = lax.while_loop(lambda s: jnp.any((s[1] < s[2]) | (s[0] < u_last)), body, state)
    return state[3][-1]


# Points per batch of the fallbacks, and candidates per step of the exact scan.
_FALLBACK_BATCH = 512
_SCAN_STEP = 16


def _joint_knn(x, y, k, strip, window, y_marginal=None):
    """Exact Chebyshev k-th neighbour distance of every point of (x, y), in x-strip order.

    1. x-strips sorted by y, windows of ``window`` around every point
       (:func:`_window_knn`);
    2. for points without a certificate: windows twice as wide in y-strips
       sorted by x;
    3. for points still without one: an exact scan of the box within the
       smallest radius found so far (:func:`_box_scan`), walking the strips
       of whichever orientation the box crosses fewer of.
    Returns the distances and the points' x, y and their ranks, in the order
    of the x-strips (padding rows, ``x = +inf``, last).
    """
    sx, rx = marginal(x)
    sy, ry = marginal(y) if y_marginal is None else y_marginal
    n = sx.shape[0]
    xs = _build_strips(sx, rx, sy, ry, strip)
    ys = _build_strips(sy, ry, sx, rx, strip)
    q = jnp.arange(n, dtype=jnp.int32)
    r, ok = _window_knn(xs, xs.a, xs.b, xs.ra, xs.rb, q, k, strip, window)
    ok = ok | (xs.a == jnp.inf)
    bound = r

    def transposed(q, real):
        r2, ok2 = _window_knn(ys, xs.b[q], xs.a[q], xs.rb[q], xs.ra[q], None, k, strip,
                              2 * window)
        return jnp.where(ok2, r2, jnp.minimum(r2, bound[q])), ~ok2 & real

    r, fail = lax.cond(jnp.all(ok), lambda: (r, ~ok),
                       lambda: _for_failing(~ok, r, transposed, _FALLBACK_BATCH))

    def scan(q, real):
        qx, qy, bound_q = xs.a[q], xs.b[q], r[q]
        x_lo, x_hi = _a_range(sx, qx, bound_q)
        y_lo, y_hi = _a_range(sy, qy, bound_q)
        along_x = (x_hi - x_lo) <= (y_hi - y_lo)  # the box crosses fewer x-strips
        return _box_scan(xs, ys, along_x, qx, qy, bound_q, real, k, strip), real & False

    r, _ = lax.cond(jnp.any(fail), lambda: _for_failing(fail, r, scan, _FALLBACK_BATCH),
                    lambda: (r, fail))
    return r, (xs.a, xs.b, xs.ra, xs.rb), (sx, sy)


def ksg_mutual_info(
    x: jax.Array,
    y: jax.Array,
    n_neighbors: int,
    psi_table: jax.Array | None = None,
    strip: int | None = None,
    window: int = 8,
    y_marginal: tuple | None = None,
) -> jax.Array:
    r"""KSG (Kraskov, Stoegbauer & Grassberger 2004, algorithm 1) MI of two continuous variables.

    .. math::

        \hat I = \psi(N) + \psi(k) - \langle \psi(n_x + 1) \rangle - \langle \psi(n_y + 1) \rangle

    with ``r_i`` the Chebyshev (max-norm) distance from point ``i`` to its k-th
    nearest neighbour in ``(x, y)``, and ``n_x`` (``n_y``) the number of other
    points with ``fl(|x_j - x_i|) <= nextafter(r_i, 0)`` (same in y).
    Reproduces scikit-learn's ``_compute_mi_cc`` before its clipping at 0.

    The joint kNN search is exact (see :func:`_joint_knn`): windows in x-strips
    sorted by y, certified by gaps; then y-strips sorted by x for the points
    without a certificate; then an exact box scan for the rest.

    Parameters
    ----------
    x, y : Array of shape (n,), float64
        Samples (already scaled and noised as scikit-learn does). Rows where
        ``x`` or ``y`` is ``+inf`` are padding and ignored.
    n_neighbors : int
        Static ``k``; needs more than ``k`` real rows.
    psi_table : Array, optional
        ``digamma(i)`` at index ``i`` for ``i <= n``.
    strip, window : int
        Static tuning of the search (speed only): points per strip (a power of
        two; default about ``1.6 sqrt(n)``) and candidates on either side.
    y_marginal : tuple, optional
        ``marginal(y)`` computed once for many ``x`` (the engine shares it).

    Returns
    -------
    Array of shape ()
        Raw (unclipped) estimate in nats.
    """
    n = x.shape[0]
    k = n_neighbors
    if strip is None:
        strip = 1 << max(round(math.log2(1.6 * n**0.5)), 0)
    valid = (x < jnp.inf) & (y < jnp.inf)
    n_valid = jnp.sum(valid)
    x = jnp.where(valid, x, jnp.inf)
    y = jnp.where(valid, y, jnp.inf)
    r, (xq, yq, rx_q, ry_q), (sx, sy) = _joint_knn(x, y, k, strip, window, y_marginal)
    kept = xq < jnp.inf
    radius = jnp.nextafter(r, 0.0)
    cx = count_within_near(sx, xq, radius, rx_q, kept)
    cy = count_within_near(sy, yq, radius, ry_q, kept)
    psi_x = jnp.where(kept, _psi(jnp.where(kept, cx, 1), psi_table), 0.0)
    psi_y = jnp.where(kept, _psi(jnp.where(kept, cy, 1), psi_table), 0.0)
    safe_n = jnp.maximum(n_valid, 1)
    head = _psi(jnp.stack([safe_n, jnp.asarray(k, safe_n.dtype)]), psi_table)
    return head[0] + head[1] - (jnp.sum(psi_x) + jnp.sum(psi_y)) / safe_n
