"""The one place that jits kernels, maps them over features and scopes float64.

Everything here takes NumPy arrays of integer codes (made by ``_adapters``)
and returns NumPy float64 results. Rules this module keeps:

- Jitted functions are built once, at import, with shape-like parameters
  static; data always travels as arguments, never as closure constants.
- Shapes are padded to a small set of buckets (:func:`bucket`) so that calls
  with nearby sizes reuse compiled code. Padding uses out-of-range codes,
  which the counting kernels drop, so it never changes a result.
- Each public call computes inside ``jax.enable_x64(True)`` (thread-local,
  part of the jit cache key) and converts results to NumPy *inside* that
  scope: a float64 array carried out of it would be cut to float32. The
  caller's global JAX configuration is never touched.
- Work over features is a ``lax.map`` inside jit (measured faster than vmap
  on CPU, JAX_NOTES.md), never a Python loop; large inputs are processed in
  row blocks whose tables add up.
"""

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from .kernels import counts, discrete

# Rows per block for the many-features counting path: a block of int64 rows
# stays in cache while it is transferred and scattered.
BLOCK_ROWS = 4096

# Smallest row bucket: inputs this short all share one compiled shape.
MIN_ROWS = 256

# Largest number of feature levels assumed before looking at the data; columns
# with larger codes are reported back and re-encoded by the caller.
MAX_GUESSED_LEVELS = 1 << 10


def float64():
    """Context manager scoping float64 (and int64) to the library's own work."""
    return jax.enable_x64(True)


def bucket(size, minimum=16):
    """Round ``size`` up to a shape bucket.

    Powers of two up to 2**14 (padding small inputs is cheaper than compiling
    for them), then four buckets per doubling (``m * 2**e``, ``m`` in 4..7),
    at most 25 % larger than the size they hold. Sizes from 16 to 2**30 share
    about 75 compiled shapes.
    """
    size = max(int(size), minimum)
    if size <= 1 << 14:
        return 1 << (size - 1).bit_length()
    shift = size.bit_length() - 3
    return -(-size >> shift) << shift


def _pad_rows(codes_list, n_padded, fill):
    stacked = np.full((len(codes_list), n_padded), fill, dtype=np.int32)
    for row, codes in zip(stacked, codes_list):
        row[: codes.shape[0]] = codes
    return stacked


@partial(jax.jit, static_argnames=("n_levels", "method"))
def _entropies_of_rows(codes, n_levels, method):
    estimator = discrete.ENTROPY_METHODS[method]
    return lax.map(lambda row: estimator(counts.bincount(row, n_levels)), codes)


def entropies(code_columns, n_levels, method="plugin"):
    """Entropy estimates (nats) of several discrete columns of equal length.

    Parameters
    ----------
    code_columns : list of int ndarray, each of shape (n,)
        Codes in ``[0, n_levels[i])``.
    n_levels : list of int
    method : str
        A key of ``kernels.discrete.ENTROPY_METHODS``.

    Returns
    -------
    ndarray of float64, shape (len(code_columns),)
    """
    n_padded_levels = bucket(max(n_levels))
    n_rows = bucket(code_columns[0].shape[0], minimum=MIN_ROWS)
    stacked = _pad_rows(code_columns, n_rows, n_padded_levels)
    with float64():
        return np.asarray(_entropies_of_rows(stacked, n_padded_levels, method))


@partial(jax.jit, static_argnames=("kx", "ky", "features_first"))
def _block_tables(x_block, y_block, n_valid, kx, ky, features_first):
    if features_first:
        x_block = x_block.T
    return counts.block_contingency(x_block, y_block, n_valid, kx, ky).astype(jnp.int64)


def _mutual_info_of_table(table, method):
    if method == "plugin":
        return discrete.mutual_info_plugin(table)
    estimator = discrete.ENTROPY_METHODS[method]
    return estimator(table.sum(1)) + estimator(table.sum(0)) - estimator(table.ravel())


@partial(jax.jit, static_argnames=("kx", "method"))
def _mutual_info_of_totals(totals, kx, method):
    tables = totals[:, 1 : kx + 1, :]
    out_of_range = (totals[:, 0, :].sum(1) + totals[:, kx + 1, :].sum(1)) > 0
    mi = lax.map(lambda table: _mutual_info_of_table(table, method), tables)
    return mi, out_of_range


def mutual_info_columns(X, y, n_target_levels, method="plugin"):
    """MI (nats) of every column of a 2-D integer array against one target.

    Counts in one pass over ``X`` in row blocks, without a separate validation
    pass: the number of feature levels is guessed from the first block, and
    columns holding codes outside ``[0, guess)`` are reported instead of
    scored, for the caller to re-encode.

    Parameters
    ----------
    X : int ndarray of shape (n, p)
        C- or Fortran-ordered; any integer dtype. Not copied as a whole.
    y : int ndarray of shape (n,)
        Target codes in ``[0, n_target_levels)``.
    n_target_levels : int
    method : str
        ``"plugin"`` or another key of ``ENTROPY_METHODS`` (then
        MI = H(X) + H(Y) - H(X, Y) with that estimator).

    Returns
    -------
    mi : ndarray of float64, shape (p,)
    out_of_range : ndarray of bool, shape (p,)
        Columns whose codes were not in ``[0, kx)``; their ``mi`` is meaningless.
    """
    n, p = X.shape
    features_first = not X.flags.c_contiguous and X.flags.f_contiguous
    rows_per_block = min(bucket(n), BLOCK_ROWS)
    first = X[:rows_per_block]
    kx = bucket(min(int(first.max()) + 1, MAX_GUESSED_LEVELS), minimum=2)
    ky = bucket(n_target_levels, minimum=2)
    source = X.T if features_first else X
    y = y.astype(np.int32, copy=False)
    with float64():
        totals = None
        for start in range(0, n, rows_per_block):
            stop = min(start + rows_per_block, n)
            x_block = source[:, start:stop] if features_first else source[start:stop]
            y_block = y[start:stop]
            if stop - start < rows_per_block:
                x_block, y_block = _pad_block(x_block, y_block, rows_per_block, features_first)
            table = _block_tables(x_block, y_block, stop - start, kx, ky, features_first)
            totals = table if totals is None else totals + table
        mi, out_of_range = _mutual_info_of_totals(totals, kx, method)
        return np.asarray(mi), np.asarray(out_of_range)


def _pad_block(x_block, y_block, rows, features_first):
    if features_first:
        x_padded = np.zeros((x_block.shape[0], rows), dtype=x_block.dtype)
        x_padded[:, : x_block.shape[1]] = x_block
    else:
        x_padded = np.zeros((rows, x_block.shape[1]), dtype=x_block.dtype)
        x_padded[: x_block.shape[0]] = x_block
    y_padded = np.zeros(rows, dtype=y_block.dtype)
    y_padded[: y_block.shape[0]] = y_block
    return x_padded, y_padded
