import jax
import numpy as np
import pandas as pd
import pytest


@pytest.fixture(autouse=True)
def strict_rank_promotion():
    """Catch silent broadcasting in tests only (scoped; the library never sets it)."""
    with jax.numpy_rank_promotion("raise"):
        yield


@pytest.fixture
def rng():
    return np.random.default_rng(20261125)


@pytest.fixture
def mixed_frame():
    """Small frame with every dtype the adapters accept, and some missing values."""
    return pd.DataFrame({
        "ints": np.array([3, 1, 3, 2, 1, 3], dtype=np.int64),
        "floats": [0.5, 1.5, 0.5, 2.5, 1.5, 0.5],
        "strings": pd.Series(["a", "b", "a", "c", "b", "a"], dtype="string"),
        "objects": np.array(["a", "b", "a", "c", "b", "a"], dtype=object),
        "category": pd.Categorical(["x", "y", "x", "z", "y", "x"]),
        "bools": [True, False, True, True, False, True],
        "nullable_int": pd.array([3, 1, 3, 2, 1, 3], dtype="Int64"),
        "nullable_bool": pd.array([True, False, True, True, False, True], dtype="boolean"),
        "nullable_float": pd.array([0.5, 1.5, 0.5, 2.5, 1.5, 0.5], dtype="Float64"),
    })
