"""Tests for mifeatures.measures against scipy and closed forms.

Reference comparisons run inside ``with jax.enable_x64(True):`` so that they
can hold to rtol 1e-12; the global JAX configuration is never changed.
"""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy import special, stats
from scipy.spatial.distance import jensenshannon

from mifeatures import measures as mim

RTOL = 1e-12
HYPOTHESIS = settings(max_examples=50, deadline=None, database=None)


def _dirichlet(rng, k, size=None):
    return rng.dirichlet(np.ones(k), size=size)


def _spd(rng, d):
    a = rng.normal(size=(d, d))
    return a @ a.T + d * np.eye(d)


def _simplex(k_max=12):
    """Hypothesis strategy: a point of the probability simplex with 1..k_max outcomes."""
    weights = st.lists(st.floats(0.0, 1.0), min_size=1, max_size=k_max)
    weights = weights.filter(lambda w: sum(w) > 1e-3)
    return weights.map(lambda w: np.asarray(w) / np.sum(w))


# --------------------------------------------------------------- reference values
@pytest.mark.parametrize("base", [None, 2, 10, math.e])
@pytest.mark.parametrize("k", [1, 2, 6, 50])
def test_entropy_matches_scipy(k, base):
    rng = np.random.default_rng(k)
    p = _dirichlet(rng, k)
    with jax.enable_x64(True):
        h = mim.entropy(p, base=base)
        assert h.dtype == jnp.float64
        assert_allclose(h, stats.entropy(p, base=base), rtol=RTOL)
        assert_allclose(mim.entropy(p), special.entr(p).sum(), rtol=RTOL)


def test_entropy_with_zeros_matches_scipy():
    p = np.array([0.0, 0.25, 0.0, 0.75])
    with jax.enable_x64(True):
        assert_allclose(mim.entropy(p, base=2), stats.entropy(p, base=2), rtol=RTOL)


@pytest.mark.parametrize("base", [None, 2])
def test_kl_and_cross_entropy_match_scipy(base):
    rng = np.random.default_rng(1)
    p, q = _dirichlet(rng, 7), _dirichlet(rng, 7)
    scale = 1.0 if base is None else math.log(base)
    with jax.enable_x64(True):
        kl = mim.kl_divergence(p, q, base=base)
        assert_allclose(kl, stats.entropy(p, q, base=base), rtol=RTOL)
        assert_allclose(kl, special.rel_entr(p, q).sum() / scale, rtol=RTOL)
        ce = mim.cross_entropy(p, q, base=base)
        assert_allclose(ce, -np.sum(p * np.log(q)) / scale, rtol=RTOL)


@pytest.mark.parametrize("base", [None, 2, 10])
def test_js_is_squared_scipy_jensenshannon(base):
    rng = np.random.default_rng(2)
    p, q = _dirichlet(rng, 5), _dirichlet(rng, 5)
    p[0], p[1] = 0.0, p[0] + p[1]  # a zero entry on one side
    with jax.enable_x64(True):
        js = mim.js_divergence(p, q, base=base)
        assert_allclose(js, jensenshannon(p, q, base=base) ** 2, rtol=RTOL)


def test_surprisal_values():
    with jax.enable_x64(True):
        assert_allclose(mim.surprisal(1 / 8, base=2), 3.0, rtol=RTOL)
        assert_allclose(mim.surprisal(0.5, base=2), 1.0, rtol=RTOL)
        p = np.array([[0.0, 0.1], [0.5, 1.0]])
        with np.errstate(divide="ignore"):
            expected = -np.log(p)
        assert_allclose(mim.surprisal(p), expected, rtol=RTOL)
    assert mim.surprisal(0.0) == np.inf
    assert mim.surprisal(1.0) == 0.0 and not np.signbit(mim.surprisal(1.0))


@pytest.mark.parametrize("s", [0.1, 1.0, 3.7])
def test_gaussian_entropy_of_a_variance_matches_norm(s):
    with jax.enable_x64(True):
        assert_allclose(mim.gaussian_entropy(s**2), stats.norm(scale=s).entropy(), rtol=RTOL)
        bits = mim.gaussian_entropy(s**2, base=2)
        assert_allclose(bits, 0.5 * np.log2(2 * np.pi * np.e * s**2), rtol=RTOL)


@pytest.mark.parametrize("d", [1, 2, 5])
def test_gaussian_entropy_of_a_covariance_matches_scipy(d):
    rng = np.random.default_rng(d)
    covs = np.stack([_spd(rng, d) for _ in range(3)])
    with jax.enable_x64(True):
        assert_allclose(
            mim.gaussian_entropy(covs[0]),
            stats.multivariate_normal(cov=covs[0]).entropy(),
            rtol=RTOL,
        )
        batch = mim.gaussian_entropy(covs.reshape(3, 1, d, d))
        assert batch.shape == (3, 1)
        expected = [stats.multivariate_normal(cov=c).entropy() for c in covs]
        assert_allclose(batch[:, 0], expected, rtol=RTOL)


@pytest.mark.parametrize(("m1", "s1", "m2", "s2"), [(0.0, 1.0, 0.0, 1.0), (1.0, 2.0, -0.5, 0.3)])
def test_gaussian_kl_univariate_closed_form(m1, s1, m2, s2):
    expected = math.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - 0.5
    with jax.enable_x64(True):
        assert_allclose(mim.gaussian_kl(m1, s1**2, m2, s2**2), expected, rtol=RTOL, atol=1e-15)
        full = mim.gaussian_kl([m1], [[s1**2]], [m2], [[s2**2]])
        assert_allclose(full, expected, rtol=RTOL, atol=1e-15)


def test_gaussian_kl_is_the_vae_term():
    rng = np.random.default_rng(3)
    mu, log_var = rng.normal(size=(8, 4)), rng.normal(size=(8, 4))
    var = np.exp(log_var)
    expected = -0.5 * np.sum(1 + log_var - mu**2 - var, axis=-1)
    with jax.enable_x64(True):
        kl = mim.gaussian_kl(mu, var)
        assert kl.shape == (8,)
        assert_allclose(kl, expected, rtol=RTOL)
        assert_allclose(mim.gaussian_kl(mu, var, 0.0, np.eye(4)[None]), expected, rtol=RTOL)
        assert_allclose(mim.gaussian_kl(mu, var, np.zeros(4), np.ones(4)), expected, rtol=RTOL)


def test_gaussian_kl_of_a_distribution_with_itself_is_zero():
    rng = np.random.default_rng(4)
    mu, cov = rng.normal(size=3), _spd(rng, 3)
    with jax.enable_x64(True):
        assert_allclose(mim.gaussian_kl(mu, cov, mu, cov), 0.0, atol=1e-12)
        assert_allclose(mim.gaussian_kl(mu, np.diag(cov), mu, np.diag(cov)), 0.0, atol=1e-15)


def test_gaussian_kl_full_and_diagonal_paths_agree():
    rng = np.random.default_rng(5)
    mu1, mu2 = rng.normal(size=(2, 4))
    v1, v2 = rng.uniform(0.5, 2.0, size=(2, 4))
    c1, c2 = _spd(rng, 4), _spd(rng, 4)
    with jax.enable_x64(True):
        diag = mim.gaussian_kl(mu1, v1, mu2, v2)
        for a, b in [(np.diag(v1), v2), (v1, np.diag(v2)), (np.diag(v1), np.diag(v2))]:
            assert_allclose(mim.gaussian_kl(mu1, a, mu2, b), diag, rtol=1e-10)
        # a full cov1 against a diagonal cov2 (cheap path) and the same cov2 made full
        assert_allclose(
            mim.gaussian_kl(mu1, c1, mu2, v2),
            mim.gaussian_kl(mu1, c1, mu2, np.diag(v2)),
            rtol=1e-10,
        )
        assert_allclose(mim.gaussian_kl(mu1, c1), mim.gaussian_kl(mu1, c1, 0.0, 1.0), rtol=RTOL)
        # a batch of means against one shared full covariance
        batch = mim.gaussian_kl(rng.normal(size=(5, 4)), c1[None], mu2[None], c2[None])
        assert batch.shape == (5,)


def test_gaussian_kl_monte_carlo():
    rng = np.random.default_rng(6)
    mu1, mu2 = rng.normal(size=(2, 3))
    c1, c2 = _spd(rng, 3) / 3, _spd(rng, 3) / 3
    p, q = stats.multivariate_normal(mu1, c1), stats.multivariate_normal(mu2, c2)
    x = p.rvs(size=200_000, random_state=7)
    log_ratio = p.logpdf(x) - q.logpdf(x)
    standard_error = log_ratio.std() / math.sqrt(len(x))
    with jax.enable_x64(True):
        kl = float(mim.gaussian_kl(mu1, c1, mu2, c2))
    assert abs(kl - log_ratio.mean()) < 5 * standard_error


# ------------------------------------------------------------ conventions
@pytest.mark.parametrize(
    "measure",
    [
        lambda p, q, b: mim.entropy(p, base=b),
        lambda p, q, b: mim.cross_entropy(p, q, base=b),
        lambda p, q, b: mim.kl_divergence(p, q, base=b),
        lambda p, q, b: mim.js_divergence(p, q, base=b),
        lambda p, q, b: mim.surprisal(p, base=b),
        lambda p, q, b: mim.gaussian_entropy(np.diag(1 + p), base=b),
        lambda p, q, b: mim.gaussian_kl(p, 1 + q, 0.0, None, base=b),
    ],
)
def test_base_2_rescales_by_log_2(measure):
    rng = np.random.default_rng(8)
    p, q = _dirichlet(rng, 4), _dirichlet(rng, 4)
    with jax.enable_x64(True):
        assert_allclose(measure(p, q, 2), np.asarray(measure(p, q, None)) / np.log(2), rtol=RTOL)


def test_zero_log_zero_is_zero():
    with jax.enable_x64(True):
        assert mim.entropy([0.0, 1.0]) == 0.0
        assert not np.signbit(mim.entropy([0.0, 0.0, 1.0]))
        assert_allclose(mim.entropy([0.0, 0.5, 0.5], base=2), 1.0, rtol=RTOL)
        assert_allclose(mim.kl_divergence([0.0, 1.0], [0.0, 1.0]), 0.0, atol=0)
        assert_allclose(mim.cross_entropy([0.0, 1.0], [0.0, 1.0]), 0.0, atol=0)
        assert_allclose(mim.kl_divergence([0.0, 1.0], [0.5, 0.5]), math.log(2), rtol=RTOL)


def test_infinite_where_q_is_zero_but_p_is_not():
    p, q = np.array([[0.5, 0.5], [0.5, 0.5]]), np.array([[1.0, 0.0], [0.5, 0.5]])
    assert_array_equal(mim.kl_divergence(p, q), [np.inf, 0.0])
    assert mim.cross_entropy(p, q)[0] == np.inf
    assert np.isfinite(mim.js_divergence(p, q)).all()


def test_kl_is_cross_entropy_minus_entropy():
    rng = np.random.default_rng(9)
    p, q = _dirichlet(rng, 6, size=10), _dirichlet(rng, 6, size=10)
    with jax.enable_x64(True):
        kl = mim.kl_divergence(p, q)
        assert_allclose(kl, mim.cross_entropy(p, q) - mim.entropy(p), rtol=1e-10)
        assert (kl > 0).all()


def test_kl_is_asymmetric():
    p, q = np.array([0.9, 0.1]), np.array([0.5, 0.5])
    with jax.enable_x64(True):
        forward, reverse = mim.kl_divergence(p, q, base=2), mim.kl_divergence(q, p, base=2)
        assert_allclose(forward, 0.9 * np.log2(1.8) + 0.1 * np.log2(0.2), rtol=RTOL)
        assert_allclose(reverse, 0.5 * np.log2(0.5 / 0.9) + 0.5 * np.log2(5), rtol=RTOL)
    assert abs(float(forward) - float(reverse)) > 0.1


@HYPOTHESIS
@given(_simplex())
def test_uniform_has_maximal_entropy(p):
    k = len(p)
    with jax.enable_x64(True):
        assert float(mim.entropy(p)) <= math.log(k) + 1e-12
        assert_allclose(mim.entropy(np.full(k, 1 / k)), math.log(k), rtol=RTOL, atol=1e-15)
        assert float(mim.entropy(p)) >= 0.0


@HYPOTHESIS
@given(st.integers(1, 10).flatmap(lambda k: st.tuples(_simplex(k), _simplex(k))))
def test_js_is_symmetric_and_bounded(pq):
    p, q = pq
    if len(p) != len(q):
        q = np.full(len(p), 1 / len(p))
    with jax.enable_x64(True):
        js = float(mim.js_divergence(p, q))
        assert_allclose(js, mim.js_divergence(q, p), rtol=RTOL, atol=1e-15)
        assert -1e-15 <= js <= math.log(2) + 1e-12
        assert_allclose(mim.js_divergence(p, p), 0.0, atol=1e-15)
    assert_allclose(mim.js_divergence([1.0, 0.0], [0.0, 1.0]), math.log(2), rtol=1e-6)


# ----------------------------------------------------------- batching and JAX
@pytest.mark.parametrize(
    "measure", [mim.entropy, mim.cross_entropy, mim.kl_divergence, mim.js_divergence]
)
def test_batching_along_any_axis_equals_a_loop(measure):
    rng = np.random.default_rng(10)
    p, q = _dirichlet(rng, 5, size=(3, 4)), _dirichlet(rng, 5, size=(3, 4))
    args = (lambda a, b: (a,)) if measure is mim.entropy else (lambda a, b: (a, b))
    with jax.enable_x64(True):
        last = measure(*args(p, q), axis=-1)
        assert last.shape == (3, 4)
        loop = [[measure(*args(p[i, j], q[i, j])) for j in range(4)] for i in range(3)]
        assert_allclose(last, np.asarray(loop), rtol=RTOL)
        first = measure(*args(np.moveaxis(p, -1, 0), np.moveaxis(q, -1, 0)), axis=0)
        assert_allclose(first, last, rtol=RTOL)


def test_grad_of_entropy_is_analytic():
    p = np.array([0.1, 0.2, 0.3, 0.4])
    with jax.enable_x64(True):
        grad = jax.grad(mim.entropy)(jnp.asarray(p))
        assert_allclose(grad, -(np.log(p) + 1), rtol=RTOL)
    assert np.isfinite(jax.grad(mim.entropy)(jnp.asarray(p, dtype=jnp.float32))).all()


def test_grad_of_kl_divergence_is_finite_and_analytic():
    p, q = np.array([0.2, 0.3, 0.5]), np.array([0.6, 0.3, 0.1])
    with jax.enable_x64(True):
        gp, gq = jax.grad(mim.kl_divergence, argnums=(0, 1))(jnp.asarray(p), jnp.asarray(q))
        assert_allclose(gp, np.log(p / q) + 1, rtol=RTOL)
        assert_allclose(gq, -p / q, rtol=RTOL)
        for f in (mim.cross_entropy, mim.js_divergence):
            assert np.isfinite(jax.grad(f, argnums=(0, 1))(jnp.asarray(p), jnp.asarray(q))).all()
        cov = jnp.asarray(_spd(np.random.default_rng(11), 3))
        assert np.isfinite(jax.grad(lambda c: mim.gaussian_kl(jnp.ones(3), c))(cov)).all()
        assert np.isfinite(jax.grad(mim.gaussian_entropy)(cov)).all()


def test_works_under_the_callers_jit_and_vmap():
    rng = np.random.default_rng(12)
    p, q = _dirichlet(rng, 4, size=6), _dirichlet(rng, 4, size=6)
    with jax.enable_x64(True):
        jitted = jax.jit(lambda a, b: mim.kl_divergence(a, b, base=2))
        assert_allclose(jitted(p, q), mim.kl_divergence(p, q, base=2), rtol=RTOL)
        assert_allclose(jax.jit(mim.entropy)(p), mim.entropy(p), rtol=RTOL)
        assert_allclose(jax.vmap(mim.js_divergence)(p, q), mim.js_divergence(p, q), rtol=RTOL)
        cov = _spd(rng, 3)
        assert_allclose(jax.jit(mim.gaussian_kl)(p[0, :3], cov), mim.gaussian_kl(p[0, :3], cov))
        assert_allclose(jax.jit(mim.gaussian_entropy)(cov), mim.gaussian_entropy(cov))
    # shape checks still run while tracing
    with pytest.raises(ValueError, match="same shape"):
        jax.jit(mim.kl_divergence)(p, q[:, :3])


@pytest.mark.parametrize(
    "measure",
    [
        lambda p, q: mim.entropy(p),
        lambda p, q: mim.cross_entropy(p, q),
        lambda p, q: mim.kl_divergence(p, q, base=2),
        lambda p, q: mim.js_divergence(p, q),
        lambda p, q: mim.surprisal(p),
        lambda p, q: mim.gaussian_entropy(np.diag(1 + p)),
        lambda p, q: mim.gaussian_kl(p, 1 + q),
        lambda p, q: mim.gaussian_kl(p, np.diag(1 + q), q, np.diag(2 - p)),
    ],
)
def test_float32_mode_follows_the_caller(measure):
    rng = np.random.default_rng(13)
    p, q = _dirichlet(rng, 5), _dirichlet(rng, 5)
    with jax.enable_x64(True):
        reference = np.asarray(measure(p, q))
        assert reference.dtype == np.float64
    result = measure(p.astype(np.float32), q.astype(np.float32))
    assert result.dtype == jnp.float32
    assert_allclose(result, reference, rtol=1e-5, atol=1e-5)
    assert measure(p, q).dtype == jnp.float32  # float64 NumPy input, float32 caller


def test_half_precision_vectors_are_accepted():
    p = jnp.ones(6, dtype=jnp.float16) / 6  # sums to 0.99976 in float16
    assert_allclose(mim.entropy(p), math.log(6), rtol=1e-3)


# --------------------------------------------------------------- bad input
_P2 = [0.5, 0.5]
_ERRORS = [
    (lambda: mim.entropy([0.5, 0.6]), ValueError, r"p must sum to 1 .*worst sum is 1\.1"),
    (lambda: mim.entropy([[0.5, 0.5], [0.2, 0.2]]), ValueError, "p must sum.*worst sum is 0.4"),
    (lambda: mim.entropy(np.array([0.5, 0.5 + 2e-9])), ValueError, "within 1e-09"),
    (lambda: mim.entropy(np.float32([0.5, 0.5 + 4e-6])), ValueError, "within 1e-06"),
    (lambda: mim.entropy([np.nan, 1.0]), ValueError, "p contains NaN"),
    (lambda: mim.entropy([-0.1, 1.1]), ValueError, r"p must hold probabilities in \[0, 1\]"),
    (lambda: mim.entropy([0.0, np.inf]), ValueError, r"p must hold probabilities"),
    (lambda: mim.kl_divergence(_P2, [1.5, -0.5]), ValueError, "q must hold probabilities"),
    (lambda: mim.kl_divergence(_P2, [0.2, 0.2]), ValueError, "q must sum to 1.*0.4"),
    (lambda: mim.cross_entropy(_P2, [np.nan, 0.5]), ValueError, "q contains NaN"),
    (lambda: mim.js_divergence([0.6, 0.6], _P2), ValueError, "p must sum to 1"),
    (
        lambda: mim.kl_divergence(_P2, [0.2, 0.3, 0.5]),
        ValueError,
        r"p\.shape=\(2,\) and q\.shape=\(3,\)",
    ),
    (lambda: mim.entropy([]), ValueError, "p is empty"),
    (lambda: mim.entropy(np.ones((0, 3))), ValueError, "p is empty"),
    (lambda: mim.kl_divergence([], []), ValueError, "p is empty"),
    (lambda: mim.surprisal(np.array([])), ValueError, "p is empty"),
    (lambda: mim.entropy(0.5), ValueError, "at least one dimension"),
    (lambda: mim.entropy(np.full((2, 2), 0.5), axis=2), ValueError, "axis 2"),
    (lambda: mim.entropy(_P2, base=0), ValueError, "base"),
    (lambda: mim.entropy(_P2, base=-2), ValueError, "base"),
    (lambda: mim.entropy(_P2, base=1), ValueError, "base"),
    (lambda: mim.kl_divergence(_P2, _P2, base=1.0), ValueError, "base"),
    (lambda: mim.gaussian_kl(0.0, 1.0, base=0), ValueError, "base"),
    (lambda: mim.entropy(_P2, base="2"), TypeError, "base"),
    (lambda: mim.entropy(np.array([0.5 + 0j, 0.5])), TypeError, "p must hold real numbers"),
    (lambda: mim.surprisal(1.5), ValueError, "p must hold probabilities"),
    (lambda: mim.surprisal([0.5, np.nan]), ValueError, "p contains NaN"),
    (lambda: mim.gaussian_entropy(-1.0), ValueError, "cov must hold positive variances"),
    (lambda: mim.gaussian_entropy(np.nan), ValueError, "cov contains NaN"),
    (lambda: mim.gaussian_entropy([[1.0, 2.0], [2.0, 1.0]]), ValueError, "positive definite"),
    (lambda: mim.gaussian_entropy([[1.0, 0.5], [0.0, 1.0]]), ValueError, "symmetric"),
    (lambda: mim.gaussian_entropy([1.0, 2.0]), ValueError, "ambiguous"),
    (lambda: mim.gaussian_entropy(np.ones((2, 3))), ValueError, "square"),
    (lambda: mim.gaussian_entropy(np.ones((0, 0))), ValueError, "cov is empty"),
    (lambda: mim.gaussian_kl(0.0, -1.0), ValueError, "cov1 must hold positive variances"),
    (lambda: mim.gaussian_kl(0.0, 1.0, 0.0, 0.0), ValueError, "cov2 must hold positive"),
    (lambda: mim.gaussian_kl([np.nan], [1.0]), ValueError, "mu1 contains NaN"),
    (lambda: mim.gaussian_kl([0.0], [1.0], [np.inf]), ValueError, "mu2 must be finite"),
    (lambda: mim.gaussian_kl([0.0, 0.0], [1.0, 1.0], np.zeros(3)), ValueError, "broadcast"),
    (lambda: mim.gaussian_kl(np.zeros(2), np.ones((2, 2, 2))), ValueError, "fits neither"),
    (
        lambda: mim.gaussian_kl(np.zeros(2), np.eye(2), 0.0, [[1.0, 2.0], [2.0, 1.0]]),
        ValueError,
        "cov2 must be positive definite",
    ),
    (lambda: mim.gaussian_kl(np.zeros(3), np.ones((1, 1))), ValueError, r"must be \(3, 3\)"),
]


@pytest.mark.parametrize(("call", "error", "match"), _ERRORS)
def test_bad_input_raises(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_tolerance_admits_rounding():
    mim.entropy(np.float32([0.5, 0.5 + 5e-7]))
    mim.entropy(np.array([0.5, 0.5 + 5e-10]))
    mim.entropy(np.full(10, 0.1))
    mim.entropy(jnp.full(10, 0.1, dtype=jnp.float32))


def test_inputs_are_not_modified():
    rng = np.random.default_rng(14)
    p, q, cov = _dirichlet(rng, 4, size=3), _dirichlet(rng, 4, size=3), _spd(rng, 4)
    copies = [a.copy() for a in (p, q, cov)]
    for a in (p, q, cov):
        a.flags.writeable = False  # read-only input must be accepted as it is
    mim.entropy(p)
    mim.cross_entropy(p, q)
    mim.kl_divergence(p.T, q.T, axis=0)
    mim.js_divergence(p, q, base=2)
    mim.surprisal(p)
    mim.gaussian_entropy(cov)
    mim.gaussian_kl(p, q, q, p)
    mim.gaussian_kl(p[0], cov, q[0], cov)
    for a, original in zip((p, q, cov), copies, strict=True):
        assert_array_equal(a, original)


def test_global_x64_flag_is_untouched():
    before = jax.config.jax_enable_x64
    p = np.array([0.25, 0.75])
    mim.entropy(p)
    mim.kl_divergence(p, p[::-1])
    mim.gaussian_kl([0.0, 1.0], np.eye(2))
    with jax.enable_x64(True):
        mim.js_divergence(p, p[::-1])
    assert jax.config.jax_enable_x64 == before


def test_gaussian_kl_broadcasts_batches():
    rng = np.random.default_rng(15)
    mus, cov, var = rng.normal(size=(5, 3)), _spd(rng, 3), rng.uniform(0.5, 2, size=3)
    with jax.enable_x64(True):
        loop = [mim.gaussian_kl(mus[0], cov, m, np.diag(var)) for m in mus]
        assert_allclose(mim.gaussian_kl(mus[0], cov, mus, var[None]), loop, rtol=1e-10)
        assert_allclose(mim.gaussian_kl(mus[0], cov, mus, np.diag(var)[None]), loop, rtol=1e-10)
        loop = [mim.gaussian_kl(m, var, 0.0, cov) for m in mus]
        assert_allclose(mim.gaussian_kl(mus, var[None], 0.0, cov[None]), loop, rtol=1e-10)
        assert mim.gaussian_kl(0.0, 1.0).shape == ()
        assert mim.gaussian_kl(np.zeros((2, 1, 3)), np.ones((1, 4, 3))).shape == (2, 4)
