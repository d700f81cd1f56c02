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

import os
from concurrent.futures import ThreadPoolExecutor
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

# Worker threads for work split across cores (XLA:CPU runs one scatter or one
# sort on one core; NumPy's sort releases the GIL).
_THREADS = max(1, min(2, os.cpu_count() or 1))


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
    totals = _count_totals(X, y, kx, ky)
    with float64():
        mi, out_of_range = _mutual_info_of_totals(totals, kx, method)
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

    parts = _in_threads(chain, [rest[i::threads] for i in range(threads)])
    return sum(parts, np.asarray(first).astype(np.int64))


def _in_threads(function, items):
    """``[function(item) for item in items]`` on up to _THREADS worker threads.

    Workers run under the caller's thread-local JAX settings that enter the
    jit cache key (float64 scope, rank promotion), so they reuse the caller's
    compiled code instead of compiling their own.
    """
    x64 = jax.config.jax_enable_x64
    promotion = jax.config.jax_numpy_rank_promotion

    def task(item):
        with jax.enable_x64(x64), jax.numpy_rank_promotion(promotion):
            return function(item)

    with ThreadPoolExecutor(_THREADS) as pool:
        return list(pool.map(task, items))


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


# ---------------------------------------------------------------------------
# Nearest-neighbour estimators (Ross, KSG, Kozachenko-Leonenko, Frenzel-Pompe)
# ---------------------------------------------------------------------------
#
# Two families. Column kernels (``ross_mi_columns``, ``ksg_mi_columns``,
# ``ross_mi_shared_continuous``, ``kl_entropy``) score many 1-D features at
# once in JAX and reproduce scikit-learn's numbers. The joint-space estimator
# (``knn_conditional_mi``, for d-D variables, mixed variables and conditional
# MI) uses an exact d-D search (``kth_neighbour_distances``,
# ``neighbour_counts``: scipy's k-d tree on the CPU, the JAX brute force of
# ``kernels.knn_brute`` on accelerators) and exact 1-D counts in JAX
# (``counts_in_strata``); it compiles almost nothing, so a single call is fast.
#
# Inputs are float64 columns already scaled and jittered by the caller exactly
# as scikit-learn does; results are raw (unclipped) estimates in nats. Rows are
# padded to ``bucket(n, KNN_MIN_ROWS)`` (Ross: padded rows get an out-of-range class code;
# KSG and KL: padded rows are +inf, infinitely far from every real row), so
# padding never changes a result. Features go through the kernels in chunks
# of at most ``_KNN_CHUNK_FEATURES`` columns (a NumPy transpose into a feature-major
# buffer, then one jitted ``lax.map``; measured at n = 100k: Ross 21 ms per
# feature with lax.map against 41 with vmap, KSG 136 against 138);
# chunks run on up to ``_KNN_THREADS`` threads, since a sort uses one core.

import itertools  # noqa: E402
import math  # noqa: E402
from collections import deque  # noqa: E402

from .kernels import knn_brute, knn_common, knn_kl, knn_ksg, knn_ross  # noqa: E402
from .kernels.knn_common import marginal  # noqa: E402

# Smallest row bucket of the kNN functions: every input of at most this many
# rows shares one compiled shape (a kNN kernel compiles for seconds, and runs
# on 1024 padded rows in about a millisecond).
KNN_MIN_ROWS = 1024

# Elements per feature chunk (float64): 32 MB, so memory stays bounded at any n, p.
_KNN_CHUNK_ELEMENTS = 1 << 22
_KNN_THREADS = _THREADS


# At most this many features per chunk: one compiled shape for any p, and
# chunks small enough to balance across threads.
_KNN_CHUNK_FEATURES = 8


def _knn_chunk_features(n_padded):
    """Features per chunk: a power of two, at most _KNN_CHUNK_FEATURES and ~32 MB."""
    most = max(1, _KNN_CHUNK_ELEMENTS // n_padded)
    return min(1 << (most.bit_length() - 1), _KNN_CHUNK_FEATURES)


def _psi_table(n_padded):
    """digamma(i) for i = 0..n_padded (scipy's values, as scikit-learn uses; psi(0) := 0)."""
    from scipy.special import digamma

    table = digamma(np.arange(n_padded + 1, dtype=np.float64))
    table[0] = 0.0
    return table


def _feature_chunks(X, n_padded, fill):
    """Yield ``(chunk, n_real)``: feature-major (c, n_padded) float64 copies of X's columns."""
    n, p = X.shape
    c = _knn_chunk_features(n_padded)
    for j in range(0, p, c):
        block = X[:, j : j + c]
        chunk = np.full((c, n_padded), fill, dtype=np.float64)
        chunk[: block.shape[1], :n] = block.T
        yield chunk, block.shape[1]


def _run_chunks(X, n_padded, fill, compute):
    """``compute(chunk, n_real)`` over feature chunks, on up to _KNN_THREADS threads."""

    # Worker threads run under the caller's thread-local rank-promotion setting:
    # it is part of the jit cache key, and a mismatch would recompile there.
    promotion = jax.config.jax_numpy_rank_promotion

    def task(args):
        with float64(), jax.numpy_rank_promotion(promotion):
            return np.asarray(compute(*args))[: args[1]]

    chunks = _feature_chunks(X, n_padded, fill)
    # The first chunk alone: it compiles (threads would each compile the same code).
    parts = [task(args) for args in itertools.islice(chunks, 1)]
    if _KNN_THREADS == 1 or X.shape[1] <= _knn_chunk_features(n_padded):
        parts += [task(args) for args in chunks]
    else:
        # A bounded window of chunks in flight (pool.map would copy them all at once).
        with ThreadPoolExecutor(_KNN_THREADS) as pool:
            in_flight = deque()
            for args in chunks:
                in_flight.append(pool.submit(task, args))
                if len(in_flight) > 2 * _KNN_THREADS:
                    parts.append(in_flight.popleft().result())
            parts += [future.result() for future in in_flight]
    return np.concatenate(parts) if parts else np.zeros(0)


def _map_real_features(kernel, chunk, n_real):
    """lax.map ``kernel`` over the rows of ``chunk``; padded feature rows are skipped."""
    def one(args):
        x, j = args
        return lax.cond(j < n_real, lambda: kernel(x), lambda: jnp.zeros((), jnp.float64))

    return lax.map(one, (chunk, jnp.arange(chunk.shape[0])))


@partial(jax.jit, static_argnames=("n_levels", "n_neighbors"))
def _ross_chunk(chunk, n_real, y, psi, bracket, n_levels, n_neighbors):
    return _map_real_features(
        lambda x: knn_ross.ross_mutual_info(x, y, n_levels, n_neighbors, psi, bracket), chunk,
        n_real)


def _ross_bracket(class_counts, n_neighbors):
    """Search bracket for the Ross counts: about 4 k times the effective number of classes.

    Passed traced (no recompilation per value); it only sets the speed.
    """
    counts = class_counts[class_counts > 1].astype(np.float64)
    if counts.size == 0:
        return 16
    effective = counts.sum() ** 2 / (counts**2).sum()
    return int(min(max(bucket(int(4 * n_neighbors * effective), minimum=16), 16), 1024))


def ross_mi_columns(X, y_codes, n_levels, n_neighbors):
    """Ross MI (nats, raw) of every continuous column of X with a discrete target.

    Reproduces scikit-learn's ``_compute_mi_cd`` column by column (before its
    clipping at 0), see ``kernels.knn_ross.ross_mutual_info``.

    Parameters
    ----------
    X : float64 ndarray of shape (n, p)
        Continuous columns, already scaled and jittered as scikit-learn does.
    y_codes : int ndarray of shape (n,)
        Target codes in ``[0, n_levels)``.
    n_levels : int
    n_neighbors : int

    Returns
    -------
    ndarray of float64, shape (p,)
    """
    X = np.asarray(X, dtype=np.float64)
    n, p = X.shape
    n_padded = bucket(n, minimum=KNN_MIN_ROWS)
    levels = bucket(n_levels, minimum=2)
    y = np.full(n_padded, levels, dtype=np.int32)
    y[:n] = y_codes
    bracket = _ross_bracket(np.bincount(y[:n], minlength=n_levels), n_neighbors)
    psi = _psi_table(n_padded)
    return _run_chunks(X, n_padded, 0.0, lambda chunk, n_real: _ross_chunk(
        chunk, n_real, y, psi, bracket, levels, n_neighbors))


# ---------------------------------------------------------------------------
# Ross with a shared continuous variable (lead engineer's part of the kNN
# section; its host KSG and KL stand-ins gave way to the JAX versions below)
# ---------------------------------------------------------------------------


@partial(jax.jit, static_argnames=("n_levels", "n_neighbors", "bracket"))
def _ross_shared_chunk(codes, n_real, x, psi, n_levels, n_neighbors, bracket):
    def one(args):
        y, j = args
        return lax.cond(j < n_real,
                        lambda: knn_ross.ross_mutual_info(x, y, n_levels, n_neighbors, psi,
                                                          bracket),
                        lambda: jnp.zeros((), jnp.float64))

    return lax.map(one, (codes, jnp.arange(codes.shape[0])))


def ross_mi_shared_continuous(x, codes, n_levels, n_neighbors):
    """Ross MI (nats, raw) of one continuous variable with each of many discrete ones.

    scikit-learn's ``_compute_mi_cd(x, codes[:, j])`` for every j: the
    discrete columns play the classes (discrete features of a regression).

    Parameters
    ----------
    x : float64 ndarray of shape (n,)
        Already scaled and jittered.
    codes : int ndarray of shape (n, q)
        Codes in ``[0, n_levels)``.
    n_levels, n_neighbors : int

    Returns
    -------
    ndarray of float64, shape (q,)
    """
    n, q = codes.shape
    n_padded = bucket(n, minimum=KNN_MIN_ROWS)
    levels = bucket(n_levels, minimum=2)
    x_padded = np.zeros(n_padded)
    x_padded[:n] = x
    chunk = np.full((bucket(q, minimum=1), n_padded), levels, dtype=np.int32)
    chunk[:q, :n] = codes.T
    # The bracket only sets speed: take the one the most even column needs.
    counts = np.bincount((codes + np.arange(q) * n_levels).ravel(), minlength=q * n_levels)
    counts = counts.reshape(q, n_levels)
    evenness = (counts * (counts > 1)).sum(1) ** 2 / np.maximum((counts**2).sum(1), 1)
    bracket = _ross_bracket(counts[np.argmax(evenness)], n_neighbors)
    with float64():
        return np.asarray(_ross_shared_chunk(chunk, q, x_padded, _psi_table(n_padded), levels,
                                             n_neighbors, bracket))[:q]


@partial(jax.jit, static_argnames=("n_neighbors",))
def _ksg_chunk(chunk, n_real, y, psi, n_neighbors):
    y_marginal = marginal(y)
    return _map_real_features(
        lambda x: knn_ksg.ksg_mutual_info(x, y, n_neighbors, psi, y_marginal=y_marginal), chunk,
        n_real)


def ksg_mi_columns(X, y, n_neighbors):
    """KSG MI (nats, raw) of every continuous column of X with a continuous target.

    Reproduces scikit-learn's ``_compute_mi_cc`` column by column (before its
    clipping at 0), see ``kernels.knn_ksg.ksg_mutual_info``. Padded rows are
    ``+inf`` in X and y.

    Parameters
    ----------
    X : float64 ndarray of shape (n, p)
        Already scaled and jittered as scikit-learn does.
    y : float64 ndarray of shape (n,)
        Already scaled and jittered.
    n_neighbors : int

    Returns
    -------
    ndarray of float64, shape (p,)
    """
    X = np.asarray(X, dtype=np.float64)
    n, p = X.shape
    n_padded = bucket(n, minimum=KNN_MIN_ROWS)
    target = np.full(n_padded, np.inf)
    target[:n] = y
    psi = _psi_table(n_padded)
    return _run_chunks(X, n_padded, np.inf, lambda chunk, n_real: _ksg_chunk(
        chunk, n_real, target, psi, n_neighbors))


@partial(jax.jit, static_argnames=("n_neighbors",))
def _kl_entropy(x, psi, n_neighbors):
    return knn_kl.kl_entropy(x, n_neighbors, psi)


@partial(jax.jit, static_argnames=("d", "n_neighbors"))
def _kl_from_distances(eps, kept, psi, d, n_neighbors):
    return knn_kl.kl_from_distances(eps, kept, d, n_neighbors, psi)


def kl_entropy(x, n_neighbors):
    """Kozachenko-Leonenko entropy (nats) of samples of a 1-D or d-D continuous variable.

    Max-norm balls, see ``kernels.knn_kl.kl_entropy``. 1-D and 2-D samples use
    sorting and the exact strip search (JAX); d > 2 the exact d-D search of
    :func:`kth_neighbour_distances`.

    Parameters
    ----------
    x : float64 ndarray of shape (n,) or (n, d)
        Finite values, more than ``n_neighbors`` rows.
    n_neighbors : int

    Returns
    -------
    float
        ``-inf`` when a sample has ``n_neighbors`` exact duplicates.
    """
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[0]
    if x.ndim == 2 and x.shape[1] > 2:
        n_padded = bucket(n, minimum=KNN_MIN_ROWS)
        eps = np.ones(n_padded)
        eps[:n] = kth_neighbour_distances(x, np.full(n, n_neighbors), n_neighbors)
        with float64():
            return float(_kl_from_distances(eps, np.arange(n_padded) < n, _psi_table(n_padded),
                                            x.shape[1], n_neighbors))
    n_padded = bucket(n, minimum=KNN_MIN_ROWS)
    padded = np.full((n_padded,) + x.shape[1:], np.inf)
    padded[:n] = x
    with float64():
        return float(_kl_entropy(padded, _psi_table(n_padded), n_neighbors))


# --- exact d-D neighbour search (max-norm) ---
#
# Two exact backends that give identical results (same floating-point
# distances, same ``<=`` predicate): the JAX brute force of
# ``kernels.knn_brute`` (O(n^2 d) time, memory bounded by query blocks) and
# scipy's k-d tree (about O(n log n) for small d, on the host). Measured on
# this CPU (benchmarks/bench_knn.py --dd) the tree is faster at every n, by
# 3x at 500 rows and 30x at 4000 in steady state, and it compiles nothing;
# the brute force serves accelerators, where it is one vectorised pass.

# Elements (query rows x rows x columns) per block of the brute force: 32 MB.
_BRUTE_BLOCK_ELEMENTS = 1 << 22


def neighbour_backend():
    """``"kdtree"`` on the CPU backend, ``"brute"`` on accelerators."""
    return "kdtree" if jax.default_backend() == "cpu" else "brute"


def _brute_block(n_padded, d):
    most = max(1, _BRUTE_BLOCK_ELEMENTS // (n_padded * d))
    return min(1 << (most.bit_length() - 1), 256)


@partial(jax.jit, static_argnames=("k_max", "block"))
def _kth_chebyshev(points, k_each, k_max, block):
    return knn_brute.kth_chebyshev(points, k_each, k_max, block)


@partial(jax.jit, static_argnames=("groups", "block"))
def _count_chebyshev(points, radius, groups, block):
    return knn_brute.count_chebyshev(points, radius, groups, block)


def _padded_points(points):
    n, d = points.shape
    n_padded = bucket(n, minimum=KNN_MIN_ROWS)
    padded = np.full((n_padded, d), np.inf)
    padded[:n] = points
    return padded, n_padded


def kth_neighbour_distances(points, k_each, k_max, backend=None):
    """Max-norm distance from each row to its ``k_each``-th nearest other row (exact).

    Parameters
    ----------
    points : float64 ndarray of shape (n, d)
        Finite values.
    k_each : int ndarray of shape (n,)
        ``1 <= k_each <= min(k_max, n - 1)``; ties count with multiplicity.
    k_max : int
    backend : {"kdtree", "brute"}, optional
        Default :func:`neighbour_backend`.

    Returns
    -------
    float64 ndarray of shape (n,)
    """
    points = np.ascontiguousarray(points, dtype=np.float64)
    n, d = points.shape
    k_each = np.asarray(k_each, dtype=np.int32)
    if (backend or neighbour_backend()) == "kdtree":
        from scipy.spatial import cKDTree

        distances, _ = cKDTree(points).query(points, k=k_max + 1, p=np.inf, workers=-1)
        distances = distances.reshape(n, k_max + 1)
        return distances[np.arange(n), k_each]  # column 0 is the row itself
    padded, n_padded = _padded_points(points)
    k_padded = np.ones(n_padded, np.int32)
    k_padded[:n] = k_each
    with float64():
        return np.asarray(_kth_chebyshev(padded, k_padded, k_max, _brute_block(n_padded, d)))[:n]


def neighbour_counts(points, radius, groups, backend=None):
    """Rows within each row's radius in several column subspaces (max-norm, exact).

    ``counts[i, g]`` is the number of rows ``j`` (``i`` itself included) with
    ``max_{c in groups[g]} fl(|points[j, c] - points[i, c]|) <= radius[i]``.

    Parameters
    ----------
    points : float64 ndarray of shape (n, d)
    radius : float64 ndarray of shape (n,)
    groups : tuple of tuples of int
        Non-empty column subsets.
    backend : {"kdtree", "brute"}, optional

    Returns
    -------
    int64 ndarray of shape (n, len(groups))
    """
    points = np.ascontiguousarray(points, dtype=np.float64)
    n, d = points.shape
    groups = tuple(tuple(int(c) for c in g) for g in groups)
    if (backend or neighbour_backend()) == "kdtree":
        from scipy.spatial import cKDTree

        out = np.empty((n, len(groups)), dtype=np.int64)
        for g, columns in enumerate(groups):
            sub = np.ascontiguousarray(points[:, list(columns)])
            out[:, g] = cKDTree(sub).query_ball_point(sub, radius, p=np.inf,
                                                      return_length=True, workers=-1)
        return out
    padded, n_padded = _padded_points(points)
    r_padded = np.zeros(n_padded)
    r_padded[:n] = radius
    with float64():
        counts = _count_chebyshev(padded, r_padded, groups, _brute_block(n_padded, d))
        return np.asarray(counts)[:n].astype(np.int64)


@jax.jit
def _count_in_ranges(sorted_values, start, stop, values, radius):
    return knn_common.count_within_ranges(sorted_values, start, stop, values, radius)


def _stratum_sizes(codes):
    """Number of rows sharing each row's code (codes compact in ``[0, n)``)."""
    return np.bincount(codes)[codes]


def counts_in_strata(values, codes, radius):
    """Rows of the same stratum with ``fl(|v_j - v_i|) <= r_i`` (``i`` included), exactly.

    Sorts by (stratum, value) on the host and bisects each query's stratum
    in JAX (``kernels.knn_common.count_within_ranges``).

    Parameters
    ----------
    values, radius : float64 ndarray of shape (n,)
    codes : int ndarray of shape (n,)
        Compact stratum codes (all zeros: one stratum).

    Returns
    -------
    int64 ndarray of shape (n,)
    """
    n = values.shape[0]
    order = np.lexsort((values, codes))
    sizes = np.bincount(codes)
    first = (np.cumsum(sizes) - sizes)[codes]
    n_padded = bucket(n, minimum=KNN_MIN_ROWS)

    def padded(a, fill, dtype):
        out = np.full(n_padded, fill, dtype=dtype)
        out[:n] = a
        return out

    with float64():
        counts = _count_in_ranges(padded(values[order], np.inf, np.float64),
                                  padded(first, 0, np.int32),
                                  padded(first + sizes[codes], 0, np.int32),
                                  padded(values, 0.0, np.float64),
                                  padded(radius, -1.0, np.float64))
        return np.asarray(counts)[:n].astype(np.int64)


def _offset_column(codes, continuous):
    """``codes * offset``: a power of two above every distance between continuous rows.

    Rows of different codes are then farther apart than any two rows of one
    code, so the max-norm search never mixes strata (and the products are
    exact).
    """
    span = float(np.ptp(continuous, axis=0).max()) if continuous.shape[1] else 0.0
    offset = 2.0 ** (math.floor(math.log2(span)) + 2) if span > 0 else 1.0
    return codes.astype(np.float64) * offset


def _subspace_counts(continuous, columns, codes, radius, backend):
    """Counts within ``radius`` on ``continuous[:, columns]`` among rows of the same code."""
    if not columns:
        return _stratum_sizes(codes)
    if len(columns) == 1:
        return counts_in_strata(continuous[:, columns[0]], codes, radius)
    # The offset comes from all columns: it must exceed the radii, which are joint distances.
    points = np.column_stack([continuous[:, list(columns)], _offset_column(codes, continuous)])
    return neighbour_counts(points, radius, (tuple(range(points.shape[1])),), backend)[:, 0]


def knn_conditional_mi(continuous, groups, strata, n_neighbors, backend=None):
    r"""Raw Frenzel-Pompe / KSG estimate (nats) in a joint space of continuous and discrete parts.

    .. math::

        \hat I = \langle \psi(k_i) \rangle - \langle \psi(n_{A,i}) \rangle
                 - \langle \psi(n_{B,i}) \rangle + \langle \psi(n_{C,i}) \rangle

    ``eps_i`` is the max-norm distance from row ``i`` to its ``k_i``-th
    nearest neighbour in the joint space (all continuous columns, and the
    discrete variables with distance 0 between equal codes and infinity
    otherwise); ``n_{G,i}`` counts the rows (``i`` included) within
    ``nextafter(eps_i, 0)`` in subspace ``G``: on G's continuous columns,
    among the rows of the same G-stratum. With ``(A, B, C) = (XZ, YZ, Z)``
    this is I(X; Y | Z) (Frenzel & Pompe 2007); with C empty (no columns,
    one stratum: ``n_C = N``) it is I(X; Y) by KSG (continuous X, Y) or Ross
    (a discrete one). For a discrete Z it equals the weighted sum over Z's
    strata of the per-stratum estimates.

    Rows alone in their joint stratum are left out (as scikit-learn leaves
    out one-member classes), and ``k_i = min(k, N_s - 1)`` in a joint stratum
    of ``N_s`` rows.

    Parameters
    ----------
    continuous : float64 ndarray of shape (n, c)
        Continuous columns (scaled and jittered by the caller).
    groups : tuple of three tuples of int
        Continuous column indices of A, B and C.
    strata : int ndarray of shape (n, 4)
        Compact codes of the joint stratum (all discrete variables) and of
        the discrete parts of A, B and C (zeros where there is none).
    n_neighbors : int
    backend : {"kdtree", "brute"}, optional
        d-D search backend (default :func:`neighbour_backend`).

    Returns
    -------
    float
        0.0 when no joint stratum has two rows.
    """
    from scipy.special import digamma

    sizes = _stratum_sizes(strata[:, 0])
    kept = sizes > 1
    if not kept.all():
        continuous, sizes = continuous[kept], sizes[kept]
        strata = np.column_stack([np.unique(s, return_inverse=True)[1] for s in strata[kept].T])
    if continuous.shape[0] == 0:
        return 0.0
    k_each = np.minimum(n_neighbors, sizes - 1)
    joint = np.column_stack([continuous, _offset_column(strata[:, 0], continuous)])
    eps = kth_neighbour_distances(joint, k_each, int(k_each.max()), backend)
    radius = np.nextafter(eps, 0.0)
    mean_psi = [np.mean(digamma(_subspace_counts(continuous, columns, strata[:, 1 + g], radius,
                                                 backend)))
                for g, columns in enumerate(groups)]
    return float(np.mean(digamma(k_each)) - mean_psi[0] - mean_psi[1] + mean_psi[2])


# --- permutations ---
#
# Permutation nulls of the kNN estimators. Each null draw permutes the rows of
# a feature column against the fixed shared variable (the target for Ross and
# KSG, the continuous target for discrete features of a regression): the
# same pairing as permuting the target, and it lets every draw reuse what
# the shared variable prepares once per call (KSG: its sorted marginal).
# The (feature, permutation) pairs are cut into chunks of permuted columns
# and mapped, inside jit, by the very functions that score the unpermuted
# columns (``_ross_chunk``, ``_ksg_chunk``, ``_ross_shared_chunk``), so the
# null adds no compiled code at sizes the estimates already use. Chunks run
# on up to ``_KNN_THREADS`` threads, like the estimates.
#
# Permutations are index arrays drawn by the caller (host NumPy: Fisher-Yates
# costs about 0.05 s for 200 permutations of 10k rows here, where
# ``jax.random.permutation``, which sorts, took 1.1 s). By convention the
# first one is the identity, so that the observed statistic comes out of
# the same code as the null draws.
#
# Discrete-discrete pairs need no permutations at all (DESIGN.md: sample
# tables with fixed margins); ``contingency_tables`` gives their observed
# tables from the same counting chunks as ``mutual_info_columns``.

import collections  # noqa: E402


def permutation_rows(n):
    """Padded rows for permutation work: as the kNN estimates up to 2048, then finer.

    Up to 2048 rows the estimates' buckets (so the null reuses their
    compiled code); above, eighths of a doubling (at most 12.5 % padding,
    where ``bucket`` pads 10k rows to 16k): a compile pays for itself over
    hundreds of permutations.
    """
    if n <= 2048:
        return bucket(n, minimum=KNN_MIN_ROWS)
    shift = int(n).bit_length() - 4
    return -(-int(n) >> shift) << shift


def contingency_tables(X, y, kx, ky):
    """Contingency tables of every column of a code matrix against one target.

    Parameters
    ----------
    X : int ndarray of shape (n, p)
        Codes in ``[0, kx)`` (C- or Fortran-ordered).
    y : int ndarray of shape (n,)
        Codes in ``[0, ky)``.
    kx, ky : int

    Returns
    -------
    int64 ndarray of shape (p, kx, ky)
    """
    if not (X.flags.c_contiguous or X.flags.f_contiguous):
        X = np.ascontiguousarray(X)
    kx_padded, ky_padded = bucket(kx, minimum=2), bucket(ky, minimum=2)
    return _count_totals(X, y, kx_padded, ky_padded)[:, 1 : kx + 1, :ky]


def _permuted_chunks(columns, permutations, n_padded, fill, dtype, rows):
    """Chunks of permuted columns: yields ``(chunk, n_real, features, draws)``.

    ``chunk[i] = columns[perm, j]`` (then ``fill`` padding) for the pairs
    ``(j, perm)`` taken feature by feature within each block of
    ``permutations``; ``draws`` numbers the permutations from 0.
    """
    n, p = columns.shape
    pending = []
    first_draw = 0

    def emit(pairs):
        chunk = np.full((rows, n_padded), fill, dtype=dtype)
        for i, (_, _, values) in enumerate(pairs):
            chunk[i, :n] = values
        return (chunk, len(pairs), np.array([j for j, _, _ in pairs]),
                np.array([b for _, b, _ in pairs]))

    for block in permutations:
        block = np.asarray(block)
        for j in range(p):
            permuted = columns[:, j][block]
            for i in range(block.shape[0]):
                pending.append((j, first_draw + i, permuted[i]))
                if len(pending) == rows:
                    yield emit(pending)
                    pending = []
        first_draw += block.shape[0]
    if pending:
        yield emit(pending)


def _permutation_null(columns, n_padded, fill, dtype, permutations, compute, progress,
                      rows=None):
    """``compute(chunk, n_real)`` over chunks of permuted columns, on up to _KNN_THREADS threads.

    ``permutations`` yields (b, n) arrays of permutations of ``range(n)``,
    consumed in order on the calling thread (the draws do not depend on
    scheduling), a bounded number ahead of the work. ``progress(k)`` is
    called with the number of (feature, permutation) pairs finished.

    Returns
    -------
    ndarray of float64, shape (p, number of permutations)
    """
    n, p = columns.shape
    rows = rows or _knn_chunk_features(n_padded)
    parts = []

    def task(args):
        chunk, n_real, features, draws = args
        with float64():
            values = np.asarray(compute(chunk, n_real))[:n_real]
        parts.append((features, draws, values))
        if progress is not None:
            progress(n_real)

    work = _permuted_chunks(columns, permutations, n_padded, fill, dtype, rows)
    # The first chunk alone: it compiles (threads would each compile the same code).
    for args in itertools.islice(work, 1 if _KNN_THREADS > 1 else None):
        task(args)
    with ThreadPoolExecutor(_KNN_THREADS) as pool:
        in_flight = collections.deque()
        for args in work:
            in_flight.append(pool.submit(task, args))
            if len(in_flight) > 4 * _KNN_THREADS:
                in_flight.popleft().result()
        for future in in_flight:
            future.result()
    n_draws = 1 + max(int(draws.max()) for _, draws, _ in parts)
    out = np.empty((p, n_draws))
    for features, draws, values in parts:
        out[features, draws] = values
    return out


def ross_permutation_null(X, y_codes, n_levels, n_neighbors, permutations, progress=None):
    """Raw Ross MI of permuted continuous columns with a discrete target.

    ``out[j, b] = ross(X[perm_b, j], y_codes)`` for the permutations of
    ``range(n)`` that ``permutations`` yields in (b, n) blocks; inputs as for
    :func:`ross_mi_columns`.

    Returns
    -------
    ndarray of float64, shape (p, number of permutations)
    """
    X = np.asarray(X, dtype=np.float64)
    n = X.shape[0]
    n_padded = permutation_rows(n)
    levels = bucket(n_levels, minimum=2)
    y = np.full(n_padded, levels, dtype=np.int32)
    y[:n] = y_codes
    bracket = _ross_bracket(np.bincount(y[:n], minlength=n_levels), n_neighbors)
    psi = _psi_table(n_padded)
    return _permutation_null(X, n_padded, 0.0, np.float64, permutations,
                             lambda chunk, n_real: _ross_chunk(chunk, n_real, y, psi, bracket,
                                                               levels, n_neighbors), progress)


def ksg_permutation_null(X, y, n_neighbors, permutations, progress=None):
    """Raw KSG MI of permuted continuous columns with a continuous target.

    ``out[j, b] = ksg(X[perm_b, j], y)``; inputs as for :func:`ksg_mi_columns`.
    """
    X = np.asarray(X, dtype=np.float64)
    n = X.shape[0]
    n_padded = permutation_rows(n)
    target = np.full(n_padded, np.inf)
    target[:n] = y
    psi = _psi_table(n_padded)
    return _permutation_null(X, n_padded, np.inf, np.float64, permutations,
                             lambda chunk, n_real: _ksg_chunk(chunk, n_real, target, psi,
                                                              n_neighbors), progress)


def ross_shared_permutation_null(x, codes, n_levels, n_neighbors, permutations, progress=None):
    """Raw Ross MI of one continuous variable with permuted discrete columns.

    ``out[j, b] = ross(x, codes[perm_b, j])``, the null of
    :func:`ross_mi_shared_continuous` (same chunk shape when there are at
    most ``_KNN_CHUNK_FEATURES`` columns, so the same compiled code).
    """
    n, q = codes.shape
    n_padded = permutation_rows(n)
    levels = bucket(n_levels, minimum=2)
    x_padded = np.zeros(n_padded)
    x_padded[:n] = x
    counts = np.bincount((codes + np.arange(q) * n_levels).ravel(), minlength=q * n_levels)
    counts = counts.reshape(q, n_levels)
    evenness = (counts * (counts > 1)).sum(1) ** 2 / np.maximum((counts**2).sum(1), 1)
    bracket = _ross_bracket(counts[np.argmax(evenness)], n_neighbors)
    psi = _psi_table(n_padded)
    rows = min(bucket(q, minimum=1), _knn_chunk_features(n_padded))
    return _permutation_null(codes, n_padded, levels, np.int32, permutations,
                             lambda chunk, n_real: _ross_shared_chunk(
                                 chunk, n_real, x_padded, psi, levels, n_neighbors, bracket),
                             progress, rows)


# --- end permutations ---


# --- MDLP ---
#
# Supervised cut points (Fayyad & Irani), see ``kernels.mdlp``. The host sorts
# the features of a chunk (NumPy's sort is several times faster than XLA's on
# this CPU), finds the candidate positions (boundary points) and the
# cumulative class counts there with whole-array passes, and lays all the
# features' candidates end to end. The recursion then runs one depth level
# per step: each step scores every candidate of every pending segment of every
# feature in one jitted call (``kernels.mdlp.choose_cuts``, then
# ``mdl_verdict`` on the chosen cuts), and the host turns
# the accepted cuts into the next level's segments. Only pending segments are
# scored, so the work shrinks as segments settle. Chunks of features run on up
# to ``_MDLP_THREADS`` threads (NumPy's sort releases the GIL).

from typing import NamedTuple  # noqa: E402

from .kernels import mdlp  # noqa: E402

# Threads for chunks of features (each sort and each XLA call uses one core).
_MDLP_THREADS = _THREADS

# Rows times features per chunk: bounds the host's sorted copies (~50 bytes each).
_MDLP_CHUNK_ELEMENTS = 1 << 22
# Smallest padded shapes: small inputs all share one compiled shape.
_MDLP_MIN_CANDIDATES = 1 << 14
_MDLP_MIN_SEGMENTS = 1 << 8

# Two jitted steps: the first's shape follows the candidates, the second's only
# the segments, so a new candidate bucket recompiles only the smaller first one.
_mdlp_choose = jax.jit(mdlp.choose_cuts)
_mdlp_verdict = jax.jit(mdlp.mdl_verdict)
_xlogx_table = jax.jit(mdlp.xlogx_table, static_argnames="size")


class MdlpSplits(NamedTuple):
    """Accepted MDLP cuts of one feature, as a tree.

    Attributes
    ----------
    cuts : float64 ndarray of shape (n_cuts,)
        Cut points in increasing order.
    parents : int ndarray of shape (n_cuts,)
        Index into ``cuts`` of the cut whose split created the segment that
        this cut split; -1 for the first (root) cut.
    gains : float64 ndarray of shape (n_cuts,)
        ``N Gain`` of each split in bits (rows times bits of class entropy removed).
    """

    cuts: np.ndarray
    parents: np.ndarray
    gains: np.ndarray


def _power_of_two(size, minimum):
    return max(minimum, 1 << (max(int(size), 1) - 1).bit_length())


def _power_of_four(size, minimum):
    """Shape bucket: a power of four. Each new shape costs a compile of about a second
    (two under load here), so coarse buckets are worth their padding."""
    exponent = (max(int(size), 1) - 1).bit_length()
    return max(minimum, 1 << (exponent + exponent % 2))


def _order_keys(values):
    """int64 keys ordered like the float64 values (-0.0 and 0.0 share one key)."""
    bits = (values + 0.0).view(np.int64)
    return bits ^ ((bits >> 63) & np.int64(0x7FFFFFFFFFFFFFFF))


def _sort_with_classes(XT, y_codes, n_classes):
    """Each row of XT sorted, and the classes of its rows in that order.

    One sort of the values and one of int64 keys that carry the class in
    their lowest bits (an indirect sort plus gathers costs about twice as
    much). Dropping those bits merges values less than ``2**bits`` ulps apart,
    so features where that happens are redone with an exact argsort.
    """
    bits = max(1, (n_classes - 1).bit_length())
    low = np.int64((1 << bits) - 1)
    xs = np.sort(XT, axis=1)
    keys = _order_keys(XT)
    keys &= ~low
    keys |= y_codes
    keys.sort(axis=1)
    ys = keys & low
    # Neighbours whose keys agree above the class bits (rare), then their values.
    same_high = np.bitwise_xor(keys[:, 1:], keys[:, :-1]).view(np.uint64) <= np.uint64(low)
    feature, row = np.nonzero(same_high)
    merged = np.unique(feature[xs[feature, row] != xs[feature, row + 1]])
    for j in merged:
        ys[j] = y_codes[np.argsort(XT[j], kind="stable")]
    return xs, ys


def _candidates(xs, ys):
    """Flat indices (into ``xs.ravel()``) of the rows that start a candidate cut.

    A cut before row t of a sorted feature is a candidate where the value
    changes and the rows at the two values (the runs of equal values on
    either side) are not all of one class.
    """
    c, n = xs.shape
    x, y = xs.ravel(), ys.ravel()
    value_change = np.empty(x.size, dtype=bool)
    value_change[0] = True
    np.not_equal(x[1:], x[:-1], out=value_change[1:])
    class_change = np.zeros(x.size, dtype=bool)
    np.not_equal(y[1:], y[:-1], out=class_change[1:])
    class_change[::n] = False
    if value_change.all():  # no ties: every run is one row
        return np.flatnonzero(class_change)
    value_change[::n] = True
    # Class changes inside runs of equal values, counted up to each row.
    within = np.cumsum(class_change & ~value_change, dtype=np.int64)
    starts = np.flatnonzero(value_change)
    ends = np.append(starts[1:] - 1, x.size - 1)
    mixed = within[ends] > within[starts]
    cut = (mixed[1:] | mixed[:-1] | class_change[starts[1:]]) & (starts[1:] % n != 0)
    return starts[1:][cut]


def _flat_layout(candidates, ys, n_classes):
    """Candidate positions and cumulative class counts, all features end to end.

    Positions are flat indices into ``ys.ravel()``: the candidates merged with
    the features' boundaries ``0, n, 2n, ..., c n``. Counts are cumulative over
    the flat rows; a segment never crosses a boundary, so differences of them
    count the rows of one feature (see ``kernels.mdlp``).

    Returns
    -------
    positions : int64 ndarray of shape (size,)
    cum : int32 ndarray of shape (n_classes, size)
    boundaries : int64 ndarray of shape (c + 1,)
        Where the features' boundaries sit in ``positions``.
    """
    c, n = ys.shape
    boundaries = np.searchsorted(candidates, np.arange(c + 1) * n) + np.arange(c + 1)
    positions = np.empty(candidates.size + c + 1, dtype=np.int64)
    is_candidate = np.ones(positions.size, dtype=bool)
    is_candidate[boundaries] = False
    positions[boundaries] = np.arange(c + 1) * n
    positions[is_candidate] = candidates
    # Per-class running counts (the last class is what the others leave).
    y = ys.ravel()
    running = np.zeros(y.size + 1, dtype=np.int64)
    cum = np.empty((n_classes, positions.size), dtype=np.int32)
    for k in range(n_classes - 1):
        np.cumsum(y == k, out=running[1:])
        cum[k] = running[positions]
    cum[-1] = positions - cum[:-1].sum(axis=0)
    return positions, cum, boundaries


def _level_inputs(lo, hi):
    """Padded candidates and segment numbers of the segments ``(lo, hi)``."""
    inside = hi - lo - 1
    n_candidates, n_segments = int(inside.sum()), lo.size
    size = _power_of_two(n_candidates, _MDLP_MIN_CANDIDATES)
    segments = _power_of_two(n_segments, _MDLP_MIN_SEGMENTS)
    first = np.cumsum(inside) - inside
    candidates = np.zeros(size, dtype=np.int32)
    candidates[:n_candidates] = np.arange(n_candidates) + np.repeat(lo + 1 - first, inside)
    segment_of = np.full(size, segments, dtype=np.int32)
    segment_of[:n_candidates] = np.repeat(np.arange(n_segments), inside)
    lo_padded = np.zeros(segments, dtype=np.int32)
    hi_padded = np.zeros(segments, dtype=np.int32)
    lo_padded[:n_segments], hi_padded[:n_segments] = lo, hi
    return candidates, segment_of, lo_padded, hi_padded


def _recursion(positions, cum, boundaries, n_rows, min_samples_split):
    """All accepted cuts: flat indices, parent cut (flat index or -1), N Gain in bits."""

    def splittable(lo, hi):
        return (hi - lo >= 2) & (positions[hi] - positions[lo] >= min_samples_split)

    lo, hi = boundaries[:-1], boundaries[1:]
    keep = splittable(lo, hi)
    lo, hi = lo[keep], hi[keep]
    owner = np.full(lo.size, -1)
    found = []
    padded = np.zeros((bucket(cum.shape[0], minimum=2),
                       _power_of_four(cum.shape[1], _MDLP_MIN_CANDIDATES)), dtype=np.int32)
    padded[: cum.shape[0], : cum.shape[1]] = cum
    with float64():
        cum_device = jax.device_put(padded)
        xlogx = _xlogx_table(_power_of_four(n_rows + 1, _MDLP_MIN_CANDIDATES))
        while lo.size:
            candidates, segment_of, lo_padded, hi_padded = _level_inputs(lo, hi)
            choice = _mdlp_choose(cum_device, xlogx, candidates, segment_of, lo_padded,
                                  hi_padded)
            result = choice, *_mdlp_verdict(cum_device, xlogx, lo_padded, choice, hi_padded)
            choice, accept, gain = (np.asarray(a)[: lo.size] for a in result)
            cut = choice[accept].astype(np.int64)
            found.append((cut, owner[accept], gain[accept]))
            lo = np.concatenate([lo[accept], cut])
            hi = np.concatenate([cut, hi[accept]])
            owner = np.concatenate([cut, cut])
            keep = splittable(lo, hi)
            lo, hi, owner = lo[keep], hi[keep], owner[keep]
    if not found:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    return tuple(np.concatenate(parts) for parts in zip(*found))


def _midpoints(below, above):
    """Cut values between adjacent distinct values: the midpoint, kept in (below, above]."""
    middle = (below + above) / 2
    middle = np.where(np.isfinite(middle), middle, below / 2 + above / 2)
    return np.where(middle > below, middle, above)


def _mdlp_chunk(XT, y_codes, n_classes, min_samples_split):
    """MdlpSplits of each row of ``XT`` (features x rows, finite float64)."""
    c, n = XT.shape
    xs, ys = _sort_with_classes(XT, y_codes, n_classes)
    positions, cum, boundaries = _flat_layout(_candidates(xs, ys), ys, n_classes)
    flat, parent, gain = _recursion(positions, cum, boundaries, n, min_samples_split)
    order = np.argsort(flat)
    flat, parent, gain = flat[order], parent[order], gain[order]
    rows = positions[flat]
    values = xs.ravel()
    cuts = _midpoints(values[rows - 1], values[rows])
    # Parents as indices into their own feature's sorted cuts.
    bounds = np.searchsorted(rows, np.arange(c + 1) * n)
    parent_rank = np.searchsorted(flat, parent) - bounds[rows // n]
    parent_rank = np.where(parent < 0, -1, parent_rank)
    return [MdlpSplits(cuts[a:b], parent_rank[a:b], gain[a:b])
            for a, b in zip(bounds[:-1], bounds[1:])]


def mdlp_splits(X, y_codes, n_classes, min_samples_split=2):
    """MDLP cut points (Fayyad & Irani 1993) of every column of X for one class target.

    Parameters
    ----------
    X : float ndarray of shape (n, p)
        Finite values (the caller checks).
    y_codes : int ndarray of shape (n,)
        Class codes in ``[0, n_classes)``.
    n_classes : int
    min_samples_split : int, default=2
        Segments with fewer rows are not split.

    Returns
    -------
    list of MdlpSplits, one per column
    """
    X = np.asarray(X, dtype=np.float64)
    n, p = X.shape
    y_codes = np.asarray(y_codes, dtype=np.int64)
    per_thread = -(-p // _MDLP_THREADS)
    # The class counts take n_classes int32 per candidate: fewer features when many classes.
    row_cost = max(n, 1) * max(1, bucket(n_classes, minimum=2) // 4)
    step = max(1, min(per_thread, _MDLP_CHUNK_ELEMENTS // row_cost))
    # Features dealt round-robin: neighbouring columns are often alike in depth
    # of recursion, so this balances the threads better than contiguous blocks.
    n_chunks = -(-p // step)
    chunks = [np.arange(i, p, n_chunks) for i in range(n_chunks)]

    def task(columns):
        XT = np.ascontiguousarray(X[:, columns].T)
        return _mdlp_chunk(XT, y_codes, n_classes, min_samples_split)

    if n_chunks == 1:
        return task(chunks[0])
    # On a cold cache both threads may compile the same shapes; the wall time
    # of a first call is about the same and steady state runs twice as fast.
    with ThreadPoolExecutor(_MDLP_THREADS) as pool:
        parts = list(pool.map(task, chunks))
    result = [None] * p
    for columns, part in zip(chunks, parts):
        for j, splits in zip(columns, part):
            result[j] = splits
    return result


# --- end MDLP ---
