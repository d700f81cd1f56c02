import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn import feature_selection as skfs
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.metrics import mutual_info_score

from mifeatures import mutual_info_classif, mutual_info_regression


@pytest.mark.parametrize("loader, n_neighbors", [(load_iris, 3), (load_breast_cancer, 3),
                                                 (load_breast_cancer, 5)])
def test_classif_equals_sklearn_on_real_data(loader, n_neighbors):
    X, y = loader(return_X_y=True)
    ours = mutual_info_classif(X, y, n_neighbors=n_neighbors, random_state=0)
    theirs = skfs.mutual_info_classif(X, y, n_neighbors=n_neighbors, random_state=0)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-12)


def test_regression_equals_sklearn_on_real_data():
    X, y = load_diabetes(return_X_y=True)
    ours = mutual_info_regression(X, y, random_state=1)
    theirs = skfs.mutual_info_regression(X, y, random_state=1)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-12)


def test_regression_on_few_level_float_columns_equals_sklearn(rng):
    """Binary, 12-level and zero-inflated float columns (ties broken only by the 1e-10
    noise), as features and as the target: the kNN search's strips of tied values."""
    n = 1000
    X = np.c_[rng.integers(0, 2, n), rng.integers(0, 12, n),
              np.where(rng.random(n) < 0.5, 0.0, rng.standard_normal(n)),
              rng.standard_normal(n)].astype(float)
    y = X[:, 0] + 0.1 * X[:, 1] + X[:, 2] + rng.standard_normal(n)
    for target in (y, (y > 1).astype(float)):
        ours = mutual_info_regression(X, target, random_state=0)
        theirs = skfs.mutual_info_regression(X, target, random_state=0)
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-12)
        assert (theirs > 0.01).sum() >= 2  # not all clipped to 0


def test_mixed_discrete_masks_equal_sklearn(rng):
    n = 600
    X = np.column_stack([rng.integers(0, 4, n), rng.normal(size=n), rng.integers(0, 3, n),
                         rng.normal(size=n)]).astype(float)
    y_class = (X[:, 0] + (X[:, 1] > 0)).astype(int)
    y_reg = X[:, 2] + X[:, 3] + rng.normal(scale=0.5, size=n)
    for mask in ([0, 2], np.array([True, False, True, False]), True, False):
        with warnings.catch_warnings():
            # sklearn warns about float labels when every column is called discrete
            warnings.simplefilter("ignore", UserWarning)
            expected_class = skfs.mutual_info_classif(X, y_class, discrete_features=mask,
                                                      random_state=3)
        np.testing.assert_allclose(
            mutual_info_classif(X, y_class, discrete_features=mask, random_state=3),
            expected_class, rtol=1e-6, atol=1e-12)
        if mask is True:
            # sklearn crashes here: a float column called discrete has only
            # singleton classes, which its Ross code drops to zero samples.
            ours = mutual_info_regression(X, y_reg, discrete_features=True, random_state=3)
            assert ours[1] == ours[3] == 0.0
            continue
        expected_reg = skfs.mutual_info_regression(X, y_reg, discrete_features=mask,
                                                   random_state=3)
        np.testing.assert_allclose(
            mutual_info_regression(X, y_reg, discrete_features=mask, random_state=3),
            expected_reg, rtol=1e-6, atol=1e-12)


def test_dataframes_follow_the_dtype_rule(rng):
    n = 300
    colour = rng.choice(["red", "green", "blue"], size=n)
    frame = pd.DataFrame({"colour": colour, "size": rng.normal(size=n),
                          "count": rng.integers(0, 5, n)})
    y = (colour == "red").astype(int)
    ours = mutual_info_classif(frame, y, random_state=0)
    assert ours[0] == pytest.approx(mutual_info_score(colour, y), rel=1e-12)
    assert ours[2] == pytest.approx(mutual_info_score(frame["count"], y), rel=1e-12)
    codes = pd.factorize(colour)[0]
    numeric = np.column_stack([codes, frame["size"], frame["count"]])
    theirs = skfs.mutual_info_classif(numeric, y, discrete_features=[0, 2], random_state=0)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-12)


def test_base_and_untouched_inputs(rng):
    X = rng.normal(size=(200, 3))
    y = rng.integers(0, 2, 200)
    X_before, y_before = X.copy(), y.copy()
    nats = mutual_info_classif(X, y, random_state=0, copy=False, n_jobs=4)
    bits = mutual_info_classif(X, y, random_state=0, base=2)
    np.testing.assert_allclose(bits * np.log(2), nats, rtol=1e-12)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)


def test_bad_input_names_the_problem(rng):
    X = pd.DataFrame({"a": rng.normal(size=10), "b": rng.normal(size=10)})
    X.loc[3, "b"] = np.nan
    with pytest.raises(ValueError, match="b contains missing values"):
        mutual_info_classif(X, np.arange(10) % 2)
    with pytest.raises(ValueError, match="more rows than n_neighbors"):
        mutual_info_regression(np.ones((3, 1)), [1.0, 2.0, 3.0], n_neighbors=3)
    with pytest.raises(ValueError, match="n_neighbors must be a positive integer"):
        mutual_info_classif(np.ones((5, 1)), [0, 1, 0, 1, 0], n_neighbors=0)
    with pytest.raises(ValueError, match="discrete_features"):
        mutual_info_classif(np.ones((5, 1)), [0, 1, 0, 1, 0], discrete_features="yes")
    with pytest.raises(ValueError, match="different numbers of samples"):
        mutual_info_classif(np.ones((5, 1)), [0, 1, 0])
    with pytest.raises(ValueError, match="y contains infinite values"):
        mutual_info_regression(np.ones((5, 1)), [0, 1, 0, np.inf, 2.0])


def test_class_with_one_member_is_left_out_like_sklearn(rng):
    X = rng.normal(size=(50, 2))
    y = np.r_[np.zeros(25, int), np.ones(24, int), [2]]
    np.testing.assert_allclose(mutual_info_classif(X, y, random_state=0),
                               skfs.mutual_info_classif(X, y, random_state=0),
                               rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("block", [1, 5, 1 << 20])
def test_noise_in_row_blocks_equals_sklearn_one_draw(monkeypatch, block):
    """The tie-breaking noise drawn block by block is bit for bit sklearn's single draw."""
    from sklearn.preprocessing import scale

    from mifeatures import _dropins

    monkeypatch.setattr(_dropins, "_NOISE_BLOCK_ELEMENTS", block)
    X = np.random.default_rng(0).normal(size=(1001, 3))  # an odd count of normals
    ours = X.copy()
    _dropins._scale_and_jitter(ours, np.random.RandomState(3))
    theirs = scale(X, with_mean=False)
    theirs += (1e-10 * np.maximum(1, np.mean(np.abs(theirs), axis=0))
               * np.random.RandomState(3).standard_normal(size=theirs.shape))
    np.testing.assert_array_equal(ours, theirs)
