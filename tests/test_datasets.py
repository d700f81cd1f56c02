"""Bundled data match their README; synthetic generators hold their ground truth.

The truths are checked against independent computations: NumPy algebra,
closed forms, scipy entropies and scikit-learn's clustering metrics.
"""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import entropy
from sklearn import metrics as skm
from sklearn.feature_selection import mutual_info_regression

from mifeatures import mutual_info, rank_features
from mifeatures.datasets import (
    load_credit,
    load_penguins,
    make_clusterings,
    make_correlated_gaussians,
    make_madelon_like,
    make_xor,
)


def test_penguins_match_their_readme():
    frame = load_penguins()
    assert frame.shape == (344, 8)
    assert frame["sex"].isna().sum() == 11
    assert frame[["bill_length_mm", "body_mass_g"]].isna().sum().tolist() == [2, 2]
    assert isinstance(frame["species"].dtype, pd.CategoricalDtype)
    assert set(frame["species"].cat.categories) == {"Adelie", "Chinstrap", "Gentoo"}


def test_penguins_ground_truth():
    frame = load_penguins()
    island = mutual_info(frame["island"], frame["species"], base=2)
    year = mutual_info(frame["year"], frame["species"], base=2)
    assert island > 0.5 > 0.05 > year


def test_credit_matches_its_readme():
    frame = load_credit()
    assert frame.shape == (4454, 14)
    missing = frame.isna().sum()
    assert missing[missing > 0].to_dict() == {"Home": 6, "Marital": 1, "Job": 2,
                                              "Income": 381, "Assets": 47, "Debt": 18}
    categorical = [c for c in frame if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    assert categorical == ["Status", "Home", "Marital", "Records", "Job"]
    assert all(frame[c].dtype == np.float64 for c in frame if c not in categorical)
    assert frame["Status"].value_counts().to_dict() == {"good": 3200, "bad": 1254}


def test_credit_ground_truth():
    frame = load_credit()
    assert (frame["Amount"] <= frame["Price"]).all()
    bad_rate = (frame["Status"] == "bad").groupby(frame["Records"], observed=True).mean()
    assert 2.0 < bad_rate["yes"] / bad_rate["no"] < 3.0
    # Previous records tell more about the outcome than marital status does.
    pairs = {c: frame[[c, "Status"]].dropna() for c in ("Records", "Marital")}
    sk = {c: skm.mutual_info_score(p[c], p["Status"]) for c, p in pairs.items()}
    ours = {c: mutual_info(frame[c], frame["Status"], nan_policy="omit") for c in pairs}
    assert ours == pytest.approx(sk, rel=1e-10)
    assert ours["Records"] > 3 * ours["Marital"]


def test_madelon_like_roles_hold_by_construction():
    X, y, roles = make_madelon_like(300, n_informative=4, n_redundant=3, n_repeated=2,
                                    n_noise=6, n_classes=3, random_state=0)
    assert X.shape == (300, 15) and list(roles.index) == list(X.columns)
    assert roles.value_counts().to_dict() == {"noise": 6, "informative": 4, "redundant": 3,
                                              "repeated": 2}
    assert np.bincount(y).tolist() == [100, 100, 100]
    informative = X.loc[:, roles == "informative"].to_numpy()
    redundant = X.loc[:, roles == "redundant"].to_numpy()
    coefficients, *_ = np.linalg.lstsq(informative, redundant, rcond=None)
    np.testing.assert_allclose(informative @ coefficients, redundant, atol=1e-10)
    useful = X.loc[:, roles.isin(["informative", "redundant"])]
    for name in roles.index[roles == "repeated"]:
        assert any(np.array_equal(X[name], useful[other]) for other in useful)
    # Every informative column separates the classes: its class means differ.
    class_means = X.loc[:, roles == "informative"].groupby(y).mean()
    assert (class_means.max() - class_means.min() > 1.0).all()


def test_madelon_like_informative_columns_rank_above_noise():
    # Three classes and about 300 rows, as the penguins: the CLI tests reuse the compiled kernel.
    X, y, roles = make_madelon_like(300, n_classes=3, random_state=1)
    ranking = rank_features(X, y, random_state=0)
    role_in_order = roles[ranking.index]
    worst_informative = np.flatnonzero(role_in_order == "informative").max()
    best_noise = np.flatnonzero(role_in_order == "noise").min()
    assert worst_informative < best_noise


def test_madelon_like_order_without_shuffle_and_reproducibility():
    X, y, roles = make_madelon_like(50, n_informative=2, n_redundant=1, n_repeated=1,
                                    n_noise=1, shuffle=False, random_state=3)
    assert roles.tolist() == ["informative", "informative", "redundant", "repeated", "noise"]
    again = make_madelon_like(50, n_informative=2, n_redundant=1, n_repeated=1, n_noise=1,
                              shuffle=False, random_state=np.random.RandomState(3))
    pd.testing.assert_frame_equal(X, again[0])
    pd.testing.assert_series_equal(y, again[1])
    other = make_madelon_like(50, n_informative=2, n_redundant=1, n_repeated=1, n_noise=1,
                              shuffle=False, random_state=4)[0]
    assert not X.equals(other)


def test_xor_parity_pair_is_invisible_alone_and_determines_y_together():
    X, y, roles = make_xor(2000, n_noise=3, random_state=0)
    parity = roles.index[roles == "parity"]
    assert len(parity) == 2 and X.dtypes.eq(np.int64).all()
    np.testing.assert_array_equal(y, X[parity[0]] ^ X[parity[1]])
    for name in X.columns:  # population MI 0; the sample's plug-in bias is about 1/(2n)
        assert skm.mutual_info_score(X[name], y) < 0.005
    joint = mutual_info(X[parity], y)
    assert joint == pytest.approx(entropy(np.bincount(y)), rel=1e-12)
    assert joint == pytest.approx(np.log(2), abs=0.005)
    noise_pair = roles.index[roles == "noise"][:2]
    assert mutual_info(X[noise_pair], y) < 0.01


def test_xor_with_three_parity_bits_hides_every_pair():
    X, y, roles = make_xor(4000, n_parity=3, n_noise=0, shuffle=False, random_state=0)
    np.testing.assert_array_equal(y, X.sum(axis=1) % 2)
    assert mutual_info(X[["b00", "b01"]], y) < 0.005
    assert mutual_info(X, y) == pytest.approx(np.log(2), abs=0.005)


def test_correlated_gaussians_exact_mi_is_the_closed_form():
    rho = np.array([0.95, 0.6, -0.4, 0.0])
    X, y, mi = make_correlated_gaussians(20000, rho, random_state=0)
    np.testing.assert_allclose(mi, -0.5 * np.log1p(-rho**2), rtol=1e-12, atol=1e-15)
    bits = make_correlated_gaussians(10, rho, base=2, random_state=0)[2]
    np.testing.assert_allclose(bits, mi / np.log(2), rtol=1e-12)
    sample = np.corrcoef(np.column_stack([X, y]), rowvar=False)
    np.testing.assert_allclose(sample[:-1, -1], rho, atol=0.02)
    np.testing.assert_allclose(sample[0, 1], rho[0] * rho[1], atol=0.02)


def test_correlated_gaussians_truth_agrees_with_sklearn_ksg():
    X, y, mi = make_correlated_gaussians(1000, [0.9, 0.7, 0.4, 0.0], random_state=0)
    estimate = mutual_info_regression(X, y, random_state=0)
    np.testing.assert_allclose(estimate, mi, atol=0.08)


# Compiling the KSG kernel costs about 12 s of CPU in a fresh process; the kernel equals
# scikit-learn's KSG (tests/test_continuous.py), which the default run checks above.
@pytest.mark.slow
def test_correlated_gaussians_ksg_estimate_is_close_to_the_truth():
    X, y, mi = make_correlated_gaussians(1000, [0.9, 0.7, 0.4, 0.0], random_state=0)
    ranking = rank_features(X, y, random_state=0)
    assert list(ranking.index) == list(mi.sort_values(ascending=False).index)
    np.testing.assert_allclose(ranking["mi"][mi.index], mi, atol=0.08)
    # Linfoot's coefficient recovers |rho| for Gaussians (it is steep near 0: skip rho = 0).
    np.testing.assert_allclose(ranking["normalized_mi"][mi.index[:3]], [0.9, 0.7, 0.4],
                               atol=0.06)


def _vi(a, b):
    h = entropy(np.unique(a, return_counts=True)[1]) + entropy(np.unique(b, return_counts=True)[1])
    return h - 2 * skm.mutual_info_score(a, b)


def test_clusterings_truth_matches_sklearn_on_the_sample():
    labels, truth = make_clusterings(600, 4, random_state=0)
    reference = labels["reference"]
    assert np.bincount(reference).tolist() == [150] * 4
    assert (labels["permuted"] != reference).all()
    for name in ("identical", "permuted", "merged", "split"):
        row = truth.loc[name]
        assert skm.mutual_info_score(reference, labels[name]) == pytest.approx(row.mi, rel=1e-12)
        nmi = skm.normalized_mutual_info_score(reference, labels[name])
        assert nmi == pytest.approx(row.nmi, rel=1e-12)
        assert _vi(reference, labels[name]) == pytest.approx(row.vi, abs=1e-12)
    for name in ("identical", "permuted"):
        assert skm.adjusted_mutual_info_score(reference, labels[name]) == pytest.approx(1.0)
    assert truth.loc["merged", "vi"] == pytest.approx(0.5 * np.log(2), rel=1e-12)
    assert truth.loc["split", "vi"] == pytest.approx(np.log(2), rel=1e-12)
    assert abs(skm.adjusted_mutual_info_score(reference, labels["independent"])) < 0.02
    assert skm.mutual_info_score(reference, labels["independent"]) < 0.03


def test_clusterings_truth_in_bits():
    nats = make_clusterings(60, 3, random_state=0)[1]
    bits = make_clusterings(60, 3, base=2, random_state=0)[1]
    np.testing.assert_allclose(bits[["mi", "vi"]], nats[["mi", "vi"]] / np.log(2))
    pd.testing.assert_series_equal(bits["nmi"], nats["nmi"])


@pytest.mark.parametrize("call, message", [
    (lambda: make_madelon_like(0), "n_samples"),
    (lambda: make_madelon_like(10, n_informative=0), "n_informative"),
    (lambda: make_madelon_like(10, n_classes=1), "n_classes"),
    (lambda: make_madelon_like(10, n_noise=2.5), "n_noise"),
    (lambda: make_madelon_like(10, class_sep=np.inf), "class_sep"),
    (lambda: make_xor(10, n_parity=0), "n_parity"),
    (lambda: make_correlated_gaussians(10, [0.5, 1.0]), "correlations"),
    (lambda: make_correlated_gaussians(10, []), "correlations"),
    (lambda: make_clusterings(10, 3), "multiple of 2 \\* n_clusters"),
    (lambda: make_clusterings(12, 2), "n_clusters"),
])
def test_generators_reject_bad_parameters(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.slow
def test_credit_ranks_with_missing_values():
    frame = load_credit()
    ranking = rank_features(frame, "Status", nan_policy="omit", random_state=0)
    assert len(ranking) == 13 and ranking["mi"].between(0, 0.05).all()  # README
    pair = frame[["Job", "Status"]].dropna()
    assert ranking.loc["Job", "mi"] == pytest.approx(
        skm.mutual_info_score(pair["Job"], pair["Status"]), rel=1e-10)
