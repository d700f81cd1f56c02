"""Permutation p-values (issue 7): mutual_info_test, the selector score functions, BH
q-values, and rank_features' p-values, confidence intervals and rank stability.

Oracles: exact hypergeometric p-values for 2 x 2 tables, a plain NumPy
permute-and-recount test for larger tables, a textbook Benjamini-Hochberg
loop, scikit-learn's selectors, the delta-method standard error of the plug-in
MI, and uniformity of null p-values (Kolmogorov-Smirnov).

Sizes are chosen so that the kNN kernels compile for one row bucket (n <= 256)
and one class-count bucket (binary targets) in the default run.
"""

import io
import sys
from functools import partial

import jax
import numpy as np
import pandas as pd
import pytest
from scipy.stats import chisquare, hypergeom, ks_2samp, kstest, random_table
from sklearn.feature_selection import (
    GenericUnivariateSelect,
    SelectFdr,
    SelectFpr,
    SelectFwe,
)
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import mutual_info_score
from sklearn.pipeline import make_pipeline

from mifeatures import (
    _engine,
    mutual_info_classif,
    mutual_info_classif_test,
    mutual_info_regression,
    mutual_info_regression_test,
    mutual_info_test,
    rank_features,
    significance,
)
from mifeatures.ranking import _top_k_frequency
from mifeatures.significance import bh_qvalues


@pytest.fixture(autouse=True)
def one_engine_thread(monkeypatch):
    """Run the kNN chunks on the calling thread.

    conftest's ``jax.numpy_rank_promotion("raise")`` is thread-local and part
    of the jit cache key: worker threads would compile every kernel a second
    time. Threads are tested once, in test_threads_give_the_same_pvalues.
    """
    monkeypatch.setattr(_engine.knn, "_KNN_THREADS", 1)


def _binary_signal(rng, n, n_informative, n_noise, strength=1.5):
    """Continuous features, the first n_informative of which shift a binary target."""
    y = rng.integers(0, 2, n)
    X = rng.normal(size=(n, n_informative + n_noise))
    X[:, :n_informative] += strength * y[:, None]
    return X, y


# --- discrete pairs: tables with fixed margins -------------------------------------


def _table_mi(table):
    """Plug-in MI (nats) of a contingency table, via scikit-learn."""
    return mutual_info_score(None, None, contingency=np.asarray(table))


def test_two_by_two_pvalue_matches_the_exact_hypergeometric_null(rng):
    # With both margins fixed, a 2 x 2 table is determined by n11 ~ hypergeometric;
    # the exact permutation p-value sums the pmf over tables with MI >= observed.
    n = 40
    x = (rng.random(n) < 0.4).astype(int)
    y = np.where(rng.random(n) < 0.7, x, 1 - x)
    table = np.array([[np.sum((x == a) & (y == b)) for b in (0, 1)] for a in (0, 1)])
    rows, cols = table.sum(1), table.sum(0)
    support = np.arange(max(0, rows[0] + cols[0] - n), min(rows[0], cols[0]) + 1)
    mi = np.array([_table_mi([[k, rows[0] - k], [cols[0] - k, n - rows[0] - cols[0] + k]])
                   for k in support])
    observed = _table_mi(table)
    exact = hypergeom(n, rows[0], cols[0]).pmf(support)[mi >= observed - 1e-12].sum()
    assert 0.002 < exact < 0.5  # an informative case, not a corner

    b = 4000
    _, p = mutual_info_test(x[:, None], y, n_permutations=b, random_state=0)
    expected = (1 + b * exact) / (1 + b)
    assert abs(p[0] - expected) < 4.5 * np.sqrt(exact * (1 - exact) / b)


def _plugin_mi_of_rows(x, y_rows, kx, ky):
    """Plug-in MI of x with each row of y_rows: plain NumPy counting."""
    b, n = y_rows.shape
    codes = (np.arange(b)[:, None] * kx + x[None, :]) * ky + y_rows
    tables = np.bincount(codes.ravel(), minlength=b * kx * ky).reshape(b, kx, ky) / n
    outer = tables.sum(2, keepdims=True) * tables.sum(1, keepdims=True)
    ratio = np.where(tables > 0, tables / np.where(outer > 0, outer, 1), 1.0)
    return np.sum(tables * np.log(ratio), axis=(1, 2))


def test_larger_tables_match_a_permute_and_recount_oracle(rng):
    n, b = 60, 3000
    x = rng.integers(0, 3, n)
    y = np.where(rng.random(n) < 0.2, x, rng.integers(0, 4, n))  # weakly dependent
    observed = mutual_info_score(x, y)
    assert _plugin_mi_of_rows(x, y[None, :], 3, 4)[0] == pytest.approx(observed, rel=1e-12)
    oracle_rng = np.random.default_rng(1)
    shuffled = np.stack([oracle_rng.permutation(y) for _ in range(b)])
    reached = np.sum(_plugin_mi_of_rows(x, shuffled, 3, 4) >= observed - 1e-12)
    oracle = (1 + reached) / (1 + b)
    _, p = mutual_info_test(x[:, None], y, n_permutations=b, random_state=0)
    assert 0.005 < oracle < 0.5
    assert abs(p[0] - oracle) < 4.5 * np.sqrt(2 * oracle * (1 - oracle) / b)


def test_discrete_pvalues_are_on_the_grid_and_constant_features_get_one(rng):
    n, b = 300, 99
    informative = rng.integers(0, 4, n)
    X = np.column_stack([informative, np.full(n, 7), rng.integers(0, 3, n)])
    y = informative // 2
    mi, p = mutual_info_test(X, y, n_permutations=b, random_state=0)
    assert p[0] == pytest.approx(1 / (b + 1))
    assert p[1] == 1.0 and mi[1] == 0.0
    np.testing.assert_allclose(p * (b + 1), np.round(p * (b + 1)), rtol=0, atol=1e-9)
    np.testing.assert_allclose(mi, mutual_info_classif(X, y, discrete_features=True),
                               rtol=1e-12)


def test_each_discrete_pvalue_ignores_the_other_columns(rng):
    # An identifier column (one level per row) is counted apart from the narrow
    # ones; every table with its margins has the same MI, H(y), so p = 1. The
    # other columns' p-values do not change when it replaces a constant column.
    n, b = 300, 99
    y = rng.integers(0, 2, n)
    narrow = np.column_stack([y ^ (rng.random(n) < 0.3), rng.integers(0, 3, n)])
    with_id = np.column_stack([np.arange(n), narrow])
    with_constant = np.column_stack([np.zeros(n, dtype=int), narrow])
    mi, p = mutual_info_test(with_id, y, n_permutations=b, random_state=0)
    _, p_constant = mutual_info_test(with_constant, y, n_permutations=b, random_state=0)
    assert mi[0] == pytest.approx(mutual_info_score(y, y), rel=1e-12)
    assert p[0] == 1.0 and p_constant[0] == 1.0
    np.testing.assert_array_equal(p[1:], p_constant[1:])
    assert p[1] == 1 / (b + 1)


def test_sampled_tables_have_exactly_the_given_margins():
    generator = np.random.default_rng(0)
    rows, columns = np.array([7, 0, 12, 1, 30]), np.array([20, 5, 0, 25])  # empty lines too
    tables = significance._hypergeometric_tables(rows, columns, 300, generator)
    assert tables.shape == (300, 5, 4) and tables.min() >= 0
    np.testing.assert_array_equal(tables.sum(axis=2), np.broadcast_to(rows, (300, 5)))
    np.testing.assert_array_equal(tables.sum(axis=1), np.broadcast_to(columns, (300, 4)))
    # Margins past NumPy's hypergeometric limit go to scipy, margins kept all the same.
    big = significance._random_tables(np.array([6, 6]) * 10**8, np.array([7, 5]) * 10**8, 3,
                                      generator)
    np.testing.assert_array_equal(big.sum(axis=2), np.full((3, 2), 6 * 10**8))
    np.testing.assert_array_equal(big.sum(axis=1), np.broadcast_to([7 * 10**8, 5 * 10**8],
                                                                  (3, 2)))


def test_two_by_two_sampled_cell_follows_the_hypergeometric_law():
    draws = 20_000
    tables = significance._hypergeometric_tables(np.array([30, 20]), np.array([25, 25]), draws,
                                                 np.random.default_rng(1))
    support = np.arange(5, 26)
    pmf = hypergeom(50, 30, 25).pmf(support)
    observed = np.bincount(tables[:, 0, 0] - 5, minlength=support.size)
    # Pool the tails (expected counts under 5) into the neighbouring bins.
    keep = draws * pmf >= 5
    first, last = np.flatnonzero(keep)[[0, -1]]
    expected = draws * pmf[first:last + 1]
    counts = observed[first:last + 1].astype(float)
    expected[0] += draws * pmf[:first].sum()
    counts[0] += observed[:first].sum()
    expected[-1] += draws * pmf[last + 1:].sum()
    counts[-1] += observed[last + 1:].sum()
    assert chisquare(counts, expected * counts.sum() / expected.sum()).pvalue > 0.001


def test_three_by_three_sampled_tables_match_permutations_and_scipy():
    rows, columns = np.array([40, 35, 25]), np.array([50, 30, 20])
    draws = 20_000
    tables = significance._hypergeometric_tables(rows, columns, draws,
                                                 np.random.default_rng(2))
    # A random permutation puts r c / n in each cell on average.
    means = np.outer(rows, columns) / rows.sum()
    errors = tables.std(axis=0) / np.sqrt(draws)
    assert np.all(np.abs(tables.mean(axis=0) - means) < 5 * errors)
    # sum n log n has scipy's (Patefield's) law.
    scipy_tables = random_table(rows, columns).rvs(size=draws, random_state=3)

    def statistic(t):
        return np.sum(np.where(t > 0, t * np.log(np.maximum(t, 1)), 0.0), axis=(1, 2))

    assert ks_2samp(statistic(tables), statistic(scipy_tables)).pvalue > 0.001


def test_discrete_pvalues_are_the_same_on_one_and_two_threads(rng, monkeypatch):
    n = 400
    X = rng.integers(0, 4, size=(n, 6))
    y = np.where(rng.random(n) < 0.5, X[:, 0] % 3, rng.integers(0, 3, n))
    monkeypatch.setattr(significance, "_TABLES_PER_TASK", 64)  # 4 tasks per column
    monkeypatch.setattr(significance, "_TABLE_THREADS", 1)
    _, single = mutual_info_test(X, y, n_permutations=199, random_state=5)
    monkeypatch.setattr(significance, "_TABLE_THREADS", 2)
    _, threaded = mutual_info_test(X, y, n_permutations=199, random_state=5)
    np.testing.assert_array_equal(threaded, single)
    assert single[0] == 1 / 200 and np.all(single[1:] > 1 / 200)


def test_contingency_tables_match_pandas_crosstab(rng):
    X = rng.integers(0, 5, (1000, 3))
    y = rng.integers(0, 3, 1000)
    tables = _engine.contingency_tables(X, y, 5, 3)
    for j in range(3):
        expected = pd.crosstab(X[:, j], y).reindex(index=range(5), columns=range(3),
                                                    fill_value=0)
        np.testing.assert_array_equal(tables[j], expected.to_numpy())
    np.testing.assert_array_equal(_engine.contingency_tables(np.asfortranarray(X), y, 5, 3),
                                  tables)


# --- continuous features: calibration, power, reproducibility ----------------------


def test_null_pvalues_are_uniform_and_use_the_raw_statistic(rng):
    # 200 features independent of the target: p-values uniform (KS at 0.01).
    # With a clipped statistic, every negative estimate would give p = 1.
    X, y = _binary_signal(rng, 200, 0, 200)
    mi, p = mutual_info_classif_test(X, y, n_permutations=49, random_state=0)
    assert kstest(p, "uniform").pvalue > 0.01
    assert np.mean(mi == 0.0) > 0.2  # many estimates were clipped for display ...
    assert np.mean(p == 1.0) < 0.05  # ... but not for the test
    assert np.sum(bh_qvalues(p) <= 0.1) == 0


def test_informative_features_get_the_smallest_pvalue(rng):
    b = 149
    X, y = _binary_signal(rng, 200, 5, 35)
    scores, p = mutual_info_classif_test(X, y, n_permutations=b, random_state=3)
    np.testing.assert_array_equal(p[:5], 1 / (b + 1))
    assert np.all(p[:5] < 0.01)
    assert np.all(bh_qvalues(p)[:5] <= 0.1)
    # The scores are the drop-in's, same seed, same numbers.
    np.testing.assert_array_equal(scores, mutual_info_classif(X, y, random_state=3))


def test_same_seed_same_pvalues_bit_for_bit(rng):
    X, y = _binary_signal(rng, 150, 2, 6, strength=0.3)
    first = mutual_info_classif_test(X, y, n_permutations=49, random_state=7)
    again = mutual_info_classif_test(X, y, n_permutations=49, random_state=7)
    state = mutual_info_classif_test(X, y, n_permutations=49,
                                     random_state=np.random.RandomState(7))
    other = mutual_info_classif_test(X, y, n_permutations=49, random_state=8)
    for result in (again, state):
        np.testing.assert_array_equal(result[0], first[0])
        np.testing.assert_array_equal(result[1], first[1])
    assert not np.array_equal(other[1], first[1])


def test_continuous_target_and_dataframes(rng):
    # KSG (continuous feature) and Ross with roles swapped (discrete feature).
    n = 200
    frame = pd.DataFrame({"x_signal": rng.normal(size=n), "x_noise": rng.normal(size=n),
                          "d_signal": rng.integers(0, 3, n), "d_noise": rng.integers(0, 3, n)})
    before = frame.copy()
    y = frame["x_signal"] + frame["d_signal"] + 0.5 * rng.normal(size=n)
    mi, p = mutual_info_test(frame, y, n_permutations=49, random_state=0)
    pd.testing.assert_frame_equal(frame, before)
    assert list(p.index) == list(frame.columns) and p.name == "pvalue" and mi.name == "mi"
    assert p["x_signal"] == p["d_signal"] == 1 / 50
    assert p["x_noise"] > 0.1 and p["d_noise"] > 0.1
    mi_again, p_again = mutual_info_test(frame, y, n_permutations=49, random_state=0)
    pd.testing.assert_series_equal(p_again, p, check_exact=True)
    # the score function on arrays: the drop-in's scores, the smallest p-value for the signal
    X = frame[["x_signal", "x_noise"]].to_numpy()
    scores, p_array = mutual_info_regression_test(X, y.to_numpy(), n_permutations=19,
                                                  random_state=1)
    np.testing.assert_array_equal(scores, mutual_info_regression(X, y.to_numpy(),
                                                                 random_state=1))
    assert p_array[0] == 1 / 20


def test_threads_give_the_same_pvalues(rng, monkeypatch):
    # Chunks finish in any order on two threads; results go back by index.
    X, y = _binary_signal(rng, 200, 2, 14, strength=0.4)
    _, single = mutual_info_classif_test(X, y, n_permutations=39, random_state=0)
    monkeypatch.setattr(_engine.knn, "_KNN_THREADS", 2)
    with jax.numpy_rank_promotion("allow"):  # the workers' (default) setting: one compile
        _, threaded = mutual_info_classif_test(X, y, n_permutations=39, random_state=0)
    np.testing.assert_array_equal(threaded, single)


# --- scikit-learn's selectors --------------------------------------------------------


@pytest.mark.parametrize("selector", [
    SelectFdr(alpha=0.05), SelectFpr(alpha=0.01), SelectFwe(alpha=0.05),
    GenericUnivariateSelect(mode="fdr", param=0.05),
], ids=lambda s: type(s).__name__)
def test_selectors_in_a_pipeline_keep_the_informative_features(rng, selector):
    # SelectFwe over 12 features needs p < 0.05 / 12: n_permutations >= 240.
    X, y = _binary_signal(rng, 200, 3, 9, strength=2.0)
    score = partial(mutual_info_classif_test, n_permutations=299, random_state=0)
    pipe = make_pipeline(selector.set_params(score_func=score), LogisticRegression())
    pipe.fit(X, y)
    np.testing.assert_array_equal(np.flatnonzero(pipe[0].get_support()), [0, 1, 2])
    assert pipe.score(X, y) > 0.8
    np.testing.assert_array_equal(pipe[0].scores_, mutual_info_classif(X, y, random_state=0))


def test_bh_qvalues_match_a_textbook_loop_and_select_like_selectfdr(rng):
    p = np.concatenate([rng.uniform(0, 0.01, 8), rng.uniform(size=40)])
    m = p.size
    order = np.argsort(p)
    q_sorted = np.empty(m)
    running = 1.0
    for i in range(m - 1, -1, -1):
        running = min(running, p[order[i]] * m / (i + 1))
        q_sorted[i] = running
    expected = np.empty(m)
    expected[order] = q_sorted
    q = bh_qvalues(p)
    np.testing.assert_allclose(q, expected, rtol=1e-14)
    for alpha in (0.01, 0.05, 0.2):
        selector = SelectFdr(lambda X, y: (np.ones(m), p), alpha=alpha).fit(np.ones((2, m)),
                                                                            [0, 1])
        np.testing.assert_array_equal(selector.get_support(), q <= alpha)


# --- rank_features: p-values, intervals, stability ---------------------------------


def test_rank_features_adds_pvalues_equal_to_mutual_info_test(rng):
    X, y = _binary_signal(rng, 200, 2, 4, strength=1.0)
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(6)]).assign(
        level=rng.integers(0, 3, 200), target=y)
    ranking = rank_features(frame, "target", n_permutations=99, random_state=0)
    assert list(ranking.columns) == ["mi", "kind", "normalized_mi", "pvalue", "qvalue"]
    mi, p = mutual_info_test(frame.drop(columns="target"), frame["target"], n_permutations=99,
                             random_state=0)
    pd.testing.assert_series_equal(ranking["pvalue"], p.loc[ranking.index],
                                   check_exact=True, check_names=False)
    np.testing.assert_array_equal(ranking["qvalue"], bh_qvalues(ranking["pvalue"]))
    plain = rank_features(frame, "target", random_state=0)
    assert list(plain.columns) == ["mi", "kind", "normalized_mi"]
    pd.testing.assert_series_equal(plain["mi"], ranking["mi"], check_exact=True)


def test_confidence_interval_matches_the_delta_method_and_covers_the_truth():
    # Plug-in MI of a known joint table: asymptotic sd from the delta method,
    # sqrt((sum p log^2(p / (px py)) - I^2) / n).
    joint = np.array([[0.25, 0.10], [0.10, 0.20], [0.15, 0.20]])
    ratio = np.log(joint / np.outer(joint.sum(1), joint.sum(0)))
    truth = np.sum(joint * ratio)
    n = 3000
    sd = np.sqrt((np.sum(joint * ratio**2) - truth**2) / n)
    cells = np.random.default_rng(5).choice(6, size=n, p=joint.ravel())
    frame = pd.DataFrame({"x": cells // 2, "y": cells % 2})
    ranking = rank_features(frame, "y", bootstrap=400, random_state=0)
    low, high = ranking.loc["x", ["ci_low", "ci_high"]]
    assert low < truth < high
    assert 0.7 < (high - low) / (2 * 1.959964 * sd) < 1.35


def test_half_samples_are_drawn_without_replacement():
    # An identifier column against itself: a half-sample of m distinct rows has
    # MI log(m) exactly (a repeated row would lower it), so the interval is the
    # point log(n) - (log(m) - log(n)) = log(2 n) for m = n / 2.
    n = 100
    frame = pd.DataFrame({"id": np.arange(n), "target": np.arange(n)})
    ranking = rank_features(frame, "target", bootstrap=30, random_state=0)
    assert ranking.loc["id", "ci_low"] == pytest.approx(np.log(2 * n), rel=1e-12)
    assert ranking.loc["id", "ci_high"] == pytest.approx(np.log(2 * n), rel=1e-12)


def test_rank_stability_is_one_for_clear_winners_and_counts_half_samples(rng):
    X, y = _binary_signal(rng, 200, 2, 6, strength=2.0)
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(8)]).assign(target=y)
    ranking = rank_features(frame, "target", bootstrap=20, top_k=2, random_state=0)
    assert ranking.loc[["f0", "f1"], "rank_stability"].tolist() == [1.0, 1.0]
    assert ranking["rank_stability"].sum() == pytest.approx(2.0)  # two places per half-sample
    np.testing.assert_allclose(ranking["rank_stability"] * 20,
                               np.round(ranking["rank_stability"] * 20), atol=1e-12)
    assert (ranking["ci_low"] <= ranking["mi"] + 0.05).all()
    everyone = rank_features(frame, "target", bootstrap=5, top_k=50, random_state=0)
    assert (everyone["rank_stability"] == 1.0).all()


def test_top_k_frequency_matches_a_loop_with_ties():
    estimates = np.array([[0.3, 0.3, 0.1, 0.5], [0.0, 0.2, 0.2, 0.2], [0.4, 0.1, 0.4, 0.0]])
    expected = np.zeros(4)
    for row in estimates:
        ranked = sorted(range(4), key=lambda j: (-row[j], j))  # ties keep column order
        for j in ranked[:2]:
            expected[j] += 1 / 3
    np.testing.assert_allclose(_top_k_frequency(estimates, 2), expected, rtol=1e-12)


def test_rank_features_tests_columns_with_missing_values_on_their_rows(rng):
    X, y = _binary_signal(rng, 200, 1, 2, strength=2.0)
    frame = pd.DataFrame(X, columns=["signal", "a", "b"]).assign(target=y)
    frame.loc[::7, "signal"] = np.nan
    ranking = rank_features(frame, "target", nan_policy="omit", n_permutations=49,
                            bootstrap=10, random_state=0)
    assert ranking.index[0] == "signal"
    assert ranking.loc["signal", "pvalue"] == pytest.approx(1 / 50)
    assert ranking[["pvalue", "qvalue", "ci_low", "ci_high", "rank_stability"]].notna().all(
        axis=None)


# --- progress bar and bad input -----------------------------------------------------


class _FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_shows_only_on_a_terminal(rng, capsys, monkeypatch):
    X, y = _binary_signal(rng, 100, 1, 1)
    mutual_info_test(X, y, n_permutations=9, random_state=0)  # stderr is captured: no tty
    assert capsys.readouterr().err == ""
    terminal = _FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    mutual_info_test(X, y, n_permutations=9, random_state=0)
    assert "permutation test" in terminal.getvalue()
    frame = pd.DataFrame(X, columns=["a", "b"]).assign(target=y)
    rank_features(frame, "target", n_permutations=9, progress=False, random_state=0)
    rank_features(frame, "target", random_state=0)  # nothing to show
    assert "ranking features" not in terminal.getvalue()
    rank_features(frame, "target", n_permutations=9, random_state=0)
    assert "ranking features" in terminal.getvalue()


@pytest.mark.parametrize("kwargs, message", [
    ({"n_permutations": 0}, "n_permutations must be a positive integer"),
    ({"n_permutations": 2.5}, "n_permutations must be a positive integer"),
    ({"n_permutations": True}, "n_permutations must be a positive integer"),
    ({"progress": "yes"}, "progress must be 'auto', True or False"),
    ({"discrete_target": "maybe"}, "discrete_target must be 'auto' or a bool"),
])
def test_bad_arguments_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        mutual_info_test(np.zeros((10, 1), dtype=int), np.arange(10) % 2, **kwargs)


@pytest.mark.parametrize("kwargs, message", [
    ({"bootstrap": 0}, "bootstrap must be a positive integer"),
    ({"top_k": 0}, "top_k must be a positive integer"),
    ({"n_permutations": -1}, "n_permutations must be a positive integer"),
    ({"progress": None}, "progress must be"),
])
def test_bad_rank_features_arguments_raise(kwargs, message):
    frame = pd.DataFrame({"a": np.arange(10) % 3, "target": np.arange(10) % 2})
    with pytest.raises(ValueError, match=message):
        rank_features(frame, "target", **kwargs)


def test_missing_values_raise_naming_the_column():
    frame = pd.DataFrame({"fine": [1.0, 2.0, 3.0, 4.0, 5.0], "holes": [1.0, np.nan, 3, 4, 5]})
    with pytest.raises(ValueError, match="holes"):
        mutual_info_classif_test(frame, [0, 1, 0, 1, 0], n_permutations=9)


# --- the full bars of issue 7 (slow) --------------------------------------------------


@pytest.mark.slow
def test_issue7_null_pvalues_uniform_over_200_features_at_n2000():
    rng = np.random.default_rng(2000)
    X, y = _binary_signal(rng, 2000, 0, 200)
    mi, p = mutual_info_classif_test(X, y, n_permutations=199, random_state=0)
    assert kstest(p, "uniform").pvalue > 0.01
    assert np.mean(p == 1.0) < 0.02


@pytest.mark.slow
def test_issue7_ten_informative_among_200_at_n2000_all_below_001():
    rng = np.random.default_rng(10)
    X, y = _binary_signal(rng, 2000, 10, 190, strength=1.0)  # MI about 0.1 nats each
    _, p = mutual_info_classif_test(X, y, n_permutations=199, random_state=0)
    assert np.all(p[:10] < 0.01)
    assert kstest(p[10:], "uniform").pvalue > 0.01


@pytest.mark.slow
def test_issue7_fdr_at_01_over_repeated_seeds(monkeypatch):
    # Mean false discovery proportion of BH at alpha = 0.1 over 20 data sets
    # with 10 informative features among 100; BH keeps it <= (90 / 100) alpha.
    # BH passes k features only when k p-values are <= 0.1 k / 100, so the
    # smallest p-value, 1 / (B + 1), must be below 0.001 k: B = 499.
    monkeypatch.setattr(_engine.knn, "_KNN_THREADS", 2)
    alpha, proportions = 0.1, []
    with jax.numpy_rank_promotion("allow"):  # the worker threads' setting
        for seed in range(20):
            rng = np.random.default_rng(seed)
            X, y = _binary_signal(rng, 300, 10, 90, strength=1.5)
            _, p = mutual_info_classif_test(X, y, n_permutations=499, random_state=seed)
            selected = np.flatnonzero(bh_qvalues(p) <= alpha)
            assert np.all(np.isin(np.arange(10), selected))
            proportions.append(np.mean(selected >= 10))
    proportions = np.array(proportions)
    standard_error = proportions.std(ddof=1) / np.sqrt(proportions.size)
    assert proportions.mean() <= alpha + 2 * standard_error
