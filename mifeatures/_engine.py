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

    One pass over ``X`` without copying it: whole chunks of its buffer go to
    the counting kernels as zero-copy views, and the few elements outside
    them (before the first 64-byte boundary, after the last whole chunk) are
    counted with NumPy. There is no separate validation pass: the number of
    feature levels is guessed from the first rows, and columns holding codes
    outside ``[0, guess)`` are reported instead of scored, for the caller to
    re-encode.

    Parameters
    ----------
    X : int or bool ndarray of shape (n, p)
        C- or Fortran-ordered (anything else is copied to C order first).
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
    if X.dtype == bool:
        X = X.view(np.uint8)
    if not (X.flags.c_contiguous or X.flags.f_contiguous):
        X = np.ascontiguousarray(X)
    n, p = X.shape
    kx = bucket(min(int(X[:GUESS_ROWS].max()) + 1, MAX_GUESSED_LEVELS), minimum=2)
    ky = bucket(n_target_levels, minimum=2)
    y = np.ascontiguousarray(y, dtype=np.int32)
    with float64():
        if X.flags.c_contiguous:
            table, done = _count_rows_chunks(X, y, kx, ky)
        else:
            table, done = _count_columns_chunks(X, y, kx, ky)
        totals = np.asarray(table)[: p * (kx + 2) * ky].astype(np.int64)
        totals += _count_remainder(X, y, kx, ky, done)
        mi, out_of_range = _mutual_info_of_totals(totals.reshape(p, kx + 2, ky), kx, method)
        return np.asarray(mi), np.asarray(out_of_range)


# Rows looked at to guess the number of feature levels.
GUESS_ROWS = 4096

# Elements per zero-copy chunk (about 16 MB of int64), and the sub-blocks the
# kernels scatter at a time (sized to stay in cache; measured fastest).
CHUNK_ELEMENTS = 1 << 21
SUB_ROWS = 128  # a multiple of 64
SUB_ELEMENTS = 1 << 14
_ALIGNMENT = 64  # XLA:CPU uses host memory in place only at 64-byte boundaries

_rows_chunk = jax.jit(counts.rows_chunk_contingency, static_argnames=("kx", "ky", "sub_rows"),
                      donate_argnums=0)
_columns_chunk = jax.jit(counts.columns_chunk_contingency,
                         static_argnames=("kx", "ky", "sub_size"), donate_argnums=0)


def _aligned_flat(X):
    """The flat buffer of X in memory order and the first 64-byte-aligned index."""
    flat = (X if X.flags.c_contiguous else X.T).reshape(-1)
    return flat, ((-flat.ctypes.data) % _ALIGNMENT) // flat.itemsize


def _chunk_sizes(largest, unit):
    """Up to two chunk sizes, multiples of ``unit`` and at most ``largest``.

    A large one, then one a sixteenth of it for the rest, so that what is left
    to NumPy is small; none when ``largest < unit``.
    """
    large = largest // unit * unit
    small = large // 16 // unit * unit
    return [size for size in (large, small) if size > 0]


def _count_rows_chunks(X, y, kx, ky):
    n, p = X.shape
    flat, start = _aligned_flat(X)
    table = jnp.zeros((p + 1) * (kx + 2) * ky, jnp.int32)
    y_device = jax.device_put(np.append(y, 0))
    # Chunks of whole sub-blocks; SUB_ROWS is a multiple of 64, so every chunk
    # spans a multiple of 64 bytes and the next one starts aligned too.
    position = start
    for rows in _chunk_sizes(CHUNK_ELEMENTS // p, SUB_ROWS):
        while position + rows * p <= flat.size:
            chunk = jax.device_put(flat[position : position + rows * p].reshape(rows, p))
            table = _rows_chunk(table, chunk, y_device, position // p, start % p,
                                kx=kx, ky=ky, sub_rows=SUB_ROWS)
            position += rows * p
    return table, (start, position)


def _count_columns_chunks(X, y, kx, ky):
    n, p = X.shape
    flat, start = _aligned_flat(X)
    table = jnp.zeros((p + 1) * (kx + 2) * ky, jnp.int32)
    yy_device = jax.device_put(np.concatenate([y, y]))
    position = start
    # Powers of two (few compiled shapes), at most n so a chunk spans <= 2 features.
    largest = 1 << (min(CHUNK_ELEMENTS, n).bit_length() - 1)
    for size in _chunk_sizes(largest, SUB_ELEMENTS):
        while position + size <= flat.size:
            chunk = jax.device_put(flat[position : position + size])
            column, row = divmod(position, n)
            table = _columns_chunk(table, chunk, yy_device, column, row, n, kx=kx, ky=ky,
                                   sub_size=SUB_ELEMENTS)
            position += size
    return table, (start, position)


def _count_remainder(X, y, kx, ky, done):
    """NumPy counts of the flat elements outside ``done``, in the kernels' layout."""
    n, p = X.shape
    flat = (X if X.flags.c_contiguous else X.T).reshape(-1)
    start, stop = done
    if stop <= start:
        start = stop = 0
    index = np.r_[0:start, stop : flat.size]
    if X.flags.c_contiguous:
        rows, features = np.divmod(index, p)
    else:
        features, rows = np.divmod(index, n)
    # Values past int64 (uint64 above 2**63) wrap negative: flagged all the same.
    x = np.clip(flat[index].astype(np.int64), -1, kx) + 1
    codes = (features * (kx + 2) + x) * ky + y[rows]
    return np.bincount(codes, minlength=p * (kx + 2) * ky)
