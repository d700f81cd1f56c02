"""Entropy, mutual information and conditional MI from counts.

Pure JAX kernels for one column: ``counts`` is the 1-D integer histogram of
one discrete variable (shape ``(k,)``), a table one 2-D or 3-D integer array.
``mifeatures._engine`` maps them over features inside ``jit`` and scopes
float64; nothing here jits, validates or prints. Conventions for all kernels:

* Results are 0-d arrays in nats, of the default float dtype
  (``jnp.result_type(float)``: float64 under ``jax.enable_x64``, else float32).
* Zero counts (unobserved levels, shape padding) contribute nothing: appending
  zeros never changes a result. "Observed bins" are the bins with a nonzero
  count; ``m`` is their number and ``n`` the total count.
* A constant column (``m == 1``) and an empty one (``n == 0``) have entropy
  exactly 0.0 under every method. No kernel returns NaN: logarithms of zero
  are guarded with the double-``where`` trick (finite values and gradients).
"""

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax.scipy.special import digamma, gammaln, logsumexp, polygamma

# Grids of the NSB integral over the Dirichlet concentration beta: log-spaced,
# trapezoid rule in log(beta), static sizes (see entropy_nsb).
_NSB_LOG_BETA_MIN = -8.0 * 2.302585092994046  # log(1e-8)
_NSB_LOG_BETA_MAX = 8.0 * 2.302585092994046  # log(1e8)
_NSB_GRID_SIZE = 256  # points per pass
_NSB_PASSES = 2  # pass 1 locates the posterior on [1e-8, 1e8], pass 2 integrates it
_NSB_LOG_THRESHOLD = 50.0  # log-posterior drop beyond which mass is ignored (e^-50)
_STIRLING_MIN = 100.0  # above it, asymptotic series replace differences of special functions


class _Bins(NamedTuple):
    """A histogram prepared for sums over its observed bins.

    ``c`` holds the counts as floats with every unobserved bin set to 1, so
    that any ``f(c)`` (logs, digammas) is finite everywhere; ``sum`` then keeps
    only the observed bins. This is the one place where zero counts are masked.
    """

    c: jax.Array  # float counts, 1.0 in unobserved bins
    rest: jax.Array  # n - c as floats, subtracted exactly in integers
    observed: jax.Array  # bool, counts > 0
    n: jax.Array  # total count as a float, at least 1
    m: jax.Array  # number of observed bins (integer)

    def sum(self, values: jax.Array, axis: int = -1) -> jax.Array:
        """Sum ``values`` (broadcast against ``c``) over the observed bins."""
        return jnp.sum(jnp.where(self.observed, values, 0.0), axis=axis)


def _bins(counts: jax.Array) -> _Bins:
    counts = jnp.asarray(counts)
    dtype = jnp.result_type(float)
    observed = counts > 0
    total = jnp.sum(jnp.where(observed, counts, 0))  # stays an integer
    safe = jnp.where(observed, counts, 1)
    return _Bins(
        c=safe.astype(dtype),
        rest=(jnp.maximum(total, 1) - safe).astype(dtype),
        observed=observed,
        n=jnp.maximum(total, 1).astype(dtype),
        m=jnp.sum(observed),
    )


def _finish(h: jax.Array, bins: _Bins) -> jax.Array:
    """Apply the convention H = 0 for constant (m == 1) and empty (m == 0) columns."""
    return jnp.where(bins.m > 1, h, 0.0).astype(jnp.result_type(float))


def _safe_log(x: jax.Array) -> jax.Array:
    """``log(x)`` in the default float dtype where ``x > 0``, else 0 (finite gradient)."""
    positive = x > 0
    return jnp.where(
        positive, jnp.log(jnp.where(positive, x, 1).astype(jnp.result_type(float))), 0.0
    )


def _table_sum(table: jax.Array, log_terms: jax.Array) -> jax.Array:
    """sum over the nonzero cells of (cell / n) * log_terms, clipped below at 0."""
    dtype = jnp.result_type(float)
    weights = table.astype(dtype) / jnp.maximum(jnp.sum(table), 1).astype(dtype)
    return jnp.maximum(jnp.sum(jnp.where(table > 0, weights * log_terms, 0.0)), 0.0)


def entropy_plugin(counts: jax.Array) -> jax.Array:
    r"""Plug-in (maximum-likelihood) entropy of a histogram, in nats.

    .. math::

        \hat H = \log n - \frac{1}{n} \sum_{i: c_i > 0} c_i \log c_i
               = \sum_{i: c_i > 0} \frac{c_i}{n}
                 \operatorname{log1p}\left(\frac{n - c_i}{c_i}\right)

    The second form, with ``n - c`` subtracted in integers, keeps full
    relative precision when one level holds nearly all rows (H near 0), also
    in float32.

    Parameters
    ----------
    counts : Array of shape (k,), integer
        Counts of the levels of one variable; zeros (unobserved levels,
        padding) contribute nothing.

    Returns
    -------
    Array of shape ()
        Entropy in nats; 0.0 for a constant or empty column. Biased low by
        about (m - 1) / (2n) (Miller 1955).
    """
    b = _bins(counts)
    return _finish(b.sum(b.c / b.n * jnp.log1p(b.rest / b.c)), b)


def entropy_miller_madow(counts: jax.Array) -> jax.Array:
    r"""Miller-Madow bias-corrected entropy, in nats.

    .. math::

        \hat H_{MM} = \hat H_{plugin} + \frac{m - 1}{2n},

    with ``m`` the number of observed bins (Miller 1955, "Note on the bias
    of information estimates"). Constant and empty columns give 0.0.
    """
    b = _bins(counts)
    return _finish(entropy_plugin(counts) + (b.m - 1) / (2.0 * b.n), b)


def entropy_chao_shen(counts: jax.Array) -> jax.Array:
    r"""Chao-Shen coverage-adjusted entropy, in nats.

    .. math::

        C = 1 - \frac{f_1}{n}, \quad \hat p_i = C \frac{c_i}{n}, \quad
        \hat H_{CS} = -\sum_{i: c_i > 0}
            \frac{\hat p_i \log \hat p_i}{1 - (1 - \hat p_i)^n}

    where ``f_1`` is the number of singletons (``f_1 = n - 1`` when every
    observation is a singleton, so that ``C > 0``). Good-Turing coverage and
    Horvitz-Thompson weighting: Chao & Shen (2003), "Nonparametric estimation
    of Shannon's index of diversity when there are unseen species in sample",
    Environ. Ecol. Stat. 10, 429-443. ``1 - (1 - p)^n`` is computed as
    ``-expm1(n log1p(-p))``. Constant and empty columns give 0.0.
    """
    counts = jnp.asarray(counts)
    b = _bins(counts)
    total = jnp.sum(jnp.where(b.observed, counts, 0))
    f1 = jnp.sum(counts == 1)
    f1 = jnp.where(f1 == total, f1 - 1, f1)
    p = (1.0 - f1 / b.n) * b.c / b.n
    # p == 1 only for a constant column (masked by _finish): keep log1p(-p) finite.
    inclusion = -jnp.expm1(b.n * jnp.log1p(-jnp.where(p < 1.0, p, 0.5)))
    return _finish(b.sum(-p * _safe_log(p) / inclusion), b)


def entropy_grassberger(counts: jax.Array) -> jax.Array:
    r"""Grassberger (2003) bias-corrected entropy, in nats.

    .. math::

        \hat H_G = \log n - \frac{1}{n} \sum_{i: c_i > 0} c_i G(c_i), \quad
        G(c) = \psi(c) + \tfrac12 (-1)^c
               \left[\psi\left(\tfrac{c+1}{2}\right) - \psi\left(\tfrac{c}{2}\right)\right]

    with :math:`\psi` the digamma function: Grassberger, "Entropy estimates
    from insufficient samplings" (2003), arXiv:physics/0307138, eq. (35).
    Constant and empty columns give 0.0 by convention (the formula itself
    gives a small nonzero value, log n - G(n)).
    """
    b = _bins(counts)
    sign = 1.0 - 2.0 * jnp.mod(b.c, 2.0)  # (-1)^c for integer c
    g = digamma(b.c) + 0.5 * sign * (digamma((b.c + 1.0) / 2.0) - digamma(b.c / 2.0))
    return _finish(b.sum(b.c / b.n * (jnp.log(b.n) - g)), b)


def entropy_james_stein(counts: jax.Array) -> jax.Array:
    r"""James-Stein shrinkage entropy (Hausser & Strimmer 2009), in nats.

    The frequencies :math:`u_i = c_i / n` are shrunk towards the uniform
    target :math:`t = 1/K` over the ``K = m`` observed bins:

    .. math::

        \lambda = \frac{1 - \sum_i u_i^2}{(n - 1) \sum_i (t - u_i)^2}
        \ \text{clipped to } [0, 1], \quad
        p_i = \lambda t + (1 - \lambda) u_i, \quad
        \hat H_{JS} = -\sum_i p_i \log p_i

    (Hausser & Strimmer, "Entropy inference and the James-Stein estimator",
    JMLR 10 (2009) 1469-1484, Sec. 2.3: shrinkage intensity :math:`\lambda^*`),
    with :math:`\lambda = 1` when the denominator is 0 (uniform counts). The
    paper's ``K`` counts every possible level; here only observed levels are
    known, so unobserved ones get no shrinkage mass. Constant and empty
    columns give 0.0.
    """
    b = _bins(counts)
    u = b.c / b.n
    t = 1.0 / jnp.maximum(b.m, 1).astype(u.dtype)
    denominator = (b.n - 1.0) * b.sum((t - u) ** 2)
    positive = denominator > 0
    lam = (1.0 - b.sum(u**2)) / jnp.where(positive, denominator, 1.0)
    lam = jnp.where(positive, jnp.clip(lam, 0.0, 1.0), 1.0)
    p = lam * t + (1.0 - lam) * u
    return _finish(b.sum(-p * jnp.log(p)), b)


def _stirling_tail(z: jax.Array) -> jax.Array:
    """log Gamma(z) - [(z - 1/2) log z - z + log(2 pi) / 2], Stirling's series (z >= 100)."""
    w = 1.0 / (z * z)
    return (1.0 / 12.0 - w * (1.0 / 360.0 - w / 1260.0)) / z


def _log_rising(x: jax.Array, c: jax.Array) -> jax.Array:
    """log Gamma(x + c) - log Gamma(x), x > 0, c >= 0: Stirling's series above x = 100.

    A difference of gammalns loses about ``eps * x log x`` (all of float32 at 1e8).
    """
    large = x > _STIRLING_MIN
    xs = jnp.where(large, x, _STIRLING_MIN)  # the branch not taken stays finite
    stirling = (
        (xs - 0.5) * jnp.log1p(c / xs)
        + c * (jnp.log(xs + c) - 1.0)
        + _stirling_tail(xs + c)
        - _stirling_tail(xs)
    )
    return jnp.where(large, stirling, gammaln(x + c) - gammaln(x))


def _dxi_dbeta(beta: jax.Array, k: jax.Array) -> jax.Array:
    """K psi_1(K beta + 1) - psi_1(beta + 1), about (K - 1) / (2 K beta^2).

    Above beta = 100: psi_1(x) ~ 1/x + 1/(2x^2) + 1/(6x^3) - 1/(30x^5) + 1/(42x^7),
    with the 1/x terms combined exactly into (K - 1) / (x1 x2) (no cancellation).
    """
    x1, x2 = k * beta + 1.0, beta + 1.0

    def rest(x):
        w = 1.0 / (x * x)
        return w * (0.5 + (1.0 / 6.0 - w * (1.0 / 30.0 - w / 42.0)) / x)

    series = (k - 1.0) / (x1 * x2) + k * rest(x1) - rest(x2)
    exact = k * polygamma(1, x1) - polygamma(1, x2)
    return jnp.where(beta > _STIRLING_MIN, series, exact)


def _nsb_log_posterior(log_beta: jax.Array, b: _Bins, k: jax.Array) -> jax.Array:
    """Unnormalised log posterior density of log(beta) under the NSB prior."""
    beta = jnp.exp(log_beta)
    kb = k * beta
    log_dxi = jnp.log(jnp.maximum(_dxi_dbeta(beta, k), jnp.finfo(beta.dtype).tiny))
    # log[Gamma(K b) / Gamma(n + K b) prod_i Gamma(c_i + b) / Gamma(b)]
    log_likelihood = b.sum(_log_rising(beta[:, None], b.c[None, :])) - _log_rising(kb, b.n)
    return log_dxi + log_likelihood + log_beta  # d(beta) = beta d(log beta)


def _nsb_entropy_given_beta(log_beta: jax.Array, b: _Bins, k: jax.Array) -> jax.Array:
    """Posterior mean entropy under a symmetric Dirichlet(beta) prior (Wolpert & Wolf)."""
    beta = jnp.exp(log_beta)
    total = b.n + k * beta
    a = b.c[None, :] + beta[:, None]
    return digamma(total + 1.0) - b.sum(a / total[:, None] * digamma(a + 1.0))


def _nsb_refine(_, state):
    """One NSB pass: integrate on a grid over [lo, hi], then narrow the interval.

    Module level, data in the state (not a closure): its trace is cached, also eagerly.
    """
    b, k, lo, hi, _ = state
    dtype = b.c.dtype
    log_beta = lo + (hi - lo) * jnp.linspace(0.0, 1.0, _NSB_GRID_SIZE, dtype=dtype)
    trapezoid = jnp.zeros_like(log_beta).at[jnp.array([0, -1])].set(-jnp.log(2.0))
    log_weight = _nsb_log_posterior(log_beta, b, k) + trapezoid
    weight = jnp.exp(log_weight - logsumexp(log_weight))
    estimate = jnp.sum(weight * _nsb_entropy_given_beta(log_beta, b, k))
    # next interval: where the log posterior is within the threshold of its
    # maximum, widened by one grid step on each side
    index = jnp.arange(_NSB_GRID_SIZE)
    inside = log_weight >= jnp.max(log_weight) - _NSB_LOG_THRESHOLD
    first = jnp.maximum(jnp.min(jnp.where(inside, index, _NSB_GRID_SIZE)) - 1, 0)
    last = jnp.minimum(jnp.max(jnp.where(inside, index, -1)) + 1, _NSB_GRID_SIZE - 1)
    return b, k, log_beta[first], log_beta[last], estimate


def entropy_nsb(counts: jax.Array) -> jax.Array:
    r"""Nemenman-Shafee-Bialek (NSB) Bayesian entropy estimate, in nats.

    The posterior mean of the entropy under a mixture of symmetric Dirichlet
    priors of concentration :math:`\beta` over ``K = m`` observed bins, mixed
    so that the prior on the entropy is flat (Nemenman, Shafee & Bialek,
    "Entropy and inference, revisited", NIPS 14, 2002):

    .. math::

        \xi(\beta) = \psi(K\beta + 1) - \psi(\beta + 1), \qquad
        w(\beta) \propto \frac{d\xi}{d\beta}
            \frac{\Gamma(K\beta)}{\Gamma(n + K\beta)}
            \prod_i \frac{\Gamma(c_i + \beta)}{\Gamma(\beta)},

        E[H \mid \beta] = \psi(n + K\beta + 1)
            - \sum_i \frac{c_i + \beta}{n + K\beta} \psi(c_i + \beta + 1),
        \qquad
        \hat H_{NSB} = \frac{\int w(\beta) E[H \mid \beta] d\beta}
                            {\int w(\beta) d\beta}

    with :math:`d\xi/d\beta = K\psi_1(K\beta + 1) - \psi_1(\beta + 1)` and
    :math:`E[H \mid \beta]` from Wolpert & Wolf (1995). Products and sums run
    over the observed bins only. Constant and empty columns give 0.0.

    Notes
    -----
    Trapezoid rule in :math:`\log\beta` over :math:`[10^{-8}, 10^{8}]`, log-weights
    normalised by logsumexp, in two passes of 256 points (static shapes): the
    first, on the whole range, finds where the log posterior is within 50 of its
    maximum (plus one step each side); the second integrates there. The posterior
    narrows as the number of observed levels grows (thousands of levels need
    steps far below 1e-2 in log beta), which one fixed grid would miss.
    Above beta = 100, asymptotic series replace differences of special
    functions, which cancel there. ``K`` is the number of observed levels, not
    the unknown alphabet size, so the estimate lies in [0, log m]. Cost: about
    512 x k ``gammaln`` and ``digamma`` evaluations per column. In float32,
    large samples keep few digits (about 2e-5 relative at n = 1e5).
    """
    b = _bins(counts)
    dtype = b.c.dtype
    k = jnp.where(b.m > 1, b.m, 2).astype(dtype)  # K >= 2 keeps every term finite
    lo, hi = jnp.asarray(_NSB_LOG_BETA_MIN, dtype), jnp.asarray(_NSB_LOG_BETA_MAX, dtype)
    state = (b, k, lo, hi, jnp.zeros((), dtype))
    estimate = jax.lax.fori_loop(0, _NSB_PASSES, _nsb_refine, state)[-1]
    return _finish(estimate, b)


ENTROPY_METHODS: dict[str, Callable[[jax.Array], jax.Array]] = {
    "plugin": entropy_plugin,
    "miller_madow": entropy_miller_madow,
    "chao_shen": entropy_chao_shen,
    "grassberger": entropy_grassberger,
    "james_stein": entropy_james_stein,
    "nsb": entropy_nsb,
}


def mutual_info_plugin(table: jax.Array) -> jax.Array:
    r"""Plug-in mutual information of a 2-D contingency table, in nats.

    .. math::

        \hat I(X; Y) = \sum_{ij: n_{ij} > 0} \frac{n_{ij}}{n}
            \left(\log n_{ij} + \log n - \log a_i - \log b_j\right)

    with row sums :math:`a_i` and column sums :math:`b_j`, computed as
    ``sklearn.metrics.mutual_info_score`` does (logs of counts, never of
    ratios). Zero rows and columns (padding) contribute nothing. Returns 0.0
    when at most one row or one column is occupied, or ``n == 0``; clipped
    below at 0 (the plug-in value is a KL divergence, so only rounding is
    removed).

    Parameters
    ----------
    table : Array of shape (kx, ky), integer
        Joint counts.

    Returns
    -------
    Array of shape ()
        Mutual information in nats.
    """
    table = jnp.asarray(table)
    rows, cols = jnp.sum(table, axis=1), jnp.sum(table, axis=0)
    log_terms = (
        _safe_log(table)
        + _safe_log(jnp.sum(rows))
        - _safe_log(rows)[:, None]
        - _safe_log(cols)[None, :]
    )
    informative = (jnp.sum(rows > 0) > 1) & (jnp.sum(cols > 0) > 1)
    return jnp.where(informative, _table_sum(table, log_terms), 0.0)


def conditional_mutual_info_plugin(table: jax.Array) -> jax.Array:
    r"""Plug-in conditional mutual information I(X; Y | Z), in nats.

    .. math::

        \hat I(X; Y \mid Z) = \sum_{xyz: n_{xyz} > 0} \frac{n_{xyz}}{n}
            \log \frac{n_{xyz} \, n_z}{n_{xz} \, n_{yz}}

    with the margins :math:`n_z, n_{xz}, n_{yz}` of the table, equal to
    :math:`\hat H(XZ) + \hat H(YZ) - \hat H(XYZ) - \hat H(Z)`. Zero cells
    (padding) contribute nothing; ``n == 0`` gives 0.0; clipped below at 0
    (the plug-in value is non-negative up to rounding).

    Parameters
    ----------
    table : Array of shape (kx, ky, kz), integer
        Joint counts of X, Y and the conditioning variable Z.

    Returns
    -------
    Array of shape ()
        Conditional mutual information in nats.
    """
    table = jnp.asarray(table)
    n_xz, n_yz = jnp.sum(table, axis=1), jnp.sum(table, axis=0)
    log_terms = (
        _safe_log(table)
        + _safe_log(jnp.sum(n_xz, axis=0))[None, None, :]
        - _safe_log(n_xz)[:, None, :]
        - _safe_log(n_yz)[None, :, :]
    )
    return _table_sum(table, log_terms)
