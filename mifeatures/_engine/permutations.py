"""Permutation nulls of the kNN estimators, and observed contingency tables.

Permutation nulls of the kNN estimators. Each null draw permutes the rows of
a feature column against the fixed shared variable (the target for Ross and
KSG, the continuous target for discrete features of a regression): the
same pairing as permuting the target, and it lets every draw reuse what
the shared variable prepares once per call (KSG: its sorted marginal).
The (feature, permutation) pairs are cut into chunks of permuted columns
and mapped, inside jit, by the very functions that score the unpermuted
columns (``_ross_chunk``, ``_ksg_chunk``, ``_ross_shared_chunk``), so the
null adds no compiled code at sizes the estimates already use. Chunks run
on up to ``knn._KNN_THREADS`` threads, like the estimates.

Permutations are index arrays drawn by the caller (host NumPy: Fisher-Yates
costs about 0.05 s for 200 permutations of 10k rows here, where
``jax.random.permutation``, which sorts, took 1.1 s). By convention the
first one is the identity, so that the observed statistic comes out of
the same code as the null draws.

Discrete-discrete pairs need no permutations at all (DESIGN.md: sample
tables with fixed margins); ``contingency_tables`` gives their observed
tables from the same counting chunks as ``mutual_info_columns``.
"""

import collections
import itertools
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from . import knn
from ._common import _caller_settings, bucket, float64, padded
from .counting import _count_totals
from .knn import (
    KNN_MIN_ROWS,
    _knn_chunk_features,
    _ksg_chunk,
    _ksg_tied_layout,
    _psi_table,
    _ross_bracket,
    _ross_chunk,
    _ross_shared_chunk,
)


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
    """``compute(chunk, n_real)`` over chunks of permuted columns, on ``knn._KNN_THREADS`` threads.

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
    threads = knn._KNN_THREADS
    settings = _caller_settings()  # workers would recompile under other settings
    parts = []

    def task(args):
        chunk, n_real, features, draws = args
        with settings(), float64():
            values = np.asarray(compute(chunk, n_real))[:n_real]
        parts.append((features, draws, values))
        if progress is not None:
            progress(n_real)

    work = _permuted_chunks(columns, permutations, n_padded, fill, dtype, rows)
    # The first chunk alone: it compiles (threads would each compile the same code).
    for args in itertools.islice(work, 1 if threads > 1 else None):
        task(args)
    with ThreadPoolExecutor(threads) as pool:
        in_flight = collections.deque()
        for args in work:
            in_flight.append(pool.submit(task, args))
            if len(in_flight) > 4 * threads:
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
    y = padded(y_codes, n_padded, levels, np.int32)
    bracket = _ross_bracket(np.bincount(y[:n], minlength=n_levels), n_neighbors)
    psi = _psi_table(n_padded)
    return _permutation_null(X, n_padded, 0.0, np.float64, permutations,
                             lambda chunk, n_real: _ross_chunk(chunk, n_real, y, psi, bracket,
                                                               levels, n_neighbors), progress)


def ksg_permutation_null(X, y, n_neighbors, permutations, progress=None):
    """Raw KSG MI of permuted continuous columns with a continuous target.

    ``out[j, b] = ksg(X[perm_b, j], y)``; inputs as for :func:`ksg_mi_columns`.
    One layout of the search for all columns (the permutations are drawn
    once): the adaptive one when any column or y has runs of ties.
    """
    X = np.asarray(X, dtype=np.float64)
    n = X.shape[0]
    n_padded = permutation_rows(n)
    target = padded(y, n_padded, np.inf)
    psi = _psi_table(n_padded)
    ties = bool(_ksg_tied_layout(X, np.asarray(y, dtype=np.float64), n_padded).any())
    return _permutation_null(X, n_padded, np.inf, np.float64, permutations,
                             lambda chunk, n_real: _ksg_chunk(chunk, n_real, target, psi,
                                                              n_neighbors, ties), progress)


def ross_shared_permutation_null(x, codes, n_levels, n_neighbors, permutations, progress=None):
    """Raw Ross MI of one continuous variable with permuted discrete columns.

    ``out[j, b] = ross(x, codes[perm_b, j])``, the null of
    :func:`ross_mi_shared_continuous` (same chunk shape when there are at
    most ``_KNN_CHUNK_FEATURES`` columns, so the same compiled code).
    """
    n, q = codes.shape
    n_padded = permutation_rows(n)
    levels = bucket(n_levels, minimum=2)
    x_padded = padded(x, n_padded, 0.0)
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
