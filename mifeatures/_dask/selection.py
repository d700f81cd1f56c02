"""``MutualInfoSelector.fit`` on a dask DataFrame: the in-memory greedy over summed tables.

Passes over the data:

1. continuous columns (and a continuous target) get exact quantile edges
   (:mod:`._quantiles`), the ones ``EntropyDiscretizer(strategy="quantile")``
   gives in memory;
2. one pass counts every column against the target (as ``rank_features``
   does): the relevance terms, and each column's labels;
3. one pass turns every row into global integer codes, persisted on the
   workers (the codes of n rows and p columns take 4 n p bytes: they must fit
   in the cluster's memory);
4. each greedy step is one pass over the codes: the table of every column
   against the joint code (X_j, Y) of the feature just selected, from which
   the client reads both I(X_k; X_j) (summing over Y) and I(X_k; X_j Y).

The greedy itself is the in-memory one (``selection._forward_selection``),
given an object that answers its questions from those tables, so the
selection order is the same as in memory on the same data (plug-in MI of
binned columns is computed by the same engine code).

Difference from memory: ``scores_`` is the plug-in relevance of the greedy
(binned for continuous columns), not the kNN estimate, which needs every
row's neighbours.
"""

import numpy as np

from ..kernels import clustering
from . import _collections, _partitions, _tables
from .ranking import bin_edges, plugin_mutual_info

TARGET = "__mifeatures_target__"


def fit(selector, X, y):
    """Fit ``selector`` (a MutualInfoSelector) on a dask DataFrame and Series; returns it."""

    from sklearn.utils.validation import _check_feature_names, _check_n_features

    from .. import selection

    if not _collections.is_frame(X):
        raise TypeError(f"X must be a dask DataFrame; got {type(X).__name__}.")
    if not _collections.is_series(y):
        raise TypeError("with a dask DataFrame X, y must be a dask Series partitioned like X; "
                        f"got {type(y).__name__}.")
    meta = X._meta
    _check_feature_names(selector, meta, reset=True)
    _check_n_features(selector, meta, reset=True)
    columns = _collections.frame_columns(X)
    names = [str(c) for c in columns]
    selector.discrete_features_ = selector._discrete_mask([meta[c] for c in columns])
    discrete_target = selector._is_discrete_target(y._meta)
    frame = _collections.paired_frame(X, y, "X", TARGET)
    continuous = [c for c, d in zip(columns, selector.discrete_features_) if not d]
    if not discrete_target:
        continuous.append(TARGET)
    labels = {c: n for c, n in zip(columns, names)} | {TARGET: "y"}
    edges = bin_edges(frame, continuous, selector.n_bins, "complete", labels)
    plan = [(c, labels[c], edges.get(c)) for c in columns]
    target_plan = (TARGET, "y", edges.get(TARGET))
    terms = _DaskTerms(frame, plan, target_plan, selector.criterion == "disr")
    selector.scores_ = terms.relevance.copy()
    steps = selection._forward_selection(terms, selector.criterion, selector.beta)
    return selector._store_path(steps, names)


def _entropy(counts):
    counts = np.asarray(counts)
    n = counts.sum()
    return float(clustering.entropy_terms(np, counts, clustering.log_counts(np, counts),
                                          max(n, 1)).sum())


class _DaskTerms:
    """What ``selection._forward_selection`` asks of its terms, answered from dask passes.

    ``column(j)`` and ``with_target(j)`` return tokens; ``mutual_info`` of
    either runs (or reuses) the one pass that counts every column against
    the joint code (X_j, Y).
    """

    def __init__(self, frame, plan, target_plan, need_entropies):
        tables, target_counts = _collections.map_reduce(
            frame, _partitions.count_against_target, _partitions.merge_counts, plan,
            target_plan, "complete")
        if target_counts.n == 0:
            raise ValueError("X is empty: at least one sample is needed.")
        self.values = [t.row_values for t in tables]
        self.target_values = target_counts.row_values
        self.levels = np.array([len(v) for v in self.values])
        self.target_levels = len(self.target_values)
        sizes = [np.bincount(t.row, weights=t.count, minlength=len(t.row_values))
                 for t in tables]
        self.constant = np.array([np.count_nonzero(s) <= 1 for s in sizes])
        self.relevance = np.zeros(len(tables))
        if np.count_nonzero(target_counts.count) > 1:
            self.relevance = np.maximum(plugin_mutual_info(tables, self.target_values), 0.0)
        self.entropies = np.array([_entropy(s) for s in sizes]) if need_entropies else None
        self.codes = frame.map_partitions(
            _partitions.global_codes, plan, target_plan, self.values, self.target_values,
            meta=_partitions.codes_meta(len(plan))).persist()
        self._cached = {}

    def column(self, j):
        return ("pair", j)

    def with_target(self, j):
        return ("joint", j)

    def _tables(self, j):
        if j not in self._cached:
            self._cached = {j: _collections.map_reduce(
                self.codes, _partitions.tables_against_joint, _tables.merge_table_lists, j,
                self.levels, self.target_levels)}
        return self._cached[j]

    def mutual_info(self, token):
        kind, j = token
        tables = self._tables(j)
        joint_values = np.arange(self.levels[j] * self.target_levels)
        widest = int(self.levels.max())
        if kind == "joint":
            return plugin_mutual_info(tables, joint_values, widest * self.target_levels)
        pairs = [_marginal(t, self.target_levels) for t in tables]
        return plugin_mutual_info(pairs, np.arange(self.levels[j]), widest)

    def entropy(self, token):
        _, j = token
        table = self._tables(j)[0]
        counts = np.zeros(self.levels[j] * self.target_levels, dtype=np.int64)
        np.add.at(counts, table.col_values[table.col], table.count)
        return _entropy(counts)


def _marginal(table, target_levels):
    """The table of X_k against X_j from the table of X_k against (X_j, Y)."""
    col = table.col_values[table.col] // target_levels
    width = int(table.col_values.max(initial=-1)) // target_levels + 1
    keys, counts = _tables.sum_by_key(table.row * width + col, table.count)
    row, col = np.divmod(keys, width)
    return _tables.LabelTable(table.row_values, np.arange(width), row, col, counts)
