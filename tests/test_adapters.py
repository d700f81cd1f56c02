import numpy as np
import pandas as pd
import pytest

from mifeatures import _adapters


def _partition(codes):
    """The grouping of rows that codes induce, independent of the code values."""
    return sorted(tuple(np.flatnonzero(codes == c)) for c in np.unique(codes))


def test_every_dtype_gives_the_same_partition(mixed_frame):
    three_levels = _partition(np.array([0, 1, 0, 2, 1, 0]))
    two_levels = _partition(np.array([0, 1, 0, 0, 1, 0]))
    for name in mixed_frame.columns:
        (variable,) = _adapters.encode_discrete({"x": mixed_frame[name]})
        expected = two_levels if "bool" in name else three_levels
        assert _partition(variable.codes) == expected, name
        assert variable.codes.min() >= 0 and variable.codes.max() < variable.n_levels
        assert variable.name == name


def test_small_integer_codes_are_used_without_copy():
    x = np.array([0, 3, 2, 3, 1], dtype=np.int16)
    codes, n_levels = _adapters.encode_column(x, "x")
    assert codes is x
    assert n_levels == 4


def test_huge_and_negative_integers_are_reencoded():
    x = np.array([2**62, -5, 2**62, 7, -5], dtype=np.int64)
    codes, n_levels = _adapters.encode_column(x, "x")
    assert n_levels == 3
    assert _partition(codes) == _partition(np.array([0, 1, 0, 2, 1]))


def test_two_dimensional_input_is_one_joint_variable():
    x = np.array([[0, 0], [0, 1], [1, 0], [0, 1], [1, 0]])
    (variable,) = _adapters.encode_discrete({"x": x})
    assert _partition(variable.codes) == _partition(np.array([0, 1, 2, 1, 2]))
    assert variable.name == "x"


def test_joint_codes_are_compacted_past_the_limit(rng, monkeypatch):
    monkeypatch.setattr(_adapters, "JOINT_LEVELS_LIMIT", 50)
    a = rng.integers(0, 20, 300)
    b = rng.integers(0, 20, 300)
    joint, n_levels = _adapters.combine_codes([a, b], [20, 20])
    expected = a * 20 + b
    assert n_levels == len(np.unique(expected))
    assert _partition(joint) == _partition(expected)


@pytest.mark.parametrize("missing", [np.nan, None, pd.NA])
def test_missing_values_raise_naming_the_column(missing):
    frame = pd.DataFrame({"clean": ["a", "b", "c"], "holey": ["a", missing, "c"]})
    with pytest.raises(ValueError, match="holey contains missing values"):
        _adapters.encode_discrete({"x": frame})


def test_omit_drops_rows_missing_in_any_variable():
    x = pd.Series([1, 2, None, 1, 2], dtype="Int64", name="x")
    y = np.array(["a", "b", "a", np.nan, "b"], dtype=object)
    vx, vy = _adapters.encode_discrete({"x": x, "y": y}, nan_policy="omit")
    assert vx.codes.shape == vy.codes.shape == (3,)
    assert _partition(vx.codes) == _partition(np.array([0, 1, 1]))


def test_as_category_makes_missing_its_own_level():
    x = pd.Categorical(["a", None, "a", None, "b"])
    (variable,) = _adapters.encode_discrete({"x": x}, nan_policy="as-category")
    assert _partition(variable.codes) == _partition(np.array([0, 1, 0, 1, 2]))
    assert variable.n_levels == 3


def test_infinite_values_raise():
    with pytest.raises(ValueError, match="x contains infinite values"):
        _adapters.encode_discrete({"x": np.array([1.0, np.inf])})


def test_mismatched_lengths_name_both_arguments():
    with pytest.raises(ValueError, match="x and y have different numbers of samples: 3 and 2"):
        _adapters.encode_discrete({"x": [1, 2, 3], "y": [1, 2]})


@pytest.mark.parametrize("empty", [[], np.array([]), pd.Series([], dtype=float)])
def test_empty_input_raises(empty):
    with pytest.raises(ValueError, match="empty"):
        _adapters.encode_discrete({"x": empty})


def test_unhashable_cells_raise_type_error():
    x = np.empty(3, dtype=object)
    x[:] = [{"a": 1}, {"b": 2}, {"a": 1}]
    with pytest.raises(TypeError, match="x holds values that cannot be used as categories"):
        _adapters.encode_discrete({"x": x})


def test_bad_nan_policy_and_shapes():
    with pytest.raises(ValueError, match="nan_policy must be one of"):
        _adapters.encode_discrete({"x": [1]}, nan_policy="drop")
    with pytest.raises(ValueError, match="1-D or 2-D"):
        _adapters.encode_discrete({"x": np.zeros((2, 2, 2))})
    with pytest.raises(TypeError, match="array-like"):
        _adapters.encode_discrete({"x": "abc"})


def test_inputs_are_not_modified(mixed_frame):
    frame = mixed_frame.assign(holes=[1.0, np.nan, 2.0, 1.0, np.nan, 2.0])
    before = frame.copy(deep=True)
    array = np.array([5, 1, 5, 9], dtype=np.int64)
    array_before = array.copy()
    _adapters.encode_discrete({"x": frame}, nan_policy="as-category")
    _adapters.encode_discrete({"x": frame, "y": array[:1].repeat(6)}, nan_policy="omit")
    _adapters.encode_discrete({"x": array})
    pd.testing.assert_frame_equal(frame, before)
    np.testing.assert_array_equal(array, array_before)


def test_dtype_rule_for_continuity(mixed_frame):
    continuous = {name for name in mixed_frame.columns
                  if _adapters.is_continuous(mixed_frame[name])}
    assert continuous == {"floats", "nullable_float"}
