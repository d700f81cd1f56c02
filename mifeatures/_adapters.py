"""User input in: arrays, lists, pandas objects -> integer codes and names.

This is the one place where user data becomes arrays for the engine. Every
check that can name a column happens here, so that nothing downstream (the
engine, the kernels) ever sees NaN, inf, empty input or mismatched lengths.

Discrete columns become integer codes ``0 .. n_levels - 1``. Integer input
that already holds small non-negative codes is used as it is (no copy, no
re-encoding); anything else goes through :func:`pandas.factorize`, which
handles every hashable value (ints up to 2**63, strings, categories, bools)
in one hashing pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._units import log_base  # noqa: F401  (re-exported: the NumPy paths' unit check)

NAN_POLICIES = ("raise", "omit", "as-category")

# Integer input with 0 <= codes < max(SMALL_CODES_FLOOR, n_rows) is used as
# codes directly: unused levels only cost empty table cells.
SMALL_CODES_FLOOR = 1 << 16

# Joint codes with more potential cells than this are compacted to the
# observed combinations (the tables are built from the observed ones only).
JOINT_LEVELS_LIMIT = 1 << 22


@dataclass(frozen=True)
class DiscreteVariable:
    """A discrete variable as integer codes.

    Attributes
    ----------
    codes : ndarray of int, shape (n_samples,)
        Codes in ``[0, n_levels)``.
    n_levels : int
        Upper bound on the codes (levels may be unobserved).
    name : str
        Name used in error messages.
    """

    codes: np.ndarray
    n_levels: int
    name: str


def check_nan_policy(nan_policy):
    if nan_policy not in NAN_POLICIES:
        raise ValueError(f"nan_policy must be one of {NAN_POLICIES}; got {nan_policy!r}.")


def _is_polars(x):
    return type(x).__module__.split(".")[0] == "polars"


def as_columns(x, arg):
    """Split one argument into named 1-D columns.

    A DataFrame or a 2-D array gives one column per feature; a Series, a list
    or a 1-D array gives one column. Returns ``(names, columns)`` where each
    column is a pandas Series or a 1-D NumPy array (never a copy when avoidable).
    """
    if _is_polars(x):
        x = x.to_pandas()
    if isinstance(x, pd.DataFrame):
        if x.shape[1] == 0:
            raise ValueError(f"{arg} has no columns.")
        names = [str(c) for c in x.columns]
        columns = [x.iloc[:, j] for j in range(x.shape[1])]
    elif isinstance(x, pd.Series):
        names = [str(x.name) if x.name is not None else arg]
        columns = [x]
    else:
        if isinstance(x, (str, bytes)) or np.isscalar(x):
            raise TypeError(f"{arg} must be array-like (a list, array, Series or DataFrame); "
                            f"got {type(x).__name__}.")
        array = np.asarray(x)
        if array.ndim == 1:
            names, columns = [arg], [array]
        elif array.ndim == 2:
            if array.shape[1] == 0:
                raise ValueError(f"{arg} has no columns.")
            names = [f"{arg}[:, {j}]" for j in range(array.shape[1])]
            columns = [array[:, j] for j in range(array.shape[1])]
        else:
            raise ValueError(f"{arg} must be 1-D or 2-D; got an array of shape {array.shape}.")
    if len(columns[0]) == 0:
        raise ValueError(f"{arg} is empty: at least one sample is needed.")
    return names, columns


def check_lengths(named_lengths):
    """Raise when arguments have different numbers of samples, naming both."""
    items = list(named_lengths.items())
    first_name, first_len = items[0]
    for name, length in items[1:]:
        if length != first_len:
            raise ValueError(f"{first_name} and {name} have different numbers of samples: "
                             f"{first_len} and {length}.")


def missing_mask(column):
    """Boolean mask of missing entries (None, NaN, pd.NA, NaT), or None if none."""
    if isinstance(column, np.ndarray) and column.dtype.kind in "biuUS":
        return None
    if isinstance(column, np.ndarray) and column.dtype.kind in "fc":
        mask = np.isnan(column)
    else:
        mask = np.asarray(pd.isna(column), dtype=bool)
    return mask if mask.any() else None


def _check_finite(values, name):
    if values.dtype.kind in "fc" and np.isinf(values).any():
        raise ValueError(f"{name} contains infinite values.")


def encode_column(column, name):
    """Integer codes of one discrete column; missing entries get code -1.

    Returns ``(codes, n_levels)``.
    """
    if isinstance(column, pd.Series) and isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(), len(column.dtype.categories)
    if isinstance(column, pd.Series):
        dtype = column.dtype
        if dtype.kind in "iub" and not isinstance(dtype, pd.api.extensions.ExtensionDtype):
            column = column.to_numpy()
        elif dtype.kind in "fc" and not isinstance(dtype, pd.api.extensions.ExtensionDtype):
            column = column.to_numpy()
    if isinstance(column, np.ndarray):
        if column.dtype.kind == "b":
            return column.view(np.int8), 2
        if column.dtype.kind in "iu":
            small = _small_code_levels(column)
            if small is not None:
                return column, small
        if column.dtype.kind in "fc":
            _check_finite(column, name)
        if column.dtype.kind == "V":
            raise TypeError(f"{name} has an unsupported dtype {column.dtype}.")
    elif isinstance(column, pd.Series) and column.dtype.kind in "fc":
        _check_finite(column.to_numpy(dtype=float, na_value=np.nan), name)
    try:
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
    except TypeError as exc:
        raise TypeError(f"{name} holds values that cannot be used as categories "
                        f"(they must be hashable, such as strings or numbers): {exc}") from None
    return codes, max(len(uniques), 1)


def _small_code_levels(values):
    """n_levels when integer values are already codes 0..k-1 with small k, else None."""
    low, high = values.min(), values.max()
    if low >= 0 and high < max(SMALL_CODES_FLOOR, values.shape[0]):
        return int(high) + 1
    return None


def combine_codes(codes, levels):
    """One code per row for the joint of several discrete columns.

    Mixed-radix codes while the number of potential cells stays below
    ``JOINT_LEVELS_LIMIT``; past it, the joint is compacted to the observed
    combinations, so high-cardinality joints never allocate huge tables.
    """
    joint, n_levels = codes[0], levels[0]
    for column, k in zip(codes[1:], levels[1:]):
        if n_levels * k > JOINT_LEVELS_LIMIT:
            # After compaction both factors are below n_samples, so the
            # product fits in int64 for any feasible n_samples.
            joint, n_levels = _compact(joint)
            column, k = _compact(column)
            joint, n_levels = _compact(joint.astype(np.int64) * k + column)
        else:
            joint = joint.astype(np.int64) * k + column
            n_levels = n_levels * k
    return joint, n_levels


def _compact(codes):
    compact, uniques = pd.factorize(codes)
    return compact, len(uniques)


def encode_discrete(variables, *, nan_policy="raise"):
    """Encode several variables observed on the same rows.

    Parameters
    ----------
    variables : dict of str -> array-like
        Argument name to data. A 2-D argument is one joint variable.
    nan_policy : {"raise", "omit", "as-category"}
        ``"omit"`` drops the rows missing in any of the variables.

    Returns
    -------
    list of DiscreteVariable
    """
    check_nan_policy(nan_policy)
    split = {arg: as_columns(x, arg) for arg, x in variables.items()}
    check_lengths({arg: len(columns[0]) for arg, (_, columns) in split.items()})
    encoded = {}
    dropped = None
    for arg, (names, columns) in split.items():
        per_column = []
        for name, column in zip(names, columns):
            mask = missing_mask(column)
            codes, n_levels = encode_column(column, name)
            if mask is not None:
                if nan_policy == "raise":
                    raise ValueError(f"{name} contains missing values (NaN or None); pass "
                                     "nan_policy='omit' to drop those rows or "
                                     "nan_policy='as-category' to count them as a level.")
                if nan_policy == "as-category":
                    codes = np.where(mask, n_levels, codes.astype(np.int64))
                    n_levels += 1
                else:
                    dropped = mask if dropped is None else dropped | mask
            per_column.append((codes, n_levels))
        encoded[arg] = per_column
    result = []
    for arg, per_column in encoded.items():
        codes = [c for c, _ in per_column]
        levels = [k for _, k in per_column]
        if dropped is not None:
            codes = [c[~dropped] for c in codes]
            if codes[0].shape[0] == 0:
                raise ValueError("no rows are left after nan_policy='omit' dropped the rows "
                                 "with missing values.")
        joint, n_levels = combine_codes(codes, levels)
        name = arg if len(per_column) > 1 else split[arg][0][0]
        result.append(DiscreteVariable(np.asarray(joint), int(n_levels), name))
    return result


def is_continuous(column):
    """The dtype rule: float columns are continuous, everything else discrete."""
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return False
    return dtype.kind == "f"


def compact_code_columns(codes):
    """Codes of several discrete columns in ``[0, n_levels)``, with one shared n_levels.

    Columns already holding small non-negative codes are kept; others are
    re-encoded one by one.
    """
    levels = _small_code_levels(codes) if codes.dtype.kind in "iu" else None
    if levels is not None:
        return codes, levels
    out = np.empty(codes.shape, dtype=np.int64)
    levels = 1
    for j in range(codes.shape[1]):
        out[:, j], k = encode_column(codes[:, j], f"column {j}")
        levels = max(levels, k)
    return out, levels
