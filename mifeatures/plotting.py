"""Pictures of rankings, MI matrices, bins and selection paths (matplotlib).

matplotlib is an optional dependency (``pip install mifeatures[plot]``),
imported when a function here is first called. Every function draws on the
``ax`` it is given (a new figure's axes when None) and returns that Axes, so
that plots compose with the caller's own figures.
"""

import numpy as np
import pandas as pd

__all__ = ["plot_bins", "plot_mi_matrix", "plot_ranking", "plot_selection_path"]

GREY = "0.7"


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("plotting needs matplotlib: pip install mifeatures[plot]") from None
    return plt


def _axes(ax):
    return _pyplot().subplots()[1] if ax is None else ax


def _feature_names(estimator, n_features):
    names = getattr(estimator, "feature_names_in_", None)
    if names is None:
        return [f"x{j}" for j in range(n_features)]
    return [str(name) for name in names]


def _ranking_frame(selector_or_ranking):
    """A DataFrame indexed by feature, best first, with an ``mi`` column."""
    if isinstance(selector_or_ranking, pd.DataFrame):
        if "mi" not in selector_or_ranking.columns:
            raise ValueError("a ranking DataFrame needs an 'mi' column (as rank_features "
                             f"returns); got columns {list(selector_or_ranking.columns)}.")
        return selector_or_ranking
    if isinstance(selector_or_ranking, pd.Series):
        return selector_or_ranking.rename("mi").to_frame()
    scores = getattr(selector_or_ranking, "scores_", None)
    order = getattr(selector_or_ranking, "ranking_", None)
    if scores is None or order is None:
        raise TypeError("plot_ranking takes a rank_features DataFrame, a Series of scores or "
                        "a fitted MutualInfoSelector (with scores_ and ranking_); got "
                        f"{type(selector_or_ranking).__name__}.")
    scores = np.asarray(scores, dtype=float)
    order = np.asarray(order, dtype=int)
    names = np.asarray(_feature_names(selector_or_ranking, scores.size), dtype=object)
    frame = pd.DataFrame({"mi": scores[order]}, index=pd.Index(names[order], name="feature"))
    pvalues = getattr(selector_or_ranking, "pvalues_", None)
    if pvalues is not None:
        frame["pvalue"] = np.asarray(pvalues, dtype=float)[order]
    return frame


def _ci_bounds(frame):
    if "ci_low" in frame.columns and "ci_high" in frame.columns:
        return frame["ci_low"].to_numpy(float), frame["ci_high"].to_numpy(float)
    return None


def plot_ranking(selector_or_ranking, ax=None, *, top=None, alpha=0.05):
    """Horizontal bar chart of features' mutual information with the target, best on top.

    Parameters
    ----------
    selector_or_ranking : DataFrame, Series or fitted selector
        The output of :func:`mifeatures.rank_features` (an ``mi`` column,
        indexed by feature, best first), a Series of scores indexed by
        feature, or a fitted ``MutualInfoSelector`` (its ``scores_`` in the
        order of its ``ranking_``).
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    top : int, default=None
        Draw only the first ``top`` features (all when None).
    alpha : float, default=0.05
        With a ``qvalue`` column (else ``pvalue``; from
        ``rank_features(..., n_permutations=N)``), bars whose value is at or
        above ``alpha`` are drawn grey, and each bar is labelled with its
        q- or p-value.

    Returns
    -------
    matplotlib Axes
        One bar per feature, its length the MI (in the ranking's unit). When
        the ranking has confidence bounds (``ci_low`` and ``ci_high``, from
        ``rank_features(..., bootstrap=B)``), they are drawn as error bars.
    """
    frame = _ranking_frame(selector_or_ranking)
    if top is not None:
        frame = frame.iloc[:top]
    ax = _axes(ax)
    positions = np.arange(len(frame))[::-1]  # best on top
    values = frame["mi"].to_numpy(float)
    test = "qvalue" if "qvalue" in frame.columns else "pvalue" if "pvalue" in frame else None
    colours = ["C0"] * len(frame)
    if test is not None:
        significant = frame[test].to_numpy(float) < alpha
        colours = ["C0" if keep else GREY for keep in significant]
    bounds = _ci_bounds(frame)
    xerr = None if bounds is None else np.vstack([values - bounds[0], bounds[1] - values])
    ax.barh(positions, values, color=colours, xerr=xerr, capsize=3 if xerr is not None else 0)
    ax.set_yticks(positions, [str(name) for name in frame.index])
    if test is not None:
        letter = test[0]
        right = values if bounds is None else bounds[1]
        for y, x, p in zip(positions, right, frame[test].to_numpy(float)):
            ax.annotate(f" {letter}={p:.2g}", (x, y), va="center", fontsize="small")
    ax.set_xlabel("mutual information with the target")
    return ax


def _mi_matrix_frame(df_or_matrix):
    if isinstance(df_or_matrix, pd.DataFrame):
        square = df_or_matrix.shape[0] == df_or_matrix.shape[1]
        if square and df_or_matrix.index.equals(df_or_matrix.columns):
            return df_or_matrix.astype(float)
        from .ranking import mutual_info_matrix

        return mutual_info_matrix(df_or_matrix)
    matrix = np.asarray(df_or_matrix, dtype=float)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError("plot_mi_matrix takes a DataFrame of data, an MI matrix DataFrame "
                         f"or a square array; got an array of shape {matrix.shape}.")
    names = [f"x{j}" for j in range(matrix.shape[0])]
    return pd.DataFrame(matrix, index=names, columns=names)


def _cluster_order(matrix):
    """Leaf order of an average-linkage clustering of features by their pairwise MI.

    Distances are ``max(MI) - MI`` off the diagonal, so features sharing much
    information sit next to each other; the leaves are put in optimal order
    (scipy's ``optimal_leaf_ordering``).

    Parameters
    ----------
    matrix : array-like of shape (p, p)
        Symmetric MI matrix; its diagonal is ignored.

    Returns
    -------
    ndarray of int of shape (p,)
    """
    from scipy.cluster.hierarchy import leaves_list, linkage, optimal_leaf_ordering
    from scipy.spatial.distance import squareform

    matrix = np.asarray(matrix, dtype=float)
    p = matrix.shape[0]
    if p < 3:
        return np.arange(p)
    off = ~np.eye(p, dtype=bool)
    distance = np.where(off, matrix[off].max() - matrix, 0.0)
    distance = np.maximum((distance + distance.T) / 2, 0.0)
    condensed = squareform(distance, checks=False)
    tree = linkage(condensed, method="average")
    return leaves_list(optimal_leaf_ordering(tree, condensed))


def plot_mi_matrix(df_or_matrix, ax=None, *, cluster=True, annotate=None):
    """Heatmap of pairwise mutual information, features ordered by clustering.

    Parameters
    ----------
    df_or_matrix : DataFrame or square array
        An MI matrix (a square DataFrame whose index equals its columns, as
        :func:`mifeatures.mutual_info_matrix` returns, or a square array), or
        a DataFrame of data, whose MI matrix is computed first.
    ax : matplotlib Axes, default=None
    cluster : bool, default=True
        Order the features by average-linkage hierarchical clustering of the
        MI matrix (distances ``max(MI) - MI``, optimal leaf order); otherwise keep their order.
    annotate : bool, default=None
        Write each value in its cell; None does so for at most 12 features.

    Returns
    -------
    matplotlib Axes
        The image holds the (reordered) matrix with its diagonal blanked:
        the diagonal is an entropy (for continuous columns a differential
        entropy), not on the MI scale.
    """
    frame = _mi_matrix_frame(df_or_matrix)
    order = _cluster_order(frame.to_numpy()) if cluster else np.arange(frame.shape[0])
    shown = frame.iloc[order, order].to_numpy(copy=True)
    np.fill_diagonal(shown, np.nan)
    names = [str(name) for name in frame.index[order]]
    ax = _axes(ax)
    image = ax.imshow(shown, cmap="viridis", vmin=0.0)
    ax.figure.colorbar(image, ax=ax, label="mutual information")
    ticks = np.arange(len(names))
    ax.set_xticks(ticks, names, rotation=90)
    ax.set_yticks(ticks, names)
    if annotate or (annotate is None and len(names) <= 12):
        threshold = np.nanmax(shown) / 2 if np.isfinite(shown).any() else 0.0
        for (i, j), value in np.ndenumerate(shown):
            if i != j:
                ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize="small",
                        color="black" if value > threshold else "white")
    return ax


def _feature_position(discretizer, feature):
    names = getattr(discretizer, "feature_names_in_", None)
    if isinstance(feature, str):
        if names is None or feature not in list(names):
            raise ValueError(f"feature {feature!r} is not among the discretizer's features.")
        return list(names).index(feature)
    n_features = len(discretizer.bin_edges_)
    if not isinstance(feature, (int, np.integer)) or not 0 <= feature < n_features:
        raise ValueError(f"feature must be a column name or an index below {n_features}; "
                         f"got {feature!r}.")
    return int(feature)


def _column(X, position):
    if isinstance(X, pd.DataFrame):
        return X.iloc[:, position].to_numpy(dtype=float, na_value=np.nan)
    return np.asarray(X, dtype=float)[:, position]


def plot_bins(discretizer, X, y, feature, ax=None, *, bins=30):
    """Histograms of one feature per class, with the discretizer's cut points.

    Parameters
    ----------
    discretizer : fitted EntropyDiscretizer (or any estimator with ``bin_edges_``)
        ``bin_edges_[j]`` holds the edges of feature j's bins, outer edges
        included (scikit-learn's ``KBinsDiscretizer`` convention).
    X : DataFrame or array of shape (n_samples, n_features)
        The data the discretizer was fitted on (or like it).
    y : array-like of shape (n_samples,) or None
        Class labels: one histogram per class, stacked; None draws one.
    feature : str or int
        Column name (needs ``feature_names_in_``) or index.
    ax : matplotlib Axes, default=None
    bins : int, default=30
        Histogram bins (display only, shared by the classes).

    Returns
    -------
    matplotlib Axes
        Bars of the histograms, and one dashed vertical line at every finite
        inner edge (the cut points). Rows missing in the feature are left out.
    """
    position = _feature_position(discretizer, feature)
    edges = np.asarray(discretizer.bin_edges_[position], dtype=float)
    if edges.size == 0:
        raise ValueError(f"feature {feature!r} was not binned by the discretizer (it passed "
                         "through).")
    x = _column(X, position)
    present = ~np.isnan(x)
    ax = _axes(ax)
    display_bins = np.histogram_bin_edges(x[present], bins=bins)
    if y is None:
        ax.hist(x[present], bins=display_bins, label="all")
    else:
        labels = pd.Series(np.asarray(y)).to_numpy()[present]
        classes = pd.unique(labels)
        ax.hist([x[present][labels == c] for c in classes], bins=display_bins, stacked=True,
                label=[str(c) for c in classes])
    cuts = edges[1:-1]
    for cut in cuts[np.isfinite(cuts)]:
        ax.axvline(cut, color="black", linestyle="--", linewidth=1)
    names = getattr(discretizer, "feature_names_in_", None)
    ax.set_xlabel(str(names[position]) if names is not None else f"x{position}")
    ax.set_ylabel("count")
    ax.legend(title=None if y is None else "class")
    return ax


PATH_COLUMNS = ("criterion", "relevance", "redundancy", "conditional")


def plot_selection_path(selector, ax=None):
    """Terms of the greedy criterion at each step of a feature selection.

    Parameters
    ----------
    selector : fitted MutualInfoSelector or DataFrame
        Its ``selection_path_`` (or that DataFrame itself): one row per step,
        with a ``feature`` column and the terms ``criterion``, ``relevance``,
        ``redundancy``, ``conditional`` (those present are drawn).
    ax : matplotlib Axes, default=None

    Returns
    -------
    matplotlib Axes
        One line per term over steps 1..k, the x tick labels naming the
        feature picked at each step.
    """
    path = selector if isinstance(selector, pd.DataFrame) else getattr(
        selector, "selection_path_", None)
    if path is None:
        raise TypeError("plot_selection_path takes a fitted MutualInfoSelector (with "
                        f"selection_path_) or its path DataFrame; got {type(selector).__name__}.")
    terms = [column for column in PATH_COLUMNS if column in path.columns]
    if "feature" not in path.columns or not terms:
        raise ValueError("a selection path needs a 'feature' column and at least one of "
                         f"{PATH_COLUMNS}; got columns {list(path.columns)}.")
    ax = _axes(ax)
    steps = np.arange(1, len(path) + 1)
    for term in terms:
        ax.plot(steps, path[term].to_numpy(float), marker="o",
                linewidth=2.5 if term == "criterion" else 1.2, label=term)
    ax.set_xticks(steps, [str(name) for name in path["feature"]], rotation=90)
    ax.set_xlabel("feature picked at each step")
    ax.set_ylabel("information")
    ax.legend()
    return ax
