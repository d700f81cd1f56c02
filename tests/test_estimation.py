import math

import jax
import numpy as np
import pandas as pd
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import mutual_info_score

from mifeatures import conditional_mutual_info, estimate_entropy, mutual_info
from mifeatures.estimation import DISCRETE_METHODS, _discrete_mi_columns


def _plugin_entropy(labels):
    _, counts = np.unique(labels, return_counts=True)
    return scipy.stats.entropy(counts)


# ---------------------------------------------------------------- references

@pytest.mark.parametrize("n, kx, ky", [(1, 1, 1), (10, 3, 2), (200, 5, 3), (5000, 40, 7),
                                       (3000, 3000, 4), (20000, 2, 2)])
def test_mutual_info_equals_sklearn(rng, n, kx, ky):
    x = rng.integers(0, kx, n)
    y = (x + rng.integers(0, ky, n)) % ky
    assert mutual_info(x, y) == pytest.approx(mutual_info_score(x, y), rel=1e-12, abs=1e-13)


def test_entropy_equals_scipy(rng):
    labels = rng.choice(["red", "green", "blue", "cyan"], p=[0.5, 0.25, 0.125, 0.125], size=999)
    assert estimate_entropy(labels) == pytest.approx(_plugin_entropy(labels), rel=1e-12)
    assert estimate_entropy(labels, base=2) == pytest.approx(
        scipy.stats.entropy(np.unique(labels, return_counts=True)[1], base=2), rel=1e-12)


def test_miller_madow_is_plugin_plus_its_correction(rng):
    labels = rng.integers(0, 30, 100)
    m = len(np.unique(labels))
    expected = _plugin_entropy(labels) + (m - 1) / (2 * 100)
    assert estimate_entropy(labels, method="miller_madow") == pytest.approx(expected, rel=1e-12)


def test_conditional_mutual_info_equals_entropy_formula(rng):
    z = rng.integers(0, 4, 2000)
    x = (z + rng.integers(0, 2, 2000)) % 5
    y = (x + z + rng.integers(0, 3, 2000)) % 6
    h = _plugin_entropy
    expected = (h(x * 10 + z) + h(y * 10 + z) - h((x * 10 + y) * 10 + z) - h(z))
    assert conditional_mutual_info(x, y, z) == pytest.approx(expected, rel=1e-12)


def test_xor_has_no_pairwise_but_full_conditional_information():
    x = np.array([0, 0, 1, 1] * 25)
    z = np.array([0, 1, 0, 1] * 25)
    y = x ^ z
    assert mutual_info(x, y) == pytest.approx(0.0, abs=1e-15)
    assert conditional_mutual_info(x, y, z, base=2) == pytest.approx(1.0, rel=1e-12)


def test_joint_variable_equals_combined_labels(rng):
    xy = rng.integers(0, 3, size=(500, 2))
    combined = [f"{a}-{b}" for a, b in xy]
    target = (xy[:, 0] ^ xy[:, 1]) % 2
    assert mutual_info(xy, target) == pytest.approx(mutual_info_score(combined, target),
                                                    rel=1e-12)
    assert estimate_entropy(xy) == pytest.approx(_plugin_entropy(combined), rel=1e-12)


# ---------------------------------------------------------------- properties

labels = st.lists(st.integers(0, 6), min_size=1, max_size=60)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_information_inequalities(data):
    x = np.array(data.draw(labels))
    n = len(x)
    y = np.array(data.draw(st.lists(st.integers(0, 4), min_size=n, max_size=n)))
    z = np.array(data.draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)))
    hx, hy = estimate_entropy(x), estimate_entropy(y)
    mi = mutual_info(x, y)
    assert mi >= 0.0
    assert mi == pytest.approx(mutual_info(y, x), abs=1e-12)
    assert mi <= min(hx, hy) + 1e-12
    assert mutual_info(x, x) == pytest.approx(hx, abs=1e-12)
    assert conditional_mutual_info(x, y, z) >= 0.0


@settings(max_examples=30, deadline=None)
@given(labels, st.sampled_from([2, 10, 0.5, 3.7]))
def test_base_rescales_by_log_base(values, base):
    x = np.array(values)
    y = x % 2
    assert estimate_entropy(x, base=base) * math.log(base) == pytest.approx(
        estimate_entropy(x), abs=1e-12)
    assert mutual_info(x, y, base=base) * math.log(base) == pytest.approx(
        mutual_info(x, y), abs=1e-12)


@pytest.mark.parametrize("method", DISCRETE_METHODS)
def test_constant_columns_give_zero_for_every_method(method):
    constant = np.full(50, 7)
    other = np.arange(50) % 3
    assert estimate_entropy(constant, method=method) == 0.0
    assert mutual_info(constant, other, method=method) == pytest.approx(0.0, abs=1e-12)
    assert conditional_mutual_info(other, other, constant, method=method) == pytest.approx(
        estimate_entropy(other, method=method), abs=1e-12)


def test_labels_of_any_type_give_the_same_numbers(rng):
    codes = rng.integers(0, 4, 300)
    names = np.array(["w", "x", "y", "z"])[codes]
    huge = codes.astype(np.int64) * 2**60 + 1
    target = rng.integers(0, 2, 300)
    expected = mutual_info(codes, target)
    for variant in (names, huge, pd.Categorical(names), pd.Series(names, dtype="string"),
                    list(names)):
        assert mutual_info(variant, target) == pytest.approx(expected, rel=1e-12)
    assert mutual_info(codes == 1, target) == pytest.approx(
        mutual_info_score(codes == 1, target), rel=1e-12)


# ---------------------------------------------------------------- missing data

def test_nan_policies():
    x = pd.Series(["a", "b", None, "a", "b", None, "a"], name="colour")
    y = np.array([0, 1, 1, 0, 1, 1, 0])
    with pytest.raises(ValueError, match="colour contains missing values"):
        mutual_info(x, y)
    kept = x.notna().to_numpy()
    assert mutual_info(x, y, nan_policy="omit") == pytest.approx(
        mutual_info_score(x[kept], y[kept]), rel=1e-12)
    assert mutual_info(x, y, nan_policy="as-category") == pytest.approx(
        mutual_info_score(x.fillna("missing"), y), rel=1e-12)


# ---------------------------------------------------------------- bad input

def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="base must be a positive number other than 1"):
        mutual_info([0, 1], [0, 1], base=1)
    with pytest.raises(ValueError, match="base must be a positive number other than 1"):
        estimate_entropy([0, 1], base=-2)
    with pytest.raises(ValueError, match="method must be one of"):
        estimate_entropy([0, 1], method="magic")
    with pytest.raises(ValueError, match="x and y have different numbers of samples"):
        mutual_info([0, 1, 2], [0, 1])
    with pytest.raises(ValueError, match="x is empty"):
        estimate_entropy([])
    with pytest.raises(ValueError, match="y contains missing values"):
        mutual_info([0, 1], [0.0, np.nan], discrete=True)
    with pytest.raises(ValueError, match="x contains infinite values"):
        estimate_entropy(np.array([0.0, np.inf]))
    with pytest.raises(ValueError, match="height is continuous"):
        mutual_info(pd.Series([1.5, 2.5], name="height"), [0, 1], method="plugin")


def test_float_labels_with_discrete_true():
    x = np.array([0.5, 1.5, 0.5, 1.5])
    assert mutual_info(x, [0, 1, 0, 1], discrete=True, base=2) == pytest.approx(1.0)


# ---------------------------------------------------------------- the batch path

def test_batch_path_equals_sklearn_loop(rng):
    X = rng.integers(0, 9, size=(3000, 7))
    y = (X[:, 0] + rng.integers(0, 3, 3000)) % 4
    expected = [mutual_info_score(X[:, j], y) for j in range(X.shape[1])]
    np.testing.assert_allclose(_discrete_mi_columns(X, y), expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(_discrete_mi_columns(np.asfortranarray(X), y), expected,
                               rtol=1e-12, atol=1e-14)


def test_batch_path_handles_codes_it_did_not_expect(rng):
    n = 9000  # more than one row block
    X = rng.integers(0, 4, size=(n, 4))
    X[8000, 1] = 2**40   # beyond the levels guessed from the first block
    X[7000, 2] = -3      # negative
    X[:, 3] = rng.integers(0, 5000, n)
    y = rng.integers(0, 3, n)
    expected = [mutual_info_score(X[:, j], y) for j in range(4)]
    np.testing.assert_allclose(_discrete_mi_columns(X, y), expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("method", ["miller_madow", "grassberger"])
def test_batch_path_agrees_with_pairwise_function(rng, method):
    X = rng.integers(0, 6, size=(400, 3))
    y = rng.integers(0, 3, 400)
    expected = [mutual_info(X[:, j], y, method=method) for j in range(3)]
    np.testing.assert_allclose(_discrete_mi_columns(X, y, method=method), expected, rtol=1e-10)


def test_results_are_float64_and_config_is_untouched(rng):
    before = jax.config.jax_enable_x64
    value = mutual_info(rng.integers(0, 3, 50), rng.integers(0, 3, 50))
    batch = _discrete_mi_columns(rng.integers(0, 3, size=(50, 2)), rng.integers(0, 3, 50))
    assert isinstance(value, float)
    assert batch.dtype == np.float64
    assert jax.config.jax_enable_x64 == before
