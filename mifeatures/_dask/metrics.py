"""Clustering metrics of two dask Series: one pass counts, the client finishes.

Each partition counts the occupied cells of its contingency table, keyed by
the raw labels (never by per-partition codes, which differ between
partitions); the tables are tree-summed and the client computes H(U), H(V)
and H(U, V) from the summed table with the functions the single-machine
path uses (``_labelings.contingency_entropies``, ``kernels.clustering`` and
``_emi``), so the scores equal the single-machine ones up to the order of
floating-point sums (about 1e-15).
"""

import warnings

import numpy as np

from .. import _adapters, _emi, _labelings
from ..kernels import clustering
from . import _collections, _tables

NAMES = ("labels_true", "labels_pred")


def _count_pair(part):
    """Worker: the LabelTable of one partition, and whether either labeling is non-integer."""
    encoded, continuous = [], []
    for name in NAMES:
        column = part[name]
        if _adapters.missing_mask(column) is not None:
            raise ValueError(f"{name} contains missing values (NaN or None); every sample "
                             "needs a label. Drop those samples or give them a label of "
                             "their own.")
        encoded.append(_tables.encode_labels(column, name))
        continuous.append(_non_integer_floats(column))
    return _tables.pair_table(*encoded), np.array(continuous)


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
    n = table.n
    h_u, h_v, h_joint, n_rows, n_cols = _labelings.contingency_entropies(_sparse(table))
    if metric in ("vi", "nvi"):
        n_cells = np.count_nonzero(table.count)
        identical = (n_cells == n_rows) & (n_cells == n_cols)
        vi = clustering.variation_of_information(np, h_u, h_v, h_joint, identical)
        if metric == "vi":
            return float(vi)
        return float(clustering.normalized_variation_of_information(np, vi, h_joint, n,
                                                                    normalization))
    single_u, single_v = n_rows == 1, n_cols == 1
    mi = clustering.mutual_info(np, h_u, h_v, h_joint, single_u, single_v)
    if metric == "mi":
        return float(mi)
    if metric == "nmi":
        return float(clustering.normalized_mutual_info(np, mi, h_u, h_v, single_u, single_v,
                                                       average_method))
    sizes_u = np.zeros(len(table.row_values), dtype=np.int64)
    np.add.at(sizes_u, table.row, table.count)
    sizes_v = np.zeros(len(table.col_values), dtype=np.int64)
    np.add.at(sizes_v, table.col, table.count)
    a, b, weight, group = _emi.size_pairs([sizes_u, sizes_v], (np.array([0]), np.array([1])))
    emi = _emi.expected_mutual_info(a, b, weight, group, n, 1)[0]
    return float(clustering.adjusted_mutual_info(np, mi, emi, h_u, h_v, single_u, single_v,
                                                 average_method))


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
