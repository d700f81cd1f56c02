"""EntropyDiscretizer (issue 5): MDLP against a textbook oracle, quantile/uniform
against KBinsDiscretizer, scikit-learn's estimator checks, and bad input."""

import pickle
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest
from mdlp_oracle import is_boundary, mdl_accepts, mdlp_cut_points
from scipy import sparse
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_breast_cancer, load_iris, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import KBinsDiscretizer
from sklearn.utils import estimator_checks
from sklearn.utils.estimator_checks import parametrize_with_checks

from mifeatures import EntropyDiscretizer, _engine
from mifeatures.discretization import _digitize, quantile_bin_edges
from mifeatures.kernels import mdlp

LOADERS = {"iris": load_iris, "wine": load_wine, "breast_cancer": load_breast_cancer}


def _real(name, binary=False):
    X, y = LOADERS[name](return_X_y=True)
    return X, (y == 0).astype(int) if binary else y


def _assert_cuts_equal(fitted, X, y, **oracle_args):
    for j in range(X.shape[1]):
        expected = mdlp_cut_points(X[:, j], y, **oracle_args)
        cuts = fitted.bin_edges_[j][1:-1]
        assert cuts.shape == expected.shape, (j, cuts, expected)
        np.testing.assert_allclose(cuts, expected, rtol=0, atol=1e-12)


# --- MDLP cut points against the textbook oracle ---------------------------


@pytest.mark.parametrize("name, binary", [("iris", False), ("wine", False),
                                          ("breast_cancer", False), ("iris", True),
                                          ("wine", True)])
def test_mdlp_cut_points_equal_textbook_oracle_on_real_data(name, binary):
    X, y = _real(name, binary)
    X_before, y_before = X.copy(), y.copy()
    fitted = EntropyDiscretizer().fit(X, y)
    np.testing.assert_array_equal(X, X_before)  # inputs untouched
    np.testing.assert_array_equal(y, y_before)
    _assert_cuts_equal(fitted, X, y)
    assert sum(e.size - 2 for e in fitted.bin_edges_) > X.shape[1] // 2  # not vacuous


def test_mdlp_equals_oracle_on_tied_multiclass_data_with_options(rng):
    n = 400
    X = np.column_stack([np.round(rng.normal(size=n), 1), rng.integers(0, 6, n) * 0.5,
                         np.round(rng.exponential(size=n), 2)])
    y = (X[:, 0] > 0.3).astype(int) + (X[:, 1] > 1.2) + (X[:, 2] > 1.0) * (rng.random(n) < .7)
    for options in ({}, {"min_samples_split": 40}, {"max_bins": 3}, {"max_bins": 2}):
        fitted = EntropyDiscretizer(**options).fit(X, y)
        _assert_cuts_equal(fitted, X, y, **options)


@pytest.mark.parametrize("max_bins", [2, 3])
def test_max_bins_takes_best_splits_first_like_the_oracle(max_bins):
    X, y = _real("breast_cancer")
    X = X[:, :10]
    fitted = EntropyDiscretizer(max_bins=max_bins).fit(X, y)
    _assert_cuts_equal(fitted, X, y, max_bins=max_bins)
    assert (fitted.n_bins_ <= max_bins).all()


def test_hand_worked_split_and_rejection():
    # Two clean classes: one cut, at the midpoint of 0.4 and 1.1.
    x = np.array([0.1, 0.2, 0.3, 0.4, 1.1, 1.2, 1.3, 1.4])
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    fitted = EntropyDiscretizer().fit(x[:, None], y)
    np.testing.assert_array_equal(fitted.bin_edges_[0], [0.1, 0.75, 1.4])
    # Gain = 1 bit; bound = (log2 7 + log2 7 - 2) / 8 = 0.45 bits: accepted.
    assert mdl_accepts(y, y[:4], y[4:])[0]
    # Four rows alternating in class: Gain = 0.311 bits < bound, no cut.
    fitted = EntropyDiscretizer().fit(np.array([[1.0], [2.0], [3.0], [4.0]]), [0, 1, 1, 0])
    np.testing.assert_array_equal(fitted.bin_edges_[0], [1.0, 4.0])


def test_candidate_positions_are_the_boundary_points(rng):
    X = np.round(rng.normal(size=(3, 300)), 1)
    y = rng.integers(0, 3, 300)
    y[np.abs(X[0]) < 0.5] = 1  # long pure stretches
    XT = np.ascontiguousarray(X)
    xs, ys = _engine._sort_with_classes(XT, y, 3)
    found = _engine._candidates(xs, ys)
    for j in range(3):
        values = np.unique(X[j])
        expected = [np.searchsorted(xs[j], b) for a, b in zip(values[:-1], values[1:])
                    if is_boundary(X[j], y, a, b)]
        mine = found[found // 300 == j] % 300
        np.testing.assert_array_equal(mine, expected)


def test_sort_with_classes_falls_back_when_values_are_ulps_apart():
    base = 1.0
    x = np.array([base, np.nextafter(base, 2), base, np.nextafter(base, 2)] * 5)
    y = np.array([1, 0, 1, 0] * 5)
    xs, ys = _engine._sort_with_classes(x[None, :].copy(), y, 2)
    order = np.argsort(x, kind="stable")
    np.testing.assert_array_equal(xs[0], x[order])
    np.testing.assert_array_equal(np.sort(ys[0][:10]), np.sort(y[order][:10]))
    np.testing.assert_array_equal(ys[0][:10], np.ones(10))
    cuts = EntropyDiscretizer().fit(x[:, None], y).bin_edges_[0][1:-1]
    np.testing.assert_array_equal(cuts, mdlp_cut_points(x, y))


def test_exact_ties_go_to_the_smallest_cut_and_row_order_does_not_matter(rng):
    # Class 1 at both ends: cuts at 0.5 and 4.5 have the same E(T; S).
    x = np.repeat([0.0, 1.0, 2.0, 3.0, 4.0, 5.0], 20)
    y = np.repeat([1, 0, 0, 0, 0, 1], 20)
    first = EntropyDiscretizer(max_bins=2).fit(x[:, None], y).bin_edges_[0]
    np.testing.assert_array_equal(first, [0.0, 0.5, 5.0])
    mirrored = EntropyDiscretizer(max_bins=2).fit(-x[:, None], y).bin_edges_[0]
    np.testing.assert_array_equal(mirrored, [-5.0, -4.5, 0.0])
    order = rng.permutation(x.size)
    shuffled = EntropyDiscretizer(max_bins=2).fit(x[order, None], y[order]).bin_edges_[0]
    np.testing.assert_array_equal(shuffled, first)


def test_mdl_kernel_matches_the_oracle_test(rng):
    def verdict(cum):  # cum: counts before rows 0, |S1| and |S| for 4 classes
        ranges = [mdlp.range_counts(cum, table, jnp.array([a]), jnp.array([b]))
                  for a, b in ((0, 2), (0, 1), (1, 2))]
        return mdlp.mdl_accepts(*ranges, table)

    with jax.enable_x64(True):
        table = mdlp.xlogx_table(4096)
        verdict = jax.jit(verdict)
        for _ in range(30):
            present = rng.random(4) < 0.8
            left = rng.integers(0, 60, 4) * present
            right = rng.integers(0, 60, 4) * present
            classes = np.arange(4)
            expected, expected_gain = mdl_accepts(np.repeat(classes, left + right),
                                                  np.repeat(classes, left),
                                                  np.repeat(classes, right))
            cum = np.column_stack([np.zeros(4), left, left + right]).astype(np.int32)
            accept, gain = verdict(cum)
            assert bool(accept[0]) == expected
            np.testing.assert_allclose(float(gain[0]), expected_gain, rtol=1e-12, atol=1e-9)


# --- quantile and uniform against KBinsDiscretizer -------------------------


def _kbins(strategy, n_bins, X, encode="ordinal"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # its narrow-bin and constant warnings
        return KBinsDiscretizer(n_bins=n_bins, strategy=strategy, encode=encode,
                                quantile_method="averaged_inverted_cdf", subsample=None).fit(X)


@pytest.mark.parametrize("strategy", ["quantile", "uniform"])
@pytest.mark.parametrize("name", ["wine", "breast_cancer"])
def test_quantile_and_uniform_equal_kbins(strategy, name, rng):
    X, _ = _real(name)
    X = np.column_stack([X, np.round(rng.normal(size=len(X)), 1), np.full(len(X), 2.5)])
    for n_bins in (2, 3, 7):
        ours = EntropyDiscretizer(strategy=strategy, n_bins=n_bins).fit(X)
        theirs = _kbins(strategy, n_bins, X)
        X_new = X + rng.normal(scale=X.std(0) + 1e-3, size=X.shape)  # out of range too
        np.testing.assert_array_equal(ours.transform(X_new), theirs.transform(X_new))
        for j in range(X.shape[1] - 1):  # KBins gives a constant column [-inf, inf]
            np.testing.assert_array_equal(ours.bin_edges_[j], theirs.bin_edges_[j])
            if strategy == "quantile":
                np.testing.assert_array_equal(quantile_bin_edges(X[:, j], n_bins),
                                              theirs.bin_edges_[j])
        np.testing.assert_array_equal(ours.n_bins_[:-1], theirs.n_bins_[:-1])
        np.testing.assert_array_equal(_digitize(X, ours.bin_edges_), theirs.transform(X))


def test_onehot_encodings_equal_kbins(rng):
    X = rng.normal(size=(60, 3))
    for encode in ("onehot", "onehot-dense"):
        ours = EntropyDiscretizer(strategy="quantile", n_bins=4, encode=encode).fit(X)
        theirs = _kbins("quantile", 4, X, encode=encode)
        a, b = ours.transform(X), theirs.transform(X)
        assert sparse.issparse(a) == sparse.issparse(b)
        a, b = (m.toarray() if sparse.issparse(m) else m for m in (a, b))
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(ours.get_feature_names_out(),
                                      theirs.get_feature_names_out())
        np.testing.assert_allclose(ours.inverse_transform(ours.transform(X)),
                                   theirs.inverse_transform(theirs.transform(X)))


def test_transform_clips_to_end_bins_and_inverse_gives_centres():
    fitted = EntropyDiscretizer(strategy="uniform", n_bins=4).fit([[0.0], [4.0]])
    codes = fitted.transform(np.array([[-100.0], [0.0], [0.99], [1.0], [3.5], [400.0]]))
    np.testing.assert_array_equal(codes.ravel(), [0, 0, 0, 1, 3, 3])
    assert codes.dtype == np.int64
    np.testing.assert_array_equal(fitted.inverse_transform(codes).ravel(),
                                  [0.5, 0.5, 0.5, 1.5, 3.5, 3.5])


# --- scikit-learn compatibility ---------------------------------------------

ESTIMATORS = [EntropyDiscretizer(), EntropyDiscretizer(strategy="quantile", encode="onehot"),
              EntropyDiscretizer(strategy="uniform", encode="onehot-dense")]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


EXTRA_CHECKS = ["check_param_validation", "check_set_output_transform",
                "check_set_output_transform_pandas", "check_global_output_transform_pandas",
                "check_transformer_get_feature_names_out",
                "check_transformer_get_feature_names_out_pandas",
                "check_dataframe_column_names_consistency"]


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=repr)
@pytest.mark.parametrize("check", EXTRA_CHECKS)
# These checks fit on a DataFrame and transform an array (and back) on purpose.
@pytest.mark.filterwarnings("ignore:X does not have valid feature names")
@pytest.mark.filterwarnings("ignore:X has feature names")
def test_sklearn_extra_checks(estimator, check):
    getattr(estimator_checks, check)(type(estimator).__name__, estimator)


def test_clone_pickle_pipeline_column_transformer_and_grid_search():
    X, y = _real("wine")
    fitted = EntropyDiscretizer().fit(X, y)
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.transform(X), fitted.transform(X))
    assert clone(fitted).get_params() == fitted.get_params()
    assert not hasattr(clone(fitted), "bin_edges_")

    frame = pd.DataFrame(X[:, :4], columns=["a", "b", "c", "d"])
    columns = ColumnTransformer([("bins", EntropyDiscretizer(), ["a", "b"])],
                                remainder="passthrough")
    out = columns.fit_transform(frame, y)
    np.testing.assert_array_equal(out[:, :2], EntropyDiscretizer().fit(frame[["a", "b"]], y)
                                  .transform(frame[["a", "b"]]))
    np.testing.assert_array_equal(out[:, 2:], X[:, 2:4])

    pipe = make_pipeline(EntropyDiscretizer(encode="onehot"), LogisticRegression(max_iter=500))
    search = GridSearchCV(pipe, {"entropydiscretizer__strategy": ["mdlp", "quantile"],
                                 "entropydiscretizer__n_bins": [3, 5]}, cv=2)
    search.fit(X[:, :6], y)
    assert search.best_score_ > 0.8
    assert set(search.cv_results_["param_entropydiscretizer__strategy"]) == {"mdlp", "quantile"}


# --- DataFrames, columns= and output types ---------------------------------


def test_dataframe_bins_float_columns_and_passes_the_rest(mixed_frame):
    y = [0, 1, 0, 1, 1, 0]
    frame = mixed_frame.set_axis([f"r{i}" for i in range(6)])
    before = frame.copy()
    out = EntropyDiscretizer(strategy="quantile", n_bins=2).fit(frame, y).transform(frame)
    pd.testing.assert_frame_equal(frame, before)  # input untouched
    assert list(out.columns) == list(frame.columns) and list(out.index) == list(frame.index)
    for name in ("floats", "nullable_float"):
        assert out[name].dtype == np.int64
        np.testing.assert_array_equal(out[name], (frame[name].astype(float) > 0.5).astype(int))
    for name in ("ints", "strings", "objects", "category", "bools", "nullable_int"):
        pd.testing.assert_series_equal(out[name], frame[name])


def test_columns_pick_by_name_or_position_and_set_output_keeps_names(rng):
    frame = pd.DataFrame({"a": rng.normal(size=50), "b": rng.normal(size=50),
                          "c": rng.integers(0, 9, 50)})
    by_name = EntropyDiscretizer(strategy="uniform", n_bins=3, columns=["c", "a"]).fit(frame)
    by_position = EntropyDiscretizer(strategy="uniform", n_bins=3, columns=[0, 2]).fit(frame)
    np.testing.assert_array_equal(by_name.columns_, [0, 2])
    pd.testing.assert_frame_equal(by_name.transform(frame), by_position.transform(frame))
    assert (by_name.transform(frame)["b"] == frame["b"]).all()
    by_position.fit(frame.to_numpy())
    array_out = by_position.transform(frame.to_numpy())
    assert array_out.dtype == np.float64
    np.testing.assert_array_equal(array_out[:, 1], frame["b"])
    pandas = EntropyDiscretizer(strategy="quantile").set_output(transform="pandas")
    out = pandas.fit_transform(frame[["a", "b"]].to_numpy())
    assert list(out.columns) == ["x0", "x1"] and (out.dtypes == np.int64).all()


def test_integer_arrays_pass_through_by_default_and_float_arrays_are_binned(rng):
    X = rng.integers(0, 5, size=(30, 2))
    np.testing.assert_array_equal(EntropyDiscretizer(strategy="quantile").fit_transform(X), X)
    codes = EntropyDiscretizer(strategy="quantile", n_bins=3).fit_transform(X.astype(float))
    assert codes.dtype == np.int64 and codes.max() <= 2


def test_string_and_categorical_labels_give_the_same_cuts():
    X, y = _real("iris")
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    expected = EntropyDiscretizer().fit(X, y).bin_edges_
    for labels in (names, pd.Series(names, dtype="category"), y.astype(float)):
        edges = EntropyDiscretizer().fit(X, labels).bin_edges_
        for a, b in zip(edges, expected):
            np.testing.assert_array_equal(a, b)


def test_fit_leaves_the_global_jax_config_alone():
    before = jax.config.jax_enable_x64
    EntropyDiscretizer().fit(*_real("iris"))
    assert jax.config.jax_enable_x64 == before


# --- bad and edge input -----------------------------------------------------


def test_nan_and_inf_raise_naming_the_column():
    frame = pd.DataFrame({"good": [0.0, 1.0, 2.0, 3.0], "bad": [0.0, np.nan, 1.0, 2.0]})
    y = [0, 0, 1, 1]
    with pytest.raises(ValueError, match="'bad' contains NaN"):
        EntropyDiscretizer().fit(frame, y)
    fitted = EntropyDiscretizer().fit(frame.fillna(0.5), y)
    with pytest.raises(ValueError, match="'bad' contains inf"):
        fitted.transform(frame.fillna(np.inf))
    with pytest.raises(ValueError, match="'x1' contains NaN"):
        EntropyDiscretizer().fit(frame.to_numpy(), y)


def test_constant_column_one_class_and_one_row_give_one_bin():
    X = np.column_stack([np.full(10, 3.0), np.arange(10.0)])
    fitted = EntropyDiscretizer().fit(X, [0] * 5 + [1] * 5)
    np.testing.assert_array_equal(fitted.bin_edges_[0], [3.0, 3.0])
    np.testing.assert_array_equal(fitted.n_bins_, [1, 2])
    np.testing.assert_array_equal(fitted.transform(X)[:, 0], 0)
    np.testing.assert_array_equal(fitted.inverse_transform(fitted.transform(X))[:, 0], 3.0)
    one_class = EntropyDiscretizer().fit(X, np.ones(10))
    np.testing.assert_array_equal(one_class.n_bins_, [1, 1])
    for strategy in ("mdlp", "quantile", "uniform"):
        single = EntropyDiscretizer(strategy=strategy).fit([[1.5, 2.0]], [1])
        np.testing.assert_array_equal(single.n_bins_, [1, 1])
        np.testing.assert_array_equal(single.transform([[0.0, 9.0]]), [[0, 0]])


def test_bad_targets_and_arguments_raise_clear_errors():
    X = np.arange(12.0).reshape(6, 2)
    with pytest.raises(ValueError, match="requires y to be passed.*MDLP needs class labels"):
        EntropyDiscretizer().fit(X)
    with pytest.raises(ValueError, match="continuous"):
        EntropyDiscretizer().fit(X, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    with pytest.raises(ValueError, match="X and y have different numbers of samples: 6 and 5"):
        EntropyDiscretizer().fit(X, [0, 1, 0, 1, 0])
    with pytest.raises(ValueError, match="y contains missing values"):
        EntropyDiscretizer().fit(X, [0, 1, None, 1, 0, 1])
    with pytest.raises(ValueError, match="0 sample"):
        EntropyDiscretizer(strategy="quantile").fit(np.zeros((0, 2)))
    frame = pd.DataFrame({"a": [1.0, 2.0], "s": ["x", "y"]})
    with pytest.raises(ValueError, match="'nope' is not a column of X"):
        EntropyDiscretizer(strategy="quantile", columns=["nope"]).fit(frame)
    with pytest.raises(ValueError, match="index 5 is out of range"):
        EntropyDiscretizer(strategy="quantile", columns=[5]).fit(frame)
    with pytest.raises(TypeError, match="column 's' has dtype"):
        EntropyDiscretizer(strategy="quantile", columns=["s"]).fit(frame)
    with pytest.raises(ValueError, match="lists a column twice"):
        EntropyDiscretizer(strategy="quantile", columns=["a", 0]).fit(frame)
    # strategy without y works; y is ignored
    EntropyDiscretizer(strategy="uniform").fit(X)


# --- larger inputs (slow) -----------------------------------------------------


@pytest.mark.slow
def test_mdlp_equals_oracle_on_larger_synthetic_data(rng):
    n = 3000
    X = np.column_stack([rng.normal(size=n), np.round(rng.normal(size=n), 2),
                         rng.exponential(size=n)])
    y = (X[:, 0] + 0.5 * X[:, 1] ** 2 + rng.normal(scale=0.7, size=n) > 0.5).astype(int)
    y += (X[:, 2] > 1.5).astype(int)
    fitted = EntropyDiscretizer().fit(X, y)
    _assert_cuts_equal(fitted, X, y)
