"""Discrete counting: contingency tables of integer code columns against a target.

:func:`mutual_info_columns` scores every column of a code matrix against one
target in one pass over its buffer, without copying it: whole chunks of at
most ``CHUNK_ELEMENTS`` elements go to the counting kernels as zero-copy
views (scattered ``SUB_ROWS`` rows or ``SUB_ELEMENTS`` elements at a time),
and the few elements outside them are counted with NumPy. The chunks run as
one chain of int32 tables per thread on up to ``_THREADS`` threads (XLA:CPU
runs one scatter on one core), summed at the end: counts add up.
``_count_totals`` is the one counting routine, shared with
``permutations.contingency_tables`` and the dask code.
"""

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..kernels import counts, discrete
from ._common import _DEFAULT_THREADS, bucket, float64, in_threads

# Largest number of feature levels assumed before looking at the data; columns
# with larger codes are reported back and re-encoded by the caller.
MAX_GUESSED_LEVELS = 1 << 10

# Rows looked at to guess the number of feature levels.
GUESS_ROWS = 4096

# Worker threads for the counting chains.
_THREADS = _DEFAULT_THREADS


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
    totals = _count_totals(X, y, kx, ky)
    with float64():
        mi, out_of_range = _mutual_info_of_totals(totals, kx, method)
        return np.asarray(mi), np.asarray(out_of_range)


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


def _count_totals(X, y, kx, ky):
    """Contingency tables of every column of ``X`` against ``y``, int64 ``(p, kx + 2, ky)``.

    ``kx`` and ``ky`` are padded level counts. Row 0 of each table counts
    codes below 0 and row ``kx + 1`` codes of ``kx`` or more (the overflow
    rows that flag out-of-range columns). ``X`` is C or F contiguous.
    """
    p = X.shape[1]
    y = np.ascontiguousarray(y, dtype=np.int32)
    with float64():
        if X.flags.c_contiguous:
            table, done = _count_rows_chunks(X, y, kx, ky)
        else:
            table, done = _count_columns_chunks(X, y, kx, ky)
        totals = table[: p * (kx + 2) * ky]
    totals += _count_remainder(X, y, kx, ky, done)
    return totals.reshape(p, kx + 2, ky)


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
    y_device = jax.device_put(np.append(y, 0))
    # Chunks of whole sub-blocks; SUB_ROWS is a multiple of 64, so every chunk
    # spans a multiple of 64 bytes and the next one starts aligned too.
    jobs, position = [], start
    for rows in _chunk_sizes(CHUNK_ELEMENTS // p, SUB_ROWS):
        while position + rows * p <= flat.size:
            jobs.append((position, rows))
            position += rows * p

    def count(table, job):
        position, rows = job
        chunk = jax.device_put(flat[position : position + rows * p].reshape(rows, p))
        return _rows_chunk(table, chunk, y_device, position // p, start % p,
                           kx=kx, ky=ky, sub_rows=SUB_ROWS)

    return _summed_over_threads(jobs, count, (p + 1) * (kx + 2) * ky), (start, position)


def _count_columns_chunks(X, y, kx, ky):
    n, p = X.shape
    flat, start = _aligned_flat(X)
    yy_device = jax.device_put(np.concatenate([y, y]))
    # Powers of two (few compiled shapes), at most n so a chunk spans <= 2 features.
    largest = 1 << (min(CHUNK_ELEMENTS, n).bit_length() - 1)
    jobs, position = [], start
    for size in _chunk_sizes(largest, SUB_ELEMENTS):
        while position + size <= flat.size:
            jobs.append((position, size))
            position += size

    def count(table, job):
        position, size = job
        chunk = jax.device_put(flat[position : position + size])
        column, row = divmod(position, n)
        return _columns_chunk(table, chunk, yy_device, column, row, n, kx=kx, ky=ky,
                              sub_size=SUB_ELEMENTS)

    return _summed_over_threads(jobs, count, (p + 1) * (kx + 2) * ky), (start, position)


def _summed_over_threads(jobs, count, size):
    """Fold ``table = count(table, job)`` over ``jobs`` from zeros, on up to _THREADS threads.

    XLA:CPU runs one scatter on one core, so the jobs are dealt round-robin
    to one chain of tables per thread and the chains' int32 tables summed
    (counts add up). The first job runs alone on the calling thread: it
    compiles, and the threads then find the compiled code.

    Returns
    -------
    ndarray of int64, shape (size,)
    """
    first = count(jnp.zeros(size, jnp.int32), jobs[0]) if jobs else jnp.zeros(size, jnp.int32)
    rest = jobs[1:]
    threads = min(_THREADS, len(rest))
    if threads <= 1:
        for job in rest:
            first = count(first, job)
        return np.asarray(first).astype(np.int64)

    def chain(part):
        table = jnp.zeros(size, jnp.int32)
        for job in part:
            table = count(table, job)
        return np.asarray(table)

    parts = in_threads(chain, [rest[i::threads] for i in range(threads)], threads)
    return sum(parts, np.asarray(first).astype(np.int64))


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
