"""MutualInfoSelector (issue 6): orders against a textbook oracle, scores against
the drop-ins and scikit-learn, scikit-learn's estimator checks, bad input."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import selection_oracle as oracle
from sklearn import feature_selection as skfs
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import KBinsDiscretizer
from sklearn.utils import estimator_checks as checks

import mifeatures
from mifeatures import MutualInfoSelector
from mifeatures import selection as selection_module
from mifeatures.selection import CRITERIA


def quantile_bins(X, n_bins):
    """The documented binning, by scikit-learn (EntropyDiscretizer's quantile edges match it)."""
    binner = KBinsDiscretizer(n_bins=n_bins, strategy="quantile", encode="ordinal",
                              quantile_method="averaged_inverted_cdf", subsample=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # collapsed bins of tied columns
        return binner.fit_transform(X).astype(np.int64)


def non_constant(X):
    return X[:, X.min(axis=0) != X.max(axis=0)]


def real_datasets():
    digits = load_digits()
    X_wine, y_wine = load_wine(return_X_y=True)
    X_cancer, y_cancer = load_breast_cancer(return_X_y=True)
    return {
        "wine binned": (quantile_bins(X_wine, 4), y_wine, None),
        "breast cancer binned": (quantile_bins(X_cancer[:, :16], 4), y_cancer, 6),
        "digits subset": (non_constant(digits.data[:200].astype(np.int64)), digits.target[:200],
                          5),
    }


REAL = real_datasets()


def interactions_and_copies(n=600, seed=0):
    """x0 XOR x1 carries y (x1 biased so that I(x0;Y) > 0 = I(x1;Y)); x2, x3 noisy
    views of y; x4 a relabelled copy of x2; x5, x6 noise."""
    rng = np.random.default_rng(seed)
    x0 = rng.integers(0, 2, n)
    x1 = (rng.random(n) < 0.25).astype(np.int64)
    y = x0 ^ x1
    x2 = np.where(rng.random(n) < 0.25, 1 - y, y)
    x3 = np.where(rng.random(n) < 0.3, rng.integers(0, 3, n), y)
    x4 = 1 - x2
    noise = rng.integers(0, 3, (n, 2))
    return np.column_stack([x0, x1, x2, x3, x4, noise]), y


@pytest.mark.parametrize("dataset", [
    "wine binned", "breast cancer binned",
    pytest.param("digits subset", marks=pytest.mark.slow)])
@pytest.mark.parametrize("criterion", CRITERIA)
def test_order_equals_the_oracle_on_real_data(criterion, dataset):
    X, y, k = REAL[dataset]
    ours = MutualInfoSelector(criterion=criterion, k=k or "all").fit(X, y).ranking_
    assert ours.tolist() == oracle.select(X, y, criterion, k)


@pytest.mark.parametrize("criterion", CRITERIA)
def test_order_equals_the_oracle_on_synthetic_data(criterion):
    X, y = interactions_and_copies()
    ours = MutualInfoSelector(criterion=criterion, k="all").fit(X, y)
    assert ours.ranking_.tolist() == oracle.select(X, y, criterion)
    # the path's relevance is the plug-in I(X;Y) of each chosen column
    expected = [oracle.mi(X[:, j], y) for j in ours.ranking_]
    np.testing.assert_allclose(ours.selection_path_["relevance"], expected, atol=1e-12)


def test_mifs_beta_matches_the_oracle():
    X, y = interactions_and_copies(seed=3)
    for beta in (0.0, 0.3, 2.0):
        ours = MutualInfoSelector(criterion="mifs", beta=beta, k="all").fit(X, y).ranking_
        assert ours.tolist() == oracle.select(X, y, "mifs", beta=beta)


def test_jmi_finds_the_xor_pair_that_mim_misses():
    X, y = interactions_and_copies()
    # x1 alone says (almost) nothing about y: the weakest but for the noise columns
    assert oracle.mi(X[:, 1], y) < 0.03 * min(oracle.mi(X[:, j], y) for j in (0, 2, 3, 4))
    mim = MutualInfoSelector(criterion="mim", k=3).fit(X, y)
    jmi = MutualInfoSelector(criterion="jmi", k=3).fit(X, y)
    assert mim.ranking_.tolist() == [3, 0, 2]
    assert jmi.ranking_.tolist() == [3, 0, 1]
    # together they determine y: I(x0 x1; Y) = H(Y)
    assert oracle.joint_mi(X[:, 0], X[:, 1], y) == pytest.approx(oracle.entropy(y))


def test_mrmr_skips_redundant_copies():
    rng = np.random.default_rng(1)
    n = 800
    a = rng.integers(0, 4, n)
    b = rng.integers(0, 4, n)
    y = (a >= 2).astype(int) + 2 * (b >= 2)
    X = np.column_stack([a, (a + 1) % 4, a, b, rng.integers(0, 4, n)])  # two copies of a first
    assert MutualInfoSelector(criterion="mim", k=3).fit(X, y).ranking_.tolist() == [0, 1, 2]
    mrmr = MutualInfoSelector(criterion="mrmr", k=2).fit(X, y)
    assert mrmr.ranking_.tolist() == [0, 3]
    assert oracle.select(X, y, "mrmr", 2) == [0, 3]


def test_path_terms_follow_their_definitions():
    X, y = interactions_and_copies(seed=5)
    for criterion in CRITERIA:
        path = MutualInfoSelector(criterion=criterion, k="all").fit(X, y).selection_path_
        assert list(path.columns) == ["feature", "relevance", "redundancy", "conditional",
                                      "criterion"]
        assert not path.isna().any().any()
        assert (path.iloc[0, 2:4] == 0).all()
        if criterion in ("mim", "mifs", "mrmr", "cife", "jmi", "icap", "cmim"):
            np.testing.assert_allclose(
                path.criterion, path.relevance - path.redundancy + path.conditional,
                atol=1e-12)
    # cife's terms at step 2 are sums over the selected set, checked by hand
    selector = MutualInfoSelector(criterion="cife", k=3).fit(X, y)
    first, second, third = selector.ranking_
    row = selector.selection_path_.iloc[2]
    xk = X[:, third]
    chosen = [X[:, first], X[:, second]]
    assert row.redundancy == pytest.approx(sum(oracle.mi(xk, xj) for xj in chosen))
    assert row.conditional == pytest.approx(sum(oracle.cmi(xk, xj, y) for xj in chosen))
    assert row.feature == f"x{third}"


def test_continuous_columns_are_binned_for_the_criterion(rng):
    n = 200
    X = rng.normal(size=(n, 5))
    y = (X[:, 0] + X[:, 1] + (X[:, 2] > 1) > 0.5).astype(int)
    for criterion in ("mrmr", "jmi", "cmim"):
        ours = MutualInfoSelector(criterion=criterion, k=4, n_bins=6).fit(X, y).ranking_
        assert ours.tolist() == oracle.select(quantile_bins(X, 6), y, criterion, 4)


def test_scores_equal_the_drop_ins_and_sklearn(rng):
    n = 200
    frame = pd.DataFrame({
        "signal": rng.normal(size=n),
        "level": rng.integers(0, 4, n),
        "noise": rng.normal(size=n),
        "flag": rng.random(n) < 0.3,
    })
    y = (frame.signal + frame.level > 1.5).astype(int).to_numpy()
    selector = MutualInfoSelector(k=2, random_state=7).fit(frame, y)
    mask = np.array([False, True, False, True])
    ours = mifeatures.mutual_info_classif(frame, y, discrete_features=mask, random_state=7)
    theirs = skfs.mutual_info_classif(frame.astype(float), y, discrete_features=mask,
                                      random_state=7)
    np.testing.assert_allclose(selector.scores_, ours, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(selector.scores_, theirs, rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(selector.discrete_features_, mask)
    # regression: a float target is continuous, scored by KSG / Ross, binned for the criterion
    target = (frame.signal ** 2 + 0.3 * frame.level).to_numpy() + 0.2 * rng.normal(size=n)
    selector = MutualInfoSelector(criterion="jmi", k=3, n_bins=5, random_state=3)
    selector.fit(frame, target)
    theirs = skfs.mutual_info_regression(frame.astype(float), target, discrete_features=mask,
                                         random_state=3)
    np.testing.assert_allclose(selector.scores_, theirs, rtol=1e-6, atol=1e-9)
    codes = frame.astype(int).to_numpy()
    codes[:, ~mask] = quantile_bins(frame.iloc[:, ~mask].to_numpy(), 5)
    expected = oracle.select(codes, quantile_bins(target[:, None], 5)[:, 0], "jmi", 3)
    assert selector.ranking_.tolist() == expected


def test_selection_does_not_depend_on_random_state(rng):
    # heavy ties: jitter (which only the kNN scores use) would move values across bin edges
    X = np.round(rng.normal(size=(200, 6)), 1)
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    a = MutualInfoSelector(criterion="jmi", k="all", random_state=0).fit(X, y)
    b = MutualInfoSelector(criterion="jmi", k="all", random_state=1).fit(X, y)
    np.testing.assert_array_equal(a.ranking_, b.ranking_)
    pd.testing.assert_frame_equal(a.selection_path_, b.selection_path_)


@checks.parametrize_with_checks([MutualInfoSelector(k=1)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.mark.filterwarnings("ignore:X does not have valid feature names")  # the checks mix
@pytest.mark.filterwarnings("ignore:X has feature names, but")  # frames and arrays on purpose
@pytest.mark.parametrize("check", [
    checks.check_param_validation,
    checks.check_set_output_transform,
    checks.check_set_output_transform_pandas,
    checks.check_global_output_transform_pandas,
    checks.check_transformer_get_feature_names_out,
    checks.check_transformer_get_feature_names_out_pandas,
    checks.check_dataframe_column_names_consistency,
])
def test_extra_sklearn_checks(check):
    check("MutualInfoSelector", MutualInfoSelector(k=1))


def test_dataframes_keep_names_and_dtypes(rng):
    n = 200
    frame = pd.DataFrame({
        "city": pd.Categorical(rng.choice(["a", "b", "c"], n)),
        "size": rng.normal(size=n),
        "label": pd.Series(rng.choice(["p", "q"], n), dtype="string"),
        "count": rng.integers(0, 5, n),
    })
    y = pd.Series((frame["city"] == "a") ^ (frame["count"] > 2), name="target")
    before = frame.copy()
    selector = MutualInfoSelector(criterion="jmi", k=2).set_output(transform="pandas")
    out = selector.fit_transform(frame, y)
    pd.testing.assert_frame_equal(frame, before)  # input untouched
    assert list(out.columns) == list(selector.get_feature_names_out())
    assert set(out.columns) == {"city", "count"}
    assert out["city"].dtype == "category"
    assert selector.selection_path_.feature.tolist()[:2] == [frame.columns[j] for j in
                                                             selector.ranking_]
    np.testing.assert_array_equal(selector.discrete_features_, [True, False, True, True])


def test_discrete_features_by_name_and_mask(rng):
    X = rng.integers(0, 3, size=(150, 3)).astype(float)
    y = X[:, 0].astype(int)
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    by_name = MutualInfoSelector(k=1, discrete_features=["a", "c"], random_state=0)
    np.testing.assert_array_equal(by_name.fit(frame, y).discrete_features_, [True, False, True])
    by_mask = MutualInfoSelector(k=1, discrete_features=[True, False, True], random_state=0)
    by_mask.fit(frame, y)
    np.testing.assert_array_equal(by_name.scores_, by_mask.scores_)
    with pytest.raises(ValueError, match="'z'"):
        MutualInfoSelector(discrete_features=["z"]).fit(frame, y)


def test_k_forms(rng):
    X = rng.integers(0, 3, size=(100, 8))
    y = X[:, 0]
    assert MutualInfoSelector(k=0.25).fit(X, y).get_support().sum() == 2
    assert MutualInfoSelector(k=0.01).fit(X, y).get_support().sum() == 1
    full = MutualInfoSelector(k="all").fit(X, y)
    assert sorted(full.ranking_.tolist()) == list(range(8))
    assert full.ranking_.dtype.kind == "i"
    with pytest.warns(UserWarning, match="k=20 is greater than n_features=8"):
        many = MutualInfoSelector(k=20).fit(X, y)
    assert many.get_support().all()
    for bad in (0, 1.5, "some", -1):
        with pytest.raises(ValueError, match="'k' parameter"):
            MutualInfoSelector(k=bad).fit(X, y)


def test_missing_values_name_the_column(rng):
    frame = pd.DataFrame({"fine": rng.normal(size=50), "holes": rng.normal(size=50)})
    frame.loc[3, "holes"] = np.nan
    with pytest.raises(ValueError, match="holes contains missing values"):
        MutualInfoSelector(k=1).fit(frame, np.arange(50) % 2)
    frame.loc[3, "holes"] = np.inf
    with pytest.raises(ValueError, match="holes contains infinite values"):
        MutualInfoSelector(k=1).fit(frame, np.arange(50) % 2)
    codes = pd.DataFrame({"kind": pd.Series(["a", None] * 25, dtype=object)})
    with pytest.raises(ValueError, match="kind contains missing values"):
        MutualInfoSelector(k=1).fit(codes, np.arange(50) % 2)
    with pytest.raises(ValueError, match=r"X\[:, 1\] contains infinite values"):
        MutualInfoSelector(k=1).fit(frame.to_numpy(), np.arange(50) % 2)


def test_a_float_frame_equals_its_array(rng):
    X = rng.normal(size=(150, 4))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    before = X.copy()
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    from_array = MutualInfoSelector(criterion="jmi", k=3, random_state=2).fit(X, y)
    from_frame = MutualInfoSelector(criterion="jmi", k=3, random_state=2).fit(frame, y)
    np.testing.assert_array_equal(X, before)
    np.testing.assert_array_equal(from_frame.scores_, from_array.scores_)
    np.testing.assert_array_equal(from_frame.ranking_, from_array.ranking_)
    assert from_frame.selection_path_.feature.tolist() == [
        "abcd"[j] for j in from_array.ranking_]


def test_constant_columns_come_last_without_nan(rng):
    n = 200
    a = rng.integers(0, 3, n)
    y = (a + rng.integers(0, 2, n)) % 3
    X = np.column_stack([np.zeros(n, int), a, np.full(n, 7), a, rng.integers(0, 3, n)])
    for criterion in CRITERIA:
        selector = MutualInfoSelector(criterion=criterion, k="all").fit(X, y)
        assert selector.ranking_.tolist()[-2:] == [0, 2], criterion
        assert np.isfinite(selector.selection_path_.iloc[:, 1:].to_numpy()).all()
        assert selector.scores_[[0, 2]].tolist() == [0.0, 0.0]
    continuous = np.column_stack([np.ones(n), rng.normal(size=n), a + 0.5])
    selector = MutualInfoSelector(k="all", random_state=0).fit(continuous, y % 2)
    assert selector.ranking_[-1] == 0
    assert np.isfinite(selector.scores_).all()


def test_one_class_target_gives_zero_relevance(rng):
    X = np.column_stack([rng.integers(0, 3, 60), rng.normal(size=60), rng.normal(size=60)])
    y = np.zeros(60, dtype=int)
    for criterion in CRITERIA:
        selector = MutualInfoSelector(criterion=criterion, k="all", random_state=0).fit(X, y)
        assert selector.scores_.tolist() == [0.0, 0.0, 0.0]
        assert (selector.selection_path_.relevance == 0).all()
        assert np.isfinite(selector.selection_path_.iloc[:, 1:].to_numpy()).all()


def test_clone_and_pickle_round_trip(rng):
    X = rng.normal(size=(120, 5))
    y = (X[:, 1] > 0).astype(int)
    selector = MutualInfoSelector(criterion="cmim", k=2, random_state=0).fit(X, y)
    restored = pickle.loads(pickle.dumps(selector))
    np.testing.assert_array_equal(restored.transform(X), selector.transform(X))
    pd.testing.assert_frame_equal(restored.selection_path_, selector.selection_path_)
    fresh = clone(selector)
    assert fresh.get_params() == selector.get_params()
    assert not hasattr(fresh, "ranking_")


def test_pipeline_grid_search_and_column_transformer(rng):
    n = 240
    X = rng.normal(size=(n, 6))
    y = (X[:, 2] - X[:, 4] > 0).astype(int)
    pipe = make_pipeline(MutualInfoSelector(random_state=0), LogisticRegression())
    grid = GridSearchCV(pipe, {"mutualinfoselector__k": [1, 2],
                               "mutualinfoselector__criterion": ["mim", "jmi"]}, cv=2)
    grid.fit(X, y)
    assert grid.best_params_["mutualinfoselector__k"] == 2
    assert set(grid.best_estimator_[0].ranking_) == {2, 4}
    frame = pd.DataFrame(X, columns=list("abcdef")).assign(kind=rng.choice(["u", "v"], n))
    transformer = ColumnTransformer([("pick", MutualInfoSelector(k=2), list("abcdef"))],
                                    remainder="passthrough")
    out = transformer.fit(frame, y).get_feature_names_out()
    assert sorted(out) == ["pick__c", "pick__e", "remainder__kind"]


def test_rare_levels_wide_columns_and_small_blocks(monkeypatch):
    """Paths taken on big inputs, reached on small ones by shrinking the engine's limits:
    levels first seen after the rows the engine guesses from, columns past its level
    cap, tables split into blocks."""
    from mifeatures import _engine

    for module in (_engine, _engine.counting):  # selection reads one, counting the other
        monkeypatch.setattr(module, "GUESS_ROWS", 32)
        monkeypatch.setattr(module, "MAX_GUESSED_LEVELS", 16)
    rng = np.random.default_rng(11)
    n = 240
    rare = rng.integers(0, 3, n)
    rare[-3:] = 3  # a level seen only in the last rows
    wide = rng.permutation(np.arange(n) % 40)  # 40 levels, past the cap of 16
    y = (rare + rng.integers(0, 2, n)) % 4
    X = np.column_stack([rng.integers(0, 4, n), rare, wide, (rare + 1) % 4, y % 2])
    rows = selection_module._rows_with_maxima_first(X)
    assert (X[rows[:32]].max(axis=0) == X.max(axis=0)).all()
    expected = oracle.select(X, y, "jmi", 4)
    assert MutualInfoSelector(criterion="jmi", k=4).fit(X, y).ranking_.tolist() == expected
    # tables of (4 + 2) x 256 cells: a budget of 3100 puts two columns in a block
    monkeypatch.setattr(selection_module, "TABLE_CELLS_BUDGET", 3100)
    assert len(selection_module._Terms(X, y, need_entropies=False).bounds) == 2
    assert MutualInfoSelector(criterion="jmi", k=4).fit(X, y).ranking_.tolist() == expected


def test_polars_input(rng):
    pl = pytest.importorskip("polars")
    X = rng.integers(0, 3, size=(80, 3))
    y = X[:, 2]
    frame = pl.DataFrame({"p": X[:, 0], "q": X[:, 1], "r": X[:, 2]})
    selector = MutualInfoSelector(k=1).fit(frame, y)
    assert selector.get_feature_names_out().tolist() == ["r"]
