"""Contingency tables keyed by label values: counted per partition, added anywhere.

Worker-side code (NumPy and pandas only: no dask, no JAX). A partition's
own integer codes mean nothing outside it (``pandas.factorize`` numbers the
labels in the order it meets them), so every table carries the label values
of its rows and columns, and adding two tables first takes the union of
their labels. The cells themselves are counted by the single-machine
counter (``_labelings``), on the partition's codes.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import _adapters, _labelings


class _Missing:
    """The label of a missing value under ``nan_policy="as-category"`` (a singleton)."""

    def __repr__(self):
        return "<missing>"

    def __reduce__(self):
        return (_missing, ())


def _missing():
    return MISSING


MISSING = _Missing()


@dataclass(frozen=True)
class Encoded:
    """One partition's column as integer codes and the label of each code.

    ``codes`` lie in ``[0, len(values)]``; the code ``len(values)`` marks a
    row to leave out (a missing value under ``nan_policy="omit"``).
    """

    codes: np.ndarray
    values: np.ndarray

    @property
    def n_levels(self):
        """Number of codes, the left-out code included."""
        return len(self.values) + 1


# nan_policy values that refuse missing values, each worded as its caller words it:
# the library's functions, EntropyDiscretizer, MutualInfoSelector.
REFUSING = ("raise", "finite", "complete")


def missing_error(name, nan_policy="raise"):
    """The ValueError for a missing value in a column whose ``nan_policy`` refuses them."""
    if nan_policy == "finite":
        return ValueError(f"column {name!r} contains NaN (missing) values; bins need finite "
                          "numbers.")
    if nan_policy == "complete":
        return ValueError(f"{name} contains missing values (NaN); MutualInfoSelector needs "
                          "complete data: impute them or drop those rows first.")
    return ValueError(f"{name} contains missing values (NaN or None); pass "
                      "nan_policy='omit' to drop those rows or "
                      "nan_policy='as-category' to count them as a level.")


def infinite_error(name, nan_policy="raise"):
    if nan_policy == "finite":
        return ValueError(f"column {name!r} contains inf values; bins need finite numbers.")
    return ValueError(f"{name} contains infinite values.")


def encode_labels(column, name, nan_policy="raise"):
    """Codes and label values of a discrete column of one partition.

    Integers already in a small range are used as they are (no hashing);
    categoricals use their categories; anything else goes through
    ``pandas.factorize``. Missing values follow ``nan_policy`` (``"raise"``:
    a ValueError naming the column).

    Returns
    -------
    Encoded
    """
    mask = _adapters.missing_mask(column)
    if mask is not None and nan_policy in REFUSING:
        raise missing_error(name, nan_policy)
    codes, values = _codes_and_values(column, name)
    if mask is None:
        return Encoded(codes, values)
    if nan_policy == "as-category":
        values = np.append(values.astype(object), MISSING)
        return Encoded(np.where(mask, len(values) - 1, codes), values)
    return Encoded(np.where(mask, len(values), codes), values)


def _codes_and_values(column, name):
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(), np.asarray(column.cat.categories.to_numpy())
    array = column.to_numpy() if not isinstance(column.dtype, pd.api.extensions.ExtensionDtype) \
        else None
    if array is not None and array.dtype.kind == "b":
        return array.view(np.int8), np.array([False, True])
    if array is not None and array.dtype.kind in "iu":
        if array.shape[0] == 0:
            return array, array[:0]
        low, high = int(array.min()), int(array.max())
        if high - low < max(_adapters.SMALL_CODES_FLOOR, array.shape[0]):
            codes = array if low >= 0 else array.astype(np.int64) - low
            start = min(low, 0)
            return codes, np.arange(start, high + 1).astype(array.dtype)
    if array is not None and array.dtype.kind == "f":
        _adapters._check_finite(array, name)
    elif column.dtype.kind == "f":
        _adapters._check_finite(column.to_numpy(dtype=float, na_value=np.nan), name)
    try:
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
    except TypeError as exc:
        raise TypeError(f"{name} holds values that cannot be used as categories "
                        f"(they must be hashable, such as strings or numbers): {exc}") from None
    return codes, np.asarray(uniques)


def float_values(column, name):
    """A partition's column as float64 with NaN for missing; TypeError naming it if not numeric."""
    try:
        x = column.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be numeric to be binned as a continuous column; pass "
                        "discrete_features to mark it discrete.") from None
    return x


def bin_values(column, name, edges, nan_policy="raise"):
    """Bin a continuous column of one partition, as ``KBinsDiscretizer.transform`` does.

    ``np.searchsorted(edges[1:-1], x, side="right")``: values below the
    first inner edge fall in bin 0 and above the last in the last bin. The
    labels are the bin numbers. Missing values raise (a refusing
    ``nan_policy``) or are left out (any other: a bin is no category).
    """
    x = float_values(column, name)
    missing = np.isnan(x)
    if missing.any() and nan_policy in REFUSING:
        raise missing_error(name, nan_policy)
    if np.isinf(x).any():
        raise infinite_error(name, nan_policy)
    n_bins = len(edges) - 1
    codes = np.searchsorted(edges[1:-1], x, side="right")
    if missing.any():
        codes[missing] = n_bins
    return Encoded(codes, np.arange(n_bins))


@dataclass(frozen=True)
class LabelTable:
    """A sparse contingency table whose rows and columns are label values.

    Attributes
    ----------
    row_values, col_values : ndarray
        The labels of the rows and columns (distinct).
    row, col, count : ndarray of int64
        The occupied cells: their row and column positions and counts.
    """

    row_values: np.ndarray
    col_values: np.ndarray
    row: np.ndarray
    col: np.ndarray
    count: np.ndarray

    @property
    def n(self):
        return int(self.count.sum())

    def dense(self):
        """The table as a dense int64 array."""
        table = np.zeros((len(self.row_values), len(self.col_values)), dtype=np.int64)
        table[self.row, self.col] = self.count
        return table

    def aligned(self, row_values=None, col_values=None):
        """This table as a dense array over the given labels (a superset of its own)."""
        rows = _positions(self.row_values, row_values)
        cols = _positions(self.col_values, col_values)
        n_rows = len(self.row_values if row_values is None else row_values)
        n_cols = len(self.col_values if col_values is None else col_values)
        table = np.zeros((n_rows, n_cols), dtype=np.int64)
        table[rows[self.row], cols[self.col]] = self.count
        return table


def _positions(values, target):
    if target is None:
        return np.arange(len(values))
    positions = pd.Index(target).get_indexer(values)
    if (positions < 0).any():
        raise ValueError("a label of the table is not among the labels to align it to.")
    return positions


def tables_against(features, target, names=None):
    """Contingency tables of several encoded columns against one, for one partition.

    All pairs are counted by ``_labelings``' counter (dense ``bincount`` or
    sorted joint codes, in chunks of bounded memory); cells in the left-out
    row or column (missing values under ``"omit"``) are dropped.

    Parameters
    ----------
    features : list of Encoded
    target : Encoded
        Of the same length as each feature.

    Returns
    -------
    list of LabelTable, one per feature, rows the feature's labels.
    """
    n = target.codes.shape[0]
    encoded = [target] + list(features)
    labelings = [_CodesOnly(e.codes) for e in encoded]
    n_levels = np.array([e.n_levels for e in encoded], dtype=np.int64)
    first = np.arange(1, len(labelings), dtype=np.int64)
    second = np.zeros_like(first)
    cells = n_levels[first] * n_levels[second]
    dense = _labelings._is_dense(cells, max(n, 1))
    per_feature = [None] * len(features)
    for is_dense in (True, False):
        chosen = np.flatnonzero(dense == is_dense)
        if n == 0 or chosen.size == 0:
            continue
        for part in _labelings._chunks(n + cells[chosen] * is_dense, _labelings.CHUNK_WORK):
            where = chosen[part]
            pair, joint, count = _labelings._count_cells(labelings, n_levels, first[where],
                                                         second[where], is_dense)
            pair = np.zeros(count.shape[0], dtype=np.int64) if pair is None else pair
            bounds = np.searchsorted(pair, np.arange(where.shape[0] + 1))
            for t, j in enumerate(where):
                cut = slice(bounds[t], bounds[t + 1])
                per_feature[j] = (joint[cut], count[cut])
    tables = []
    for j, feature in enumerate(features):
        joint, count = per_feature[j] if per_feature[j] is not None else (
            np.zeros(0, np.int64), np.zeros(0, np.int64))
        row, col = np.divmod(joint, target.n_levels)
        tables.append(_table(feature, target, row, col, count))
    return tables


class _CodesOnly:
    """All that ``_labelings._count_cells`` reads of a labeling: its codes."""

    def __init__(self, codes):
        self.codes = codes


def _table(row_encoded, col_encoded, row, col, count):
    keep = (row < len(row_encoded.values)) & (col < len(col_encoded.values)) & (count > 0)
    if not keep.all():
        row, col, count = row[keep], col[keep], count[keep]
    return LabelTable(row_encoded.values, col_encoded.values, row.astype(np.int64),
                      col.astype(np.int64), count.astype(np.int64))


def pair_table(u, v):
    """The contingency table of two encoded columns of one partition."""
    return tables_against([u], v)[0]


def label_counts(encoded):
    """Counts of each label of one encoded column, as a one-column LabelTable."""
    n_levels = len(encoded.values)
    counts = np.bincount(encoded.codes, minlength=n_levels + 1)[:n_levels]
    row = np.flatnonzero(counts)
    return LabelTable(encoded.values, np.array([0]), row, np.zeros_like(row), counts[row])


def union_values(arrays):
    """Union of label arrays, in order of first appearance.

    Returns ``(values, positions)``: ``positions[i]`` maps the labels of
    ``arrays[i]`` to their places in ``values``. Numeric labels of different
    dtypes are compared by value (``1 == 1.0 == True``, as pandas does when it
    concatenates such columns); anything else is compared as Python objects.
    """
    lengths = [len(a) for a in arrays]
    nonempty = [np.asarray(a) for a in arrays if len(a)]
    if not nonempty:
        return np.asarray(arrays[0])[:0], [np.zeros(0, dtype=np.intp) for _ in arrays]
    dtypes = {a.dtype for a in nonempty}
    if len(dtypes) == 1 or all(d.kind in "biuf" for d in dtypes):
        joined = np.concatenate(nonempty)
    else:
        joined = np.concatenate([a.astype(object) for a in nonempty])
    codes, uniques = pd.factorize(joined)
    cuts = np.cumsum([length for length in lengths if length])[:-1]
    pieces = iter(np.split(codes, cuts))
    positions = [next(pieces) if length else np.zeros(0, dtype=np.intp) for length in lengths]
    return np.asarray(uniques), positions


def sum_by_key(keys, counts):
    """Sum integer ``counts`` of equal ``keys``; returns sorted distinct keys and sums."""
    if keys.shape[0] == 0:
        return keys.astype(np.int64), counts.astype(np.int64)
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    return keys[starts], np.add.reduceat(counts[order].astype(np.int64), starts)


def merge_tables(tables):
    """The sum of several LabelTables (cells of equal labels added)."""
    tables = list(tables)
    if len(tables) == 1:
        return tables[0]
    row_values, row_maps = union_values([t.row_values for t in tables])
    col_values, col_maps = union_values([t.col_values for t in tables])
    n_cols = max(len(col_values), 1)
    keys = np.concatenate([row_map[t.row].astype(np.int64) * n_cols + col_map[t.col]
                           for t, row_map, col_map in zip(tables, row_maps, col_maps)])
    counts = np.concatenate([t.count for t in tables])
    keys, counts = sum_by_key(keys, counts)
    row, col = np.divmod(keys, n_cols)
    return LabelTable(row_values, col_values, row, col, counts)


def merge_table_lists(lists):
    """Element-wise :func:`merge_tables` of several equally long lists of tables."""
    return [merge_tables(group) for group in zip(*lists)]
