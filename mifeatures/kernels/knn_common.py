"""Building blocks of the nearest-neighbour kernels: sorted 1-D columns.

Order-preserving float64 -> int64 keys (a single-operand integer sort is
about 5x faster than a float sort on XLA:CPU), branchless bisection, exact
counts of the points within a radius of a sorted column, and small helpers
shared by the Ross, KSG and Kozachenko-Leonenko kernels.

Exactness. "Within the radius" is the predicate ``fl(|x_j - x_i|) <= r``
that scikit-learn's trees evaluate, found by bisection on the sorted column
(it is monotone there). ``searchsorted(x_sorted, x_i +- r)`` is NOT
equivalent: rounding of ``x_i + r`` admits the neighbour that set the radius.

Pure JAX, for one column; nothing here jits, validates or prints.
"""

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


def marginal(v: jax.Array):
    """Sorted values (``+inf`` padding last) and the leftmost rank of each entry in them."""
    keys = float_to_key(v)
    sorted_keys = jnp.sort(keys)
    rank = jnp.searchsorted(sorted_keys, keys, side="left", method="scan").astype(jnp.int32)
    return key_to_float(sorted_keys), rank


def psi(values: jax.Array, psi_table: jax.Array | None = None) -> jax.Array:
    """digamma of positive integers, from a table when one is given (exactly scipy's values)."""
    if psi_table is None:
        return digamma(values.astype(jnp.float64))
    return jnp.asarray(psi_table)[values]


def prefix_count(predicate, length: jax.Array, max_length) -> jax.Array:
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
    return count_within_ranges(sorted_values, jnp.zeros_like(size), size, values, radius)


def count_within_ranges(sorted_values: jax.Array, start: jax.Array, stop: jax.Array,
                        values: jax.Array, radius: jax.Array) -> jax.Array:
    """:func:`count_within` where each query looks only at ``sorted_values[start:stop]``.

    Each slice must be sorted (for example the rows of one stratum, sorted by
    stratum then value); an empty slice counts 0.
    """
    n = sorted_values.shape[0]
    length = stop - start

    def at(j):
        return sorted_values[jnp.minimum(start + j, n - 1)]

    left = prefix_count(lambda j: (values - at(j)) > radius, length, n)
    right = prefix_count(lambda j: (at(j) - values) <= radius, length, n)
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
    left = lo + prefix_count(lambda t: outside_left(lo + t), rank - lo, w)
    hi = jnp.minimum(rank + 1 + w, n)
    right = rank + 1 + prefix_count(lambda t: inside_right(rank + 1 + t), hi - rank - 1, w)
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


def shifted(v: jax.Array, offsets, fill) -> jax.Array:
    """``out[i, t] = v[i + offsets[t]]``, ``fill`` outside ``v``: shape (n, len(offsets))."""
    pad = max(abs(o) for o in offsets)
    padded = jnp.concatenate([jnp.full(pad, fill, v.dtype), v, jnp.full(pad, fill, v.dtype)])
    n = v.shape[0]
    return jnp.stack([lax.dynamic_slice_in_dim(padded, pad + o, n) for o in offsets], axis=1)


def kth_smallest(d: jax.Array, k: jax.Array, k_max: int) -> jax.Array:
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


def insert_sorted(best: list, c: jax.Array) -> list:
    """Insert ``c`` into ascending lists ``best`` (one array per slot), keeping the smallest.

    A compare-exchange network: exact with ties, elementwise (no reductions).
    """
    out = [jnp.minimum(best[0], c)]
    for i in range(1, len(best)):
        out.append(jnp.minimum(best[i], jnp.maximum(best[i - 1], c)))
    return out
