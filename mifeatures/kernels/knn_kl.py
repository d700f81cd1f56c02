"""Kozachenko-Leonenko differential entropy from k-th neighbour distances (max-norm).

1-D samples are sorted; 2-D samples use the exact strip search
(``knn_strips``); d > 2 the brute-force search of ``knn_brute`` (the engine
picks a k-d tree for large d-D inputs and calls :func:`kl_from_distances`).
Rows with a ``+inf`` entry are padding. Pure JAX, never jitted here.
"""

import math

import jax
import jax.numpy as jnp

from .knn_brute import kth_chebyshev
from .knn_common import float_to_key, key_to_float, psi, shifted
from .knn_strips import joint_knn


def _kth_gap_1d(sorted_v: jax.Array, k: int) -> jax.Array:
    """Distance from each entry of a sorted 1-D array to its k-th nearest other entry.

    The k-th smallest of the union of the left gaps ``L_1 <= ... <= L_k`` and
    the right gaps ``R_1 <= ... <= R_k``: ``min_a max(L_a, R_{k-a})`` (``L_0 =
    R_0 = 0``). Gaps past either end are ``+inf``.
    """
    offsets = list(range(1, k + 1))
    left = sorted_v[:, None] - shifted(sorted_v, [-o for o in offsets], -jnp.inf)
    right = shifted(sorted_v, offsets, jnp.inf) - sorted_v[:, None]
    out = jnp.minimum(left[:, k - 1], right[:, k - 1])
    for a in range(1, k):
        out = jnp.minimum(out, jnp.maximum(left[:, a - 1], right[:, k - a - 1]))
    return out


def kl_from_distances(eps: jax.Array, kept: jax.Array, d: int, n_neighbors: int,
                      psi_table: jax.Array | None = None) -> jax.Array:
    r"""Kozachenko-Leonenko entropy (nats) from each sample's k-th neighbour distance.

    .. math::

        \hat H = \psi(n) - \psi(k) + d \log 2 + \frac{d}{n} \sum_i \log \epsilon_i

    over the ``n`` entries where ``kept`` holds (see :func:`kl_entropy`).
    """
    n_valid = jnp.sum(kept)
    sum_log = jnp.sum(jnp.where(kept, jnp.log(jnp.where(kept, eps, 1.0)), 0.0))
    head = psi(jnp.stack([jnp.maximum(n_valid, 1), jnp.asarray(n_neighbors, n_valid.dtype)]),
               psi_table)
    return head[0] - head[1] + d * jnp.log(2.0) + d * sum_log / jnp.maximum(n_valid, 1)


def kl_entropy(x: jax.Array, n_neighbors: int, psi_table: jax.Array | None = None,
               block: int = 256) -> jax.Array:
    r"""Kozachenko-Leonenko differential entropy (nats) of samples of a 1-D or d-D variable.

    With the maximum norm, whose unit ball is the cube of volume
    :math:`c_d = 2^d`, and :math:`\epsilon_i` the DISTANCE (radius, not twice
    the distance) from sample ``i`` to its k-th nearest neighbour:

    .. math::

        \hat H = \psi(n) - \psi(k) + d \log 2 + \frac{d}{n} \sum_i \log \epsilon_i

    (Kozachenko & Leonenko 1987; Kraskov et al. 2004, eq. 20, where
    :math:`\epsilon_i` is twice the distance and :math:`c_d = 1`: the same number).

    1-D samples are sorted; 2-D samples use the exact strip search
    (``knn_strips``); d > 2 the brute-force search of ``knn_brute``
    (``O(k n^2 d)``; the engine uses a k-d tree instead for large inputs).

    Parameters
    ----------
    x : Array of shape (n,) or (n, d), float64
        Rows with a ``+inf`` entry are padding and ignored.
    n_neighbors : int
        Static ``k``; needs more than ``k`` real rows.
    psi_table : Array, optional
        ``digamma(i)`` at index ``i`` for ``i <= n``.
    block : int
        Static query rows per block of the brute-force search (d > 2).

    Returns
    -------
    Array of shape ()
        Entropy in nats; ``-inf`` when some sample has ``k`` exact duplicates
        (a zero distance), as the estimator is then undefined.
    """
    points = x if x.ndim == 2 else x[:, None]
    d = points.shape[1]
    valid = jnp.all(points < jnp.inf, axis=1)
    if d == 1:
        values = jnp.where(valid, points[:, 0], jnp.inf)
        eps = _kth_gap_1d(key_to_float(jnp.sort(float_to_key(values))), n_neighbors)
        kept = jnp.arange(points.shape[0]) < jnp.sum(valid)  # real rows sort first
    elif d == 2:
        xy = jnp.where(valid[:, None], points, jnp.inf)
        strip = 1 << max(round(math.log2(1.6 * points.shape[0] ** 0.5)), 0)
        eps, (xq, _, _, _), _ = joint_knn(xy[:, 0], xy[:, 1], n_neighbors, strip, 8)
        kept = xq < jnp.inf  # in strip order, padding last
    else:
        k_each = jnp.full(points.shape[0], n_neighbors, jnp.int32)
        eps = kth_chebyshev(points, k_each, n_neighbors, block)
        kept = valid
    return kl_from_distances(eps, kept, d, n_neighbors, psi_table)
