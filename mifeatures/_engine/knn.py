"""Nearest-neighbour estimators (Ross, KSG, Kozachenko-Leonenko, Frenzel-Pompe).

Two families. Column kernels (``ross_mi_columns``, ``ksg_mi_columns``,
``ross_mi_shared_continuous``, ``kl_entropy``) score many 1-D features at
once in JAX and reproduce scikit-learn's numbers. The joint-space estimator
(``knn_conditional_mi``, for d-D variables, mixed variables and conditional
MI) uses an exact d-D search (``kth_neighbour_distances``,
``neighbour_counts``: scipy's k-d tree on the CPU, the JAX brute force of
``kernels.knn_brute`` on accelerators) and exact 1-D counts in JAX
(``counts_in_strata``); it compiles almost nothing, so a single call is fast.

Inputs are float64 columns already scaled and jittered by the caller exactly
as scikit-learn does; results are raw (unclipped) estimates in nats. Rows are
padded to ``bucket(n, KNN_MIN_ROWS)`` (Ross: padded rows get an out-of-range class code;
KSG and KL: padded rows are +inf, infinitely far from every real row), so
padding never changes a result. Features go through the kernels in chunks
of at most ``_KNN_CHUNK_FEATURES`` columns (a NumPy transpose into a feature-major
buffer, then one jitted ``lax.map``; measured at n = 100k: Ross 21 ms per
feature with lax.map against 41 with vmap, KSG 136 against 138);
chunks run on up to ``_KNN_THREADS`` threads, since a sort uses one core.
"""

import itertools
import math
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..kernels import knn_brute, knn_common, knn_kl, knn_ksg, knn_ross, knn_strips
from ..kernels.knn_common import marginal
from ._common import _DEFAULT_THREADS, _caller_settings, bucket, float64, padded

# Smallest row bucket of the kNN functions: every input of at most this many
# rows shares one compiled shape (a kNN kernel compiles for seconds, and runs
# on 1024 padded rows in about a millisecond).
KNN_MIN_ROWS = 1024

# Elements per feature chunk (float64): 32 MB, so memory stays bounded at any n, p.
_KNN_CHUNK_ELEMENTS = 1 << 22
_KNN_THREADS = _DEFAULT_THREADS


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
    settings = _caller_settings()  # workers would recompile under other settings

    def task(args):
        with settings(), float64():
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
    y = padded(y_codes, n_padded, levels, np.int32)
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
    x_padded = padded(x, n_padded, 0.0)
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


@partial(jax.jit, static_argnames=("n_neighbors", "ties"))
def _ksg_chunk(chunk, n_real, y, psi, n_neighbors, ties=False):
    y_marginal = marginal(y)
    return _map_real_features(
        lambda x: knn_ksg.ksg_mutual_info(x, y, n_neighbors, psi, y_marginal=y_marginal,
                                          ties=ties), chunk, n_real)


# About this many rows sampled per column to guess whether it has runs of ties, and
# columns at a time.
_TIE_SAMPLE = 4096
_TIE_COLUMNS = 256


def _tied_columns(X, n_padded):
    """Whether each column of X may hold a run of ties worth the kNN search's tied layout.

    A run of ``strip`` rows (``knn_strips.default_strip(n_padded)``) within
    ``strip - 1`` ties (``knn_strips.TIE_RESOLUTION`` standard deviations)
    is what the search's adaptive strips serve: float columns with few
    distinct values, or a mass at one value, after the 1e-10 tie-breaking
    noise. Guessed from a strided sample of about ``_TIE_SAMPLE`` rows (a
    quarter of the rows at most: sorting it should cost little next to the
    search): as many sample rows as such a run would hold, within that span
    (a larger run is all but sure to show; levels of fewer rows gain
    little). The guess sets only the speed; the search is exact with either
    layout.

    Parameters
    ----------
    X : float64 ndarray of shape (n, p)
        Finite values.
    n_padded : int
        Rows of the kernel's input (sets the strip).

    Returns
    -------
    bool ndarray of shape (p,)
    """
    n, p = X.shape
    strip = knn_strips.default_strip(n_padded)
    rows = X[:: max(4, n // _TIE_SAMPLE)]
    size = rows.shape[0]
    run = max(2, strip * size // n)
    tied = np.zeros(p, dtype=bool)
    if size < run:
        return tied
    for j in range(0, p, _TIE_COLUMNS):  # bounded memory for wide X
        sample = np.sort(rows[:, j : j + _TIE_COLUMNS], axis=0)
        span = (strip - 1) * knn_strips.TIE_RESOLUTION * sample.std(axis=0)
        tied[j : j + _TIE_COLUMNS] = ((sample[run - 1 :] - sample[: size - run + 1])
                                      <= span).any(axis=0)
    return tied


def _ksg_tied_layout(X, y, n_padded):
    """Per column of X: whether its KSG search should adapt to ties (in it, or in y)."""
    return _tied_columns(X, n_padded) | _tied_columns(y[:, None], n_padded)[0]


def ksg_mi_columns(X, y, n_neighbors):
    """KSG MI (nats, raw) of every continuous column of X with a continuous target.

    Reproduces scikit-learn's ``_compute_mi_cc`` column by column (before its
    clipping at 0), see ``kernels.knn_ksg.ksg_mutual_info``. Padded rows are
    ``+inf`` in X and y. Columns where x or y has runs of ties (float columns
    with few distinct values) go through the search's adaptive layout, the
    others through its fixed one (a second compiled variant, only when needed).

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
    target = padded(y, n_padded, np.inf)
    psi = _psi_table(n_padded)
    tied = _ksg_tied_layout(X, np.asarray(y, dtype=np.float64), n_padded)
    out = np.zeros(p)
    for ties in (False, True):
        columns = np.flatnonzero(tied == ties)
        if columns.size:
            out[columns] = _run_chunks(
                X if columns.size == p else X[:, columns], n_padded, np.inf,
                lambda chunk, n_real, ties=ties: _ksg_chunk(chunk, n_real, target, psi,
                                                            n_neighbors, ties))
    return out


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
    with float64():
        return float(_kl_entropy(padded(x, n_padded, np.inf), _psi_table(n_padded),
                                 n_neighbors))


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
    return padded(points, n_padded, np.inf), n_padded


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
    points_padded, n_padded = _padded_points(points)
    k_padded = padded(k_each, n_padded, 1, np.int32)
    with float64():
        block = _brute_block(n_padded, d)
        return np.asarray(_kth_chebyshev(points_padded, k_padded, k_max, block))[:n]


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
    points_padded, n_padded = _padded_points(points)
    r_padded = padded(radius, n_padded, 0.0)
    with float64():
        counts = _count_chebyshev(points_padded, r_padded, groups, _brute_block(n_padded, d))
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

    with float64():
        counts = _count_in_ranges(padded(values[order], n_padded, np.inf, np.float64),
                                  padded(first, n_padded, 0, np.int32),
                                  padded(first + sizes[codes], n_padded, 0, np.int32),
                                  padded(values, n_padded, 0.0, np.float64),
                                  padded(radius, n_padded, -1.0, np.float64))
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
