"""Exact Chebyshev k-th neighbour distances of 2-D points, by sorted strips.

The points are cut into strips of consecutive x-ranks, each strip sorted by
y; every point looks at a window of candidates around it in its own strip
and the two next to it, and keeps the result when a certificate (the gaps to
everything outside the window) proves it exact. Points without a
certificate are retried in y-strips sorted by x, then by an exact scan of
the box within the best radius found so far. Distances are
``max(|fl(x_j - x_i)|, |fl(y_j - y_i)|)``, exactly what scikit-learn's
Chebyshev trees compute. Rows with ``x = +inf`` are padding: they sort last
and are never anyone's neighbour.

Pure JAX, one pair of columns, never jitted here.
"""

from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax import lax

from .knn_common import insert_sorted, marginal, prefix_count


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
        center = lo + prefix_count(lambda j: st.packed[jnp.minimum(lo + j, n - 1)] < target,
                                    hi - lo, 2 * strip)
        if own is not None:
            center = jnp.where(du == 0, own, center)

        def add(o, best):
            pos = center + o
            at = jnp.clip(pos, 0, n - 1)
            d = jnp.maximum(jnp.abs(st.a[at] - qa), jnp.abs(st.b[at] - qb))
            inside = (pos >= lo) & (pos < hi) & ((du != 0) | (o != 0))
            return insert_sorted(best, jnp.where(inside, d, jnp.inf))

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
    lo = prefix_count(lambda j: (qa - sorted_a[offset + j]) > bound, size, n)
    hi = prefix_count(lambda j: (sorted_a[offset + j] - qa) <= bound, size, n)
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
        first = lo + prefix_count(
            lambda j: (qb - b_all[off + jnp.minimum(lo + j, n - 1)]) > limit, hi - lo, n)
        last = lo + prefix_count(
            lambda j: (b_all[off + jnp.minimum(lo + j, n - 1)] - qb) <= limit, hi - lo, n)
        return first, jnp.where(active, last, first)

    def add(o, best, pos, end):
        at = off + jnp.clip(pos + o, 0, n - 1)
        d = jnp.maximum(jnp.abs(a_all[at] - qa), jnp.abs(b_all[at] - qb))
        return insert_sorted(best, jnp.where(pos + o < end, d, jnp.inf))

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


def joint_knn(x, y, k, strip, window, y_marginal=None):
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
