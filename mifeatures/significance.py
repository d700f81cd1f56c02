r"""Permutation p-values for mutual information, and Benjamini-Hochberg q-values.

A feature's MI estimate alone does not say whether it differs from noise:
plug-in estimates are biased up by about (r - 1)(c - 1) / 2n, kNN estimates
scatter around 0 for independent variables. The permutation test answers
with a p-value: how often does the estimate on data whose pairing with the
target was shuffled (so that the feature and the target are independent,
with both marginals kept) reach the observed one?

.. math::

    p = \frac{1 + \#\{b : I_b \ge I_{obs}\}}{1 + B}

over ``B`` null draws ``I_b``. How the null is drawn depends on the pair:

- discrete feature, discrete target: the permutation null of a contingency
  table is exactly the distribution of random tables with the observed
  margins, sampled directly instead of permuting and recounting. A table
  is filled column by column, each cell a hypergeometric draw given the
  row totals still free (the multivariate hypergeometric law, which
  Patefield's algorithm also samples): one call of
  :meth:`numpy.random.Generator.hypergeometric` per cell for a batch of up
  to 1024 tables. That sampler releases the GIL, so batches run on two
  threads, each with its own generator spawned from its feature's seed: a
  p-value depends neither on the threads nor on the other features. Tables
  with more cells than about n / log n (where Boyett's O(n) shuffle is
  cheaper) and margins of 10**9 or more go to
  :func:`scipy.stats.random_table` instead; all draw the same distribution;
- any pair with a continuous variable (Ross or KSG estimator): the rows of
  the feature are permuted against the target (one permutation of the rows
  for all features in a draw) and the estimator rerun in the engine, which
  maps it over (feature, permutation) pairs inside jit.

The statistic is the raw estimate, not clipped at 0 (clipping would put a
point mass at p = 1 and make null p-values non-uniform).
"""

import contextlib
import numbers
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from . import _adapters, _engine
from ._dropins import PreparedFeatures, _check_n_neighbors, prepare_target
from ._engine._common import _DEFAULT_THREADS

# Cells of sampled tables one thread holds in memory at a time (8 bytes each).
_TABLE_CELLS_PER_BLOCK = 1 << 22
# Permutations drawn at a time (the engine works through them in chunks).
_PERMUTATIONS_PER_BLOCK = 16
# Threads drawing null tables, one task at a time each (NumPy's hypergeometric
# sampler releases the GIL); read at call time.
_TABLE_THREADS = _DEFAULT_THREADS
# Null tables drawn by one task (one generator): enough to amortise the Python
# work of each cell, few enough that one column's draws spread over the threads.
_TABLES_PER_TASK = 1024
# numpy.random.Generator.hypergeometric takes ngood and nbad below 10**9.
_HYPERGEOMETRIC_LIMIT = 10**9


def mutual_info_test(X, y, *, n_permutations=1000, discrete_features="auto",
                     discrete_target="auto", n_neighbors=3, random_state=None, base=None,
                     progress="auto"):
    r"""Mutual information of every feature with a target, and its permutation p-value.

    Tests :math:`H_0: I(X_j; Y) = 0` for each feature :math:`X_j`, all
    features at once. See the module docstring for the null and the p-value.

    Parameters
    ----------
    X : DataFrame or array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    n_permutations : int, default=1000
        Null draws ``B`` per feature. The smallest possible p-value is
        ``1 / (B + 1)``: Bonferroni or BH over m features needs ``B`` of
        about ``m / alpha`` or more before anything can pass.
    discrete_features : {"auto"}, bool or array-like, default="auto"
        ``"auto"`` applies the dtype rule (bool, integer, category, string and
        object columns are discrete, float columns continuous), to arrays too.
    discrete_target : {"auto"} or bool, default="auto"
        ``"auto"``: a float target is continuous, any other dtype discrete.
    n_neighbors : int, default=3
        Neighbours of the kNN estimators (Ross, KSG).
    random_state : int, RandomState instance or None, default=None
        Seeds the tie-breaking noise (drawn first, as in scikit-learn) and
        then the null draws. The same seed gives the same p-values, bit for bit.
    base : float, default=None
        Unit of ``mi``: None gives nats, 2 gives bits (p-values do not depend on it).
    progress : {"auto"} or bool, default="auto"
        A progress bar on stderr: ``"auto"`` shows it when stderr is a terminal.

    Returns
    -------
    mi : ndarray or Series of float64, shape (n_features,)
        The estimates, negative values clipped to 0 (a Series indexed by the
        column names when X is a DataFrame).
    pvalues : ndarray or Series of float64, shape (n_features,)
        In ``[1 / (B + 1), 1]``.

    Notes
    -----
    Estimators: plug-in for discrete pairs, Ross (2014) for mixed pairs, KSG
    (2004) for continuous pairs; the same as :func:`rank_features`.
    p-values of discrete pairs are valid but conservative, since their null
    has atoms (ties count as reaching the observed value). A constant
    feature gets p = 1. Missing values raise ``ValueError`` naming the column.

    References
    ----------
    W. M. Patefield, "Algorithm AS 159: an efficient method of generating
    random R x C tables with given row and column totals", Applied
    Statistics 30(1), 1981.
    B. Phipson and G. K. Smyth, "Permutation p-values should never be zero",
    Stat. Appl. Genet. Mol. Biol. 9(1), 2010.

    Examples
    --------
    >>> import numpy as np
    >>> from mifeatures import mutual_info_test
    >>> rng = np.random.default_rng(0)
    >>> x = rng.integers(0, 3, size=(300, 2))
    >>> y = x[:, 0] + rng.integers(0, 2, 300)
    >>> mi, p = mutual_info_test(x, y, n_permutations=99, random_state=0)
    >>> p[0], bool(p[1] > 0.05)
    (np.float64(0.01), True)
    """
    from sklearn.utils import check_random_state

    scale = _adapters.log_base(base)
    _check_n_neighbors(n_neighbors)
    check_n_permutations(n_permutations)
    check_progress(progress)
    discrete_target = resolve_discrete_target(discrete_target, y)
    rng = check_random_state(random_state)
    features = PreparedFeatures(X, discrete_features, rng, dtype_rule=True,
                                n_neighbors=n_neighbors)
    target = prepare_target(y, discrete_target, rng, features.n_samples, n_neighbors)
    raw = features.mutual_info(target, n_neighbors)
    total = len(features.names) * (n_permutations + 1)
    with progress_bar(progress, total, "permutation test") as advance:
        pvalues = permutation_pvalues(features, target, n_neighbors, n_permutations, rng,
                                      advance)
    mi = np.maximum(raw, 0.0) / scale
    if isinstance(X, pd.DataFrame) or _adapters._is_polars(X):
        index = pd.Index(features.names, name="feature")
        return pd.Series(mi, index=index, name="mi"), pd.Series(pvalues, index=index,
                                                                 name="pvalue")
    return mi, pvalues


def mutual_info_classif_test(X, y, *, n_permutations=1000, discrete_features="auto",
                             n_neighbors=3, random_state=None, base=None):
    """:func:`mutual_info_classif` with permutation p-values: a score function for selectors.

    Returns ``(scores, pvalues)`` as scikit-learn's ``f_classif`` does, so
    that ``SelectFdr(mutual_info_classif_test, alpha=0.05)``,
    ``SelectFpr``, ``SelectFwe`` and ``GenericUnivariateSelect(...,
    mode="fdr")`` select on MI. ``scores`` equal :func:`mutual_info_classif`
    with the same arguments and ``random_state`` (same rule for
    ``discrete_features``: dense arrays are continuous). Bind other
    arguments with :func:`functools.partial`, for example
    ``partial(mutual_info_classif_test, n_permutations=4999, random_state=0)``.

    Parameters
    ----------
    X : array-like or DataFrame of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        Class labels.
    n_permutations : int, default=1000
        The smallest p-value is ``1 / (n_permutations + 1)``; SelectFwe at
        ``alpha`` over m features needs ``n_permutations >= m / alpha``.
    discrete_features, n_neighbors, base
        As in :func:`mutual_info_classif`.
    random_state : int, RandomState instance or None, default=None
        Seeds the tie-breaking noise, then the null draws.

    Returns
    -------
    scores : ndarray of float64, shape (n_features,)
        MI, negative estimates clipped to 0.
    pvalues : ndarray of float64, shape (n_features,)
    """
    return _score_function(X, y, True, n_permutations, discrete_features, n_neighbors,
                           random_state, base)


def mutual_info_regression_test(X, y, *, n_permutations=1000, discrete_features="auto",
                                n_neighbors=3, random_state=None, base=None):
    """:func:`mutual_info_regression` with permutation p-values (continuous target).

    See :func:`mutual_info_classif_test`; ``scores`` equal
    :func:`mutual_info_regression` with the same arguments and ``random_state``.

    Returns
    -------
    scores, pvalues : ndarray of float64, shape (n_features,)
    """
    return _score_function(X, y, False, n_permutations, discrete_features, n_neighbors,
                           random_state, base)


def bh_qvalues(pvalues):
    r"""Benjamini-Hochberg adjusted p-values (q-values).

    .. math:: q_{(i)} = \min_{j \ge i} \min\left(1, \frac{m\, p_{(j)}}{j}\right)

    for the p-values sorted ascending, :math:`p_{(1)} \le \dots \le p_{(m)}`.
    Keeping the features with ``q <= alpha`` is the BH procedure at FDR
    ``alpha`` (valid for independent or positively dependent tests), the
    same selection as scikit-learn's ``SelectFdr``.

    Parameters
    ----------
    pvalues : array-like of shape (m,)

    Returns
    -------
    ndarray of float64, shape (m,)
    """
    from scipy.stats import false_discovery_control

    pvalues = np.asarray(pvalues, dtype=np.float64)
    if pvalues.size == 0:
        return pvalues.copy()
    return false_discovery_control(pvalues, method="bh")


def permutation_pvalues(features, target, n_neighbors, n_permutations, rng, advance=None):
    """Permutation p-values of the MI of prepared features with a prepared target.

    Parameters
    ----------
    features : PreparedFeatures
    target : DiscreteVariable or float64 ndarray
        As :func:`mifeatures._dropins.prepare_target` makes it.
    n_neighbors, n_permutations : int
    rng : numpy.random.RandomState
        Already used for the noise; one draw from it seeds every null draw.
    advance : callable, optional
        Called with the number of (feature, draw) pairs done.

    Returns
    -------
    ndarray of float64, shape (n_features,)
        The statistic is the raw (unclipped) estimate of ``features.mutual_info``.
    """
    tables_seed, permutations_seed = seed_sequence(rng).spawn(2)
    pvalues = np.ones(len(features.names))
    discrete_target = isinstance(target, _adapters.DiscreteVariable)
    n = features.n_samples

    def blocks():
        return _permutation_blocks(n, n_permutations, permutations_seed)

    if features.codes is not None:
        if discrete_target:
            pvalues[features.discrete] = _table_pvalues(features.codes, target, n_permutations,
                                                        tables_seed, advance)
        else:
            codes, n_levels = _adapters.compact_code_columns(features.codes)
            null = _engine.ross_shared_permutation_null(target, codes, n_levels, n_neighbors,
                                                        blocks(), advance)
            pvalues[features.discrete] = _null_pvalues(null)
    if features.continuous_values is not None:
        if discrete_target:
            null = _engine.ross_permutation_null(features.continuous_values, target.codes,
                                                 target.n_levels, n_neighbors, blocks(),
                                                 advance)
        else:
            null = _engine.ksg_permutation_null(features.continuous_values, target,
                                                n_neighbors, blocks(), advance)
        pvalues[~features.discrete] = _null_pvalues(null)
    return pvalues


def seed_sequence(rng):
    """A ``numpy.random.SeedSequence`` drawn from a RandomState (128 bits of it).

    Null draws use NumPy Generators seeded from the estimator's
    ``random_state`` this way: the same seed gives the same draws.
    """
    return np.random.SeedSequence(rng.randint(0, 2**32, size=4, dtype=np.uint64))


def check_n_permutations(n_permutations, name="n_permutations"):
    if isinstance(n_permutations, bool) or not isinstance(n_permutations, numbers.Integral) \
            or n_permutations < 1:
        raise ValueError(f"{name} must be a positive integer; got {n_permutations!r}.")


def check_progress(progress):
    if not (progress == "auto" if isinstance(progress, str)
            else isinstance(progress, (bool, np.bool_))):
        raise ValueError(f"progress must be 'auto', True or False; got {progress!r}.")


def resolve_discrete_target(discrete_target, y):
    """``discrete_target`` as a bool; ``"auto"``: a float target is continuous."""
    if isinstance(discrete_target, str) and discrete_target == "auto":
        if isinstance(y, pd.Series):
            return not _adapters.is_continuous(y)
        return not _adapters.is_continuous(np.asarray(y))
    if not isinstance(discrete_target, (bool, np.bool_)):
        raise ValueError(f"discrete_target must be 'auto' or a bool; got {discrete_target!r}.")
    return bool(discrete_target)


@contextlib.contextmanager
def progress_bar(progress, total, description):
    """A rich progress bar on stderr, as a context giving ``advance(k)`` (or None when off).

    ``progress="auto"`` shows it only when stderr is a terminal. The bar is
    transient: it disappears when the work is done.
    """
    check_progress(progress)
    show = _stderr_is_terminal() if isinstance(progress, str) else bool(progress)
    if not show or total <= 0:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("{task.description}"), BarColumn(),
               TextColumn("{task.percentage:>3.0f}%"), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda k: bar.advance(task, k)


def _stderr_is_terminal():
    try:
        return bool(sys.stderr.isatty())
    except (AttributeError, ValueError):  # replaced or closed stderr
        return False


def _score_function(X, y, discrete_target, n_permutations, discrete_features, n_neighbors,
                    random_state, base):
    from sklearn.utils import check_random_state

    scale = _adapters.log_base(base)
    _check_n_neighbors(n_neighbors)
    check_n_permutations(n_permutations)
    rng = check_random_state(random_state)
    features = PreparedFeatures(X, discrete_features, rng, n_neighbors=n_neighbors)
    target = prepare_target(y, discrete_target, rng, features.n_samples, n_neighbors)
    raw = features.mutual_info(target, n_neighbors)
    pvalues = permutation_pvalues(features, target, n_neighbors, n_permutations, rng)
    return np.maximum(raw, 0.0) / scale, pvalues


def _permutation_blocks(n, n_permutations, seed):
    """Blocks of permutations of ``range(n)``: the identity first, then ``n_permutations`` draws.

    Every call with the same seed yields the same permutations (one stream
    for all features: draw b permutes the rows of every feature alike).
    """
    generator = np.random.default_rng(seed)
    size = _PERMUTATIONS_PER_BLOCK
    remaining = n_permutations + 1
    first = True
    while remaining > 0:
        block = np.empty((min(size, remaining), n), dtype=np.int32)
        for row in block:
            row[:] = np.arange(n) if first else generator.permutation(n)
            first = False
        remaining -= block.shape[0]
        yield block


def _null_pvalues(null):
    """p-values from a (p, 1 + B) array of statistics whose column 0 is the observed one."""
    observed, draws = null[:, :1], null[:, 1:]
    return (1.0 + np.sum(draws >= observed, axis=1)) / (1.0 + draws.shape[1])


def _table_pvalues(codes, target, n_permutations, seed, advance):
    """p-values of the plug-in MI of discrete columns against a discrete target.

    Tables with the observed margins are drawn directly (:func:`_random_tables`).
    With both margins fixed, MI is an increasing function of
    ``sum n_ij log n_ij``, so that sum is the statistic. A column's draws are
    cut into tasks of at most ``_TABLES_PER_TASK`` tables, each with its own
    generator spawned from the column's seed (spawned from ``seed`` in column
    order): a p-value depends neither on the other columns nor on the
    threads, and tasks run on up to ``_TABLE_THREADS`` threads.
    """
    codes, _ = _adapters.compact_code_columns(codes)
    xlogx = _xlogx_table(codes.shape[0])
    seeds = seed.spawn(codes.shape[1])
    reached = np.zeros(codes.shape[1], dtype=np.int64)
    constant = np.zeros(codes.shape[1], dtype=bool)
    with ThreadPoolExecutor(_TABLE_THREADS) as pool:
        tasks = []
        for j, table in _observed_tables(codes, target):
            rows, columns = table.sum(1), table.sum(0)
            table = table[rows > 0][:, columns > 0]
            if advance is not None:
                advance(1)
            if min(table.shape) < 2:  # a constant feature or target: MI is 0 in every table
                constant[j] = True
                if advance is not None:
                    advance(n_permutations)
                continue
            observed = xlogx[table].sum()
            # Ties count as reaching the observed value; the tolerance covers the
            # rounding of sums of the same cells taken in another order.
            threshold = observed - 1e-10 * max(observed, 1.0)
            for size, child in _table_batches(n_permutations, table.size, seeds[j]):
                tasks.append((j, pool.submit(_null_tables_reaching, rows[rows > 0],
                                             columns[columns > 0], size, child, threshold,
                                             xlogx, advance)))
        for j, task in tasks:
            reached[j] += task.result()
    return np.where(constant, 1.0, (1.0 + reached) / (1.0 + n_permutations))


def _observed_tables(codes, target):
    """``(j, table)`` for every column of ``codes``: its contingency table against the target.

    Columns counted together share a table width: they are grouped by their
    number of levels, so that one many-level column does not widen all.
    """
    levels = codes.max(axis=0) + 1
    widths = np.array([_engine.bucket(k, minimum=2) for k in levels])
    for width in np.unique(widths):
        group = np.flatnonzero(widths == width)
        part = codes if group.size == codes.shape[1] else np.ascontiguousarray(codes[:, group])
        tables = _engine.contingency_tables(part, target.codes, int(levels[group].max()),
                                            target.n_levels)
        yield from zip(group, tables)


def _table_batches(n_tables, cells, seed):
    """``(size, seed)`` of the batches that draw ``n_tables`` tables of ``cells`` cells.

    At most ``_TABLES_PER_TASK`` tables and ``_TABLE_CELLS_PER_BLOCK`` cells a
    batch; the seeds are spawned from ``seed``. Neither depends on the threads.
    """
    block = max(1, min(_TABLES_PER_TASK, _TABLE_CELLS_PER_BLOCK // cells))
    full, rest = divmod(n_tables, block)
    sizes = [block] * full + ([rest] if rest else [])
    return list(zip(sizes, seed.spawn(len(sizes))))


def _null_tables_reaching(rows, columns, size, seed, threshold, xlogx, advance):
    """How many of ``size`` random tables with these margins have ``sum n log n >= threshold``."""
    tables = _random_tables(rows, columns, size, np.random.default_rng(seed))
    if advance is not None:
        advance(size)
    return int(np.sum(xlogx[tables].sum(axis=(1, 2)) >= threshold))


def _random_tables(rows, columns, size, generator):
    """``size`` random tables with the given margins, as permuting one variable makes them.

    Sequential hypergeometric draws (:func:`_hypergeometric_tables`) where
    the table has few cells for its total (``n > R C log(n + 1)``, scipy's
    rule for Patefield's algorithm); otherwise, and when a margin reaches
    NumPy's limit of 10**9 for its hypergeometric sampler,
    :func:`scipy.stats.random_table` (Boyett's shuffle, ``O(n)`` a table, or
    Patefield's algorithm). All draw the same distribution.

    Parameters
    ----------
    rows, columns : int ndarray of shape (R,), (C,)
        Margins with the same sum ``n``.
    size : int
    generator : numpy.random.Generator

    Returns
    -------
    int ndarray of shape (size, R, C)
    """
    n = int(rows.sum())
    if n >= _HYPERGEOMETRIC_LIMIT or n <= np.log(n + 1) * rows.size * columns.size:
        from scipy.stats import random_table

        draws = random_table(rows, columns).rvs(size=size, random_state=generator)
        return draws.astype(np.intp, copy=False)
    return _hypergeometric_tables(rows, columns, size, generator)


def _hypergeometric_tables(rows, columns, size, generator):
    r"""Random tables with fixed margins, drawn cell by cell from hypergeometric laws.

    Column by column: with :math:`a_r` the part of row total :math:`r` not yet
    placed and :math:`s` the part of the column's total not yet placed,

    .. math::

        n_{rc} \sim \mathrm{Hypergeometric}(\text{ngood} = a_r,\;
        \text{nbad} = \textstyle\sum_{r' > r} a_{r'},\; \text{nsample} = s)

    for :math:`r < R - 1`; the last row takes the rest of the column and the
    last column the rest of each row. This is the multivariate
    hypergeometric law of each column given the earlier ones, so the table
    is distributed exactly as the counts of a uniformly random permutation
    (Patefield's algorithm samples the same law). Each of the
    :math:`(R - 1)(C - 1)` steps is one call of
    :meth:`numpy.random.Generator.hypergeometric` on all ``size`` tables,
    which runs without the GIL. Margins must stay below 10**9.

    Returns
    -------
    int64 ndarray of shape (size, R, C)
    """
    n_rows, n_columns = rows.size, columns.size
    tables = np.empty((n_rows, n_columns, size), dtype=np.int64)
    left = np.repeat(np.asarray(rows, dtype=np.int64)[:, None], size, axis=1)
    for c in range(n_columns - 1):
        below = np.cumsum(left[:0:-1], axis=0)[::-1]  # below[r] = sum of left[r + 1:]
        need = np.full(size, columns[c], dtype=np.int64)
        for r in range(n_rows - 1):
            cell = generator.hypergeometric(left[r], below[r], need)
            tables[r, c] = cell
            need -= cell
        tables[n_rows - 1, c] = need
        left -= tables[:, c]
    tables[:, n_columns - 1] = left
    return np.moveaxis(tables, -1, 0)


def discrete_pvalues(codes, target_codes, n_permutations, seed):
    """Permutation p-values of the plug-in MI of integer code columns against target codes.

    The exact null of a contingency table with its margins fixed (random
    tables drawn directly, see the module docstring); what
    ``MutualInfoSelector(k="fdr")`` tests on its discrete representation.

    Parameters
    ----------
    codes : int ndarray of shape (n, p)
    target_codes : int ndarray of shape (n,)
        Codes in ``[0, L)``.
    n_permutations : int
    seed : numpy.random.SeedSequence

    Returns
    -------
    ndarray of float64, shape (p,)
    """
    target = _adapters.DiscreteVariable(target_codes, int(target_codes.max()) + 1, "y")
    return _table_pvalues(codes, target, n_permutations, seed, None)


def conditional_gain_test(x, y, strata, n_permutations, generator):
    r"""Plug-in :math:`I(X;Y \mid Z)` of discrete codes and its conditional permutation p-value.

    The null :math:`X \perp Y \mid Z` is drawn by permuting the rows of
    ``x`` within each stratum of ``z`` (rows with the same ``z`` code),
    which keeps the joint distributions of :math:`(X, Z)` and :math:`(Y, Z)`.
    Of the plug-in :math:`I(X;Y|Z) = H(XZ) + H(YZ) - H(XYZ) - H(Z)` only
    :math:`H(XYZ)` then changes, so the statistic is
    :math:`\sum n_{zxy} \log n_{zxy}`, increasing in the CMI. With one
    stratum it is the unconditional test of :math:`I(X;Y)`.

    As strata thin out (many conditioning levels, few rows each) the
    permutations have fewer rows to move and the test loses power; with one
    row per stratum the p-value is 1. The test stays valid (its level holds)
    all along.

    Parameters
    ----------
    x, y, strata : int ndarray of shape (n,)
        Codes (any non-negative integers; ``strata`` below 2**52).
    n_permutations : int
    generator : numpy.random.Generator

    Returns
    -------
    gain : float
        Plug-in :math:`I(X;Y|Z)` in nats (0 up to rounding when not positive).
    pvalue : float
        :math:`(1 + \#\{b : S_b \ge S_{obs}\}) / (1 + B)`.
    """
    n = x.size
    xlogx = _xlogx_table(n)
    zx, m = _adapters._compact(strata.astype(np.int64) * (int(x.max()) + 1) + x)
    zy, _ = _adapters._compact(strata.astype(np.int64) * (int(y.max()) + 1) + y)
    y_codes, k_y = _adapters._compact(y)
    z_codes, _ = _adapters._compact(strata)

    def spread(codes):
        return xlogx[np.bincount(codes)].sum()

    stratum_order = np.argsort(strata, kind="stable")
    y_in_order = y_codes[stratum_order]

    def statistic(rows):
        """sum n log n of the (z, x, y) cells when row ``rows[b, i]`` lends its x to position i."""
        b = rows.shape[0]
        cells = zx[rows] * k_y + y_in_order + (np.arange(b) * (m * k_y))[:, None]
        counts = np.bincount(cells.ravel(), minlength=b * m * k_y)
        return xlogx[counts].reshape(b, -1).sum(axis=1)

    observed = statistic(stratum_order[None, :])[0]
    gain = (observed + spread(z_codes) - spread(zx) - spread(zy)) / n
    threshold = observed - 1e-10 * max(observed, 1.0)
    block = max(1, _TABLE_CELLS_PER_BLOCK // max(n, m * k_y))
    keys_base = strata.astype(np.float64)
    reached = 0
    for start in range(0, n_permutations, block):
        size = min(block, n_permutations - start)
        # Sorting stratum + U(0, 1) groups rows by stratum in the same positions
        # as stratum_order, in a random order within each stratum.
        rows = np.argsort(keys_base + generator.random((size, n)), axis=1)
        reached += int(np.sum(statistic(rows) >= threshold))
    return max(gain, 0.0), (1.0 + reached) / (1.0 + n_permutations)


def _xlogx_table(n):
    """``k log k`` for k = 0..n (0 log 0 = 0)."""
    k = np.arange(n + 1, dtype=np.float64)
    out = np.zeros(n + 1)
    out[1:] = k[1:] * np.log(k[1:])
    return out
