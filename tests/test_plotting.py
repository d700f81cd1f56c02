"""Plots render headless (Agg); the tests check the artists, not pixels."""

import sys
from types import SimpleNamespace

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.container import BarContainer  # noqa: E402

from mifeatures import mutual_info_matrix, rank_features  # noqa: E402
from mifeatures.datasets import load_penguins  # noqa: E402
from mifeatures.plotting import (  # noqa: E402
    plot_bins,
    plot_mi_matrix,
    plot_ranking,
    plot_selection_path,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def ranking():
    return pd.DataFrame({"mi": [0.9, 0.5, 0.2, 0.01],
                         "kind": ["continuous"] * 4,
                         "normalized_mi": [0.8, 0.4, 0.2, 0.0]},
                        index=pd.Index(["a", "b", "c", "d"], name="feature"))


def _bar_container(ax):
    return next(c for c in ax.containers if isinstance(c, BarContainer))


def _bars(ax):
    return list(_bar_container(ax))


def _ytick_labels_top_down(ax):
    ticks = sorted(zip(ax.get_yticks(), [t.get_text() for t in ax.get_yticklabels()]),
                   reverse=True)
    return [label for _, label in ticks]


def test_plot_ranking_bars_equal_the_scores_best_on_top(ranking):
    ax = plot_ranking(ranking)
    bars = _bars(ax)
    assert len(bars) == 4
    by_height = sorted(bars, key=lambda bar: -bar.get_y())
    assert [bar.get_width() for bar in by_height] == [0.9, 0.5, 0.2, 0.01]
    assert _ytick_labels_top_down(ax) == ["a", "b", "c", "d"]
    assert not ax.texts  # no p-values, no labels


def test_plot_ranking_top_and_given_axes(ranking):
    fig, ax = plt.subplots()
    assert plot_ranking(ranking, ax, top=2) is ax
    assert len(_bars(ax)) == 2 and _ytick_labels_top_down(ax) == ["a", "b"]


def test_plot_ranking_marks_pvalues_and_draws_intervals(ranking):
    frame = ranking.assign(pvalue=[0.001, 0.01, 0.2, 0.9], qvalue=[0.004, 0.02, 0.27, 0.9],
                           ci_low=[0.8, 0.4, 0.1, 0.0], ci_high=[1.0, 0.55, 0.3, 0.05])
    ax = plot_ranking(frame, alpha=0.05)
    bars = sorted(_bars(ax), key=lambda bar: -bar.get_y())
    grey = mcolors.to_rgba("0.7")
    assert [bar.get_facecolor() == grey for bar in bars] == [False, False, True, True]
    assert [t.get_text().strip() for t in ax.texts] == ["q=0.004", "q=0.02", "q=0.27", "q=0.9"]
    segments = _bar_container(ax).errorbar.lines[2][0].get_segments()
    spans = sorted(((s[0][0], s[1][0]) for s in segments), reverse=True)
    np.testing.assert_allclose(spans, [(0.8, 1.0), (0.4, 0.55), (0.1, 0.3), (0.0, 0.05)])


def test_plot_ranking_of_a_selector_follows_its_selection_order():
    selector = SimpleNamespace(scores_=np.array([0.1, 0.7, 0.3]), ranking_=np.array([1, 0, 2]),
                               feature_names_in_=np.array(["u", "v", "w"], dtype=object))
    ax = plot_ranking(selector)
    bars = sorted(_bars(ax), key=lambda bar: -bar.get_y())
    assert [bar.get_width() for bar in bars] == [0.7, 0.1, 0.3]
    assert _ytick_labels_top_down(ax) == ["v", "u", "w"]


def test_plot_ranking_and_path_of_a_fitted_mutual_info_selector():
    from mifeatures.datasets import make_xor
    from mifeatures.selection import MutualInfoSelector

    X, y, _ = make_xor(200, n_noise=3, random_state=0)
    selector = MutualInfoSelector(criterion="jmi", k=4).fit(X, y)
    bars = sorted(_bars(plot_ranking(selector)), key=lambda bar: -bar.get_y())
    np.testing.assert_array_equal([bar.get_width() for bar in bars],
                                  selector.scores_[selector.ranking_])
    ax = plot_selection_path(selector)
    criterion = next(line for line in ax.lines if line.get_label() == "criterion")
    np.testing.assert_array_equal(criterion.get_ydata(), selector.selection_path_["criterion"])
    assert [t.get_text() for t in ax.get_xticklabels()] == X.columns[selector.ranking_].tolist()


def test_plot_ranking_of_rank_features_output():
    frame = load_penguins()[["species", "island", "sex", "year"]]
    ranking = rank_features(frame, "species", nan_policy="omit")
    bars = sorted(_bars(plot_ranking(ranking)), key=lambda bar: -bar.get_y())
    np.testing.assert_allclose([bar.get_width() for bar in bars], ranking["mi"])


def test_plot_ranking_rejects_other_objects():
    with pytest.raises(TypeError, match="rank_features DataFrame"):
        plot_ranking([0.1, 0.2])
    with pytest.raises(ValueError, match="'mi' column"):
        plot_ranking(pd.DataFrame({"score": [1.0]}))


def _two_blocks():
    """Two groups of features, strongly linked within a group and weakly across."""
    names = ["a1", "b1", "a2", "b2", "a3"]
    group = np.array([0, 1, 0, 1, 0])
    matrix = np.where(group[:, None] == group[None, :], 0.8, 0.05)
    matrix = matrix + 0.01 * np.arange(5)[:, None] * np.arange(5)[None, :] / 16
    np.fill_diagonal(matrix, 2.0)
    return pd.DataFrame(matrix, index=names, columns=names), group


def test_plot_mi_matrix_clusters_related_features_together():
    matrix, group = _two_blocks()
    ax = plot_mi_matrix(matrix)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert sorted(labels) == sorted(matrix.index)
    groups_in_order = [label[0] for label in labels]
    assert groups_in_order in (["a"] * 3 + ["b"] * 2, ["b"] * 2 + ["a"] * 3)
    assert [t.get_text() for t in ax.get_yticklabels()] == labels
    shown = ax.images[0].get_array().filled(np.nan)
    expected = matrix.loc[labels, labels].to_numpy(copy=True)
    np.fill_diagonal(expected, np.nan)
    np.testing.assert_array_equal(shown, expected)
    assert len(ax.texts) == 5 * 4  # every off-diagonal cell annotated


def test_plot_mi_matrix_without_clustering_keeps_the_order_of_an_array():
    matrix, _ = _two_blocks()
    ax = plot_mi_matrix(matrix.to_numpy(), cluster=False, annotate=False)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["x0", "x1", "x2", "x3", "x4"]
    assert not ax.texts
    with pytest.raises(ValueError, match="square"):
        plot_mi_matrix(np.zeros((2, 3)))


def test_plot_mi_matrix_of_data_computes_the_mi_matrix():
    data = load_penguins()[["species", "island", "sex"]].dropna()
    ax = plot_mi_matrix(data)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    expected = mutual_info_matrix(data).loc[labels, labels].to_numpy(copy=True)
    np.fill_diagonal(expected, np.nan)
    np.testing.assert_allclose(ax.images[0].get_array().filled(np.nan), expected)


def test_plot_bins_draws_class_histograms_and_the_cut_points(rng):
    x = np.concatenate([rng.normal(0, 1, 60), rng.normal(4, 1, 40)])
    y = np.array(["low"] * 60 + ["high"] * 40)
    X = pd.DataFrame({"other": rng.normal(size=100), "size": x})
    X.loc[3, "size"] = np.nan
    edges = [np.array([-3.0, 0.0, 3.0]), np.array([x.min() - 1, 1.5, 2.5, np.inf])]
    discretizer = SimpleNamespace(bin_edges_=edges,
                                  feature_names_in_=np.array(["other", "size"], dtype=object))
    ax = plot_bins(discretizer, X, y, "size", bins=10)
    cut_lines = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert sorted(line.get_xdata()[0] for line in cut_lines) == [1.5, 2.5]
    present = ~np.isnan(X["size"].to_numpy())
    display_edges = np.histogram_bin_edges(X["size"][present], bins=10)
    for container, label in zip(ax.containers, ["low", "high"]):
        heights = [bar.get_height() for bar in container]
        counts = np.histogram(X["size"][present & (y == label)], bins=display_edges)[0]
        assert heights == counts.tolist()
    assert ax.get_xlabel() == "size"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["low", "high"]
    assert plot_bins(discretizer, X.to_numpy(), None, 1, bins=10).get_xlabel() == "size"
    with pytest.raises(ValueError, match="'height'"):
        plot_bins(discretizer, X, y, "height")


def test_plot_bins_with_a_fitted_entropy_discretizer(rng):
    from sklearn.preprocessing import KBinsDiscretizer

    from mifeatures.discretization import EntropyDiscretizer

    X = pd.DataFrame({"a": rng.normal(size=200), "code": rng.integers(0, 3, 200),
                      "b": rng.exponential(size=200)})
    y = rng.integers(0, 2, 200)
    discretizer = EntropyDiscretizer(strategy="quantile", n_bins=4).fit(X, y)
    ax = plot_bins(discretizer, X, y, "b")
    cuts = sorted(line.get_xdata()[0] for line in ax.lines if line.get_linestyle() == "--")
    reference = KBinsDiscretizer(n_bins=4, strategy="quantile",
                                 quantile_method="averaged_inverted_cdf").fit(X[["b"]])
    np.testing.assert_allclose(cuts, reference.bin_edges_[0][1:-1])
    with pytest.raises(ValueError, match="not binned"):
        plot_bins(discretizer, X, y, "code")


def test_plot_selection_path_draws_each_term_per_step():
    path = pd.DataFrame({"feature": ["f3", "f0", "f7"], "relevance": [0.6, 0.5, 0.3],
                         "redundancy": [0.0, 0.2, 0.1], "conditional": [0.0, 0.1, 0.05],
                         "criterion": [0.6, 0.4, 0.25]})
    ax = plot_selection_path(SimpleNamespace(selection_path_=path))
    lines = {line.get_label(): line for line in ax.lines}
    assert set(lines) == {"criterion", "relevance", "redundancy", "conditional"}
    for term, line in lines.items():
        assert line.get_xdata().tolist() == [1, 2, 3]
        assert line.get_ydata().tolist() == path[term].tolist()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["f3", "f0", "f7"]
    with pytest.raises(TypeError, match="selection_path_"):
        plot_selection_path(object())


def test_missing_matplotlib_gives_one_line_naming_the_extra(monkeypatch, ranking):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError) as info:
        plot_ranking(ranking)
    message = str(info.value)
    assert "pip install mifeatures[plot]" in message and "\n" not in message
