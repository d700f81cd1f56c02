"""KSG (Kraskov, Stoegbauer & Grassberger 2004, algorithm 1) MI of two continuous columns.

Reproduces scikit-learn's private ``_compute_mi_cc`` on the same (already
scaled and noised) inputs, to rounding of the final means: the joint
Chebyshev radius comes from the exact strip search (``knn_strips``), the
marginal counts from bisection with the trees' predicate (``knn_common``).
Rows where ``x`` or ``y`` is ``+inf`` are padding. Pure JAX, never jitted here.
"""

import jax
import jax.numpy as jnp
from jax import lax

from .knn_common import count_within_near, psi
from .knn_strips import default_strip, joint_knn


def ksg_mutual_info(
    x: jax.Array,
    y: jax.Array,
    n_neighbors: int,
    psi_table: jax.Array | None = None,
    strip: int | None = None,
    window: int = 8,
    y_marginal: tuple | None = None,
    ties: bool = False,
) -> jax.Array:
    r"""KSG (Kraskov, Stoegbauer & Grassberger 2004, algorithm 1) MI of two continuous variables.

    .. math::

        \hat I = \psi(N) + \psi(k) - \langle \psi(n_x + 1) \rangle - \langle \psi(n_y + 1) \rangle

    with ``r_i`` the Chebyshev (max-norm) distance from point ``i`` to its k-th
    nearest neighbour in ``(x, y)``, and ``n_x`` (``n_y``) the number of other
    points with ``fl(|x_j - x_i|) <= nextafter(r_i, 0)`` (same in y).
    Reproduces scikit-learn's ``_compute_mi_cc`` before its clipping at 0.

    The joint kNN search is exact (see ``knn_strips.joint_knn``): windows in
    x-strips sorted by y, certified by gaps; then y-strips sorted by x for the
    points without a certificate; then an exact box scan for the rest.

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
    ties : bool
        Static: let the search adapt its strips to runs of tied values in x
        or y (float columns with few distinct values: 20-50x faster there,
        a few percent slower on continuous columns). Speed only.

    Returns
    -------
    Array of shape ()
        Raw (unclipped) estimate in nats.
    """
    n = x.shape[0]
    k = n_neighbors
    if strip is None:
        strip = default_strip(n)
    valid = (x < jnp.inf) & (y < jnp.inf)
    n_valid = jnp.sum(valid)
    x = jnp.where(valid, x, jnp.inf)
    y = jnp.where(valid, y, jnp.inf)
    r, (xq, yq, rx_q, ry_q), (sx, sy) = joint_knn(x, y, k, strip, window, y_marginal, ties)
    kept = xq < jnp.inf
    radius = jnp.nextafter(r, 0.0)
    # Both marginals through one lax.map: one copy of the counting code to compile.
    counts = lax.map(lambda a: count_within_near(a[0], a[1], radius, a[2], kept),
                     (jnp.stack([sx, sy]), jnp.stack([xq, yq]), jnp.stack([rx_q, ry_q])))
    psi_xy = jnp.where(kept, psi(jnp.where(kept, counts, 1), psi_table), 0.0)
    safe_n = jnp.maximum(n_valid, 1)
    head = psi(jnp.stack([safe_n, jnp.asarray(k, safe_n.dtype)]), psi_table)
    return head[0] + head[1] - jnp.sum(psi_xy) / safe_n
