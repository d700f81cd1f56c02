"""``EntropyDiscretizer.fit`` on a dask DataFrame, and ``transform`` partition by partition.

Edges equal the in-memory ones on the same data:

- ``"quantile"``: exact distributed quantiles (:mod:`._quantiles`), then the
  discretizer's own trimming;
- ``"uniform"``: the exact minimum and maximum of each column, then the
  discretizer's own ``linspace``;
- ``"mdlp"``: one pass collects, for every binned column, the class counts
  of each of its distinct values (tables tree-summed like the contingency
  tables); the client lays them out as the engine lays out sorted rows
  (candidate cuts, cumulative class counts) and runs the same MDLP scan
  (``_engine._recursion``). The client then holds one row of class counts per
  distinct value of each column: fine for columns with up to millions of
  distinct values, too much for tens of millions (bin those finely first,
  for example with ``strategy="quantile"`` and a large ``n_bins``).

``transform`` maps the in-memory ``transform`` over the partitions: dask in,
dask out (ordinal or dense one-hot; sparse one-hot has no dask DataFrame form).
"""

import numpy as np
import pandas as pd

from . import _collections, _partitions, _quantiles, _tables
from .ranking import quantile_levels

TARGET = "__mifeatures_target__"


def fit(estimator, X, y):
    """Fit ``estimator`` (an EntropyDiscretizer) on a dask DataFrame; returns it."""
    from .. import discretization
    from .._sklearn_compat import _check_feature_names, _check_n_features

    if not _collections.is_frame(X):
        raise TypeError(f"X must be a dask DataFrame; got {type(X).__name__}.")
    meta = X._meta
    _check_feature_names(estimator, meta, reset=True)
    _check_n_features(estimator, meta, reset=True)
    estimator.columns_ = estimator._resolve_columns(meta, True)
    names = estimator._column_names(meta, True)
    columns = [X.columns[j] for j in estimator.columns_]
    binned_names = [names[j] for j in estimator.columns_]
    for j, column in zip(estimator.columns_, columns):
        if not pd.api.types.is_numeric_dtype(meta[column].dtype):
            raise TypeError(f"column {names[j]!r} has dtype {meta[column].dtype}; only "
                            "numeric columns can be binned.")
    if estimator.strategy == "mdlp":
        edges = _mdlp_edges(estimator, X, y, columns, binned_names)
    elif not columns:
        edges = []
    elif estimator.strategy == "quantile":
        edges = _quantile_edges(X, columns, binned_names, estimator.n_bins)
    else:
        ranges = _collections.map_reduce(X[columns], _quantiles.column_range,
                                         _quantiles.merge_ranges, columns, "finite")
        _refuse_empty(ranges, columns, binned_names)
        low_high = np.array([ranges[c] for c in columns], dtype=np.float64).T
        edges = discretization._uniform_edges(low_high, estimator.n_bins)
    return estimator._store_edges(edges)


def _refuse_empty(found, columns, names):
    for column, name in zip(columns, names):
        if found[column] is None:
            raise ValueError(f"column {name!r} has no values: bins need at least one sample.")


def _quantile_edges(X, columns, names, n_bins):
    from ..discretization import _trim_quantile_edges

    def run_pass(function, merge, searches):
        return _collections.map_reduce(X[columns], function, merge, searches, "finite")

    def check_sizes(sizes):
        _refuse_empty({c: sizes[c] or None for c in columns}, columns, names)

    quantiles = _quantiles.exact_quantiles(run_pass, columns, quantile_levels(n_bins),
                                           check_sizes)
    return [_trim_quantile_edges(quantiles[c]) for c in columns]


def _mdlp_edges(estimator, X, y, columns, names):
    from .. import _engine
    from ..discretization import _best_first

    if y is None:
        raise ValueError(f"{type(estimator).__name__} with strategy='mdlp' requires y to be "
                         "passed, but the target y is None: MDLP needs class labels (use "
                         "strategy='quantile' or 'uniform' without y).")
    if not _collections.is_series(y):
        raise TypeError("with a dask DataFrame X, y must be a dask Series partitioned like X; "
                        f"got {type(y).__name__}.")
    frame = _collections.paired_frame(X[columns], y, "X", TARGET)
    tables = _collections.map_reduce(frame, _partitions.value_class_tables,
                                     _tables.merge_table_lists, columns, names, TARGET)
    if not columns:
        return []
    if tables[0].n == 0:
        raise ValueError("X is empty: MDLP needs at least one sample.")
    runs = [_sorted_runs(table, tables[0].col_values) for table in tables]
    present = runs[0][1].sum(axis=0) > 0
    runs = [(values, counts[:, present]) for values, counts in runs]
    splits = _splits(runs, estimator.min_samples_split, _engine)
    return [np.concatenate([[values[0]], _best_first(s, estimator.max_bins), [values[-1]]])
            for (values, _), s in zip(runs, splits)]


def _sorted_runs(table, classes):
    """Distinct values in increasing order and their class counts (values x classes)."""
    counts = table.aligned(col_values=classes)
    order = np.argsort(table.row_values.astype(np.float64), kind="stable")
    return table.row_values.astype(np.float64)[order], counts[order]


def _layout(runs):
    """The engine's flat MDLP layout (``_engine._flat_layout``) built from value runs.

    Feature j's rows are the flat rows ``j n .. (j + 1) n - 1`` in sorted
    order; ``positions`` holds the features' boundaries ``0, n, .., c n`` and
    the rows that start a candidate cut, ``cum`` the class counts of the flat
    rows before each position. A cut before run i is a candidate unless runs
    i - 1 and i are both of one and the same class (Fayyad & Irani's boundary
    points, as ``_engine._candidates`` finds them row by row).

    Returns ``positions, cum, boundaries, n, run_of`` (``run_of``: the run
    that each position starts, within its feature).
    """
    n = int(runs[0][1].sum())
    positions, cums, run_of, boundaries = [], [], [], []
    done = np.zeros(runs[0][1].shape[1], dtype=np.int64)
    for j, (_, counts) in enumerate(runs):
        starts = np.concatenate([[0], np.cumsum(counts.sum(axis=1))])
        pure = np.count_nonzero(counts, axis=1) == 1
        label = counts.argmax(axis=1)
        same = pure[1:] & pure[:-1] & (label[1:] == label[:-1])
        index = np.concatenate([[0], np.flatnonzero(~same) + 1])
        before = np.vstack([np.zeros((1, counts.shape[1]), np.int64), np.cumsum(counts, 0)])
        boundaries.append(sum(len(p) for p in positions))
        positions.append(j * n + starts[index])
        cums.append((done + before[index]).T)
        run_of.append(index)
        done = done + before[-1]
    boundaries.append(sum(len(p) for p in positions))
    positions.append([len(runs) * n])
    cums.append(done[:, None])
    run_of.append([0])
    cum = np.concatenate(cums, axis=1).astype(np.int32)
    return (np.concatenate(positions).astype(np.int64), cum, np.array(boundaries), n,
            np.concatenate(run_of))


def _splits(runs, min_samples_split, engine):
    """MdlpSplits of every column, as ``engine._mdlp_chunk`` makes them from sorted rows."""
    positions, cum, boundaries, n, run_of = _layout(runs)
    flat, parent, gain = engine._recursion(positions, cum, boundaries, n, min_samples_split)
    order = np.argsort(flat)
    flat, parent, gain = flat[order], parent[order], gain[order]
    rows = positions[flat]
    feature = rows // n
    cuts = np.array([engine._midpoints(runs[j][0][run_of[f] - 1], runs[j][0][run_of[f]])
                     for j, f in zip(feature, flat)], dtype=np.float64)
    bounds = np.searchsorted(rows, np.arange(len(runs) + 1) * n)
    parent_rank = np.searchsorted(flat, parent) - bounds[feature]
    parent_rank = np.where(parent < 0, -1, parent_rank)
    return [engine.MdlpSplits(cuts[a:b], parent_rank[a:b], gain[a:b])
            for a, b in zip(bounds[:-1], bounds[1:])]


def transform(estimator, X):
    """The fitted ``estimator``'s transform of each partition: a dask DataFrame."""
    if not _collections.is_frame(X):
        raise TypeError(f"X must be a dask DataFrame; got {type(X).__name__}.")
    if estimator.encode == "onehot":
        raise TypeError("encode='onehot' gives sparse matrices, which dask DataFrames cannot "
                        "hold; use encode='onehot-dense' or 'ordinal' on dask input.")
    meta = estimator.transform(X._meta_nonempty).iloc[:0]
    return X.map_partitions(_partitions.transform, estimator, meta, meta=meta)


def inverse_transform(estimator, X):
    """The fitted ``estimator``'s inverse_transform of each partition: a dask DataFrame.

    Columns are the input features (``feature_names_in_``, else ``x0, x1, ..``);
    their dtype is the in-memory result's, float64 unless passed-through
    columns are not numeric. Values that are not bin codes raise when the
    partition holding them is computed.
    """
    if not _collections.is_frame(X):
        raise TypeError(f"X must be a dask DataFrame; got {type(X).__name__}.")
    width = len(estimator.get_feature_names_out())
    if len(X.columns) != width:
        raise ValueError(f"X has {len(X.columns)} columns; expected {width}, the columns of "
                         "transform's output.")
    names = (list(estimator.feature_names_in_) if hasattr(estimator, "feature_names_in_")
             else [f"x{j}" for j in range(estimator.n_features_in_)])
    dtype = np.result_type(X._meta.to_numpy().dtype, np.float64)
    meta = pd.DataFrame({j: np.zeros(0, dtype=dtype) for j in range(len(names))})
    meta.columns = names
    return X.map_partitions(_partitions.inverse_transform, estimator, meta, meta=meta)
