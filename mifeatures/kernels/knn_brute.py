"""Brute-force nearest neighbours of d-D points in the maximum norm.

Exact for any dimension: every pair is looked at, ``O(n^2 d)`` time, in
blocks of query rows so that memory stays at ``block * n`` distances (the
caller picks ``block``; the engine keeps ``block * n`` near 2**22). The
Chebyshev distance is ``max_c fl(|p_jc - p_ic|)``, the same floating-point
operations as a k-d tree's, so results are identical to scipy's
``cKDTree(p=inf)``.

Discrete coordinates. The engine writes a discrete variable as one column of
``code * offset``, with ``offset`` larger than every distance of interest:
points of different codes are then never within a radius or among the
neighbours that matter, which makes the same search work for mixed and
stratified estimators.

Rows holding ``+inf`` are padding: infinitely far from every real row (their
own results are meaningless). Pure JAX; nothing here jits.
"""

import jax
import jax.numpy as jnp
from jax import lax

from .knn_common import kth_smallest


def _query_blocks(points: jax.Array, block: int):
    """Rows of ``points`` in blocks of ``block`` (padded with +inf), and their row indices."""
    n, d = points.shape
    pad = -n % block
    queries = jnp.concatenate([points, jnp.full((pad, d), jnp.inf, points.dtype)])
    index = jnp.arange(n + pad, dtype=jnp.int32)
    return queries.reshape(-1, block, d), index.reshape(-1, block)


def _chebyshev(queries: jax.Array, points: jax.Array) -> jax.Array:
    """``(b, n)`` max-norm distances between ``queries`` (b, d) and ``points`` (n, d)."""
    return jnp.max(jnp.abs(queries[:, None, :] - points[None, :, :]), axis=-1)


def kth_chebyshev(points: jax.Array, k_each: jax.Array, k_max: int, block: int) -> jax.Array:
    """Max-norm distance from each row of ``points`` to its ``k_each``-th nearest other row.

    Parameters
    ----------
    points : Array of shape (n, d), float64
    k_each : Array of shape (n,), integer
        ``1 <= k_each <= k_max`` (1-based, ties counted with multiplicity).
    k_max : int
        Static upper bound on ``k_each``.
    block : int
        Static number of query rows per block (memory ``block * n``).

    Returns
    -------
    Array of shape (n,), float64
        ``inf`` when a row has fewer than ``k_each`` other rows.
    """
    n = points.shape[0]
    queries, index = _query_blocks(points, block)
    k_blocks = jnp.concatenate([k_each, jnp.ones(index.size - n, k_each.dtype)])

    def one_block(args):
        q, i, k = args
        dist = _chebyshev(q, points)
        dist = jnp.where(i[:, None] == jnp.arange(n, dtype=jnp.int32)[None, :], jnp.inf, dist)
        return kth_smallest(dist, k, k_max)

    out = lax.map(one_block, (queries, index, k_blocks.reshape(index.shape)))
    return out.reshape(-1)[:n]


def count_chebyshev(points: jax.Array, radius: jax.Array, groups: tuple, block: int) -> jax.Array:
    """Per row ``i`` and column group ``g``: the rows within ``r_i`` on the columns of ``g``.

    That is, ``max_{c in g} fl(|p_jc - p_ic|) <= r_i``; the row itself is counted. One pass
    serves every group (the absolute differences are computed once).

    Parameters
    ----------
    points : Array of shape (n, d), float64
    radius : Array of shape (n,), float64
    groups : tuple of tuples of int
        Static column indices of each subspace.
    block : int
        Static number of query rows per block.

    Returns
    -------
    Array of shape (n, len(groups)), int32
    """
    n = points.shape[0]
    queries, index = _query_blocks(points, block)
    r_blocks = jnp.concatenate([radius, jnp.zeros(index.size - n, radius.dtype)])

    def one_block(args):
        q, r = args
        diff = [jnp.abs(q[:, c, None] - points[None, :, c]) for c in range(points.shape[1])]
        counts = []
        for g in groups:
            distance = diff[g[0]]
            for c in g[1:]:
                distance = jnp.maximum(distance, diff[c])
            counts.append(jnp.sum(distance <= r[:, None], axis=1, dtype=jnp.int32))
        return jnp.stack(counts, axis=1)

    out = lax.map(one_block, (queries, r_blocks.reshape(index.shape)))
    return out.reshape(-1, len(groups))[:n]
