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


# ---------------------------------------------------------------------------
# Nearest-neighbour estimators (Ross, KSG, Kozachenko-Leonenko)
# ---------------------------------------------------------------------------
#
# Inputs are float64 columns already scaled and jittered by the caller exactly
# as scikit-learn does; results are raw (unclipped) estimates in nats. Rows are
# padded to ``bucket(n)`` (Ross: padded rows get an out-of-range class code;
# KSG and KL: padded rows are +inf, infinitely far from every real row), so
# padding never changes a result. Features go through the kernels in chunks
# of at most ``_KNN_CHUNK_FEATURES`` columns (a NumPy transpose into a feature-major
# buffer, then one jitted ``lax.map``; measured at n = 100k: Ross 21 ms per
# feature with lax.map against 41 with vmap, KSG 136 against 138);
# chunks run on up to ``_KNN_THREADS`` threads, since a sort uses one core.

import itertools  # noqa: E402
import os  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402

from .kernels import knn  # noqa: E402

# Elements per feature chunk (float64): 32 MB, so memory stays bounded at any n, p.
_KNN_CHUNK_ELEMENTS = 1 << 22
_KNN_THREADS = max(1, min(2, os.cpu_count() or 1))


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

    def task(args):
        with float64():
            return np.asarray(compute(*args))[: args[1]]

    chunks = _feature_chunks(X, n_padded, fill)
    # The first chunk alone: it compiles (threads would each compile the same code).
    parts = [task(args) for args in itertools.islice(chunks, 1)]
    if _KNN_THREADS == 1 or X.shape[1] <= _knn_chunk_features(n_padded):
        parts += [task(args) for args in chunks]
    else:
        with ThreadPoolExecutor(_KNN_THREADS) as pool:
            parts += list(pool.map(task, chunks))
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
        lambda x: knn.ross_mutual_info(x, y, n_levels, n_neighbors, psi, bracket), chunk, n_real)


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
    clipping at 0), see ``kernels.knn.ross_mutual_info``.

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
    n_padded = bucket(n, minimum=MIN_ROWS)
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
                        lambda: knn.ross_mutual_info(x, y, n_levels, n_neighbors, psi, bracket),
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
    n_padded = bucket(n, minimum=MIN_ROWS)
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
    y_marginal = knn.marginal(y)
    return _map_real_features(
        lambda x: knn.ksg_mutual_info(x, y, n_neighbors, psi, y_marginal=y_marginal), chunk,
        n_real)


def ksg_mi_columns(X, y, n_neighbors):
    """KSG MI (nats, raw) of every continuous column of X with a continuous target.

    Reproduces scikit-learn's ``_compute_mi_cc`` column by column (before its
    clipping at 0), see ``kernels.knn.ksg_mutual_info``. Padded rows are
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
    n_padded = bucket(n, minimum=MIN_ROWS)
    target = np.full(n_padded, np.inf)
    target[:n] = y
    psi = _psi_table(n_padded)
    return _run_chunks(X, n_padded, np.inf, lambda chunk, n_real: _ksg_chunk(
        chunk, n_real, target, psi, n_neighbors))


# Rows above which kl_entropy refuses d > 2 dimensions (brute force, O(k n^2 d)).
KL_BRUTE_FORCE_MAX_ROWS = 100_000


@partial(jax.jit, static_argnames=("n_neighbors",))
def _kl_entropy(x, psi, n_neighbors):
    return knn.kl_entropy(x, n_neighbors, psi)


def kl_entropy(x, n_neighbors):
    """Kozachenko-Leonenko entropy (nats) of samples of a 1-D or d-D continuous variable.

    Max-norm balls, see ``kernels.knn.kl_entropy``. 1-D and 2-D samples use
    sorting and the exact strip search; d > 2 a brute-force search, limited to
    ``KL_BRUTE_FORCE_MAX_ROWS`` rows.

    Parameters
    ----------
    x : float64 ndarray of shape (n,) or (n, d)
    n_neighbors : int

    Returns
    -------
    float
    """
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[0]
    if x.ndim == 2 and x.shape[1] > 2 and n > KL_BRUTE_FORCE_MAX_ROWS:
        raise ValueError(f"kl_entropy of {x.shape[1]}-D samples uses a brute-force search "
                         f"limited to {KL_BRUTE_FORCE_MAX_ROWS} rows; got {n}.")
    n_padded = bucket(n, minimum=MIN_ROWS)
    padded = np.full((n_padded,) + x.shape[1:], np.inf)
    padded[:n] = x
    with float64():
        return float(_kl_entropy(padded, _psi_table(n_padded), n_neighbors))
