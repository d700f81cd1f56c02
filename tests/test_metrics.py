"""Clustering metrics (issue 3): scikit-learn's numbers, VI's properties, bad input."""

import math
import pathlib
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse
import scipy.stats
import sklearn.metrics as skm
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics.cluster._expected_mutual_info_fast import expected_mutual_information

import mifeatures
from mifeatures import _emi, _labelings, metrics
from mifeatures.kernels import clustering
from mifeatures.metrics import (
    adjusted_mutual_info_score,
    contingency_matrix,
    mutual_info_score,
    normalized_mutual_info_score,
    normalized_variation_of_information,
    pairwise_scores,
    variation_of_information,
)

AVERAGES = ("min", "geometric", "arithmetic", "max")
ROOT = pathlib.Path(__file__).resolve().parent.parent


def _random_pair(rng, n, k_true, k_pred, dependence=0.5):
    """Two labelings with k_true and k_pred clusters, partly dependent."""
    u = rng.integers(0, k_true, n)
    v = rng.integers(0, k_pred, n)
    copy = rng.random(n) < dependence
    v[copy] = u[copy] % k_pred
    return u, v


def _entropy(labels):
    return scipy.stats.entropy(np.unique(labels, return_counts=True)[1])


def _assert_same_as_sklearn(u, v, averages=AVERAGES):
    assert mutual_info_score(u, v) == pytest.approx(skm.mutual_info_score(u, v),
                                                    rel=1e-10, abs=1e-12)
    for average in averages:
        ours = normalized_mutual_info_score(u, v, average_method=average)
        theirs = skm.normalized_mutual_info_score(u, v, average_method=average)
        assert ours == pytest.approx(theirs, rel=1e-10, abs=1e-12), average
        ours = adjusted_mutual_info_score(u, v, average_method=average)
        theirs = skm.adjusted_mutual_info_score(u, v, average_method=average)
        assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-10), average


# ------------------------------------------------------------- scikit-learn

@pytest.mark.parametrize("n, k_true, k_pred", [
    (1, 1, 1), (2, 2, 1), (10, 3, 2), (200, 10, 10), (500, 1, 7), (1000, 50, 3),
    (2000, 300, 300), (5000, 1000, 2), (20_000, 7, 40),
])
def test_matches_sklearn_on_random_labelings(rng, n, k_true, k_pred):
    _assert_same_as_sklearn(*_random_pair(rng, n, k_true, k_pred))


@pytest.mark.parametrize("n, k", [(100_000, 10), (100_000, 100), (100_000, 1000)])
def test_matches_sklearn_at_100k(rng, n, k):
    u, v = _random_pair(rng, n, k, k, dependence=0.3)
    _assert_same_as_sklearn(u, v, averages=("arithmetic",) if k == 1000 else AVERAGES)


@pytest.mark.slow
@pytest.mark.parametrize("k", [10, 100, 1000])
def test_matches_sklearn_at_1m(rng, k):
    _assert_same_as_sklearn(*_random_pair(rng, 1_000_000, k, k), averages=("arithmetic",))


def test_expected_mutual_info_equals_sklearn(rng):
    for n, k_true, k_pred in [(50, 5, 5), (1000, 40, 3), (5000, 200, 150), (3000, 2, 2)]:
        u, v = _random_pair(rng, n, k_true, k_pred)
        table = skm.cluster.contingency_matrix(u, v)
        expected = expected_mutual_information(table, n)
        sizes = [table.sum(1), table.sum(0)]
        a, b, weight, group = _emi.size_pairs(sizes, (np.array([0]), np.array([1])))
        (ours,) = _emi.expected_mutual_info(a, b, weight, group, n, 1)
        assert ours == pytest.approx(expected, rel=1e-9)


def test_expected_mutual_info_on_skewed_sizes_equals_sklearn():
    # One huge cluster and many tiny ones: wide and narrow hypergeometric windows.
    u = np.repeat(np.arange(30), [3000] + [1] * 9 + [40] * 20)
    v = np.tile(np.arange(7), len(u) // 7 + 1)[: len(u)]
    table = skm.cluster.contingency_matrix(u, v)
    sizes = [table.sum(1), table.sum(0)]
    a, b, weight, group = _emi.size_pairs(sizes, (np.array([0]), np.array([1])))
    (ours,) = _emi.expected_mutual_info(a, b, weight, group, len(u), 1)
    assert ours == pytest.approx(expected_mutual_information(table, len(u)), rel=1e-9)


def test_truncated_hypergeometric_sums_lose_nothing(rng, monkeypatch):
    u, v = _random_pair(rng, 4000, 60, 5)
    a, b, weight, group = _emi.size_pairs(
        [np.bincount(u), np.bincount(v)], (np.array([0]), np.array([1])))
    (truncated,) = _emi.expected_mutual_info(a, b, weight, group, 4000, 1)
    monkeypatch.setattr(_emi, "WINDOW_SD", 1e9)
    (full,) = _emi.expected_mutual_info(a, b, weight, group, 4000, 1)
    assert truncated == pytest.approx(full, rel=1e-13)


def test_emi_is_chunked_without_changing_the_sum(rng, monkeypatch):
    u, v = _random_pair(rng, 3000, 80, 70)
    expected = adjusted_mutual_info_score(u, v)
    monkeypatch.setattr(_emi, "CHUNK_TERMS", 100)
    assert adjusted_mutual_info_score(u, v) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("u, v", [
    ([0, 0, 0], [1, 1, 1]),                      # both one cluster: NMI = AMI = 1
    ([0, 0, 0, 0], [0, 1, 2, 3]),                # one cluster against all distinct
    ([0, 1, 2, 3], [0, 0, 0, 0]),
    ([0, 1, 2, 3], [3, 2, 1, 0]),                # all distinct, renamed
    ([0, 0, 1, 1], [0, 1, 0, 1]),                # independent: MI = 0, NMI = 0
    ([0, 0, 1, 1], [1, 1, 0, 0]),                # identical up to names
    ([5, 5, 7, 7, 7], ["b", "b", "a", "a", "a"]),
    ([0], [0]),                                  # one sample
    ([1, 2], [1, 1]),
])
def test_sklearn_edge_cases(u, v):
    _assert_same_as_sklearn(np.asarray(u), np.asarray(v))


def test_identical_and_single_cluster_values_are_exact():
    assert normalized_mutual_info_score([0, 0, 0], [1, 1, 1]) == 1.0
    assert adjusted_mutual_info_score([0, 0, 0], [1, 1, 1]) == 1.0
    assert normalized_mutual_info_score([0, 0, 1, 1], [0, 1, 0, 1]) == 0.0
    assert normalized_mutual_info_score([0, 0, 0, 0], [0, 1, 2, 3]) == 0.0
    assert adjusted_mutual_info_score([0, 0, 0, 0], [0, 1, 2, 3]) == 0.0
    assert mutual_info_score([3, 3, 3], [0, 1, 2]) == 0.0
    assert adjusted_mutual_info_score([0, 0, 1, 1], [1, 1, 0, 0]) == 1.0


def test_permuted_label_names_change_nothing(rng):
    u, v = _random_pair(rng, 3000, 30, 12)
    renamed = rng.permutation(30)[u] * 7 + 1000
    for f in (mutual_info_score, normalized_mutual_info_score, adjusted_mutual_info_score,
              variation_of_information, normalized_variation_of_information):
        assert f(renamed, v) == pytest.approx(f(u, v), rel=1e-12, abs=1e-15)


# ------------------------------------------------------------ label types

def test_any_hashable_labels(rng):
    u, v = _random_pair(rng, 600, 5, 4)
    names = np.array(["ant", "bee", "cat", "dog", "eel"], dtype=object)
    expected = skm.normalized_mutual_info_score(u, v)
    variants = [
        (names[u], v),
        (list(names[u]), list(v)),
        (pd.Series(names[u], dtype="string"), pd.Series(v)),
        (pd.Series(pd.Categorical(names[u], categories=[*names, "unused"])), v),
        (pd.array(u, dtype="Int64"), v.astype(np.uint8)),
        (u.astype(float), v * 10**12 - 5),          # integral floats and large ints
        (u - 3, tuple(v)),                          # negative labels
    ]
    for labels_true, labels_pred in variants:
        assert normalized_mutual_info_score(labels_true, labels_pred) == pytest.approx(
            expected, rel=1e-12)


def test_bool_labels(rng):
    u = rng.random(500) < 0.3
    v = rng.integers(0, 3, 500)
    assert mutual_info_score(u, v) == pytest.approx(skm.mutual_info_score(u, v), rel=1e-12)
    assert adjusted_mutual_info_score(pd.Series(u), v) == pytest.approx(
        skm.adjusted_mutual_info_score(u, v), rel=1e-9, abs=1e-12)


def test_continuous_labels_warn_as_sklearn_does(rng):
    u = rng.random(50).round(1)
    v = rng.integers(0, 3, 50)
    with pytest.warns(UserWarning, match="labels_true holds continuous"):
        ours = normalized_mutual_info_score(u, v)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        assert ours == pytest.approx(skm.normalized_mutual_info_score(u, v), rel=1e-12)
    with pytest.warns(UserWarning, match="labelings\\[1\\] holds continuous"):
        pairwise_scores([v, u])


# ------------------------------------------------------ variation of information

def test_vi_is_entropies_minus_twice_mi(rng):
    for n, k_true, k_pred in [(50, 3, 4), (2000, 40, 9), (10_000, 300, 2)]:
        u, v = _random_pair(rng, n, k_true, k_pred)
        expected = _entropy(u) + _entropy(v) - 2 * skm.mutual_info_score(u, v)
        assert variation_of_information(u, v) == pytest.approx(expected, rel=1e-10, abs=1e-12)
        assert variation_of_information(u, v, base=2) == pytest.approx(
            expected / math.log(2), rel=1e-10, abs=1e-12)
        joint = _entropy(u * k_pred + v)
        assert normalized_variation_of_information(u, v) == pytest.approx(
            expected / joint, rel=1e-10, abs=1e-12)
        assert normalized_variation_of_information(u, v, normalization="log_n") == (
            pytest.approx(expected / math.log(n), rel=1e-10, abs=1e-12))


def test_mi_base_rescales(rng):
    u, v = _random_pair(rng, 400, 6, 6)
    assert mutual_info_score(u, v, base=2) == pytest.approx(
        mutual_info_score(u, v) / math.log(2), rel=1e-12)
    assert mutual_info_score(u, v, base=10) == pytest.approx(
        mutual_info_score(u, v) / math.log(10), rel=1e-12)


labelings = st.integers(1, 40).flatmap(
    lambda n: st.tuples(*[st.lists(st.integers(0, 6), min_size=n, max_size=n)] * 3))


@settings(max_examples=150, deadline=None)
@given(labelings)
def test_vi_is_a_metric(triple):
    u, v, w = triple
    vi = variation_of_information
    assert vi(u, w) <= vi(u, v) + vi(v, w) + 1e-12
    assert vi(u, v) == pytest.approx(vi(v, u), abs=1e-14)
    assert vi(u, v) >= 0.0
    for normalization in ("joint", "log_n"):
        nvi = normalized_variation_of_information(u, v, normalization=normalization)
        assert 0.0 <= nvi <= 1.0
    # the joint normalisation keeps the triangle inequality (Kraskov et al. 2005)
    nvi = normalized_variation_of_information
    assert nvi(u, w) <= nvi(u, v) + nvi(v, w) + 1e-12


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 5), min_size=1, max_size=40), st.permutations(range(6)))
def test_identical_partitions_have_zero_distance(u, names):
    renamed = [names[x] for x in u]
    assert variation_of_information(u, renamed) == 0.0
    assert normalized_variation_of_information(u, renamed) == 0.0
    assert normalized_variation_of_information(u, u, normalization="log_n") == 0.0
    assert normalized_mutual_info_score(u, renamed) == pytest.approx(1.0, abs=1e-12)


@settings(max_examples=150, deadline=None)
@given(labelings)
def test_scores_are_bounded_and_symmetric(triple):
    u, v, _ = triple
    for average in AVERAGES:
        nmi = normalized_mutual_info_score(u, v, average_method=average)
        assert 0.0 <= nmi <= 1.0
        assert nmi == pytest.approx(normalized_mutual_info_score(v, u, average_method=average),
                                    abs=1e-12)
        assert adjusted_mutual_info_score(u, v, average_method=average) <= 1.0 + 1e-12
    assert mutual_info_score(u, v) == pytest.approx(mutual_info_score(v, u), abs=1e-14)
    assert mutual_info_score(u, v) >= 0.0
    assert mutual_info_score(u, u) == pytest.approx(_entropy(u), abs=1e-12)


# ----------------------------------------------------------- pairwise_scores

def _by_pairs(columns, function, **options):
    m = len(columns)
    return np.array([[function(columns[i], columns[j], **options) for j in range(m)]
                     for i in range(m)])


@pytest.mark.parametrize("metric, function, options", [
    ("mi", mutual_info_score, {}),
    ("mi", mutual_info_score, {"base": 2}),
    ("nmi", normalized_mutual_info_score, {}),
    ("nmi", normalized_mutual_info_score, {"average_method": "min"}),
    ("ami", adjusted_mutual_info_score, {"average_method": "geometric"}),
    ("vi", variation_of_information, {}),
    ("nvi", normalized_variation_of_information, {"normalization": "log_n"}),
    ("nvi", normalized_variation_of_information, {}),
])
def test_pairwise_scores_equal_the_scalar_functions(rng, metric, function, options):
    n = 700
    base = rng.integers(0, 8, n)
    columns = {
        "k8": base,
        "k8_noisy": np.where(rng.random(n) < 0.2, rng.integers(0, 8, n), base),
        "k400": rng.integers(0, 400, n),             # sparse tables: the sorting path
        "k1": np.zeros(n, dtype=int),
        "strings": np.array(["x", "y", "z"])[base % 3],
        "k8_renamed": (base + 3) % 8,
    }
    frame = pd.DataFrame(columns)
    scores = pairwise_scores(frame, metric, **options)
    assert list(scores.index) == list(frame.columns) == list(scores.columns)
    expected = _by_pairs(list(columns.values()), function, **options)
    np.testing.assert_allclose(scores.to_numpy(), expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(scores.to_numpy(), scores.to_numpy().T)


def test_pairwise_scores_in_many_chunks_equal_one_chunk(rng, monkeypatch):
    columns = [rng.integers(0, k, 300) for k in (2, 5, 300, 9, 250, 40)]
    expected = pairwise_scores(columns, "ami")
    monkeypatch.setattr(_labelings, "CHUNK_WORK", 500)
    pd.testing.assert_frame_equal(pairwise_scores(columns, "ami"), expected, rtol=1e-12)


def test_pairwise_scores_containers(rng):
    a, b = rng.integers(0, 3, 50), rng.integers(0, 4, 50)
    expected = normalized_mutual_info_score(a, b)
    by_dict = pairwise_scores({"a": a, "b": b})
    assert list(by_dict.columns) == ["a", "b"]
    assert by_dict.loc["a", "b"] == pytest.approx(expected, rel=1e-12)
    by_series = pairwise_scores([pd.Series(a, name="run1"), pd.Series(b, name="run2")])
    assert list(by_series.columns) == ["run1", "run2"]
    by_list = pairwise_scores([a, b])
    assert list(by_list.columns) == [0, 1]
    by_array = pairwise_scores(np.column_stack([a, b]))
    assert by_array.loc[0, 1] == pytest.approx(expected, rel=1e-12)
    assert pairwise_scores([a]).shape == (1, 1)


# ------------------------------------------------------------ contingency

@pytest.mark.parametrize("u, v", [
    ([0, 0, 1, 1, 2, 2], [1, 0, 2, 1, 0, 2]),
    (["b", "a", "a", "c"], [10, 3, 3, -1]),
    (np.array([True, False, True]), np.array([2.5, 2.5, 0.5])),
])
def test_contingency_matrix_equals_sklearn(u, v):
    expected = skm.cluster.contingency_matrix(u, v)
    np.testing.assert_array_equal(contingency_matrix(u, v), expected)
    sparse = contingency_matrix(u, v, sparse=True)
    assert isinstance(sparse, scipy.sparse.csr_matrix)
    np.testing.assert_array_equal(sparse.toarray(), expected)


def test_contingency_matrix_of_series_is_a_labelled_frame():
    u = pd.Series(pd.Categorical(["x", "y", "x"], categories=["z", "y", "x"]), name="true")
    v = pd.Series([2, 1, 1], name="pred")
    table = contingency_matrix(u, v)
    assert list(table.index) == ["x", "y"] and list(table.columns) == [1, 2]
    assert table.index.name == "true" and table.columns.name == "pred"
    np.testing.assert_array_equal(table.to_numpy(), [[1, 1], [1, 0]])


def test_mutual_info_from_a_given_contingency_table(rng):
    u, v = _random_pair(rng, 900, 12, 7)
    table = skm.cluster.contingency_matrix(u, v)
    expected = skm.mutual_info_score(u, v)
    assert mutual_info_score(None, None, contingency=table) == pytest.approx(expected, rel=1e-12)
    sparse = scipy.sparse.csr_matrix(table)
    assert mutual_info_score(u, v, contingency=sparse) == pytest.approx(expected, rel=1e-12)
    duplicated = scipy.sparse.coo_matrix(([2, 3, 4], ([0, 0, 1], [0, 0, 1])))
    assert mutual_info_score(None, None, contingency=duplicated) == pytest.approx(
        skm.mutual_info_score(None, None, contingency=[[5, 0], [0, 4]]), rel=1e-12)
    assert mutual_info_score(None, None, contingency=[[5, 0, 2]]) == 0.0
    assert mutual_info_score(None, None, contingency=table.astype(float), base=2) == (
        pytest.approx(expected / math.log(2), rel=1e-12))


# -------------------------------------------------------------- bad input

@pytest.mark.parametrize("call, error, match", [
    (lambda: mutual_info_score([1, 2, 3], [1, 2, 3, 4]), ValueError,
     "labels_true and labels_pred have different numbers of samples: 3 and 4"),
    (lambda: normalized_mutual_info_score([], []), ValueError, "labels_true is empty"),
    (lambda: adjusted_mutual_info_score([0, 1], []), ValueError, "labels_pred is empty"),
    (lambda: normalized_mutual_info_score([0.0, np.nan], [0, 1]), ValueError,
     "labels_true contains missing values"),
    (lambda: mutual_info_score([0, 1], ["a", None]), ValueError,
     "labels_pred contains missing values"),
    (lambda: variation_of_information([0, np.inf], [0, 1]), ValueError, "infinite"),
    (lambda: mutual_info_score(np.zeros((4, 2)), np.zeros(4)), ValueError,
     r"labels_true must be 1-D; got an array of shape \(4, 2\)"),
    (lambda: mutual_info_score([0, 1], pd.DataFrame({"a": [0, 1]})), ValueError,
     "labels_pred must be 1-D"),
    (lambda: mutual_info_score(3, [1]), ValueError, "labels_true must be 1-D"),
    (lambda: normalized_mutual_info_score([0], [0], average_method="mean"), ValueError,
     "average_method must be one of"),
    (lambda: adjusted_mutual_info_score([0], [0], average_method=None), ValueError,
     "average_method must be one of"),
    (lambda: normalized_variation_of_information([0], [0], normalization="max"), ValueError,
     "normalization must be one of"),
    (lambda: mutual_info_score([0], [0], base=1), ValueError, "base must be a positive"),
    (lambda: variation_of_information([0], [0], base=-2), ValueError, "base must be a positive"),
    (lambda: variation_of_information([0], [0], base="2"), TypeError, "base must be"),
    (lambda: mutual_info_score(None, None, contingency=[[1, -1]]), ValueError, "negative"),
    (lambda: mutual_info_score(None, None, contingency=[[1.5, 1]]), ValueError, "counts"),
    (lambda: mutual_info_score(None, None, contingency=[[0, 0]]), ValueError, "empty"),
    (lambda: mutual_info_score(None, None, contingency=[1, 2]), ValueError, "2-D"),
    (lambda: contingency_matrix([0], [0], sparse="yes"), TypeError, "sparse"),
    (lambda: pairwise_scores([[0, 1], [0, 1, 1]]), ValueError,
     r"labelings\[0\] and labelings\[1\] have different numbers of samples: 2 and 3"),
    (lambda: pairwise_scores(pd.DataFrame({"a": [0, None], "b": [1, 1]})), ValueError,
     r"labelings\['a'\] contains missing values"),
    (lambda: pairwise_scores([]), ValueError, "labelings is empty"),
    (lambda: pairwise_scores("abc"), TypeError, "labelings must be"),
    (lambda: pairwise_scores([[0, 1]], metric="ari"), ValueError, "metric must be one of"),
    (lambda: pairwise_scores([[0, 1]], "vi", average_method="min"), ValueError,
     "average_method applies"),
    (lambda: pairwise_scores([[0, 1]], "nmi", base=2), ValueError, "base applies"),
    (lambda: pairwise_scores([[0, 1]], "mi", normalization="joint"), ValueError,
     "normalization applies"),
])
def test_bad_input_gets_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_empty_input_raises_where_sklearn_returns_one():
    assert skm.normalized_mutual_info_score([], []) == 1.0  # the documented difference
    with pytest.raises(ValueError, match="empty"):
        normalized_mutual_info_score([], [])


def test_inputs_are_not_modified(rng):
    u = pd.Series(rng.integers(0, 4, 100))
    v = rng.integers(0, 3, 100)
    u_before, v_before = u.copy(), v.copy()
    pairwise_scores([u, v], "ami")
    adjusted_mutual_info_score(u, v)
    pd.testing.assert_series_equal(u, u_before)
    np.testing.assert_array_equal(v, v_before)


# ------------------------------------------------- kernels, import, exports

def test_kernels_give_the_same_numbers_under_jax(rng):
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    counts = np.bincount(rng.integers(0, 9, 500), minlength=12)
    h_u, h_v, h_joint = 1.1, 0.7, 1.5
    with jax.enable_x64(True):
        for xp in (np, jnp):
            terms = clustering.entropy_terms(xp, counts, clustering.log_counts(xp, counts), 500)
            h = float(xp.sum(terms))
            mi = clustering.mutual_info(xp, h_u, h_v, h_joint, False, False)
            nmi = clustering.normalized_mutual_info(xp, mi, h_u, h_v, False, False, "max")
            ami = clustering.adjusted_mutual_info(xp, mi, 0.1, h_u, h_v, False, False, "min")
            vi = clustering.variation_of_information(xp, h_u, h_v, h_joint, False)
            nvi = clustering.normalized_variation_of_information(xp, vi, h_joint, 500, "joint")
            values = [h, float(mi), float(nmi), float(ami), float(vi), float(nvi)]
            if xp is np:
                expected = values
    np.testing.assert_allclose(values, expected, rtol=1e-15)
    assert expected[0] == pytest.approx(scipy.stats.entropy(counts), rel=1e-14)


def test_first_nmi_call_imports_neither_sklearn_nor_jax():
    code = ("import sys\n"
            "import numpy as np\n"
            "import mifeatures\n"
            "rng = np.random.default_rng(0)\n"
            "a, b = rng.integers(0, 10, 200), rng.integers(0, 10, 200)\n"
            "mifeatures.normalized_mutual_info_score(a, b)\n"
            "mifeatures.adjusted_mutual_info_score(list(a), list(b))\n"
            "print('sklearn' in sys.modules, 'jax' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout.strip()
    assert out == "False False"


def test_metrics_are_exported_at_the_top():
    for name in metrics.__all__:
        assert getattr(mifeatures, name) is getattr(metrics, name)
