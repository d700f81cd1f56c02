"""Dask collections (issue 10): the same tables, edges and scores as in memory.

Every result on a dask collection is compared with the single-machine path
on the computed data (itself tested against scikit-learn elsewhere), and
with scikit-learn or NumPy directly where they give the truth: quantile
edges with ``KBinsDiscretizer``, binned MI with ``mutual_info_score``.
"""

import pathlib
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.stats
import sklearn.metrics as skm
from sklearn.preprocessing import KBinsDiscretizer

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from mifeatures import metrics, rank_features  # noqa: E402
from mifeatures._dask import _pairs, _quantiles  # noqa: E402
from mifeatures._dask import selection as dask_selection  # noqa: E402
from mifeatures._dask.ranking import bin_edges, quantile_levels  # noqa: E402
from mifeatures.discretization import EntropyDiscretizer  # noqa: E402
from mifeatures.selection import CRITERIA, MutualInfoSelector  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
PARTITIONS = [1, 3, 17]
SCORES = {
    "mi": (metrics.mutual_info_score, {}),
    "nmi-min": (metrics.normalized_mutual_info_score, {"average_method": "min"}),
    "nmi": (metrics.normalized_mutual_info_score, {}),
    "nmi-max": (metrics.normalized_mutual_info_score, {"average_method": "max"}),
    "ami": (metrics.adjusted_mutual_info_score, {}),
    "ami-geometric": (metrics.adjusted_mutual_info_score, {"average_method": "geometric"}),
    "vi": (metrics.variation_of_information, {}),
    "vi-bits": (metrics.variation_of_information, {"base": 2}),
    "nvi": (metrics.normalized_variation_of_information, {}),
    "nvi-log-n": (metrics.normalized_variation_of_information, {"normalization": "log_n"}),
}


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(processes=False, dashboard_address=":0", n_workers=1,
                                  threads_per_worker=2) as cluster:
        with distributed.Client(cluster) as dask_client:
            yield dask_client


def _kbins_edges(frame, n_bins):
    kbins = KBinsDiscretizer(n_bins=n_bins, encode="ordinal", strategy="quantile",
                             quantile_method="averaged_inverted_cdf", subsample=None)
    with warnings.catch_warnings():  # constant columns, bins merged on ties
        warnings.simplefilter("ignore", UserWarning)
        return kbins.fit(frame)


def _with_empty_partitions(frame, npartitions):
    """A dask frame of ``npartitions`` pieces of ``frame``, plus empty ones among them."""
    pieces = np.array_split(np.arange(len(frame)), npartitions)
    parts = [frame.iloc[p] for p in pieces]
    parts = parts[:1] + [frame.iloc[:0]] + parts[1:] + [frame.iloc[:0]]
    return dd.from_map(lambda part: part, parts, meta=frame.iloc[:0], enforce_metadata=False)


def _labels_frame(rng, n=600):
    u = rng.integers(0, 6, n)
    v = np.where(rng.random(n) < 0.6, u, rng.integers(0, 9, n))
    return pd.DataFrame({
        "u": u,
        "v": np.array([f"c{i}" for i in range(9)], dtype=object)[v],
        "w": rng.integers(-3, 40, n),
    })


# ---------------------------------------------------------------------------
# Clustering metrics
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("npartitions", PARTITIONS)
def test_metrics_equal_the_single_machine_path(client, rng, npartitions):
    frame = _labels_frame(rng)
    ddf = dd.from_pandas(frame, npartitions=npartitions)
    table = metrics.contingency_matrix(ddf["u"], ddf["v"])
    pd.testing.assert_frame_equal(table, metrics.contingency_matrix(frame["u"], frame["v"]))
    np.testing.assert_array_equal(table.to_numpy(),
                                  skm.cluster.contingency_matrix(frame["u"], frame["v"]))
    nmi = metrics.normalized_mutual_info_score(ddf["v"], ddf["w"])
    assert nmi == pytest.approx(metrics.normalized_mutual_info_score(frame["v"], frame["w"]),
                                rel=1e-12, abs=1e-12)
    ami = metrics.adjusted_mutual_info_score(ddf["v"], ddf["w"])
    assert ami == pytest.approx(metrics.adjusted_mutual_info_score(frame["v"], frame["w"]),
                                rel=1e-12, abs=1e-12)
    # The independent truth too.
    assert nmi == pytest.approx(skm.normalized_mutual_info_score(frame["v"], frame["w"]),
                                rel=1e-10)
    assert ami == pytest.approx(skm.adjusted_mutual_info_score(frame["v"], frame["w"]),
                                rel=1e-9)


def test_metrics_with_awkward_partitions(client, rng):
    frame = _labels_frame(rng, 300)
    frame["cat"] = frame["v"].astype("category")
    ddf = _with_empty_partitions(frame, 4)
    unknown = ddf["v"].astype("category")  # categories unknown: each partition has its own
    assert not unknown.cat.known
    for i, (name, (score, options)) in enumerate(SCORES.items()):
        labels = unknown if i % 2 else ddf["cat"]
        assert score(ddf["u"], labels, **options) == pytest.approx(
            score(frame["u"], frame["v"], **options), rel=1e-12, abs=1e-12), name
    expected = metrics.contingency_matrix(frame["w"], frame["v"])
    pd.testing.assert_frame_equal(metrics.contingency_matrix(ddf["w"], ddf["v"]), expected)
    sparse = metrics.contingency_matrix(ddf["w"], ddf["u"], sparse=True)
    assert (sparse != metrics.contingency_matrix(frame["w"], frame["u"], sparse=True)).nnz == 0


def test_labels_of_mixed_types_across_partitions(client):
    # One partition of ints, one of floats (1 == 1.0), one empty, one of strings.
    parts = [pd.DataFrame({"a": [1, 2, 1, 2], "b": [0, 0, 1, 1]}),
             pd.DataFrame({"a": [1.0, 2.5, 2.5], "b": [1, 1, 0]}),
             pd.DataFrame({"a": pd.Series([], dtype=float), "b": pd.Series([], dtype=int)}),
             pd.DataFrame({"a": ["x", "x", "y"], "b": [0, 1, 0]})]
    ddf = dd.from_map(lambda part: part, parts, meta=parts[3].iloc[:0],
                      enforce_metadata=False)
    whole = ddf.compute()
    assert whole["a"].dtype == object
    for name, (score, options) in SCORES.items():
        assert score(ddf["a"], ddf["b"], **options) == pytest.approx(
            score(whole["a"], whole["b"], **options), rel=1e-12, abs=1e-12), name
    # Five clusters: 1 (three rows, int and float), 2, 2.5, "x" and "y".
    table = metrics.contingency_matrix(ddf["a"], ddf["b"], sparse=True)
    assert sorted(np.asarray(table.sum(axis=1)).ravel()) == [1, 2, 2, 2, 3]


def test_metrics_bad_input(client, rng):
    frame = _labels_frame(rng, 100)
    ddf = dd.from_pandas(frame, npartitions=3)
    other = dd.from_pandas(frame, npartitions=4)
    with pytest.raises(ValueError, match="partitioned differently"):
        metrics.mutual_info_score(ddf["u"], other["v"])
    with pytest.raises(TypeError, match="labels_pred must be a dask Series"):
        metrics.mutual_info_score(ddf["u"], frame["v"])
    with pytest.raises(ValueError, match="labels_true must be 1-D"):
        metrics.normalized_mutual_info_score(ddf[["u", "v"]], ddf["v"])
    holes = frame.assign(v=frame["v"].where(np.arange(100) != 70))
    with pytest.raises(ValueError, match="labels_pred contains missing values"):
        metrics.adjusted_mutual_info_score(dd.from_pandas(holes, npartitions=3)["u"],
                                           dd.from_pandas(holes, npartitions=3)["v"])
    empty = dd.from_pandas(frame.iloc[:0], npartitions=1)
    with pytest.raises(ValueError, match="empty"):
        metrics.mutual_info_score(empty["u"], empty["v"])
    # Unknown divisions: same partitions pair up, different lengths raise.
    unknown = ddf.clear_divisions()
    assert metrics.mutual_info_score(unknown["u"], unknown["v"]) == pytest.approx(
        metrics.mutual_info_score(frame["u"], frame["v"]), rel=1e-12)
    shifted = dd.from_map(lambda part: part, [frame.iloc[:40], frame.iloc[40:70],
                                              frame.iloc[70:]], meta=frame.iloc[:0])
    with pytest.raises(ValueError, match="different lengths"):
        metrics.mutual_info_score(unknown["u"], shifted["v"])


def test_non_integer_float_labels_warn_as_in_memory(client):
    ddf = dd.from_pandas(pd.DataFrame({"a": [0.5, 0.5, 1.5, 1.5], "b": [0, 0, 1, 1]}),
                         npartitions=2)
    with pytest.warns(UserWarning, match="labels_true holds continuous"):
        assert metrics.mutual_info_score(ddf["a"], ddf["b"]) == pytest.approx(np.log(2))


METRIC_OPTIONS = [("mi", {}), ("mi", {"base": 2}), ("nmi", {}),
                  ("nmi", {"average_method": "geometric"}), ("ami", {}),
                  ("ami", {"average_method": "max"}), ("vi", {}),
                  ("nvi", {"normalization": "log_n"})]


@pytest.mark.parametrize("npartitions", PARTITIONS)
def test_pairwise_scores_equal_memory(client, rng, npartitions):
    frame = _labels_frame(rng, 500).assign(one=7, same=lambda f: f["u"] * 10)
    ddf = _with_empty_partitions(frame, npartitions)
    for metric, options in METRIC_OPTIONS:
        got = metrics.pairwise_scores(ddf, metric, **options)
        pd.testing.assert_frame_equal(got, metrics.pairwise_scores(frame, metric, **options),
                                      rtol=1e-12, atol=1e-12, obj=metric)
    # The independent truth: scikit-learn's scores of each pair.
    nmi = metrics.pairwise_scores(ddf, "nmi")
    ami = metrics.pairwise_scores(ddf, "ami")
    for a in frame:
        for b in frame:
            assert nmi.loc[a, b] == pytest.approx(
                skm.normalized_mutual_info_score(frame[a], frame[b]), rel=1e-10, abs=1e-12)
            assert ami.loc[a, b] == pytest.approx(
                skm.adjusted_mutual_info_score(frame[a], frame[b]), rel=1e-9, abs=1e-12)


def test_pairwise_scores_of_series_lists_and_dicts(client, rng):
    frame = _labels_frame(rng, 300)
    ddf = dd.from_pandas(frame, npartitions=3)
    listed = metrics.pairwise_scores([ddf["w"], ddf["u"], ddf["v"]], "ami")
    pd.testing.assert_frame_equal(
        listed, metrics.pairwise_scores([frame["w"], frame["u"], frame["v"]], "ami"),
        rtol=1e-12, atol=1e-12)
    assert list(listed.index) == ["w", "u", "v"]
    keyed = metrics.pairwise_scores({"first": ddf["u"], "second": ddf["v"]}, "vi", base=2)
    pd.testing.assert_frame_equal(
        keyed, metrics.pairwise_scores({"first": frame["u"], "second": frame["v"]}, "vi",
                                       base=2), rtol=1e-12, atol=1e-12)
    # Repeated names give positions, as in memory; a lone labeling scores with itself.
    repeated = metrics.pairwise_scores([ddf["u"], ddf["u"]], "nmi")
    assert list(repeated.index) == [0, 1] and np.allclose(repeated, 1.0)
    assert metrics.pairwise_scores(ddf[["v"]], "vi").loc["v", "v"] == 0.0


def test_pairwise_scores_bad_input(client, rng):
    frame = _labels_frame(rng, 100)
    ddf = dd.from_pandas(frame, npartitions=3)
    with pytest.raises(ValueError, match="partitioned differently"):
        metrics.pairwise_scores([ddf["u"], dd.from_pandas(frame["v"], npartitions=4)])
    with pytest.raises(TypeError, match=r"labelings\[1\] must be a dask Series"):
        metrics.pairwise_scores([ddf["u"], frame["v"]])
    holes = dd.from_pandas(frame.assign(v=frame["v"].where(frame.index != 70)), npartitions=3)
    with pytest.raises(ValueError, match=r"labelings\['v'\] contains missing values"):
        metrics.pairwise_scores(holes)
    with pytest.raises(ValueError, match="empty"):
        metrics.pairwise_scores(dd.from_pandas(frame.iloc[:0], npartitions=1))
    with pytest.raises(ValueError, match="average_method applies"):
        metrics.pairwise_scores(ddf, "vi", average_method="max")
    floats = dd.from_pandas(pd.DataFrame({"a": [0.5, 0.5, 1.5], "b": [0, 0, 1]}), 2)
    with pytest.warns(UserWarning, match=r"labelings\['a'\] holds continuous"):
        assert metrics.pairwise_scores(floats, "mi").loc["a", "b"] == pytest.approx(
            skm.mutual_info_score([0, 0, 1], [0, 0, 1]))


# ---------------------------------------------------------------------------
# Exact quantile edges
# ---------------------------------------------------------------------------


def _local_passes(frame, bounds, nan_policy="raise"):
    """``exact_quantiles``'s pass runner over in-memory row blocks (no dask)."""
    blocks = [frame.iloc[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    passes = []

    def run_pass(function, merge, searches):
        passes.append(function.__name__)
        return merge([function(block, searches, nan_policy) for block in blocks])

    return run_pass, passes


@pytest.mark.parametrize("case", range(6))
def test_radix_select_reproduces_numpy_percentile(rng, case):
    n = [1, 2, 7, 1000, 20_000, 100_000][case]
    columns = {
        "normal": rng.normal(size=n),
        "ties": rng.integers(-3, 3, n).astype(float),
        "mostly-one-value": np.where(rng.random(n) < 0.9, 1.5, rng.normal(size=n)),
        "subnormal": rng.exponential(size=n) * 1e-310,
        "signed-zeros": np.where(rng.random(n) < 0.5, 0.0, -0.0),
        "narrow": rng.uniform(1, 1 + 1e-12, n),
        "sorted": np.sort(rng.lognormal(size=n)),
    }
    frame = pd.DataFrame(columns)
    bounds = np.r_[0, np.sort(rng.integers(0, n + 1, case)), n]
    run_pass, passes = _local_passes(frame, bounds)
    for n_bins in (2, 7, 10, 33):
        levels = quantile_levels(n_bins)
        got = _quantiles.exact_quantiles(run_pass, list(frame), levels, lambda sizes: None)
        for name, values in columns.items():
            expected = np.percentile(values, np.linspace(0, 100, n_bins + 1),
                                     method="averaged_inverted_cdf")
            np.testing.assert_array_equal(got[name], expected, err_msg=f"{name}, {n_bins}")
    assert len(passes) <= 4 * 5  # at most four digit passes and a collection per call


@pytest.mark.parametrize("npartitions", PARTITIONS)
def test_bin_edges_equal_kbins_discretizer(client, rng, npartitions):
    n = 3000
    trend = np.linspace(0, 10, n)  # time-ordered: each partition sees another range
    frame = pd.DataFrame({
        "trend": trend + rng.normal(size=n),
        "ties": rng.integers(0, 4, n).astype(float),
        "heavy": np.where(rng.random(n) < 0.7, -2.0, rng.exponential(size=n)),
        "constant": np.full(n, 3.25),
    })
    ddf = dd.from_pandas(frame, npartitions=npartitions)
    n_bins = {1: 4, 3: 10, 17: 7}[npartitions]
    kbins = _kbins_edges(frame, n_bins)
    edges = bin_edges(ddf, list(frame), n_bins, "raise")
    for j, name in enumerate(frame):
        if name != "constant":  # KBinsDiscretizer: [-inf, inf]; ours [min, max]
            np.testing.assert_array_equal(edges[name], kbins.bin_edges_[j], err_msg=name)
    np.testing.assert_array_equal(edges["constant"], [3.25, 3.25])
    # dask's own quantiles are approximate on such data (the reason for the radix select).
    approximate = ddf["trend"].quantile(np.linspace(0, 1, 11)).compute().to_numpy()
    exact = np.percentile(frame["trend"], np.linspace(0, 100, 11),
                          method="averaged_inverted_cdf")
    if npartitions > 1:
        assert not np.array_equal(approximate, exact)


def test_bin_edges_with_empty_partitions_and_missing_values(client, rng):
    frame = pd.DataFrame({"x": rng.normal(size=500)})
    frame.loc[frame.index[::50], "x"] = np.nan
    ddf = _with_empty_partitions(frame, 5)
    with pytest.raises(ValueError, match="x contains missing values"):
        bin_edges(ddf, ["x"], 5, "raise")
    edges = bin_edges(ddf, ["x"], 5, "omit")
    np.testing.assert_array_equal(edges["x"], _kbins_edges(frame.dropna(), 5).bin_edges_[0])


# ---------------------------------------------------------------------------
# rank_features
# ---------------------------------------------------------------------------


def _ranking_frame(rng, n=1500):
    y = rng.integers(0, 3, n)
    return pd.DataFrame({
        "copy": (y + rng.integers(0, 2, n)) % 4,
        "noise": rng.integers(0, 5, n),
        "word": np.array(["x", "y", "z"], dtype=object)[(y + (rng.random(n) < 0.3)) % 3],
        "flag": (y == 1) ^ (rng.random(n) < 0.1),
        "signal": y + rng.normal(size=n),
        "rounded": np.round(rng.normal(size=n), 1),
        "y": y,
    })


def _binned(frame, columns, n_bins):
    """The frame with ``columns`` replaced by KBinsDiscretizer's ordinal bins."""
    out = frame.copy()
    out[columns] = _kbins_edges(frame[columns], n_bins).transform(frame[columns]).astype(int)
    return out


def _sklearn_mi(x, y):
    """scikit-learn's MI of two labelings (any hashable labels), rows missing in either dropped."""
    keep = (x.notna() & y.notna()).to_numpy()
    return skm.mutual_info_score(pd.factorize(x[keep])[0], pd.factorize(y[keep])[0])


def _assert_same_ranking(got, expected, kinds):
    assert list(got.index) == list(expected.index)
    np.testing.assert_allclose(got["mi"], expected["mi"], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(got["normalized_mi"], expected["normalized_mi"], rtol=1e-12,
                               atol=1e-14)
    assert got["kind"].to_dict() == kinds


@pytest.mark.parametrize("npartitions", PARTITIONS)
def test_rank_features_equals_the_single_machine_path(client, rng, npartitions):
    frame = _ranking_frame(rng)
    ddf = dd.from_pandas(frame, npartitions=npartitions)
    got = rank_features(ddf, "y", n_bins=8)
    expected = rank_features(_binned(frame, ["signal", "rounded"], 8), "y")
    kinds = {c: "continuous" if c in ("signal", "rounded") else "discrete"
             for c in frame if c != "y"}
    _assert_same_ranking(got, expected, kinds)
    # Independent truth: MI of the binned column by scikit-learn.
    codes = _binned(frame, ["signal"], 8)["signal"]
    assert got.loc["signal", "mi"] == pytest.approx(skm.mutual_info_score(codes, frame["y"]),
                                                    rel=1e-12)


def test_rank_features_continuous_target_and_target_series(client, rng):
    frame = _ranking_frame(rng, 800)
    ddf = _with_empty_partitions(frame, 3)
    binned = _binned(frame, ["signal", "rounded"], 10)
    got = rank_features(ddf, "signal", base=2)
    for name in got.index:
        assert got.loc[name, "mi"] == pytest.approx(
            _sklearn_mi(binned[name], binned["signal"]) / np.log(2), rel=1e-12), name
    linfoot = np.sqrt(1 - np.exp(-2 * got["mi"] * np.log(2)))
    np.testing.assert_allclose(got["normalized_mi"], linfoot, rtol=1e-12)
    # A target given as a dask Series partitioned like df.
    by_series = rank_features(ddf.drop(columns="y"), ddf["y"])
    for name in by_series.index:
        assert by_series.loc[name, "mi"] == pytest.approx(
            _sklearn_mi(binned[name], frame["y"]), rel=1e-12), name


def test_rank_features_nan_policies(client, rng):
    frame = _ranking_frame(rng, 900)
    frame["word"] = frame["word"].where(rng.random(900) > 0.1)
    frame["signal"] = frame["signal"].where(rng.random(900) > 0.05)
    frame["y"] = frame["y"].astype(object).where(rng.random(900) > 0.05)
    ddf = dd.from_pandas(frame, npartitions=3)
    with pytest.raises(ValueError, match="(word|signal|y) contains missing values"):
        rank_features(ddf, "y")
    with pytest.raises(ValueError, match="word contains missing values"):
        rank_features(ddf[["word", "copy"]], "copy")
    # Continuous columns are binned on their present values, and their missing rows
    # are left out under every policy.
    present = frame["signal"].notna()
    binned = _binned(frame, ["rounded"], 10)
    binned["signal"] = _binned(frame[present], ["signal"], 10)["signal"].reindex(frame.index)
    for policy in ("omit", "as-category"):
        got = rank_features(ddf, "y", nan_policy=policy, discrete_features=[0, 1, 2, 3])
        y = frame["y"].fillna("<missing>") if policy == "as-category" else frame["y"]
        for name in got.index:
            column = binned[name]
            if policy == "as-category" and name == "word":
                column = column.fillna("<missing>")
            assert got.loc[name, "mi"] == pytest.approx(_sklearn_mi(column, y), rel=1e-12,
                                                        abs=1e-15), (policy, name)
        h_target = scipy.stats.entropy(y.dropna().value_counts().to_numpy())
        np.testing.assert_allclose(got["normalized_mi"], got["mi"] / h_target, rtol=1e-12)


def test_rank_features_bad_input(client, rng):
    frame = _ranking_frame(rng, 200)
    ddf = dd.from_pandas(frame, npartitions=3)
    with pytest.raises(ValueError, match="target column 'nope' is not in df"):
        rank_features(ddf, "nope")
    with pytest.raises(ValueError, match="partitioned differently"):
        rank_features(ddf.drop(columns="y"), dd.from_pandas(frame["y"], npartitions=2))
    with pytest.raises(TypeError, match="dask DataFrame"):
        rank_features(frame, dd.from_pandas(frame["y"], npartitions=3))
    with pytest.raises(ValueError, match="n_bins"):
        rank_features(ddf, "y", n_bins=1)
    one_class = rank_features(ddf.assign(y=7), "y")
    assert (one_class["mi"] == 0).all() and (one_class["normalized_mi"] == 0).all()
    infinite = frame.assign(signal=frame["signal"].where(frame.index != 5, np.inf))
    with pytest.raises(ValueError, match="signal contains infinite values"):
        rank_features(dd.from_pandas(infinite, npartitions=2), "y")


# ---------------------------------------------------------------------------
# EntropyDiscretizer and MutualInfoSelector
# ---------------------------------------------------------------------------


def _discretizer_frame(rng, n=1200):
    y = rng.integers(0, 3, n)
    frame = pd.DataFrame({
        "signal": y + rng.normal(size=n),
        "ties": np.round(rng.normal(size=n), 1) + (y == 2),
        "code": rng.integers(0, 5, n),
        "spike": np.where(y == 1, 2.5, rng.exponential(size=n)),
        "constant": np.full(n, -1.0),
    })
    return frame, np.array(["a", "b", "c"], dtype=object)[y]


@pytest.mark.parametrize("npartitions, strategy", [(1, "mdlp"), (3, "mdlp"), (17, "quantile")])
def test_discretizer_fit_and_transform_equal_memory(client, rng, npartitions, strategy):
    frame, y = _discretizer_frame(rng)
    ddf = dd.from_pandas(frame, npartitions=npartitions)
    dy = dd.from_pandas(pd.Series(y, name="y"), npartitions=npartitions)
    options = {"max_bins": 3} if strategy == "mdlp" else {"n_bins": 7}
    in_memory = EntropyDiscretizer(strategy=strategy, **options).fit(frame, y)
    on_dask = EntropyDiscretizer(strategy=strategy, **options).fit(ddf, dy)
    for expected, got in zip(in_memory.bin_edges_, on_dask.bin_edges_):
        np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(on_dask.n_bins_, in_memory.n_bins_)
    assert list(on_dask.feature_names_in_) == list(frame.columns)
    codes = on_dask.transform(ddf)
    assert isinstance(codes, dd.DataFrame)
    pd.testing.assert_frame_equal(codes.compute(), in_memory.transform(frame))
    if strategy == "quantile":  # KBinsDiscretizer's edges too
        edges = _kbins_edges(frame[["signal", "spike"]], 7).bin_edges_
        np.testing.assert_array_equal(on_dask.bin_edges_[0], edges[0])
        np.testing.assert_array_equal(on_dask.bin_edges_[3], edges[1])


def test_discretizer_uniform_empty_partitions_and_bad_input(client, rng):
    frame, y = _discretizer_frame(rng, 400)
    ddf = _with_empty_partitions(frame, 3)
    in_memory = EntropyDiscretizer(strategy="uniform", n_bins=4, encode="onehot-dense",
                                   columns=["signal", "code"]).fit(frame)
    on_dask = EntropyDiscretizer(strategy="uniform", n_bins=4, encode="onehot-dense",
                                 columns=["signal", "code"]).fit(ddf)
    for expected, got in zip(in_memory.bin_edges_, on_dask.bin_edges_):
        np.testing.assert_array_equal(got, expected)
    pd.testing.assert_frame_equal(on_dask.transform(ddf).compute(), in_memory.transform(frame))
    holes = frame.assign(ties=frame["ties"].where(frame.index != 9))
    with pytest.raises(ValueError, match="column 'ties' contains NaN"):
        EntropyDiscretizer(strategy="quantile").fit(dd.from_pandas(holes, npartitions=2))
    with pytest.raises(ValueError, match="requires y"):
        EntropyDiscretizer().fit(ddf)
    with pytest.raises(TypeError, match="onehot-dense"):
        EntropyDiscretizer(strategy="uniform", encode="onehot").fit(ddf).transform(ddf)


def _selection_frame(rng, n=1500):
    y = rng.integers(0, 3, n)
    a, b = rng.integers(0, 2, n), rng.integers(0, 2, n)
    frame = pd.DataFrame({
        "xor_a": a, "xor_b": b,
        "copy": (y + (rng.random(n) < 0.2)) % 3,
        "copy_again": (y + (rng.random(n) < 0.2)) % 3,
        "word": np.array(["u", "v", "w"], dtype=object)[(y + rng.integers(0, 2, n)) % 3],
        "signal": y + rng.normal(size=n),
    })
    return frame, (y + (a ^ b)) % 3


def _assert_same_selection(criteria, frame, target, ddf, dy, passes="per_step"):
    # In memory the greedy terms bin continuous columns the same way; binning them
    # first spares the kNN relevance scores, which the dask path does not compute.
    binned = EntropyDiscretizer(strategy="quantile", n_bins=10).fit_transform(frame)
    for criterion in criteria:
        in_memory = MutualInfoSelector(criterion=criterion, k="all").fit(binned, target)
        on_dask = MutualInfoSelector(criterion=criterion, k="all", passes=passes).fit(ddf, dy)
        np.testing.assert_array_equal(on_dask.ranking_, in_memory.ranking_, err_msg=criterion)
        terms = ["relevance", "redundancy", "conditional", "criterion"]
        np.testing.assert_allclose(on_dask.selection_path_[terms],
                                   in_memory.selection_path_[terms], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(on_dask.scores_, in_memory.scores_, rtol=1e-12)


def test_selector_orders_equal_memory(client, rng):
    frame, target = _selection_frame(rng)
    ddf = _with_empty_partitions(frame, 3)
    dy = _with_empty_partitions(pd.Series(target, name="y"), 3)
    # jmi needs I(Xk;Xj) and I(Xk;XjY) (what mifs, mrmr, cife, jmim, cmim and icap
    # need too), disr the joint entropies as well; the rest run in the slow test.
    _assert_same_selection(["jmi", "disr"], frame, target, ddf, dy)
    holes = frame.assign(signal=frame["signal"].where(frame.index != 3))
    with pytest.raises(ValueError, match="signal contains missing values"):
        MutualInfoSelector().fit(dd.from_pandas(holes, npartitions=2),
                                 dd.from_pandas(pd.Series(target), npartitions=2))


@pytest.mark.slow
@pytest.mark.parametrize("npartitions", PARTITIONS)
def test_selector_every_criterion_equals_memory(client, rng, npartitions):
    frame, target = _selection_frame(rng)
    ddf = dd.from_pandas(frame, npartitions=npartitions)
    dy = dd.from_pandas(pd.Series(target, name="y"), npartitions=npartitions)
    _assert_same_selection(CRITERIA, frame, target, ddf, dy)


@pytest.mark.parametrize("npartitions", PARTITIONS)
def test_selector_one_pass_equals_memory_and_per_step(client, rng, npartitions):
    frame, target = _selection_frame(rng, 900)
    ddf = _with_empty_partitions(frame, npartitions)
    dy = _with_empty_partitions(pd.Series(target, name="y"), npartitions)
    binned = EntropyDiscretizer(strategy="quantile", n_bins=10).fit_transform(frame)
    terms = ["relevance", "redundancy", "conditional", "criterion"]
    for criterion in CRITERIA:
        in_memory = MutualInfoSelector(criterion=criterion, k="all").fit(binned, target)
        one = MutualInfoSelector(criterion=criterion, k="all", passes="one").fit(ddf, dy)
        np.testing.assert_array_equal(one.ranking_, in_memory.ranking_, err_msg=criterion)
        np.testing.assert_allclose(one.selection_path_[terms], in_memory.selection_path_[terms],
                                   rtol=1e-12, atol=1e-12, err_msg=criterion)
        if criterion in ("jmi", "disr") and npartitions == 3:
            # Both modes hand the greedy the same integer tables: the same floats.
            per_step = MutualInfoSelector(criterion=criterion, k="all",
                                          passes="per_step").fit(ddf, dy)
            pd.testing.assert_frame_equal(per_step.selection_path_, one.selection_path_,
                                          check_exact=True)


def test_pair_tables_count_every_pair(rng):
    levels, classes, n = [3, 1, 5, 2], 4, 700
    codes = np.stack([rng.integers(0, k, n) for k in levels]).astype(np.int32)
    y = rng.integers(0, classes, n)
    layout = _pairs.PairLayout(levels, classes)
    assert layout.n_cells == classes * (3 * 1 + 3 * 5 + 3 * 2 + 1 * 5 + 1 * 2 + 5 * 2)
    halves = [_pairs.count_pairs(codes[:, part], y[part], layout)
              for part in (slice(0, 300), slice(300, 300), slice(300, n))]
    tables = _pairs.merge_sums(halves)
    for j in range(len(levels)):
        for k in range(len(levels)):
            if j != k:  # X_k against the joint code of (X_j, Y), as counted by pandas
                truth = pd.crosstab(codes[k], codes[j] * classes + y, dropna=False)
                truth = truth.reindex(index=range(levels[k]),
                                      columns=range(levels[j] * classes), fill_value=0)
                np.testing.assert_array_equal(layout.against_joint(tables, j, k), truth)


def test_passes_auto_and_the_budget(client, rng, monkeypatch):
    wide = _pairs.PairLayout([10] * 40, 3)  # 40 features: 780 pairs, 234,000 cells
    choose = dask_selection.choose_passes
    assert choose("auto", "mrmr", 20, wide) == "per_step"  # 19 steps x 40 < 780 tables
    assert choose("auto", "mrmr", 21, wide) == "one"
    assert choose("auto", "mim", 40, wide) == "per_step"  # mim counts no pairs
    assert choose("per_step", "jmi", 40, wide) == "per_step"
    assert choose("one", "jmi", 2, wide) == "one"
    monkeypatch.setattr(dask_selection, "PAIR_TABLES_BYTES", wide.nbytes - 1)
    assert choose("auto", "jmi", 40, wide) == "per_step"
    with pytest.raises(ValueError, match="passes='one' would collect the tables of all 780"):
        choose("one", "jmi", 40, wide)
    assert choose("one", "mim", 40, wide) == "per_step"
    # Through fit: the error comes before the pairs are counted; "auto" still selects.
    frame, target = _selection_frame(rng, 300)
    ddf, dy = dd.from_pandas(frame, npartitions=2), dd.from_pandas(pd.Series(target), 2)
    monkeypatch.setattr(dask_selection, "PAIR_TABLES_BYTES", 1000)
    with pytest.raises(ValueError, match="MiB budget"):
        MutualInfoSelector(k="all", passes="one").fit(ddf, dy)
    auto = MutualInfoSelector(k="all").fit(ddf, dy)
    binned = EntropyDiscretizer(strategy="quantile", n_bins=10).fit_transform(frame)
    np.testing.assert_array_equal(auto.ranking_, MutualInfoSelector(k="all").fit(
        binned, target).ranking_)


def test_passes_in_memory_change_nothing(rng):
    frame, target = _selection_frame(rng, 300)
    binned = EntropyDiscretizer(strategy="quantile", n_bins=10).fit_transform(frame)
    paths = [MutualInfoSelector(criterion="cmim", k=4, passes=passes).fit(binned, target)
             .selection_path_ for passes in ("auto", "per_step", "one")]
    for path in paths[1:]:
        pd.testing.assert_frame_equal(path, paths[0], check_exact=True)
    with pytest.raises(ValueError, match="passes"):
        MutualInfoSelector(passes="two").fit(binned, target)


def test_selector_transform_keeps_dask(client, rng):
    frame, target = _selection_frame(rng, 400)
    ddf = _with_empty_partitions(frame, 3)
    dy = _with_empty_partitions(pd.Series(target, name="y"), 3)
    selector = MutualInfoSelector(criterion="jmi", k=3).fit(ddf, dy)
    kept = selector.transform(ddf)
    assert isinstance(kept, dd.DataFrame)
    assert list(kept.columns) == list(selector.get_feature_names_out())
    assert list(kept.columns) == [c for c in frame if c in set(kept.columns)]  # X's order
    pd.testing.assert_frame_equal(kept.compute(),
                                  selector.set_output(transform="pandas").transform(frame))
    assert isinstance(selector.set_output(transform="default").fit_transform(ddf, dy),
                      dd.DataFrame)
    with pytest.raises(ValueError, match="feature names"):
        selector.transform(ddf.rename(columns={"word": "other"}))
    with pytest.raises(TypeError, match="dask DataFrame"):
        selector.transform(ddf.to_dask_array(lengths=True))


@pytest.mark.parametrize("encode", ["ordinal", "onehot-dense"])
def test_discretizer_inverse_transform_keeps_dask(client, rng, encode):
    frame, y = _discretizer_frame(rng, 500)
    binner = EntropyDiscretizer(strategy="quantile", n_bins=4, encode=encode,
                                columns=["signal", "spike", "code"]).fit(frame)
    codes = binner.transform(frame)
    got = binner.inverse_transform(_with_empty_partitions(codes, 3))
    assert isinstance(got, dd.DataFrame)
    assert list(got.columns) == list(frame.columns)
    np.testing.assert_array_equal(got.compute().to_numpy(), binner.inverse_transform(codes))
    # Bin centres by hand for the binned column "signal".
    edges = binner.bin_edges_[0]
    centres = (edges[1:] + edges[:-1]) / 2
    codes_of_signal = np.searchsorted(edges[1:-1], frame["signal"], side="right")
    np.testing.assert_array_equal(got["signal"].compute(), centres[codes_of_signal])
    with pytest.raises(ValueError, match="columns of transform's output"):
        binner.inverse_transform(dd.from_pandas(codes.iloc[:, :2], npartitions=2))


# ---------------------------------------------------------------------------
# Worker processes, and imports
# ---------------------------------------------------------------------------


def test_worker_processes(rng):
    """Everything crosses process boundaries by pickling (functions, tables, the NaN level)."""
    frame = _ranking_frame(rng, 600).drop(columns=["signal", "rounded"])
    frame["word"] = frame["word"].where(rng.random(600) > 0.1)
    ddf = dd.from_pandas(frame, npartitions=4)
    with distributed.LocalCluster(processes=True, n_workers=1, threads_per_worker=1,
                                  dashboard_address=":0") as cluster:
        with distributed.Client(cluster):
            ranking = rank_features(ddf, "y", nan_policy="as-category")
            pairwise = metrics.pairwise_scores(ddf[["copy", "noise", "y"]], "ami")
            selector = MutualInfoSelector(criterion="cmim", k="all", passes="one").fit(
                ddf[["copy", "noise", "flag"]], ddf["y"])
    expected = rank_features(frame, "y", nan_policy="as-category")
    _assert_same_ranking(ranking, expected, expected["kind"].to_dict())
    pd.testing.assert_frame_equal(
        pairwise, metrics.pairwise_scores(frame[["copy", "noise", "y"]], "ami"), rtol=1e-12)
    np.testing.assert_array_equal(selector.ranking_, MutualInfoSelector(
        criterion="cmim", k="all").fit(frame[["copy", "noise", "flag"]], frame["y"]).ranking_)


def test_ordinary_inputs_do_not_import_dask(monkeypatch):
    code = ("import sys, mifeatures\n"
            "mifeatures.normalized_mutual_info_score([0, 1, 1], [1, 0, 0])\n"
            "print('dask' in sys.modules, 'jax' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout.strip()
    assert out == "False False"
    # In this process dask is loaded already: make the dask paths unimportable instead.
    for module in ("mifeatures._dask.metrics", "mifeatures._dask.ranking"):
        monkeypatch.setitem(sys.modules, module, None)
    frame = pd.DataFrame({"a": [0, 1, 1, 0], "y": [0, 1, 1, 1]})
    assert rank_features(frame, "y").loc["a", "mi"] > 0
    assert metrics.mutual_info_score(frame["a"], frame["y"]) > 0
