"""Tests of mifeatures.kernels.discrete against independent truths.

Truths come from scipy, scikit-learn, hand arithmetic (written out below) and
numerical quadrature; never from this module's own output. Count vectors are
zero-padded to a few shared lengths so that each kernel compiles only a handful
of times (padding is itself tested to change nothing).
"""

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import integrate, special, stats
from sklearn.metrics import mutual_info_score

from mifeatures.kernels.discrete import (
    ENTROPY_METHODS,
    conditional_mutual_info_plugin,
    entropy_chao_shen,
    entropy_grassberger,
    entropy_james_stein,
    entropy_miller_madow,
    entropy_nsb,
    entropy_plugin,
    mutual_info_plugin,
)

METHODS = sorted(ENTROPY_METHODS)
CORRECTED = [name for name in METHODS if name != "plugin"]
SIZE = 8  # shared length of the small count vectors
MI_SHAPE = (10, 10)  # shared shapes of the (padded) contingency tables
CMI_SHAPE = (5, 4, 4)

SMALL_COUNTS = [
    [2, 1, 1],
    [5, 0, 3, 1, 1, 0],
    [10, 3],
    [1, 1, 1, 1, 1, 2, 0, 7],
    [40, 1, 1, 2, 9, 0, 0, 3],
]
CONSTANT_OR_EMPTY = [[7], [0, 7, 0], [1], [0, 1], [100000, 0, 0], [0, 0, 0]]


@pytest.fixture(autouse=True)
def _x64():
    """Every test runs in a scoped float64 context; global config is untouched."""
    with jax.enable_x64(True), jax.numpy_rank_promotion("raise"):
        yield


def _counts(values, size=SIZE, dtype=np.int64):
    """Counts as a JAX integer array, zero-padded at the end to ``size``."""
    padded = np.zeros(max(size, len(values)), dtype=dtype)
    padded[: len(values)] = values
    return jnp.asarray(padded)


def _table(table, shape):
    """A contingency table as a JAX integer array, zero-padded at the ends to ``shape``."""
    table = np.asarray(table)
    padded = np.zeros(shape, dtype=np.int64)
    padded[tuple(slice(0, k) for k in table.shape)] = table
    return jnp.asarray(padded)


@functools.cache
def jitted(f):
    """One jitted wrapper per kernel, so that tests compile once per shape."""
    return jax.jit(f)


@functools.cache
def jitted_vmap(f):
    return jax.jit(jax.vmap(f))


# ---------------------------------------------------------------- plug-in ----


@pytest.mark.parametrize("values", SMALL_COUNTS + [[1, 0, 0, 1000], [3, 3, 3]])
def test_plugin_matches_scipy(values):
    expected = stats.entropy(np.asarray(values, dtype=float))
    got = float(jitted(entropy_plugin)(_counts(values)))
    assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


def test_plugin_matches_scipy_random():
    rng = np.random.default_rng(0)
    for _ in range(20):
        values = rng.integers(0, 50, size=30) * (rng.random(30) < 0.7)  # with zeros
        values[:2] = np.maximum(values[:2], 1)
        expected = stats.entropy(values.astype(float))
        assert_allclose(float(jitted(entropy_plugin)(_counts(values))), expected, rtol=1e-12)


# ------------------------------------------------------------ MI and CMI ----


def test_mutual_info_matches_sklearn():
    rng = np.random.default_rng(1)
    for shape in [(2, 2), (3, 5), (7, 4), (10, 10)]:
        for _ in range(5):
            table = rng.integers(0, 20, size=shape)
            table[0, :] = 0  # an unobserved row (padding)
            table[1, 0] = max(table[1, 0], 1)
            table[2 % shape[0], 1] = max(table[2 % shape[0], 1], 1)
            expected = mutual_info_score(None, None, contingency=table)
            got = float(jitted(mutual_info_plugin)(_table(table, MI_SHAPE)))
            assert_allclose(got, expected, atol=1e-12)


def test_mutual_info_dependent_table_matches_sklearn():
    table = np.array([[30, 1, 0], [2, 25, 3], [0, 4, 40]])
    expected = mutual_info_score(None, None, contingency=table)
    assert expected > 0.5
    got = float(jitted(mutual_info_plugin)(_table(table, MI_SHAPE)))
    assert_allclose(got, expected, rtol=1e-12)


def test_mutual_info_edge_cases():
    mi = jitted(mutual_info_plugin)
    # at most one occupied row or column: sklearn returns 0.0, so do we
    for table in [np.array([[3, 4, 5]]), np.array([[0, 0], [3, 4]]), np.zeros((3, 3), int)]:
        assert float(mi(_table(table, MI_SHAPE))) == 0.0
    # MI(X, X) = H(X): a diagonal table
    values = [5, 0, 3, 1, 1]
    diag = _table(np.diag(values), MI_SHAPE)
    assert_allclose(float(mi(diag)), stats.entropy(values), rtol=1e-12)
    # X independent of Y in the sample (an outer product): 0 up to rounding
    assert float(mi(_table(np.outer([1, 2, 3], [2, 1]), MI_SHAPE))) < 1e-15
    # zero rows and columns (padding) change nothing
    table = np.array([[4, 1], [2, 6]])
    padded = np.zeros((4, 5), int)
    padded[1:3, 2:4] = table
    assert_allclose(
        float(mi(_table(padded, MI_SHAPE))),
        mutual_info_score(None, None, contingency=table),
        rtol=1e-12,
    )


def _cmi_from_entropies(table):
    """I(X;Y|Z) = H(XZ) + H(YZ) - H(XYZ) - H(Z), each H from scipy."""

    def h(counts):
        return stats.entropy(np.ravel(counts).astype(float))

    return h(table.sum(axis=1)) + h(table.sum(axis=0)) - h(table) - h(table.sum(axis=(0, 1)))


def test_conditional_mutual_info_matches_entropy_identity():
    rng = np.random.default_rng(2)
    for shape in [(2, 2, 2), (3, 4, 2), (5, 3, 4)]:
        for _ in range(5):
            table = rng.integers(0, 15, size=shape)
            table[..., 0] += np.eye(shape[0], shape[1], dtype=table.dtype) * 20  # dependence
            expected = _cmi_from_entropies(table)
            got = float(jitted(conditional_mutual_info_plugin)(_table(table, CMI_SHAPE)))
            assert_allclose(got, expected, atol=1e-12)


def test_conditional_mutual_info_edge_cases():
    cmi = jitted(conditional_mutual_info_plugin)
    # a single level of Z: I(X;Y|Z) = I(X;Y)
    table = np.array([[30, 1, 0], [2, 25, 3]])
    assert_allclose(
        float(cmi(_table(table[:, :, None], CMI_SHAPE))),
        mutual_info_score(None, None, contingency=table),
        rtol=1e-12,
    )
    # X independent of Y within each level of Z (outer products): 0 up to rounding
    cond = np.stack([np.outer([1, 2], [3, 1]), np.outer([2, 2], [1, 4])], axis=-1)
    assert float(cmi(_table(cond, CMI_SHAPE))) < 1e-14
    assert float(cmi(_table(np.zeros((2, 2, 2)), CMI_SHAPE))) == 0.0


# ------------------------------------------------------- hand-worked cases ----


def test_hand_worked_counts_2_1_1():
    c = _counts([2, 1, 1])
    log2 = math.log(2.0)
    # n = 4, p = (1/2, 1/4, 1/4): H = 1/2 log 2 + 2 * 1/4 log 4 = 3/2 log 2
    plugin = 1.5 * log2
    assert_allclose(float(jitted(entropy_plugin)(c)), plugin, rtol=1e-14)
    # Miller-Madow: m = 3 observed bins, (m - 1) / (2n) = 2 / 8
    assert_allclose(float(jitted(entropy_miller_madow)(c)), plugin + 2 / 8, rtol=1e-14)
    # Chao-Shen: f1 = 2 singletons, C = 1 - 2/4 = 1/2, pa = C c / n = (1/4, 1/8, 1/8);
    # 1 - (1 - 1/4)^4 = 175/256 and 1 - (1 - 1/8)^4 = 1695/4096, so
    # H = (1/4 log 4) / (175/256) + 2 (1/8 log 8) / (1695/4096)
    chao_shen = (0.25 * math.log(4)) * 256 / 175 + 2 * (0.125 * math.log(8)) * 4096 / 1695
    assert_allclose(float(jitted(entropy_chao_shen)(c)), chao_shen, rtol=1e-13)
    # James-Stein: u = (1/2, 1/4, 1/4), t = 1/3, 1 - sum u^2 = 5/8,
    # (n - 1) sum (t - u)^2 = 3 (1/36 + 2/144) = 1/8, lambda = 5 -> clipped to 1:
    # p = t, H = log 3
    assert_allclose(float(jitted(entropy_james_stein)(c)), math.log(3), rtol=1e-14)
    # Grassberger: psi(1) = -gamma, psi(2) = 1 - gamma, psi(1/2) = -gamma - 2 log 2,
    # psi(3/2) = 2 - gamma - 2 log 2, so G(1) = -gamma - log 2, G(2) = 2 - gamma - log 2,
    # H = log 4 - (2 G(2) + 2 G(1)) / 4 = 3 log 2 - 1 + gamma
    expected = 3 * log2 - 1 + np.euler_gamma
    assert_allclose(float(jitted(entropy_grassberger)(c)), expected, rtol=1e-13)


def test_hand_worked_james_stein_partial_shrinkage():
    # counts [8, 2]: u = (0.8, 0.2), t = 1/2, 1 - sum u^2 = 1 - 0.68 = 0.32,
    # (n - 1) sum (t - u)^2 = 9 * 0.18 = 1.62, lambda = 0.32 / 1.62 = 16/81
    lam = 16 / 81
    p = lam * 0.5 + (1 - lam) * np.array([0.8, 0.2])
    expected = -np.sum(p * np.log(p))
    james_stein = jitted(entropy_james_stein)
    assert_allclose(float(james_stein(_counts([8, 2]))), expected, rtol=1e-14)
    assert_allclose(float(james_stein(_counts([0, 8, 0, 2]))), expected, rtol=1e-14)


def test_hand_worked_chao_shen_all_singletons():
    # counts [1, 1, 1]: f1 = n = 3, so f1 = n - 1 = 2, C = 1/3, pa = 1/9 each;
    # H = 3 * (-(1/9) log(1/9)) / (1 - (8/9)^3) = (1/3) log 9 / (217/729)
    expected = (math.log(9) / 3) * 729 / 217
    assert_allclose(float(jitted(entropy_chao_shen)(_counts([1, 1, 1]))), expected, rtol=1e-13)


def _grassberger_reference(values):
    """Grassberger (2003), eq. (35), with scipy's digamma."""
    c = np.asarray([v for v in values if v > 0], dtype=float)
    n = c.sum()
    g = special.digamma(c) + 0.5 * (-1.0) ** c * (
        special.digamma((c + 1) / 2) - special.digamma(c / 2)
    )
    return math.log(n) - np.sum(c * g) / n


@pytest.mark.parametrize("values", SMALL_COUNTS + [[1000, 999, 3, 1]])
def test_grassberger_matches_digamma_formula(values):
    expected = _grassberger_reference(values)
    assert_allclose(float(jitted(entropy_grassberger)(_counts(values))), expected, rtol=1e-12)


# ------------------------------------------------------------------- NSB ----


def _nsb_reference(values):
    """NSB posterior mean by adaptive quadrature over t = log(beta), with scipy."""
    c = np.asarray([v for v in values if v > 0], dtype=float)
    k, n = len(c), c.sum()

    def log_weight(t):
        beta = math.exp(t)
        dxi = k * special.polygamma(1, k * beta + 1) - special.polygamma(1, beta + 1)
        # Gamma(K b) / Gamma(n + K b) * prod Gamma(c + b) / Gamma(b), with
        # log Gamma(x + c) - log Gamma(x) = log Gamma(c) - log B(c, x) (scipy's betaln
        # stays accurate for large x, where a difference of gammalns does not)
        log_like = np.sum(special.gammaln(c) - special.betaln(c, beta)) - (
            special.gammaln(n) - special.betaln(n, k * beta)
        )
        return math.log(dxi) + log_like + t  # d(beta) = beta dt

    def h_given_beta(t):
        beta = math.exp(t)
        a, total = c + beta, n + k * beta
        return special.digamma(total + 1) - np.sum(a / total * special.digamma(a + 1))

    # beta from e^-40 to e^28 (1.4e12). Beyond that dxi/dbeta ~ (K - 1) / (2 K beta^2)
    # is lost to cancellation in float64; the posterior mass there is below 1e-12
    # (the likelihood is bounded and the prior mass above beta is O(1 / beta)).
    lo, hi = -40.0, 28.0
    grid = np.linspace(lo, hi, 681)
    mode = grid[np.argmax([log_weight(t) for t in grid])]
    peak = log_weight(mode)

    def weight(t):
        return math.exp(log_weight(t) - peak)

    options = dict(points=[mode], limit=500, epsabs=0, epsrel=1e-11)
    norm = integrate.quad(weight, lo, hi, **options)[0]
    mean = integrate.quad(lambda t: weight(t) * h_given_beta(t), lo, hi, **options)[0]
    return mean / norm


@pytest.mark.parametrize("values", SMALL_COUNTS + [[3, 3, 3], [500, 1, 1]])
def test_nsb_matches_quadrature(values):
    expected = _nsb_reference(values)
    got = float(jitted(entropy_nsb)(_counts(values)))
    assert_allclose(got, expected, rtol=1e-6)
    m = sum(v > 0 for v in values)
    assert 0.0 < got < math.log(m)


# ------------------------------------------------------ statistical checks ----


def _all_methods_batched(batch):
    batch = jnp.asarray(batch)
    return {name: np.asarray(jitted_vmap(f)(batch)) for name, f in ENTROPY_METHODS.items()}


def test_large_sample_estimates_are_consistent():
    # K = 10, p proportional to 1..2, n = 1e5. One draw's sampling sd is about 7e-4,
    # so the 1e-3 bar is applied to the mean of 200 seeded draws (sd about 5e-5).
    # The 10 levels sit in 100 columns (90 of padding): the shape of the next test.
    p = np.linspace(1.0, 2.0, 10)
    p /= p.sum()
    true_h = -np.sum(p * np.log(p))
    draws = np.zeros((200, 100), dtype=np.int64)
    draws[:, 45:55] = np.random.default_rng(3).multinomial(100_000, p, size=200)
    for name, estimates in _all_methods_batched(draws).items():
        assert abs(estimates.mean() - true_h) < 1e-3, name


def test_undersampled_bias_correction_beats_plugin():
    # K = 100 equiprobable levels, n = 50 samples: plug-in is biased low by far.
    true_h = math.log(100)
    draws = np.random.default_rng(4).multinomial(50, np.full(100, 0.01), size=200)
    bias = {
        name: abs(estimates.mean() - true_h)
        for name, estimates in _all_methods_batched(draws).items()
    }
    for name in CORRECTED:
        assert bias[name] < bias["plugin"], (name, bias)


# ------------------------------------------------------------- conventions ----


@pytest.mark.parametrize("name", METHODS)
def test_zero_padding_changes_nothing(name):
    f = jitted(ENTROPY_METHODS[name])
    for values in SMALL_COUNTS:
        base = float(f(_counts(values)))
        padded = float(f(_counts(values, 2 * SIZE)))
        shuffled = float(f(_counts([0, 0, *values[::-1], 0, 0, 0], 2 * SIZE)))
        assert_allclose(padded, base, rtol=1e-13)
        assert_allclose(shuffled, base, rtol=1e-13)


@pytest.mark.parametrize("name", METHODS)
def test_constant_and_empty_columns_give_zero(name):
    f = jitted(ENTROPY_METHODS[name])
    for values in CONSTANT_OR_EMPTY:
        result = f(_counts(values))
        assert result.shape == ()
        assert result.dtype == jnp.float64
        assert float(result) == 0.0


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(st.integers(0, 30), min_size=SIZE, max_size=SIZE))
def test_random_counts_are_finite(values):
    c = _counts(values)
    results = {name: float(jitted(f)(c)) for name, f in ENTROPY_METHODS.items()}
    assert all(math.isfinite(v) for v in results.values()), results
    m = sum(v > 0 for v in values)
    assert results["plugin"] >= 0.0
    assert results["plugin"] <= math.log(max(m, 1)) + 1e-12
    assert results["miller_madow"] >= results["plugin"]
    assert results["nsb"] <= math.log(max(m, 1)) + 1e-12
    if m <= 1:
        assert all(v == 0.0 for v in results.values()), results


# --------------------------------------------------------- JAX behaviour ----


@pytest.mark.parametrize("name", METHODS)
def test_jit_equals_eager(name):
    f = ENTROPY_METHODS[name]
    for values in SMALL_COUNTS + CONSTANT_OR_EMPTY:
        c = _counts(values)
        assert_allclose(float(jitted(f)(c)), float(f(c)), rtol=1e-12)


def test_jit_equals_eager_for_tables():
    table = np.random.default_rng(5).integers(0, 9, size=(3, 4, 2))
    for f, arg in [
        (mutual_info_plugin, _table(table[:, :, 0], MI_SHAPE)),
        (conditional_mutual_info_plugin, _table(table, CMI_SHAPE)),
    ]:
        assert_allclose(float(jitted(f)(arg)), float(f(arg)), rtol=1e-12)


@pytest.mark.parametrize("name", METHODS)
def test_vmap_and_lax_map_equal_loop(name):
    f = ENTROPY_METHODS[name]
    batch = np.random.default_rng(6).integers(0, 6, size=(8, SIZE))
    batch[0] = [0, 0, 4, 0, 0, 0, 0, 0]  # constant column
    batch[1] = 0  # empty column
    loop = np.array([float(jitted(f)(jnp.asarray(row))) for row in batch])
    # one compilation for both batchings: vmap and lax.map (what the engine uses)
    vmapped, lax_mapped = jax.jit(lambda b: (jax.vmap(f)(b), jax.lax.map(f, b)))(batch)
    assert_allclose(np.asarray(vmapped), loop, rtol=1e-12)
    assert_allclose(np.asarray(lax_mapped), loop, rtol=1e-12)


def test_vmap_over_tables_equals_loop():
    tables = [_table(t, CMI_SHAPE) for t in np.random.default_rng(7).integers(0, 9, (5, 3, 4, 2))]
    cmi = [float(jitted(conditional_mutual_info_plugin)(t)) for t in tables]
    mi = [float(jitted(mutual_info_plugin)(t[:, :, 0])) for t in tables]
    batched = jnp.stack(tables)
    cmi_batched = jitted_vmap(conditional_mutual_info_plugin)(batched)
    assert_allclose(np.asarray(cmi_batched), cmi, rtol=1e-12)
    assert_allclose(np.asarray(jitted_vmap(mutual_info_plugin)(batched[..., 0])), mi, rtol=1e-12)


@pytest.mark.parametrize("name", METHODS)
def test_float32_agrees_with_float64(name):
    # Outside x64 the kernels compute in float32. The plug-in family must stay within
    # 1e-5 also for a large, nearly constant column; the digamma/gammaln based
    # estimators get 1e-4 on small samples (at n ~ 1e5 NSB keeps only ~1e-4).
    plugin_family = name in ("plugin", "miller_madow")
    rtol = 1e-5 if plugin_family else 1e-4
    f = jitted(ENTROPY_METHODS[name])
    values = [*SMALL_COUNTS, *CONSTANT_OR_EMPTY]
    if plugin_family:
        values.append([123456, 7, 89, 1000])
    expected = [float(f(_counts(v))) for v in values]
    with jax.enable_x64(False):
        got = [f(_counts(v, dtype=np.int32)) for v in values]
        assert all(g.dtype == jnp.float32 for g in got)
    assert_allclose([float(g) for g in got], expected, rtol=rtol, atol=0)
