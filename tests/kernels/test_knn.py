"""Nearest-neighbour kernels (Ross, KSG, Kozachenko-Leonenko) and their engine functions.

Exactness is checked against scikit-learn's private ``_compute_mi_cd`` and
``_compute_mi_cc`` on the same inputs. Those clip at 0, so the raw estimates
are also checked against ``_raw_cd``/``_raw_cc`` below: the same code with the
clipping removed. Tolerances: the per-point quantities (radii, counts) are
reproduced exactly, including scikit-learn's brute-force radii for classes of
at most ``2 k + 1`` members (squared distances by the GEMM trick, which differ
from ``|x_j - x_i|`` by about an ulp and move the MI by about 1e-7 when not
replayed); what is left is the summation order of the means, about 1e-15
absolute. Hence ``rtol=1e-10`` with ``atol=1e-12`` for estimates near 0.
"""

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.special import digamma
from sklearn.feature_selection._mutual_info import _compute_mi_cc, _compute_mi_cd
from sklearn.neighbors import KDTree, NearestNeighbors
from sklearn.preprocessing import scale

from mifeatures import _engine
from mifeatures.kernels import knn_common, knn_kl, knn_ross, knn_strips

RTOL, ATOL = 1e-10, 1e-12
# Compiling a kernel costs seconds: the cases share shapes (row buckets of 256 and
# 1024, eight class levels) so that this file compiles few variants.
LEVELS = 8


def _raw_cd(c, d, n_neighbors):
    """scikit-learn 1.9's ``_compute_mi_cd`` without the final ``max(0, mi)``."""
    n_samples = c.shape[0]
    c = c.reshape((-1, 1))
    radius, label_counts, k_all = np.empty(n_samples), np.empty(n_samples), np.empty(n_samples)
    nn = NearestNeighbors()
    for label in np.unique(d):
        mask = d == label
        count = np.sum(mask)
        if count > 1:
            k = min(n_neighbors, count - 1)
            nn.set_params(n_neighbors=k)
            nn.fit(c[mask])
            r = nn.kneighbors()[0]
            radius[mask] = np.nextafter(r[:, -1], 0)
            k_all[mask] = k
        label_counts[mask] = count
    mask = label_counts > 1
    n_samples = np.sum(mask)
    label_counts, k_all, c, radius = label_counts[mask], k_all[mask], c[mask], radius[mask]
    m_all = np.array(KDTree(c).query_radius(c, radius, count_only=True, return_distance=False))
    return (digamma(n_samples) + np.mean(digamma(k_all)) - np.mean(digamma(label_counts))
            - np.mean(digamma(m_all)))


def _raw_cc(x, y, n_neighbors):
    """scikit-learn 1.9's ``_compute_mi_cc`` without the final ``max(0, mi)``."""
    n_samples = x.size
    x, y = x.reshape((-1, 1)), y.reshape((-1, 1))
    nn = NearestNeighbors(metric="chebyshev", n_neighbors=n_neighbors).fit(np.hstack((x, y)))
    radius = np.nextafter(nn.kneighbors()[0][:, -1], 0)
    nx = np.array(KDTree(x, metric="chebyshev").query_radius(x, radius, count_only=True)) - 1.0
    ny = np.array(KDTree(y, metric="chebyshev").query_radius(y, radius, count_only=True)) - 1.0
    return (digamma(n_samples) + digamma(n_neighbors) - np.mean(digamma(nx + 1))
            - np.mean(digamma(ny + 1)))


def _jitter(columns, seed=0):
    """scikit-learn's preprocessing of continuous columns: unit variance, then 1e-10 noise."""
    columns = np.atleast_2d(np.asarray(columns, dtype=float).T).T
    rng = np.random.RandomState(seed)
    columns = scale(columns, with_mean=False)
    means = np.maximum(1, np.mean(np.abs(columns), axis=0))
    return columns + 1e-10 * means * rng.standard_normal(size=columns.shape)


def _ross_case(n, kind, rng):
    """A continuous column and class codes; ``kind`` adds ties, tiny and singleton classes."""
    y = rng.integers(0, 3, n)
    if kind in ("tiny", "ties") and n >= 12:
        y[:5] = 3  # a class of 5 (brute force in scikit-learn for k = 3, 5)
        y[5:7] = 4  # a class of 2
        y[7] = 5  # a singleton: dropped
    x = rng.standard_normal(n) + 0.7 * (y % 3)
    if kind == "ties":
        return np.round(x, 1), y  # raw ties, no tie-breaking noise
    return _jitter(x)[:, 0], y


# All in the engine's smallest row bucket (1024 rows): one compile per k.
SIZES_AND_K = [(10, 3), (100, 1), (100, 3), (100, 5), (1000, 3),
               pytest.param(200, 1, marks=pytest.mark.slow),
               pytest.param(200, 5, marks=pytest.mark.slow)]


@pytest.mark.parametrize("kind", ["noised", "tiny", "ties"])
@pytest.mark.parametrize("n, n_neighbors", SIZES_AND_K)
def test_ross_equals_sklearn(n, kind, n_neighbors, rng):
    x, y = _ross_case(n, kind, rng)
    (got,) = _engine.ross_mi_columns(x[:, None], y, LEVELS, n_neighbors)
    np.testing.assert_allclose(got, _raw_cd(x, y, n_neighbors), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(max(got, 0.0), _compute_mi_cd(x, y, n_neighbors), rtol=RTOL,
                               atol=ATOL)


@pytest.mark.slow  # tests/test_continuous.py checks 3000 rows in the default run
@pytest.mark.parametrize("n", [3000, 20000])
def test_ross_equals_sklearn_many_rows_and_classes(rng, n):
    y = rng.choice(12, n, p=np.r_[np.full(10, 0.099), 0.0095, 0.0005])
    X = _jitter(rng.standard_normal((n, 2)) + 0.2 * y[:, None] + np.round(rng.random((n, 1)), 1))
    got = _engine.ross_mi_columns(X, y, 12, 3)
    want = [_raw_cd(X[:, j], y, 3) for j in range(2)]
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)


def test_ross_replays_sklearns_brute_force_radii(rng):
    """Classes of <= 2k + 1 members: the GEMM-trick radii, not |x_j - x_i|, set the counts."""
    hits = 0
    for _ in range(40):
        y = np.repeat(np.arange(6), 4)  # classes of 4: brute force for k = 3
        x = _jitter(rng.standard_normal(24) * 3 + 10)[:, 0]
        (got,) = _engine.ross_mi_columns(x[:, None], y, LEVELS, 3)
        np.testing.assert_allclose(got, _raw_cd(x, y, 3), rtol=RTOL, atol=ATOL)
        hits += got != pytest.approx(_exact_distance_ross(x, y, 3), abs=1e-13)
    assert hits > 0  # the replay mattered at least once


def _exact_distance_ross(x, y, k):
    """Ross MI with exact |x_j - x_i| radii for every class (what a tree would give)."""
    order = np.argsort(x)
    radius = np.empty(x.size)
    for label in np.unique(y):
        idx = np.flatnonzero(y == label)
        d = np.abs(x[idx][:, None] - x[idx][None, :])
        np.fill_diagonal(d, np.inf)
        radius[idx] = np.nextafter(np.sort(d, axis=1)[:, min(k, idx.size - 1) - 1], 0)
    xs = x[order]
    m = np.array([np.sum(np.abs(xs - v) <= r) for v, r in zip(x, radius)])
    counts = np.bincount(y)[y]
    kk = np.minimum(k, counts - 1)
    return digamma(x.size) + digamma(kk).mean() - digamma(counts).mean() - digamma(m).mean()


def test_ross_without_two_member_classes_is_zero():
    (got,) = _engine.ross_mi_columns(np.arange(5.0)[:, None], np.arange(5), LEVELS, 3)
    assert got == 0.0


# Each (row bucket, k) compiles the KSG kernel anew (about 5 s): k = 5 runs with -m slow.
KSG_SIZES_AND_K = [(10, 3), (100, 3), (1000, 3), (100, 1),
                   pytest.param(200, 1, marks=pytest.mark.slow),
                   pytest.param(100, 5, marks=pytest.mark.slow),
                   pytest.param(200, 5, marks=pytest.mark.slow)]


@pytest.mark.parametrize("kind", ["noised", "x_ties", "both_ties"])
@pytest.mark.parametrize("n, n_neighbors", KSG_SIZES_AND_K)
def test_ksg_equals_sklearn(n, kind, n_neighbors, rng):
    x = rng.standard_normal(n)
    y = 0.6 * x + rng.standard_normal(n)
    if kind != "noised":
        x = np.round(x, 1)
    if kind == "both_ties":
        y = np.round(y)
    if kind == "noised":
        x, y = _jitter(np.c_[x, y]).T
    (got,) = _engine.ksg_mi_columns(x[:, None], y, n_neighbors)
    np.testing.assert_allclose(got, _raw_cc(x, y, n_neighbors), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(max(got, 0.0), _compute_mi_cc(x, y, n_neighbors), rtol=RTOL,
                               atol=ATOL)


@pytest.mark.slow
@pytest.mark.parametrize("n", [5000, 20000])
def test_ksg_equals_sklearn_many_rows(n, rng):
    y = rng.standard_normal(n)
    X = np.c_[rng.standard_normal(n), 0.8 * y + 0.6 * rng.standard_normal(n),
              rng.random(n), rng.integers(0, 70, n)]
    X, y = _jitter(X), _jitter(y)[:, 0]
    got = _engine.ksg_mi_columns(X, y, 3)
    np.testing.assert_allclose(got, [_raw_cc(X[:, j], y, 3) for j in range(4)], rtol=RTOL,
                               atol=ATOL)


def _tied_case(case, n, rng):
    """Columns whose values repeat: few levels, a mass at zero, or both coordinates tied."""
    levels = {"binary": 2, "levels": 12, "both": 2}
    if case == "zero_inflated":
        x = np.where(rng.random(n) < 0.5, 0.0, rng.standard_normal(n))
    else:
        x = rng.integers(0, levels[case], n).astype(float)
    y = x + rng.standard_normal(n)
    if case == "both":
        y = rng.integers(0, 3, n).astype(float)
    return x, y


def _brute_kth_chebyshev(x, y, k):
    """Distance to the k-th nearest other point, max(|x_j - x_i|, |y_j - y_i|), by brute force."""
    d = np.maximum(np.abs(x[None, :] - x[:, None]), np.abs(y[None, :] - y[:, None]))
    np.fill_diagonal(d, np.inf)
    return np.sort(d, axis=1)[:, k - 1]


# One compile per layout for the cases below (a new jit per test would compile each time).
_JOINT_KNN = {ties: jax.jit(partial(knn_strips.joint_knn, ties=ties), static_argnums=(2, 3, 4))
              for ties in (False, True)}


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("case", ["binary", "levels", "zero_inflated", "both"])
def test_strip_search_on_tied_columns_equals_brute_force(case, ties, rng):
    """Both layouts of the search, radii exact point by point. The adaptive one (``ties``)
    makes runs of ties (raw, or broken by scikit-learn's 1e-10 noise) longer than a strip
    strips of their own, in whichever coordinate has them; in the fixed one, raw ties
    make strips longer than the searches reach. Small strips (16 rows) and padding (450
    real rows of 512) reach both at small n.
    """
    n, n_padded, k, strip = 450, 512, 3, 16
    search = _JOINT_KNN[ties]
    a, b = _tied_case(case, n, rng)
    jittered_a, jittered_b = _jitter(np.c_[a, b]).T
    # (x, y, the tied column): raw and jittered, the tied column as x and as y
    for x, y, tied in [(a, b, a), (b, a, a), (jittered_a, jittered_b, jittered_a),
                       (jittered_b, jittered_a, jittered_a)]:
        padded = np.full((2, n_padded), np.inf)
        padded[:, :n] = x, y
        with jax.enable_x64(True):
            sorted_tied = jnp.sort(jnp.asarray(np.r_[tied, padded[0, n:]]))
            assert knn_strips._tie_test(sorted_tied, strip)[0]  # what the adaptive layout uses
            r, (xq, yq, _, _), _ = search(jnp.asarray(padded[0]), jnp.asarray(padded[1]), k,
                                          strip, 8)
            r, xq, yq = np.asarray(r), np.asarray(xq), np.asarray(yq)
        kept = xq < np.inf
        assert kept.sum() == n
        got = r[kept][np.lexsort((yq[kept], xq[kept]))]  # equal points have equal radii
        np.testing.assert_array_equal(got, _brute_kth_chebyshev(x, y, k)[np.lexsort((y, x))])


@pytest.mark.parametrize("d", [2, 3])
def test_kl_entropy_of_a_multivariate_normal(d, rng):
    """Against the Gaussian entropy. The k-NN estimator's bias grows with d (the density
    is not flat over the k-th neighbour ball): 0.05 nats at n = 5000, d <= 3, measured
    about 0.03 over seeds."""
    a = rng.standard_normal((d, d))
    cov = a @ a.T + d * np.eye(d)
    z = rng.multivariate_normal(np.zeros(d), cov, 5000)  # 5000 rows: shapes shared above
    truth = 0.5 * np.log((2 * np.pi * np.e) ** d * np.linalg.det(cov))
    assert _engine.kl_entropy(z, 3) == pytest.approx(truth, abs=0.05)


def _kl_numpy(z, k):
    """Kozachenko-Leonenko with max-norm balls by brute force in NumPy (the definition)."""
    n, d = z.shape
    eps = np.empty(n)
    for start in range(0, n, 500):
        dist = np.abs(z[start : start + 500, None, :] - z[None, :, :]).max(axis=-1)
        dist[np.arange(dist.shape[0]), np.arange(start, start + dist.shape[0])] = np.inf
        eps[start : start + 500] = np.partition(dist, k - 1, axis=1)[:, k - 1]
    return digamma(n) - digamma(k) + d * np.log(2) + d * np.mean(np.log(eps))


@pytest.mark.parametrize("d", [1, 2, 3])
def test_kl_entropy_equals_the_definition(d, rng):
    """The 1-D (sorted), 2-D (strip search, heavy ties) and brute-force d-D paths."""
    z = np.round(rng.standard_normal((5000, d)), 1) + rng.standard_normal((5000, d)) * 1e-6
    got = _engine.kl_entropy(z if d > 1 else z[:, 0], 3)
    assert got == pytest.approx(_kl_numpy(z, 3), rel=1e-12)


def test_float_keys_sort_like_floats(rng):
    values = np.r_[rng.standard_normal(200) * 10.0 ** rng.integers(-300, 300, 200), 0.0, -0.0,
                   np.inf, -np.inf, 5e-324, -5e-324, 1.0, np.nextafter(1.0, 2)]
    with jax.enable_x64(True):
        keys = knn_common.float_to_key(jnp.asarray(values))
        back = np.asarray(knn_common.key_to_float(jnp.sort(keys)))
    np.testing.assert_array_equal(back, np.sort(values))


def test_jit_equals_eager_kl(rng):
    x = rng.standard_normal(60)
    with jax.enable_x64(True):
        eager = knn_kl.kl_entropy(jnp.asarray(x), 3)
        jitted = jax.jit(knn_kl.kl_entropy, static_argnums=1)(jnp.asarray(x), 3)
    assert float(eager) == pytest.approx(float(jitted), rel=1e-14)


@pytest.mark.slow
def test_jit_equals_eager_ross(rng):
    """Op by op, the Ross kernel's loops and conds each compile: about 10 s. (KSG's while
    loops make its eager run take minutes; its jitted result is checked against
    scikit-learn above.)"""
    x, y = _ross_case(60, "tiny", rng)
    with jax.enable_x64(True):
        args = (jnp.asarray(x), jnp.asarray(y))
        eager = knn_ross.ross_mutual_info(*args, LEVELS, 3)
        jitted = jax.jit(knn_ross.ross_mutual_info, static_argnums=(2, 3))(*args, LEVELS, 3)
    assert float(eager) == float(jitted)


def test_mapping_over_features_equals_a_loop(rng):
    n = 200
    y = rng.integers(0, 3, n)
    X = _jitter(rng.standard_normal((n, 11)) + y[:, None] * np.arange(11) * 0.2)
    together = _engine.ross_mi_columns(X, y, LEVELS, 3)  # two chunks of features
    one_by_one = [_engine.ross_mi_columns(X[:, [j]], y, LEVELS, 3)[0] for j in range(11)]
    np.testing.assert_array_equal(together, one_by_one)
    target = _jitter(X[:, 0] + rng.standard_normal(n))[:, 0]
    together = _engine.ksg_mi_columns(X, target, 3)
    one_by_one = [_engine.ksg_mi_columns(X[:, [j]], target, 3)[0] for j in range(11)]
    np.testing.assert_array_equal(together, one_by_one)


@pytest.mark.slow  # compiles the bare kernel; sklearn equality at padded sizes covers it
def test_padding_never_changes_results(rng):
    n = 150  # padded to 256 rows by the engine
    y = rng.integers(0, 3, n)
    x = _jitter(rng.standard_normal(n) + y)[:, 0]
    psi = digamma(np.arange(n + 1.0))
    psi[0] = 0.0
    with jax.enable_x64(True):
        kernel = jax.jit(knn_ross.ross_mutual_info, static_argnums=(2, 3))
        bare = float(kernel(jnp.asarray(x), jnp.asarray(y), LEVELS, 3, psi))
    got = _engine.ross_mi_columns(x[:, None], y, LEVELS, 3)[0]
    assert got == pytest.approx(bare, rel=1e-14)


def test_no_recompile_for_sizes_in_the_same_bucket(rng):
    _engine.ross_mi_columns(rng.standard_normal((150, 2)), rng.integers(0, 3, 150), LEVELS, 3)
    before = _engine._ross_chunk._cache_size()
    for n in (129, 201, 256):
        _engine.ross_mi_columns(rng.standard_normal((n, 2)), rng.integers(0, 3, n), LEVELS, 3)
    assert _engine._ross_chunk._cache_size() == before


def test_results_are_numpy_float64_and_x64_stays_off(rng):
    before = jax.config.jax_enable_x64
    X = rng.standard_normal((50, 2))
    out = _engine.ross_mi_columns(X, rng.integers(0, 2, 50), LEVELS, 3)
    assert type(out) is np.ndarray and out.dtype == np.float64 and out.shape == (2,)
    out = _engine.ksg_mi_columns(X, rng.standard_normal(50), 3)
    assert type(out) is np.ndarray and out.dtype == np.float64 and out.shape == (2,)
    assert isinstance(_engine.kl_entropy(X[:, 0], 3), float)
    assert jax.config.jax_enable_x64 == before


def test_shared_continuous_target_against_discrete_columns(rng):
    n = 200
    target = _jitter(rng.standard_normal(n))[:, 0]
    codes = np.c_[rng.integers(0, 4, n), (target > 0).astype(int), rng.integers(0, 9, n)]
    got = _engine.ross_mi_shared_continuous(target, codes, 9, 3)
    np.testing.assert_allclose(got, [_raw_cd(target, codes[:, j], 3) for j in range(3)],
                               rtol=RTOL, atol=ATOL)
