"""Labelings in, one score per pair of labelings out: the clustering metrics' engine.

Each labeling is encoded once by ``_adapters`` (any hashable labels become
integer codes). The contingency tables of many pairs are then counted
together: the joint codes of a chunk of pairs are offset into one range and
counted by a single ``np.bincount`` (or, for pairs whose tables would be
huge and sparse, sorted row by row). The joint entropy of each pair then
follows from a histogram of its cell counts (one more ``bincount``) and the
entropy terms of ``kernels.clustering``; every score follows from H(U), H(V)
and H(U, V).

Plain NumPy on the host: contingency-only metrics are a few passes over the
data, which NumPy does at memory speed, so nothing here imports JAX (nor
scikit-learn), and a first call in a fresh process stays cheap.
"""

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import _adapters, _emi
from .kernels import clustering

# A pair's table is counted in a dense array while it has at most this many
# cells per sample (plus a floor); sparser tables by sorting their joint codes
# (measured here: a dense count over 10 cells per sample costs 3x a sort).
DENSE_CELLS_PER_SAMPLE = 2
DENSE_CELLS_FLOOR = 1 << 16
DENSE_CELLS_MAX = 1 << 24
# Work per chunk of pairs (rows plus dense cells): bounds memory near 100 MB.
CHUNK_WORK = 1 << 23


@dataclass(frozen=True)
class Labeling:
    """One labeling as integer codes.

    Attributes
    ----------
    codes : ndarray of intp, shape (n_samples,)
    sizes : ndarray of int64, shape (n_levels,)
        Cluster size of each code; 0 for codes that do not occur.
    name : str
        Name used in error messages.
    column : Series or ndarray
        The labels themselves (for the label values of ``contingency_matrix``).
    """

    codes: np.ndarray
    sizes: np.ndarray
    name: str
    column: object

    @property
    def n_clusters(self):
        return int(np.count_nonzero(self.sizes))


def encode_labels(x, name, warn_continuous=True, stacklevel=3):
    """Encode one 1-D labeling; raise on 2-D, empty, missing or infinite labels.

    Non-integer float labels are used as they are (each distinct value a
    cluster) after a ``UserWarning``, as scikit-learn does.
    """
    if _adapters._is_polars(x):
        x = x.to_pandas()
    if isinstance(x, pd.DataFrame):
        raise ValueError(f"{name} must be 1-D; got a DataFrame of shape {x.shape}.")
    if not isinstance(x, pd.Series):
        x = np.asarray(x)
        if x.ndim != 1:
            raise ValueError(f"{name} must be 1-D; got an array of shape {x.shape}.")
    _, (column,) = _adapters.as_columns(x, name)
    if _adapters.missing_mask(column) is not None:
        raise ValueError(f"{name} contains missing values (NaN or None); every sample "
                         "needs a label. Drop those samples or give them a label of their own.")
    codes, n_levels = _adapters.encode_column(column, name)
    if warn_continuous and column.dtype.kind == "f":
        values = column.to_numpy(dtype=np.float64) if isinstance(column, pd.Series) else column
        if np.any(values != np.floor(values)):
            warnings.warn(f"Clustering metrics expect discrete labels, but {name} holds "
                          "continuous (non-integer float) values; each distinct value is "
                          "treated as a cluster.", UserWarning, stacklevel=stacklevel)
    codes = np.asarray(codes).astype(np.intp, copy=False)
    return Labeling(codes, np.bincount(codes, minlength=n_levels), name, column)


def encode_labelings(named, warn_continuous=True, stacklevel=4):
    """Encode ``{name: labels}`` and check that all have the same length.

    ``stacklevel`` counts frames from ``encode_labels`` up to the user's call
    (4: the caller of this function's caller).
    """
    labelings = []
    for name, x in named.items():  # a loop, not a comprehension: its frame would count
        labelings.append(encode_labels(x, name, warn_continuous, stacklevel))
    _adapters.check_lengths({lab.name: lab.codes.shape[0] for lab in labelings})
    return labelings


def named_labelings(labelings):
    """``(keys, {name for messages: labels})`` of the containers ``pairwise_scores`` takes."""
    if isinstance(labelings, pd.DataFrame):
        keys = list(labelings.columns)
        items = [labelings.iloc[:, j] for j in range(labelings.shape[1])]
    elif isinstance(labelings, dict):
        keys, items = list(labelings), list(labelings.values())
    elif isinstance(labelings, np.ndarray) and labelings.ndim == 2:
        keys = list(range(labelings.shape[1]))
        items = [labelings[:, j] for j in range(labelings.shape[1])]
    elif isinstance(labelings, (list, tuple)):
        items = list(labelings)
        names = [getattr(x, "name", None) for x in items]
        unique = None not in names and len(set(names)) == len(names)
        keys = names if unique and all(isinstance(x, pd.Series) for x in items) else None
        keys = keys or list(range(len(items)))
    else:
        raise TypeError("labelings must be a DataFrame (one labeling per column), a list or "
                        f"dict of labelings, or a 2-D array; got {type(labelings).__name__}.")
    if not items:
        raise ValueError("labelings is empty: at least one labeling is needed.")
    return keys, dict(zip(labeling_names(keys), items))


def labeling_names(keys):
    """Names of labelings for messages: ``labelings[key]``, with the position when keys repeat."""
    names = [f"labelings[{key!r}]" for key in keys]
    if len(set(names)) < len(names):  # repeated column names
        names = [f"labelings[{j}] ({key!r})" for j, key in enumerate(keys)]
    return names


def contingency_entropies(contingency):
    """``(H(U), H(V), H(U, V), n_rows, n_cols)`` of a given table of counts.

    ``n_rows`` and ``n_cols`` count the occupied rows and columns.
    """
    if hasattr(contingency, "tocoo"):  # scipy.sparse, without importing scipy
        cells = contingency.tocoo(copy=True)
        cells.sum_duplicates()
        data = np.asarray(cells.data)
        rows = np.asarray(contingency.sum(axis=1)).ravel()
        cols = np.asarray(contingency.sum(axis=0)).ravel()
    else:
        table = np.asarray(contingency)
        if table.ndim != 2:
            raise ValueError(f"contingency must be a 2-D table; got shape {table.shape}.")
        data, rows, cols = table.ravel(), table.sum(axis=1), table.sum(axis=0)
    if data.dtype.kind not in "iubf":
        raise ValueError(f"contingency must hold counts; got values of dtype {data.dtype}.")
    if data.dtype.kind == "f" and not (np.isfinite(data) & (data == np.floor(data))).all():
        raise ValueError("contingency must hold counts; it has non-integer or infinite values.")
    if data.size and data.min() < 0:
        raise ValueError("contingency must hold counts; it has negative entries.")
    n = int(rows.sum())
    if n == 0:
        raise ValueError("contingency is empty: it counts no samples.")
    h_u, h_v, h_joint = (
        clustering.entropy_terms(np, c, clustering.log_counts(np, c), n).sum()
        for c in (rows, cols, data))
    return h_u, h_v, h_joint, np.count_nonzero(rows), np.count_nonzero(cols)


def _chunks(cost, budget):
    """Split consecutive items into runs whose summed cost stays near ``budget``."""
    ends = np.cumsum(cost)
    bounds = np.flatnonzero(np.diff(ends // budget)) + 1
    return np.split(np.arange(cost.shape[0]), bounds)


def _is_dense(n_cells, n):
    """Count a table in a dense array (else by sorting its joint codes)?"""
    return n_cells <= min(DENSE_CELLS_PER_SAMPLE * n + DENSE_CELLS_FLOOR, DENSE_CELLS_MAX)


def _count_cells(labelings, n_levels, first, second, dense, keep_empty=False):
    """Occupied cells of the tables of the pairs ``(first[t], second[t])``.

    The joint codes ``u * k_v + v`` of all pairs are laid out as the rows of
    one array (written pair by pair, two passes each) and counted at once:
    offset into disjoint ranges and ``bincount``-ed (dense), or sorted row by
    row and cut into runs (sparse).

    Returns ``(pair, joint, count)``: for each occupied cell, the position of
    its pair in the chunk (None when there is only one pair), its joint code
    ``row * k_v + col`` and its count; cells come in the order of their pairs.
    ``keep_empty`` (one dense pair only) returns the whole table as ``count``
    instead, empty cells included, with ``joint`` None.
    """
    n = labelings[0].codes.shape[0]
    joint = np.empty((first.shape[0], n), dtype=np.int64)
    for codes, i, j in zip(joint, first, second):
        np.multiply(labelings[i].codes, n_levels[j], out=codes)
        codes += labelings[j].codes
    single = first.shape[0] == 1
    if dense:
        cells = n_levels[first] * n_levels[second]
        offsets = np.cumsum(cells) - cells
        if not single:
            joint += offsets[:, None]
        table = np.bincount(joint.ravel(), minlength=int(cells.sum()))
        if single and keep_empty:
            return None, None, table
        local = np.flatnonzero(table)
        count = table[local]
        if single:
            return None, local, count
        pair = np.searchsorted(offsets, local, side="right") - 1
        return pair, local - offsets[pair], count
    joint.sort(axis=1)
    flat = joint.ravel()
    starts = np.empty(flat.shape[0], dtype=bool)
    starts[0] = True
    np.not_equal(flat[1:], flat[:-1], out=starts[1:])
    starts[::n] = True  # every pair's row starts a run
    where = np.flatnonzero(starts)
    count = np.diff(where, append=flat.shape[0])
    return (None if single else where // n), flat[where], count


def table_cells(u, v):
    """Occupied cells ``(row, col, count)`` of the contingency table of two labelings."""
    n_levels = np.array([u.sizes.shape[0], v.sizes.shape[0]], dtype=np.int64)
    dense = _is_dense(n_levels.prod(), u.codes.shape[0])
    _, joint, count = _count_cells([u, v], n_levels, np.array([0]), np.array([1]), dense)
    row, col = np.divmod(joint, n_levels[1])
    return row, col, count


def level_values(labeling):
    """Observed codes of a labeling and their label values, sorted by value.

    Labels of types that cannot be compared with each other keep the order of
    their first occurrence.
    """
    observed = np.flatnonzero(labeling.sizes)
    first = np.full(labeling.sizes.shape[0], labeling.codes.shape[0], dtype=np.intp)
    np.minimum.at(first, labeling.codes, np.arange(labeling.codes.shape[0]))
    column = labeling.column
    if isinstance(column, pd.Series):
        values = column.iloc[first[observed]].to_numpy()
    else:
        values = column[first[observed]]
    try:
        order = np.argsort(values, kind="stable")
    except TypeError:
        order = np.arange(observed.shape[0])
    return observed[order], values[order]


def joint_entropies(labelings, first, second):
    """Joint entropy H(U, V) (nats) and number of occupied cells of many pairs.

    Parameters
    ----------
    labelings : list of Labeling, all of the same length
    first, second : int ndarray of shape (n_pairs,)
        The pairs, as indices into ``labelings``.

    Returns
    -------
    h_joint : ndarray of float64, shape (n_pairs,)
    n_cells : ndarray of int64, shape (n_pairs,)
    """
    n = labelings[0].codes.shape[0]
    n_levels = np.array([lab.sizes.shape[0] for lab in labelings], dtype=np.int64)
    cells = n_levels[first] * n_levels[second]
    dense = _is_dense(cells, n)
    h_joint = np.zeros(first.shape[0])
    n_cells = np.zeros(first.shape[0], dtype=np.int64)
    for is_dense in (True, False):
        chosen = np.flatnonzero(dense == is_dense)
        cost = n + cells[chosen] * is_dense
        for part in _chunks(cost, CHUNK_WORK) if chosen.size else []:
            where = chosen[part]
            pair, _, count = _count_cells(labelings, n_levels, first[where], second[where],
                                          is_dense, keep_empty=True)
            h_joint[where], n_cells[where] = _entropy_sums(count, pair, where.shape[0], n)
    return h_joint, n_cells


def _entropy_sums(count, pair, n_pairs, n):
    """Per pair, the summed ``entropy_terms`` of its cells and its occupied cells.

    Cells with equal counts have equal terms, so when there are fewer
    distinct counts than cells (the usual case: many cells, small counts) the
    terms are evaluated once per count value and weighted by a histogram of
    the counts; otherwise once per cell. Zero counts contribute nothing.
    """
    largest = int(count.max())
    if n_pairs * (largest + 1) <= count.shape[0]:
        key = count if pair is None else pair * (largest + 1) + count
        histogram = np.bincount(key, minlength=n_pairs * (largest + 1))
        histogram = histogram.reshape(n_pairs, largest + 1)
        values = np.arange(largest + 1)
        terms = clustering.entropy_terms(np, values, clustering.log_counts(np, values), n)
        return histogram @ terms, histogram[:, 1:].sum(axis=1)
    terms = clustering.entropy_terms(np, count, clustering.log_counts(np, count), n)
    if pair is None:
        return terms.sum(), np.count_nonzero(count)
    return (np.bincount(pair, weights=terms, minlength=n_pairs),
            np.bincount(pair, minlength=n_pairs))


def entropies(labelings):
    """Plug-in entropy (nats) of each labeling, as scikit-learn's ``_entropy``."""
    n = labelings[0].codes.shape[0]
    return np.array([
        clustering.entropy_terms(np, lab.sizes, clustering.log_counts(np, lab.sizes), n).sum()
        for lab in labelings])


def pair_scores(labelings, first, second, metric, *, average_method="arithmetic",
                normalization="joint"):
    """One score per pair: ``metric`` in {"mi", "nmi", "ami", "vi", "nvi"} (nats)."""
    first = np.asarray(first, dtype=np.int64)
    second = np.asarray(second, dtype=np.int64)
    n = labelings[0].codes.shape[0]
    clusters = np.array([lab.n_clusters for lab in labelings])
    h = entropies(labelings)
    h_u, h_v = h[first], h[second]
    h_joint, n_cells = joint_entropies(labelings, first, second)

    def expected_mi():
        sizes = [lab.sizes for lab in labelings]
        return _emi.expected_mutual_info(*_emi.size_pairs(sizes, (first, second)), n,
                                         first.shape[0])

    return scores_of_tables(metric, n, (h_u, h_v, h_joint),
                            (clusters[first], clusters[second], n_cells), expected_mi,
                            average_method=average_method, normalization=normalization)


def scores_of_tables(metric, n, entropies, shapes, expected_mi, *, average_method="arithmetic",
                     normalization="joint"):
    """``metric`` of many contingency tables of n samples, from their entropies (nats).

    Parameters
    ----------
    metric : {"mi", "nmi", "ami", "vi", "nvi"}
    n : int
    entropies : tuple of three float arrays
        H(U), H(V) and H(U, V) of each table.
    shapes : tuple of three int arrays
        Rows (clusters of U), columns (clusters of V) and non-zero cells of each table.
    expected_mi : callable
        Returns E[I] of each table; called for ``"ami"`` only (it is the costly part).
    """
    h_u, h_v, h_joint = entropies
    rows, columns, n_cells = shapes
    if metric in ("vi", "nvi"):
        identical = (n_cells == rows) & (n_cells == columns)
        vi = clustering.variation_of_information(np, h_u, h_v, h_joint, identical)
        if metric == "vi":
            return vi
        return clustering.normalized_variation_of_information(np, vi, h_joint, n,
                                                              normalization)
    single_u, single_v = rows == 1, columns == 1
    mi = clustering.mutual_info(np, h_u, h_v, h_joint, single_u, single_v)
    if metric == "mi":
        return mi
    if metric == "nmi":
        return clustering.normalized_mutual_info(np, mi, h_u, h_v, single_u, single_v,
                                                 average_method)
    return clustering.adjusted_mutual_info(np, mi, expected_mi(), h_u, h_v, single_u, single_v,
                                           average_method)
