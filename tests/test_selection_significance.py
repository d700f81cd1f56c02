"""MutualInfoSelector(k="fdr") and stopping="permutation" (issue 7), and the
conditional permutation test they rest on.

Truth comes from exact nulls worked out with scipy (hypergeometric tables),
from data built so that the answer is known, and from invariants.
"""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import hypergeom, kstest
from sklearn.pipeline import make_pipeline
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils import estimator_checks as checks

from mifeatures import MutualInfoSelector
from mifeatures.significance import bh_qvalues, conditional_gain_test, discrete_pvalues


def _xlogx(table):
    table = np.asarray(table, dtype=np.float64)
    return np.sum(np.where(table > 0, table * np.log(np.where(table > 0, table, 1)), 0.0))


def _two_by_two_null(x, y):
    """Exact null of sum n log n of a 2x2 table with fixed margins: (statistics, probabilities)."""
    n, row, column = x.size, int(x.sum()), int(y.sum())
    support = np.arange(max(0, row + column - n), min(row, column) + 1)
    statistics = np.array([_xlogx([[n - row - column + a, column - a], [row - a, a]])
                           for a in support])
    return statistics, hypergeom(n, row, column).pmf(support)


def _exact_pvalue(statistics, probabilities, observed):
    return probabilities[statistics >= observed - 1e-9].sum()


def test_conditional_gain_with_one_stratum_matches_the_exact_hypergeometric_pvalue():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 2, 60)
    y = (x ^ (rng.random(60) < 0.35)).astype(int)
    statistics, probabilities = _two_by_two_null(x, y)
    observed = _xlogx(np.histogram2d(x, y, bins=2)[0])
    exact = _exact_pvalue(statistics, probabilities, observed)
    _, pvalue = conditional_gain_test(x, y, np.zeros(60, dtype=int), 20_000,
                                      np.random.default_rng(0))
    assert 0.005 < exact < 0.5  # a case where the test has something to say
    assert abs(pvalue - exact) < 4 * np.sqrt(exact * (1 - exact) / 20_000)


def test_conditional_gain_within_two_strata_matches_the_exact_convolution():
    # Within each stratum the null table is hypergeometric and independent of
    # the other stratum: the exact null of the summed statistic is their
    # convolution.
    rng = np.random.default_rng(5)
    z = np.repeat([0, 1], [40, 30])
    x = rng.integers(0, 2, 70)
    y = np.where(z == 0, x ^ (rng.random(70) < 0.3), rng.integers(0, 2, 70)).astype(int)
    nulls = [_two_by_two_null(x[z == s], y[z == s]) for s in (0, 1)]
    statistics = np.add.outer(nulls[0][0], nulls[1][0]).ravel()
    probabilities = np.multiply.outer(nulls[0][1], nulls[1][1]).ravel()
    observed = sum(_xlogx(np.histogram2d(x[z == s], y[z == s], bins=2)[0]) for s in (0, 1))
    exact = _exact_pvalue(statistics, probabilities, observed)
    _, pvalue = conditional_gain_test(x, y, z, 20_000, np.random.default_rng(1))
    assert 0.001 < exact < 0.5
    assert abs(pvalue - exact) < 4 * np.sqrt(exact * (1 - exact) / 20_000)


def test_conditional_gain_is_the_plugin_cmi_from_entropies():
    rng = np.random.default_rng(2)
    x, y, z = rng.integers(0, 3, 500), rng.integers(0, 4, 500), rng.integers(0, 5, 500)

    def entropy(*columns):
        _, counts = np.unique(np.stack(columns), axis=1, return_counts=True)
        q = counts / counts.sum()
        return -np.sum(q * np.log(q))

    expected = entropy(x, z) + entropy(y, z) - entropy(x, y, z) - entropy(z)
    gain, _ = conditional_gain_test(x, y, z, 9, np.random.default_rng(0))
    assert gain == pytest.approx(expected, rel=1e-12)


def test_conditional_gain_pvalues_are_uniform_when_x_and_y_only_share_z():
    pvalues = []
    for seed in range(150):
        rng = np.random.default_rng(seed)
        z = rng.integers(0, 4, 200)
        x = z + rng.integers(0, 3, 200)  # both depend on z, not on each other
        y = (z + rng.integers(0, 2, 200)) % 3
        pvalues.append(conditional_gain_test(x, y, z, 199, rng)[1])
    assert kstest(pvalues, "uniform").pvalue > 0.01


def test_discrete_pvalues_match_the_exact_hypergeometric_pvalue():
    rng = np.random.default_rng(8)
    X = rng.integers(0, 2, size=(50, 3))
    y = (X[:, 0] ^ (rng.random(50) < 0.3)).astype(int)
    pvalues = discrete_pvalues(X, y, 20_000, np.random.SeedSequence(0))
    for j in range(3):
        statistics, probabilities = _two_by_two_null(X[:, j], y)
        exact = _exact_pvalue(statistics, probabilities,
                              _xlogx(np.histogram2d(X[:, j], y, bins=2)[0]))
        assert abs(pvalues[j] - exact) < 4 * np.sqrt(exact * (1 - exact) / 20_000) + 1e-4


def _informative_among_noise(seed, n=2000, informative=10, noise=190):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 3, size=(n, informative + noise))
    signal = X[:, :informative].sum(axis=1) + rng.integers(0, 4, n)
    y = (signal > np.median(signal)).astype(int)
    return X, y


def test_fdr_keeps_the_informative_features_and_reports_bh_qvalues():
    X, y = _informative_among_noise(0)
    selector = MutualInfoSelector(criterion="mrmr", k="fdr", alpha=0.1, random_state=0).fit(X, y)
    assert set(range(10)) <= set(selector.ranking_.tolist())
    assert np.all(selector.pvalues_[:10] < 0.01)
    np.testing.assert_allclose(selector.qvalues_, bh_qvalues(selector.pvalues_))
    kept = np.flatnonzero(selector.qvalues_ <= 0.1)
    assert sorted(selector.ranking_.tolist()) == kept.tolist()
    assert selector.get_support().sum() == kept.size


def test_fdr_false_discoveries_stay_near_alpha_over_seeds():
    # BH at alpha over independent tests keeps the expected false discovery
    # proportion <= (m0 / m) alpha; with every feature independent of y, a
    # data set has a false discovery as soon as anything is kept.
    kept_anything = []
    for seed in range(20):
        rng = np.random.default_rng(100 + seed)
        X = rng.integers(0, 3, size=(300, 40))
        y = rng.integers(0, 2, 300)
        selector = MutualInfoSelector(k="fdr", alpha=0.1, n_permutations=399,
                                      random_state=seed).fit(X, y)
        kept_anything.append(selector.ranking_.size > 0)
    # Binomial(20, 0.1) exceeds 6 with probability below 0.3 %.
    assert sum(kept_anything) <= 6


def test_fdr_with_nothing_significant_selects_nothing_like_selectfdr():
    rng = np.random.default_rng(4)
    X = rng.integers(0, 3, size=(200, 5))
    y = rng.integers(0, 2, 200)
    selector = MutualInfoSelector(k="fdr", alpha=0.01, n_permutations=99,
                                  random_state=0).fit(X, y)
    assert selector.ranking_.size == 0 and selector.selection_path_.empty
    with pytest.warns(UserWarning, match="No features were selected"):
        assert selector.transform(X).shape == (200, 0)


def test_stopping_ends_after_the_informative_features():
    # y depends on x0 and x1; x2 copies x0 (no gain once x0 is in); the rest is noise.
    rng = np.random.default_rng(6)
    X = rng.integers(0, 3, size=(3000, 12))
    X[:, 2] = X[:, 0]
    y = X[:, 0] + X[:, 1] + rng.integers(0, 2, 3000)
    for criterion in ("mrmr", "jmi", "cmim"):
        selector = MutualInfoSelector(criterion=criterion, k="all", stopping="permutation",
                                      alpha=0.01, n_permutations=199, random_state=0)
        selector.fit(X, y)
        assert sorted(selector.ranking_.tolist()) in ([0, 1], [1, 2]), criterion
        path = selector.selection_path_
        assert list(path.columns[-2:]) == ["gain", "gain_pvalue"]
        assert np.all(path["gain_pvalue"] <= 0.01) and np.all(path["gain"] > 0)
        # The first gain is the relevance itself (no features before it).
        assert path["gain"].iloc[0] == pytest.approx(path["relevance"].iloc[0], rel=1e-10)


def test_stopping_respects_k_and_combines_with_fdr():
    X, y = _informative_among_noise(1, informative=6, noise=30)
    limited = MutualInfoSelector(k=3, stopping="permutation", n_permutations=99,
                                 random_state=0).fit(X, y)
    assert limited.ranking_.size == 3
    both = MutualInfoSelector(k="fdr", stopping="permutation", n_permutations=199,
                              random_state=0).fit(X, y)
    assert set(both.ranking_.tolist()) <= set(np.flatnonzero(both.qvalues_ <= 0.05).tolist())


def test_same_seed_same_selection_and_pvalues():
    X, y = _informative_among_noise(2, n=600, informative=4, noise=20)
    frame = pd.DataFrame(X, columns=[f"c{j}" for j in range(X.shape[1])])
    fits = [MutualInfoSelector(criterion="jmi", k="fdr", stopping="permutation",
                               n_permutations=199, random_state=7).fit(frame, y)
            for _ in range(2)]
    np.testing.assert_array_equal(fits[0].pvalues_, fits[1].pvalues_)
    pd.testing.assert_frame_equal(fits[0].selection_path_, fits[1].selection_path_)
    assert fits[0].selection_path_["feature"].str.startswith("c").all()


def test_fdr_in_a_pipeline():
    X, y = _informative_among_noise(3, n=800, informative=4, noise=20)
    model = make_pipeline(MutualInfoSelector(k="fdr", n_permutations=199, random_state=0),
                          DecisionTreeClassifier(random_state=0)).fit(X, y)
    assert set(range(4)) <= set(model[0].ranking_.tolist())
    assert model.predict(X).shape == (800,)


@pytest.mark.parametrize("params, message", [
    ({"alpha": 0.0}, "alpha"), ({"alpha": 1.5}, "alpha"), ({"k": "bh"}, "'k'"),
    ({"stopping": "yes"}, "stopping"), ({"n_permutations": 0}, "n_permutations"),
])
def test_bad_parameters_are_named(params, message):
    X, y = _informative_among_noise(4, n=100, informative=2, noise=2)
    with pytest.raises(ValueError, match=message):
        MutualInfoSelector(**params).fit(X, y)


@checks.parametrize_with_checks([MutualInfoSelector(k="fdr", alpha=1.0, n_permutations=19,
                                                    stopping="permutation")])
def test_sklearn_estimator_checks_with_tests_on(estimator, check):
    check(estimator)


def test_dask_input_is_refused_with_a_clear_message():
    import dask.dataframe as dd

    frame = pd.DataFrame({"a": [0, 1] * 50, "b": [1, 0] * 50})
    ddf = dd.from_pandas(frame, npartitions=2)
    with pytest.raises(ValueError, match="in-memory"):
        MutualInfoSelector(k="fdr").fit(ddf[["a"]], ddf["b"])

