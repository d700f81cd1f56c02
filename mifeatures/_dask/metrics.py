"""Clustering metrics of dask Series: one pass counts, the client finishes.

Each partition counts the occupied cells of its contingency table, keyed by
the raw labels (never by per-partition codes, which differ between
partitions); the tables are tree-summed and the client computes H(U), H(V)
and H(U, V) from the summed table with the functions the single-machine
path uses (``_labelings.contingency_entropies``, ``kernels.clustering`` and
``_emi``), so the scores equal the single-machine ones up to the order of
floating-point sums (about 1e-15). ``pairwise_scores`` counts the tables of
all pairs of its labelings in the same single pass.
"""

import warnings

import numpy as np

from .. import _adapters, _emi, _labelings
from . import _collections, _tables

NAMES = ("labels_true", "labels_pred")


def _count_pair(part):
    """Worker: the LabelTable of one partition, and whether either labeling is non-integer."""
    encoded, continuous = _encoded_labelings([part[name] for name in NAMES], NAMES)
    return _tables.pair_table(*encoded), continuous


def _encoded_labelings(columns, names):
    """Worker: each labeling's codes (``_tables.encode_labels``) and whether it holds
    non-integer floats; a ValueError naming a labeling with missing values."""
    encoded, continuous = [], []
    for column, name in zip(columns, names):
        if _adapters.missing_mask(column) is not None:
            raise ValueError(f"{name} contains missing values (NaN or None); every sample "
                             "needs a label. Drop those samples or give them a label of "
                             "their own.")
        encoded.append(_tables.encode_labels(column, name))
        continuous.append(_non_integer_floats(column))
    return encoded, np.array(continuous)


def _non_integer_floats(column):
    if column.dtype.kind != "f":
        return False
    values = column.to_numpy(dtype=np.float64)
    return bool(np.any(values != np.floor(values)))


def _merge(results):
    table = _tables.merge_tables([table for table, _ in results])
    return table, np.logical_or.reduce([flags for _, flags in results])


def summed_table(labels_true, labels_pred, warn_continuous=True):
    """The contingency table of two dask Series, as a LabelTable."""
    u = _collections.check_series(labels_true, NAMES[0])
    v = _collections.check_series(labels_pred, NAMES[1])
    frame = _collections.paired_frame(u.rename(NAMES[0]), v, NAMES[0], NAMES[1])
    table, continuous = _collections.map_reduce(frame, _count_pair, _merge)
    if table.n == 0:
        raise ValueError(f"{NAMES[0]} is empty: at least one sample is needed.")
    for name, flag, series in zip(NAMES, continuous, (u, v)):
        # As in memory, where a column of mixed floats and others is of object dtype.
        if flag and warn_continuous and series.dtype.kind == "f":
            warnings.warn(f"Clustering metrics expect discrete labels, but {name} holds "
                          "continuous (non-integer float) values; each distinct value is "
                          "treated as a cluster.", UserWarning, stacklevel=5)
    return table


def _sparse(table):
    from scipy.sparse import coo_matrix

    shape = (len(table.row_values), len(table.col_values))
    return coo_matrix((table.count, (table.row, table.col)), shape=shape)


def pair_score(labels_true, labels_pred, metric, *, average_method="arithmetic",
               normalization="joint"):
    """``metric`` in {"mi", "nmi", "ami", "vi", "nvi"} of two dask Series, in nats."""
    table = summed_table(labels_true, labels_pred)
    return float(table_scores([table], metric, average_method, normalization)[0])


def table_scores(tables, metric, average_method="arithmetic", normalization="joint"):
    """``metric`` (nats) of each summed LabelTable, as ``_labelings.pair_scores`` scores pairs.

    H(U), H(V) and H(U, V) of each table by ``_labelings.contingency_entropies``,
    then the vectorised scores of ``kernels.clustering``; E[I] of all tables
    in one ``_emi`` call. The tables count the same n samples.
    """
    n = tables[0].n
    h_u, h_v, h_joint, n_rows, n_cols = (
        np.array(values) for values in zip(*(_labelings.contingency_entropies(_sparse(t))
                                             for t in tables)))
    n_cells = np.array([np.count_nonzero(t.count) for t in tables])

    def expected_mi():
        sizes = []
        for t in tables:  # row sizes, then column sizes, of each table
            sizes.append(np.bincount(t.row, weights=t.count, minlength=len(t.row_values)))
            sizes.append(np.bincount(t.col, weights=t.count, minlength=len(t.col_values)))
        sizes = [s.astype(np.int64) for s in sizes]
        first = np.arange(0, 2 * len(tables), 2)
        return _emi.expected_mutual_info(*_emi.size_pairs(sizes, (first, first + 1)), n,
                                         len(tables))

    return _labelings.scores_of_tables(metric, n, (h_u, h_v, h_joint), (n_rows, n_cols, n_cells),
                                       expected_mi, average_method=average_method,
                                       normalization=normalization)


def contingency_matrix(labels_true, labels_pred, *, sparse=False):
    """``metrics.contingency_matrix`` of two dask Series (a DataFrame, or csr_matrix)."""
    table = summed_table(labels_true, labels_pred, warn_continuous=False)
    rows, row_values = _observed_sorted(table.row_values, table.row)
    cols, col_values = _observed_sorted(table.col_values, table.col)
    row_position = np.empty(len(table.row_values), dtype=np.intp)
    row_position[rows] = np.arange(rows.shape[0])
    col_position = np.empty(len(table.col_values), dtype=np.intp)
    col_position[cols] = np.arange(cols.shape[0])
    shape = (rows.shape[0], cols.shape[0])
    if sparse:
        from scipy.sparse import csr_matrix

        return csr_matrix((table.count, (row_position[table.row], col_position[table.col])),
                          shape=shape, dtype=np.int64)
    import pandas as pd

    dense = np.zeros(shape, dtype=np.int64)
    dense[row_position[table.row], col_position[table.col]] = table.count
    return pd.DataFrame(dense, index=pd.Index(row_values, name=labels_true.name),
                        columns=pd.Index(col_values, name=labels_pred.name))


def _observed_sorted(values, used):
    """Positions of the labels that occur and their values, sorted as ``_labelings`` sorts."""
    observed = np.unique(used)
    labels = values[observed]
    try:
        order = np.argsort(labels, kind="stable")
    except TypeError:
        order = np.arange(observed.shape[0])
    return observed[order], labels[order]


# ---------------------------------------------------------------------------
# pairwise_scores: every pair's table from one pass
# ---------------------------------------------------------------------------


def _count_all_pairs(part, names):
    """Worker: the LabelTable of every pair i < j of the partition's columns (by position),
    each labeling's label counts, and which labelings hold non-integer floats."""
    encoded, continuous = _encoded_labelings([part.iloc[:, j] for j in range(len(names))],
                                             names)
    pairs = []
    for i in range(len(encoded) - 1):
        pairs += _tables.tables_against(encoded[i + 1:], encoded[i])
    counts = [_tables.label_counts(e) for e in encoded]
    return pairs, counts, continuous


def _merge_all_pairs(results):
    pairs = _tables.merge_table_lists([pairs for pairs, _, _ in results])
    counts = _tables.merge_table_lists([counts for _, counts, _ in results])
    return pairs, counts, np.logical_or.reduce([flags for _, _, flags in results])


def _diagonal(counts):
    """The table of a labeling with itself, from its label counts."""
    return _tables.LabelTable(counts.row_values, counts.row_values, counts.row, counts.row,
                              counts.count)


def _named_collections(labelings):
    """``(keys, names for messages, frame)`` of the dask containers ``pairwise_scores`` takes.

    The frame holds the labelings as its columns, by position.
    """
    if _collections.is_frame(labelings):
        keys = list(labelings.columns)
        items = None
    elif isinstance(labelings, dict):
        keys, items = list(labelings), list(labelings.values())
    elif isinstance(labelings, (list, tuple)):
        items = list(labelings)
        names = [getattr(x, "name", None) for x in items]
        unique = None not in names and len(set(names)) == len(names)
        keys = names if unique and all(_collections.is_series(x) for x in items) else None
        keys = keys or list(range(len(items)))
    else:
        raise TypeError("labelings must be a dask DataFrame (one labeling per column), or a "
                        "list or dict of dask Series partitioned alike; got "
                        f"{type(labelings).__name__}.")
    if not keys:
        raise ValueError("labelings is empty: at least one labeling is needed.")
    names = _labelings.labeling_names(keys)
    if items is None:
        return keys, names, labelings
    items = [_collections.check_series(x, name) for x, name in zip(items, names)]
    return keys, names, _collections.joined_frame(items, names)


def pairwise_scores(labelings, metric, *, average_method, normalization, scale):
    """``metrics.pairwise_scores`` of dask labelings: a symmetric pandas DataFrame.

    One pass: each partition counts the tables of all pairs of its labelings
    on the raw labels (as :func:`summed_table` counts one pair), the tables
    are tree-summed, and the client scores every pair from its table. The
    diagonal comes from each labeling's label counts. Arguments are checked
    by the caller; ``scale`` divides the scores (the log of ``base``).
    """
    import pandas as pd

    keys, names, frame = _named_collections(labelings)
    pairs, counts, continuous = _collections.map_reduce(frame, _count_all_pairs,
                                                        _merge_all_pairs, names)
    if counts[0].n == 0:
        raise ValueError(f"{names[0]} is empty: at least one sample is needed.")
    for name, flag, dtype in zip(names, continuous, frame._meta.dtypes):
        if flag and dtype.kind == "f":  # as in memory (mixed partitions are object there)
            warnings.warn(f"Clustering metrics expect discrete labels, but {name} holds "
                          "continuous (non-integer float) values; each distinct value is "
                          "treated as a cluster.", UserWarning, stacklevel=4)
    p = len(names)
    first, second = np.triu_indices(p, 1)
    tables = [_diagonal(c) for c in counts] + pairs
    scores = table_scores(tables, metric, average_method, normalization) / scale
    matrix = np.empty((p, p))
    matrix[np.arange(p), np.arange(p)] = scores[:p]
    matrix[first, second] = scores[p:]
    matrix[second, first] = scores[p:]
    return pd.DataFrame(matrix, index=pd.Index(keys), columns=pd.Index(keys))
