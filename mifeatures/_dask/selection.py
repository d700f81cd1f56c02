"""``MutualInfoSelector`` on a dask DataFrame: the in-memory greedy over summed tables.

Passes over the data in ``fit``:

1. continuous columns (and a continuous target) get exact quantile edges
   (:mod:`._quantiles`), the ones ``EntropyDiscretizer(strategy="quantile")``
   gives in memory;
2. one pass counts every column against the target (as ``rank_features``
   does): the relevance terms, and each column's labels;
3. then, by the selector's ``passes``:

   - ``"per_step"``: one pass turns every row into global integer codes,
     persisted on the workers (4 n p bytes: they must fit in the cluster's
     memory), and each greedy step after the first is one pass over the
     codes: the table of every column against the joint code (X_j, Y) of the
     feature just selected, from which the client reads both I(X_k; X_j)
     (summing over Y) and I(X_k; X_j Y);
   - ``"one"``: a single pass counts (X_k, X_j, Y) for every pair of columns
     (:mod:`._pairs`; nothing is persisted), and every greedy step reads its
     tables from that sum on the client;
   - ``"auto"``: ``"one"`` when the pair tables fit ``PAIR_TABLES_BYTES`` and
     the steps asked for would count at least as many tables, else
     ``"per_step"`` (:func:`choose_passes`).

The greedy itself is the in-memory one (``selection._forward_selection``),
given an object that answers its questions from those tables, so the
selection order is the same as in memory on the same data (plug-in MI of
binned columns is computed by the same engine code), and both modes hand it
the same tables.

Difference from memory: ``scores_`` is the plug-in relevance of the greedy
(binned for continuous columns), not the kNN estimate, which needs every
row's neighbours.
"""

import warnings

import numpy as np

from ..kernels import clustering
from . import _collections, _pairs, _partitions, _tables
from .ranking import bin_edges, plugin_mutual_info

TARGET = "__mifeatures_target__"

# Most bytes of pair tables that passes="one" (or "auto") collects. A node of
# the reduction tree holds up to SPLIT_EVERY + 1 such vectors (inputs and
# their sum, 9 x 64 MiB), so a worker stays well under 1 GB for it.
PAIR_TABLES_BYTES = 1 << 26


def fit(selector, X, y):
    """Fit ``selector`` (a MutualInfoSelector) on a dask DataFrame and Series; returns it."""

    from .. import selection
    from .._sklearn_compat import _check_feature_names, _check_n_features

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
    with warnings.catch_warnings():  # k > n_features warns once, when the path is stored
        warnings.simplefilter("ignore", UserWarning)
        n_selected = selector._n_selected(len(columns))
    terms = _DaskTerms(frame, plan, target_plan, selector.criterion == "disr")
    selector.scores_ = terms.relevance.copy()
    terms.passes = choose_passes(selector.passes, selector.criterion, n_selected,
                                 terms.layout)
    steps = selection._forward_selection(terms, selector.criterion, selector.beta)
    return selector._store_path(steps, names)


def choose_passes(passes, criterion, n_selected, layout):
    """``"one"`` or ``"per_step"``: how the greedy steps read the data.

    ``mim`` needs no pair terms (no pass either way). Otherwise selecting
    ``n_selected`` features takes ``n_selected - 1`` per-step passes, each
    counting p tables (every column against the last choice), while the one
    pass counts p (p - 1) / 2 tables: ``"auto"`` takes the one pass when it
    counts no more, ``2 (n_selected - 1) >= p - 1`` (k about half the
    features or more), and its tables fit ``PAIR_TABLES_BYTES``. It also
    saves the pass that persists the codes, and their memory on the workers.

    ``passes="one"`` whose tables would not fit raises a ValueError, before
    any pair is counted.
    """
    if criterion == "mim":
        return "per_step"
    p = layout.levels.shape[0]
    fits = layout.nbytes <= PAIR_TABLES_BYTES
    if passes == "one" and not fits:
        raise ValueError(
            f"passes='one' would collect the tables of all {p * (p - 1) // 2} pairs of "
            f"features jointly with y: {layout.nbytes / 2**20:,.0f} MiB of counts, above "
            f"the {PAIR_TABLES_BYTES / 2**20:.0f} MiB budget. Use passes='per_step' (one "
            "pass per greedy step) or passes='auto'.")
    if passes == "auto":
        return "one" if fits and 2 * (n_selected - 1) >= p - 1 else "per_step"
    return passes


def _entropy(counts):
    counts = np.asarray(counts)
    n = counts.sum()
    return float(clustering.entropy_terms(np, counts, clustering.log_counts(np, counts),
                                          max(n, 1)).sum())


class _DaskTerms:
    """What ``selection._forward_selection`` asks of its terms, answered from dask passes.

    ``column(j)`` and ``with_target(j)`` return tokens; ``mutual_info`` of
    either reads the tables of every column against the joint code
    (X_j, Y): counted by one pass over the persisted codes (``"per_step"``)
    or taken from the pair tables of the one pass (``"one"``). Passes run
    when a table is first asked for, so a selection of one feature runs none.
    """

    def __init__(self, frame, plan, target_plan, need_entropies):
        tables, target_counts = _collections.map_reduce(
            frame, _partitions.count_against_target, _partitions.merge_counts, plan,
            target_plan, "complete")
        if target_counts.n == 0:
            raise ValueError("X is empty: at least one sample is needed.")
        self.frame, self.plan, self.target_plan = frame, plan, target_plan
        self.values = [t.row_values for t in tables]
        self.target_values = target_counts.row_values
        self.levels = np.array([len(v) for v in self.values])
        self.target_levels = len(self.target_values)
        self.tables = tables  # each column's table with y (rows in the order of its codes)
        sizes = [np.bincount(t.row, weights=t.count, minlength=len(t.row_values))
                 for t in tables]
        self.constant = np.array([np.count_nonzero(s) <= 1 for s in sizes])
        self.relevance = np.zeros(len(tables))
        if np.count_nonzero(target_counts.count) > 1:
            self.relevance = np.maximum(plugin_mutual_info(tables, self.target_values), 0.0)
        self.entropies = np.array([_entropy(s) for s in sizes]) if need_entropies else None
        self.layout = _pairs.PairLayout(self.levels, self.target_levels)
        self.passes = "per_step"  # or "one": how the tables of the steps are read
        self._codes = self._pairs = None
        self._cached = {}

    def column(self, j):
        return ("pair", j)

    def with_target(self, j):
        return ("joint", j)

    def _tables(self, j):
        if j not in self._cached:
            read = self._from_pairs if self.passes == "one" else self._from_codes
            self._cached = {j: read(j)}
        return self._cached[j]

    def _from_codes(self, j):
        """One pass over the persisted codes: every column against (X_j, Y)."""
        if self._codes is None:
            self._codes = self.frame.map_partitions(
                _partitions.global_codes, self.plan, self.target_plan, self.values,
                self.target_values, meta=_partitions.codes_meta(len(self.plan))).persist()
        return _collections.map_reduce(self._codes, _partitions.tables_against_joint,
                                       _tables.merge_table_lists, j, self.levels,
                                       self.target_levels)

    def _from_pairs(self, j):
        """Every column against (X_j, Y), read from the pair tables (counted once)."""
        layout = self.layout
        if self._pairs is None:
            self._pairs = _collections.map_reduce(
                self.frame, _partitions.pair_tables, _pairs.merge_sums, self.plan,
                self.target_plan, self.values, self.target_values, layout)
        joint_values = np.arange(self.levels[j] * self.target_levels)
        tables = []
        for k in range(len(self.plan)):
            counts = self._diagonal(j) if k == j else layout.against_joint(self._pairs, j, k)
            row, col = np.nonzero(counts)
            tables.append(_tables.LabelTable(np.arange(self.levels[k]), joint_values, row, col,
                                             counts[row, col]))
        return tables

    def _diagonal(self, j):
        """The table of X_j against (X_j, Y): the count of (a, y) at row a, column a C + y."""
        counts = self.tables[j].aligned(col_values=self.target_values)
        diagonal = np.zeros((self.levels[j], self.levels[j], self.target_levels), np.int64)
        diagonal[np.arange(self.levels[j]), np.arange(self.levels[j])] = counts
        return diagonal.reshape(self.levels[j], -1)

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


def transform(selector, X):
    """The selected columns of a dask DataFrame, in their order in X (a dask DataFrame)."""
    from sklearn.utils.validation import check_is_fitted

    from .._sklearn_compat import _check_feature_names, _check_n_features

    check_is_fitted(selector)
    if not _collections.is_frame(X):
        raise TypeError(f"X must be a dask DataFrame here; got {type(X).__name__}.")
    _check_feature_names(selector, X._meta, reset=False)
    _check_n_features(selector, X._meta, reset=False)
    keep = np.flatnonzero(selector.get_support())
    return X[[X.columns[j] for j in keep]]
