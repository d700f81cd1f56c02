import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import mutual_info_score

from mifeatures import mutual_info_classif, mutual_info_matrix, rank_features
from mifeatures.datasets import load_penguins


def test_rank_features_orders_and_normalizes(rng):
    n = 800
    signal = rng.normal(size=n)
    frame = pd.DataFrame({
        "noise": rng.normal(size=n),
        "signal": signal,
        "group": np.where(signal > 0, "high", "low"),
        "target": (signal + 0.3 * rng.normal(size=n) > 0).astype(int),
    })
    ranking = rank_features(frame, "target", random_state=0)
    assert list(ranking.index)[-1] == "noise"
    assert ranking.index.name == "feature"
    assert ranking.loc["group", "kind"] == "discrete"
    assert ranking.loc["signal", "kind"] == "continuous"
    assert ranking["mi"].is_monotonic_decreasing
    h_target = mutual_info_score(frame["target"], frame["target"])
    assert ranking.loc["group", "normalized_mi"] == pytest.approx(
        ranking.loc["group", "mi"] / h_target, rel=1e-12)
    expected = mutual_info_classif(frame.drop(columns="target"), frame["target"],
                                   random_state=0)
    np.testing.assert_allclose(ranking.loc[["noise", "signal", "group"], "mi"], expected,
                               rtol=1e-12)


def test_linfoot_coefficient_is_rho_for_gaussians(rng):
    rho = 0.8
    xy = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=5000)
    ranking = rank_features(pd.DataFrame({"x": xy[:, 0]}), xy[:, 1], random_state=0)
    assert ranking.loc["x", "mi"] == pytest.approx(-0.5 * np.log(1 - rho**2), abs=0.05)
    assert ranking.loc["x", "normalized_mi"] == pytest.approx(rho, abs=0.03)


def test_rank_features_on_real_mixed_data():
    penguins = load_penguins().dropna()
    ranking = rank_features(penguins, "species", random_state=0)
    assert ranking.index[-1] in {"year", "sex"}
    assert set(ranking.index[:3]) & {"flipper_length_mm", "bill_length_mm", "island"}
    assert ranking["normalized_mi"].between(0, 1).all()


def test_mutual_info_matrix_is_symmetric_and_bounded(rng):
    n = 500
    a = rng.integers(0, 4, n)
    frame = pd.DataFrame({"a": a, "b": (a + rng.integers(0, 2, n)) % 4,
                          "c": rng.normal(size=n) + a, "d": rng.normal(size=n)})
    matrix = mutual_info_matrix(frame, random_state=0)
    np.testing.assert_allclose(matrix.to_numpy(), matrix.to_numpy().T, rtol=0, atol=0)
    assert matrix.loc["a", "a"] == pytest.approx(mutual_info_score(a, a), rel=1e-12)
    assert matrix.loc["a", "b"] == pytest.approx(mutual_info_score(a, frame["b"]), rel=1e-12)
    # Self-information bounds every discrete pair (sklearn#30772).
    assert matrix.loc["a", "b"] <= min(matrix.loc["a", "a"], matrix.loc["b", "b"]) + 1e-12
    assert matrix.loc["c", "a"] > matrix.loc["d", "a"]
    assert (matrix.to_numpy() >= -10).all() and np.isfinite(matrix.to_numpy()).all()


def test_rank_features_nan_policies(rng):
    n = 400
    colour = pd.Series(rng.choice(["red", "blue", "green"], size=n), dtype=object)
    y = (colour == "red").astype(int) ^ (rng.random(n) < 0.2)
    colour[rng.random(n) < 0.1] = None
    size = pd.Series(rng.normal(size=n) + y)
    size[:7] = np.nan
    frame = pd.DataFrame({"colour": colour, "size": size, "y": y})
    with pytest.raises(ValueError, match="(size|colour) contains missing values"):
        rank_features(frame, "y")
    kept = colour.notna().to_numpy()
    omitted = rank_features(frame, "y", nan_policy="omit", random_state=0)
    assert omitted.loc["colour", "mi"] == pytest.approx(
        mutual_info_score(colour[kept], y[kept]), rel=1e-12)
    as_level = rank_features(frame, "y", nan_policy="as-category", random_state=0)
    assert as_level.loc["colour", "mi"] == pytest.approx(
        mutual_info_score(colour.fillna("none"), y), rel=1e-12)
    assert as_level.loc["size", "mi"] == pytest.approx(omitted.loc["size", "mi"], rel=1e-12)
    assert omitted.loc["size", "mi"] > 0.1


def test_float_target_declared_discrete_is_normalized_by_its_plugin_entropy(rng):
    from scipy.stats import entropy as scipy_entropy

    X = rng.integers(0, 3, size=(500, 2))
    y = (X[:, 0] + rng.integers(0, 2, 500)).astype(float)
    ranking = rank_features(pd.DataFrame(X, columns=["a", "b"]), y,
                                discrete_target=True, random_state=0)
    h_y = scipy_entropy(np.unique(y, return_counts=True)[1])
    assert ranking.loc["a", "normalized_mi"] == pytest.approx(
        mutual_info_score(X[:, 0], y) / h_y, rel=1e-10)
