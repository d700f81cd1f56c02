"""Helpers every section of the engine uses.

The float64 scope (:func:`float64`), shape buckets (:func:`bucket`), the
calling thread's JAX settings for worker threads (:func:`_caller_settings`),
padding of code rows, and entropies of discrete columns.
"""

import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial

import jax
import numpy as np
from jax import lax

from ..kernels import counts, discrete

# Smallest row bucket: inputs this short all share one compiled shape.
MIN_ROWS = 256

# Worker threads for work split across cores (XLA:CPU runs one scatter or one
# sort on one core; NumPy's sort releases the GIL). Each section copies it into
# its own tunable (``counting._THREADS``, ``knn._KNN_THREADS``,
# ``mdlp._MDLP_THREADS``), read at call time.
_DEFAULT_THREADS = max(1, min(2, os.cpu_count() or 1))


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


def _caller_settings():
    """The calling thread's JAX settings that enter the jit cache key, for worker threads.

    The float64 scope (``jax.enable_x64``) and ``jax.numpy_rank_promotion``
    are thread-local and part of the jit cache key: a worker thread left at
    the defaults would compile the caller's code a second time. Call this on
    the calling thread; each call of the returned function gives a context
    manager that enters the same settings (on a worker thread).
    """
    x64 = jax.config.jax_enable_x64
    promotion = jax.config.jax_numpy_rank_promotion

    @contextmanager
    def settings():
        with jax.enable_x64(x64), jax.numpy_rank_promotion(promotion):
            yield

    return settings


def padded(values, size, fill, dtype=np.float64):
    """``values`` (along axis 0) followed by ``fill`` up to ``size`` rows: a new array."""
    values = np.asarray(values)
    out = np.full((size,) + values.shape[1:], fill, dtype=dtype)
    out[: values.shape[0]] = values
    return out


def in_threads(function, items, threads):
    """``[function(item) for item in items]`` on up to ``threads`` worker threads.

    Workers run under the calling thread's JAX settings (:func:`_caller_settings`),
    so they reuse its compiled code instead of compiling their own.
    """
    settings = _caller_settings()

    def task(item):
        with settings():
            return function(item)

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(task, items))


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
