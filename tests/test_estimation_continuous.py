"""estimate_entropy, mutual_info and conditional_mutual_info on continuous and mixed data.

Truths: closed forms of Gaussians (entropy, MI, CMI from covariances),
scikit-learn's numbers (``mutual_info_regression``/``mutual_info_classif`` and
their private raw estimators), plug-in identities, and plain-NumPy brute-force
versions of the estimators' definitions written here.
"""

import jax
import numpy as np
import pandas as pd
import pytest
from scipy.special import digamma
from sklearn import feature_selection as skfs
from sklearn.metrics import mutual_info_score
from sklearn.preprocessing import scale

from mifeatures import _engine, conditional_mutual_info, estimate_entropy, mutual_info
from mifeatures.measures import gaussian_entropy


def _gaussian_h(cov):
    cov = np.atleast_2d(cov)
    return 0.5 * (cov.shape[0] * np.log(2 * np.pi * np.e) + np.linalg.slogdet(cov)[1])


def _gaussian_cmi(cov, x, y, z):
    """I(X; Y | Z) = h(XZ) + h(YZ) - h(XYZ) - h(Z) of a normal with covariance ``cov``."""
    def h(index):
        return _gaussian_h(cov[np.ix_(index, index)]) if index else 0.0

    return h(x + z) + h(y + z) - h(x + y + z) - h(z)


def _brute_kth(points, k):
    d = np.abs(points[:, None, :] - points[None, :, :]).max(-1)
    np.fill_diagonal(d, np.inf)
    return np.sort(d, axis=1)[:, k - 1]


def _fp_oracle(parts, kinds, k):
    """Frenzel-Pompe I(X; Y | Z) in NumPy, the definition by brute force.

    ``parts`` = (x, y, z) as (n, d) arrays (z may have 0 columns); a discrete
    part (``kinds`` "d") is at distance 0 from equal values and infinity
    otherwise. Strict radii; k is capped at the joint stratum size - 1 and rows
    alone in their stratum are left out (Ross's rule).
    """
    def distance(index):
        out = np.zeros((len(parts[0]),) * 2)
        for i in index:
            a = parts[i]
            if kinds[i] == "d":
                same = (a[:, None, :] == a[None, :, :]).all(-1)
                out = np.maximum(out, np.where(same, 0.0, np.inf))
            elif a.shape[1]:
                out = np.maximum(out, np.abs(a[:, None, :] - a[None, :, :]).max(-1))
        return out

    joint = distance([0, 1, 2])
    stratum_size = (joint < np.inf).sum(1)
    kept = stratum_size > 1
    joint = joint[np.ix_(kept, kept)]
    k_each = np.minimum(k, stratum_size[kept] - 1)
    np.fill_diagonal(joint, np.inf)
    eps = np.sort(joint, axis=1)[np.arange(kept.sum()), k_each - 1]

    def count(index):
        d = distance(index)[np.ix_(kept, kept)]
        return (d < eps[:, None]).sum(1)  # itself included (distance 0)

    n_z = count([2]) if parts[2].shape[1] else np.full(kept.sum(), kept.sum())
    return (np.mean(digamma(k_each)) - np.mean(digamma(count([0, 2])))
            - np.mean(digamma(count([1, 2]))) + np.mean(digamma(n_z)))


def _jitter(columns, rng):
    """scikit-learn's preprocessing (unit variance, then 1e-10 noise) of an (n, d) array."""
    columns = scale(np.asarray(columns, dtype=float).reshape(len(columns), -1), with_mean=False)
    return columns + 1e-10 * np.maximum(1, np.abs(columns).mean(0)) * rng.standard_normal(
        columns.shape)


# ---------------------------------------------------------------- entropy

def test_knn_entropy_of_a_standard_normal_is_close_to_the_closed_form(rng):
    x = rng.standard_normal(10_000)
    assert estimate_entropy(x) == pytest.approx(0.5 * np.log(2 * np.pi * np.e), abs=0.02)
    assert estimate_entropy(x, method="knn", base=2) * np.log(2) == pytest.approx(
        estimate_entropy(x), rel=1e-12)


def test_knn_entropy_of_a_3d_normal_and_the_definition(rng):
    cov = np.array([[1.0, 0.5, 0.0], [0.5, 2.0, 0.3], [0.0, 0.3, 1.5]])
    z = rng.multivariate_normal(np.zeros(3), cov, size=4000)
    truth = float(jax.numpy.asarray(gaussian_entropy(cov)))
    assert estimate_entropy(z) == pytest.approx(truth, abs=0.08)
    small = z[:500]
    eps = _brute_kth(small, 3)
    definition = digamma(500) - digamma(3) + 3 * np.log(2) + 3 * np.mean(np.log(eps))
    assert estimate_entropy(small, n_neighbors=3) == pytest.approx(definition, rel=1e-12)


def test_gaussian_method_is_the_closed_form_of_the_sample_covariance(rng):
    cov = np.array([[2.0, 0.6], [0.6, 1.0]])
    z = rng.multivariate_normal([1.0, -3.0], cov, size=10_000)
    got = estimate_entropy(z, method="gaussian")
    assert got == pytest.approx(_gaussian_h(np.cov(z, rowvar=False)), rel=1e-12)
    assert got == pytest.approx(_gaussian_h(cov), abs=0.02)
    assert estimate_entropy(z[:, 0], method="gaussian") == pytest.approx(
        0.5 * np.log(2 * np.pi * np.e * np.var(z[:, 0], ddof=1)), rel=1e-12)


def test_degenerate_samples_have_entropy_minus_infinity():
    collinear = np.c_[np.arange(10.0), 2 * np.arange(10.0)]
    assert estimate_entropy(collinear, method="gaussian") == -np.inf
    atoms = np.repeat([0.0, 1.0, 2.0], 5)  # each value 5 times: k-th distance 0
    assert estimate_entropy(atoms, method="knn") == -np.inf


# ---------------------------------------------------------------- MI

def test_ksg_bivariate_normal_matches_the_closed_form_and_sklearn(rng):
    rho, n = 0.8, 5000
    x = rng.standard_normal(n)
    y = rho * x + np.sqrt(1 - rho**2) * rng.standard_normal(n)
    got = mutual_info(x, y, random_state=0)
    assert got == pytest.approx(-0.5 * np.log(1 - rho**2), abs=0.05)
    sk = skfs.mutual_info_regression(x[:, None], y, random_state=0)[0]
    assert got == pytest.approx(sk, rel=1e-10)
    assert mutual_info(x, y, random_state=0, base=2) * np.log(2) == pytest.approx(got, rel=1e-12)


def test_ross_matches_sklearn_and_is_symmetric(rng):
    n = 1000  # the Ross kernel's smallest row bucket, shared with the tests below
    labels = rng.choice(["a", "b", "c"], size=n, p=[0.5, 0.3, 0.2])
    x = rng.standard_normal(n) + (labels == "b") * 1.5
    codes = pd.factorize(labels)[0]
    sk = skfs.mutual_info_classif(x[:, None], codes, random_state=3)[0]
    assert mutual_info(x, labels, random_state=3) == pytest.approx(sk, rel=1e-10)
    assert mutual_info(labels, x, random_state=3) == pytest.approx(sk, rel=1e-10)


def test_small_classes_replay_sklearns_radii(rng):
    """Classes of at most 2k + 1 members: scikit-learn's brute-force (GEMM) radii are
    replayed for 1-D pairs, so the numbers equal the drop-ins'; a 2-D variable uses exact
    distances (the definition)."""
    x = rng.standard_normal(300)
    y = np.r_[np.zeros(150, int), np.full(145, 2), np.ones(5, int)]  # 3 classes, one of 5
    sk = skfs.mutual_info_classif(x[:, None], y, random_state=0)[0]
    assert mutual_info(x, y, random_state=0) == pytest.approx(sk, rel=1e-10)
    xx = np.c_[x, rng.standard_normal(300)]
    want = _fp_oracle((_jitter(xx, np.random.RandomState(0)), y[:, None], np.zeros((300, 0))),
                      "cdc", 3)
    assert mutual_info(xx, y, random_state=0) == pytest.approx(max(want, 0.0), rel=1e-10,
                                                               abs=1e-12)


def test_multivariate_mi_matches_the_gaussian_closed_form(rng):
    cov = np.array([[1.0, 0.3, 0.5], [0.3, 1.0, 0.4], [0.5, 0.4, 1.0]])
    z = rng.multivariate_normal(np.zeros(3), cov, size=4000)
    truth = _gaussian_h(cov[:2, :2]) + _gaussian_h(cov[2, 2]) - _gaussian_h(cov)
    assert mutual_info(z[:, :2], z[:, 2], random_state=0) == pytest.approx(truth, abs=0.05)
    frame = pd.DataFrame(z[:, :2], columns=["a", "b"])
    assert mutual_info(frame, z[:, 2], random_state=0) == pytest.approx(
        mutual_info(z[:, :2], z[:, 2], random_state=0), rel=1e-12)


def test_multivariate_mi_equals_the_definition(rng):
    n = 300
    x = rng.standard_normal((n, 2))
    y = x[:, :1] + rng.standard_normal((n, 1))
    label = (x[:, 1] > 0).astype(int)
    noise = np.random.RandomState(5)
    xj, yj = _jitter(x, noise), _jitter(y, noise)
    empty = np.zeros((n, 0))
    assert mutual_info(x, y, random_state=5) == pytest.approx(
        max(_fp_oracle((xj, yj, empty), "ccc", 3), 0.0), rel=1e-10)
    assert mutual_info(x, label, random_state=7) == pytest.approx(max(_fp_oracle(
        (_jitter(x, np.random.RandomState(7)), label[:, None], empty), "cdc", 3), 0.0),
        rel=1e-10)


# ---------------------------------------------------------------- CMI

def test_gaussian_cmi_and_a_markov_chain(rng):
    n = 3000
    a = np.array([[1.0, 0.0, 0.0], [0.7, 1.0, 0.0], [0.4, 0.5, 1.0]])
    xyz = rng.standard_normal((n, 3)) @ a.T
    cov = a @ a.T
    truth = _gaussian_cmi(cov, [0], [1], [2])
    got = conditional_mutual_info(xyz[:, 0], xyz[:, 1], xyz[:, 2], random_state=0)
    assert got == pytest.approx(truth, abs=0.05)
    x = rng.standard_normal(n)
    z = x + rng.standard_normal(n)
    y = z + rng.standard_normal(n)  # X -> Z -> Y: I(X; Y | Z) = 0 < I(X; Y)
    assert conditional_mutual_info(x, y, z, random_state=0) == pytest.approx(0.0, abs=0.02)
    assert mutual_info(x, y, random_state=0) > 0.1


def test_cmi_with_discrete_z_is_the_weighted_sum_over_strata(rng):
    n = 900
    z = rng.integers(0, 3, n)
    x = rng.standard_normal(n) + z
    y = 0.5 * x * (z == 1) + rng.standard_normal(n)
    noise = np.random.RandomState(0)
    xj, yj = _jitter(x, noise)[:, 0], _jitter(y, noise)[:, 0]
    expected = 0.0
    for level in range(3):
        rows = z == level
        a, b = xj[rows], yj[rows]
        nn = _brute_kth(np.c_[a, b], 3)
        nx = (np.abs(a[:, None] - a[None, :]) < nn[:, None]).sum(1)
        ny = (np.abs(b[:, None] - b[None, :]) < nn[:, None]).sum(1)
        ksg = digamma(rows.sum()) + digamma(3) - np.mean(digamma(nx) + digamma(ny))
        expected += rows.mean() * ksg
    got = conditional_mutual_info(x, y, z, random_state=0)
    assert got == pytest.approx(max(expected, 0.0), rel=1e-10)


def test_cmi_all_discrete_is_the_weighted_plugin(rng):
    z = rng.integers(0, 3, 2000)
    x = (z + rng.integers(0, 3, 2000)) % 4
    y = (x * z + rng.integers(0, 2, 2000)) % 5
    expected = sum((z == v).mean() * mutual_info_score(x[z == v], y[z == v]) for v in range(3))
    assert conditional_mutual_info(x, y, z) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("kinds", ["dcc", "ccd", "cdd", "dcd"])
def test_mixed_cmi_equals_the_definition(rng, kinds):
    n = 250
    x = rng.integers(0, 3, n) if kinds[0] == "d" else rng.standard_normal(n)
    if kinds[1] == "c":
        y = x + rng.standard_normal(n)
    else:
        y = (x > 0).astype(int) + rng.integers(0, 2, n)
    z = rng.integers(0, 3, n) if kinds[2] == "d" else x + rng.standard_normal(n)
    parts = [x, y, z]
    noise = np.random.RandomState(2)
    prepared = [_jitter(p, noise) if k == "c" else p[:, None] for p, k in zip(parts, kinds)]
    got = conditional_mutual_info(*parts, random_state=2)
    assert got == pytest.approx(max(_fp_oracle(prepared, kinds, 3), 0.0), rel=1e-10,
                                abs=1e-12)


def test_strata_stay_apart_when_one_variable_spans_far_more(rng):
    """Regression: a subspace's stratum offset must exceed the joint radii, which a
    heavy-tailed variable elsewhere in the joint space can make large."""
    n = 250
    x = rng.uniform(0, 1, (n, 2))
    y = x[:, 0] + 0.1 * rng.standard_normal(n)
    y[7] = 1e4  # after scaling to unit variance: y spans about 16, x about 3.5
    z = rng.integers(0, 3, n)
    noise = np.random.RandomState(1)
    want = _fp_oracle([_jitter(x, noise), _jitter(y, noise), z[:, None]], "ccd", 3)
    assert want > 0  # not clipped
    assert conditional_mutual_info(x, y, z, random_state=1) == pytest.approx(want, rel=1e-10)


# ---------------------------------------------------------------- the d-D search

def test_both_neighbour_backends_equal_the_brute_force_definition(rng):
    points = np.round(rng.standard_normal((400, 3)), 1)  # many ties and equal distances
    points[:, 2] = rng.integers(0, 3, 400) * 64.0  # a stratum column
    k_each = rng.integers(1, 4, 400)
    d = np.abs(points[:, None, :] - points[None, :, :]).max(-1)
    np.fill_diagonal(d, np.inf)
    want = np.sort(d, axis=1)[np.arange(400), k_each - 1]
    radius = np.nextafter(want, 0)
    groups = ((0, 1), (1, 2), (0, 1, 2))
    np.fill_diagonal(d, 0.0)
    want_counts = np.stack([(np.abs(points[:, None, list(g)] - points[None, :, list(g)])
                             .max(-1) <= radius[:, None]).sum(1) for g in groups], axis=1)
    for backend in ("kdtree", "brute"):
        got = _engine.kth_neighbour_distances(points, k_each, 3, backend)
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(
            _engine.neighbour_counts(points, radius, groups, backend), want_counts)


def test_counts_in_strata_use_the_exact_predicate(rng):
    values = np.round(rng.standard_normal(500), 1) + 0.1  # ties; x + r rounds
    codes = rng.integers(0, 4, 500)
    radius = np.abs(rng.standard_normal(500)) * 0.2
    want = ((np.abs(values[:, None] - values[None, :]) <= radius[:, None])
            & (codes[:, None] == codes[None, :])).sum(1)
    np.testing.assert_array_equal(_engine.counts_in_strata(values, codes, radius), want)


# ---------------------------------------------------------------- arguments and input

def test_discrete_argument_forms(rng):
    x = rng.integers(0, 4, 400).astype(float)
    y = (x + rng.integers(0, 2, 400)) % 3
    as_labels = mutual_info_score(x, y)
    assert mutual_info(x, y, discrete=True) == pytest.approx(as_labels, rel=1e-12)
    assert mutual_info(x, y, discrete=(True, True)) == pytest.approx(as_labels, rel=1e-12)
    mixed = mutual_info(x, y, discrete=(False, True), random_state=0)
    sk = skfs.mutual_info_classif(x[:, None], y.astype(int), random_state=0)[0]
    assert mixed == pytest.approx(sk, rel=1e-10)
    ints = rng.integers(0, 4, 400)  # 4 levels: the Ross kernel's shape of the test above
    noisy = ints + rng.standard_normal(400)
    assert mutual_info(ints, noisy, discrete=False, random_state=0) == pytest.approx(
        mutual_info(ints.astype(float), noisy, random_state=0), rel=1e-12)
    assert mutual_info(ints, noisy, random_state=0) == pytest.approx(  # ints: discrete
        skfs.mutual_info_regression(ints[:, None], noisy, discrete_features=True,
                                    random_state=0)[0], rel=1e-10)
    spread = rng.standard_normal(400) * 10
    assert estimate_entropy(np.round(spread).astype(int), discrete=False) == pytest.approx(
        estimate_entropy(np.round(spread)), rel=1e-12)


def test_random_state_and_untouched_inputs(rng):
    x = rng.standard_normal(300)
    y = x + rng.standard_normal(300)
    x_before, y_before = x.copy(), y.copy()
    first = mutual_info(x, y, random_state=np.random.RandomState(4))
    assert mutual_info(x, y, random_state=4) == first
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(y, y_before)
    assert abs(mutual_info(x, y, random_state=5) - first) < 1e-6  # the noise is 1e-10


def test_missing_values_in_continuous_variables(rng):
    x = pd.Series(rng.standard_normal(200), name="height")
    y = pd.Series(rng.integers(0, 3, 200), name="group").astype("category")
    x[[3, 50]] = np.nan
    with pytest.raises(ValueError, match="height contains missing values"):
        mutual_info(x, y)
    kept = x.notna().to_numpy()
    omitted = mutual_info(x, y, nan_policy="omit", random_state=0)
    assert omitted == pytest.approx(mutual_info(x[kept], y[kept], random_state=0), rel=1e-12)
    assert mutual_info(x, y, nan_policy="as-category", random_state=0) == omitted
    assert estimate_entropy(x, nan_policy="omit") == pytest.approx(
        estimate_entropy(x[kept]), rel=1e-12)


def test_bad_input_gets_clear_errors(rng):
    x = rng.standard_normal(20)
    with pytest.raises(ValueError, match="x contains infinite values"):
        mutual_info(np.r_[x[:-1], np.inf], x)
    with pytest.raises(ValueError, match="more rows than n_neighbors"):
        mutual_info(x[:3], x[:3])
    with pytest.raises(ValueError, match="n_neighbors must be a positive integer"):
        estimate_entropy(x, n_neighbors=0)
    with pytest.raises(ValueError, match="height is continuous"):
        estimate_entropy(pd.Series(x, name="height"), method="miller_madow")
    with pytest.raises(ValueError, match="method 'knn' needs continuous data"):
        estimate_entropy([0, 1, 1, 2], method="knn")
    with pytest.raises(ValueError, match="entropy estimator"):
        mutual_info(x, x, method="gaussian")
    with pytest.raises(ValueError, match="mixes float columns"):
        mutual_info(pd.DataFrame({"a": x, "b": np.arange(20)}), x)
    with pytest.raises(ValueError, match="discrete has 3 entries"):
        mutual_info(x, x, discrete=(True, True, True))
    with pytest.raises(ValueError, match="discrete must be 'auto', True or False"):
        mutual_info(x, x, discrete="yes")
    with pytest.raises(TypeError, match="s must be numeric to be treated as continuous"):
        mutual_info(pd.Series(["a", "b"] * 10, name="s"), x, discrete=False)
