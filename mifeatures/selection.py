r"""MutualInfoSelector: greedy forward selection by the information-theoretic
criteria of Brown, Pocock, Zhao & Lujan (2012), as a scikit-learn selector.

Every greedy term is a plug-in mutual information of each remaining candidate
column :math:`X_k` against *one* code vector, so each step is one or two
vectorised counting passes of the engine over all candidates at once
(``_engine.mutual_info_columns``), never a Python loop over candidates. With
:math:`X_j` the feature just selected and :math:`(X_j, Y)` its joint code with
the target:

.. math::

    I(X_k; X_j) &= \mathrm{MI}(X_k, X_j) \\
    I(X_k; X_j \mid Y) &= \mathrm{MI}(X_k, (X_j, Y)) - I(X_k; Y) \\
    I(X_k; Y \mid X_j) &= \mathrm{MI}(X_k, (X_j, Y)) - I(X_k; X_j) \\
    I(X_k X_j; Y) &= I(X_j; Y) + I(X_k; Y \mid X_j) \\
    H(X_k X_j Y) &= H(X_k) + H(X_j, Y) - \mathrm{MI}(X_k, (X_j, Y))

(chain rules; they hold exactly for plug-in estimates, which are sums of
plug-in entropies).
"""

import itertools
import numbers
import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.feature_selection import SelectorMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _adapters, _dropins, _engine, significance
from ._dask import is_dask
from ._sklearn_compat import Interval, RealNotInt, StrOptions, _fit_context
from .discretization import EntropyDiscretizer
from .estimation import _discrete_mi_columns, _information_nats

CRITERIA = ("mim", "mifs", "mrmr", "cife", "jmi", "jmim", "cmim", "icap", "disr")

# Criterion values closer than this (nats) to the best count as ties, broken by
# the lowest column index: equal values computed along different paths differ
# by rounding (~1e-15).
TIE_TOLERANCE = 1e-10

# Cells per counting call, (levels + 2) * target levels * columns: bounds the
# engine's tables (about 20 bytes a cell at their peak).
TABLE_CELLS_BUDGET = 1 << 22

# Discrete columns holding codes outside [0, COMPACT_CODES_ABOVE) are
# re-encoded to 0..m-1 (m observed levels); so are joint codes (selected
# feature, target) with more potential levels than this.
COMPACT_CODES_ABOVE = 256


class MutualInfoSelector(SelectorMixin, BaseEstimator):
    r"""Select features by greedy forward search on an information criterion.

    At each step the candidate :math:`X_k` with the largest criterion
    :math:`J(X_k)` given the already selected set :math:`S` joins :math:`S`
    (Brown, Pocock, Zhao & Lujan 2012, with their names):

    - ``mim``: :math:`I(X_k;Y)`;
    - ``mifs``: :math:`I(X_k;Y) - \beta \sum_{j \in S} I(X_k;X_j)`;
    - ``mrmr``: :math:`I(X_k;Y) - \frac{1}{|S|} \sum_{j \in S} I(X_k;X_j)`;
    - ``cife``: :math:`I(X_k;Y) - \sum_{j} I(X_k;X_j) + \sum_{j} I(X_k;X_j|Y)`;
    - ``jmi``: :math:`\sum_{j} I(X_k X_j;Y)`, computed and reported as
      :math:`I(X_k;Y) - \frac{1}{|S|} \sum_{j} [I(X_k;X_j) - I(X_k;X_j|Y)]`,
      which is that sum divided by :math:`|S|` less the mean
      :math:`I(X_j;Y)` (same winner);
    - ``jmim``: :math:`\min_{j} I(X_k X_j;Y)` (Bennasar et al. 2015);
    - ``cmim``: :math:`\min_{j} I(X_k;Y|X_j)`;
    - ``icap``: :math:`I(X_k;Y) - \sum_{j} \max(0, I(X_k;X_j) - I(X_k;X_j|Y))`;
    - ``disr``: :math:`\sum_{j} I(X_k X_j;Y) / H(X_k X_j Y)`.

    The first feature is the one of largest :math:`I(X_k;Y)` under every
    criterion.

    Parameters
    ----------
    criterion : {"mim", "mifs", "mrmr", "cife", "jmi", "jmim", "cmim", \
"icap", "disr"}, default="mrmr"
    k : int, float, "all" or "fdr", default=10
        Number of features to select: an int, a fraction of the features in
        (0, 1) (at least one), ``"all"`` for a full ranking, or ``"fdr"``:
        every feature whose relevance is significant after Benjamini-Hochberg
        at false discovery rate ``alpha`` (see Notes), in the criterion's
        order. An int above the number of features warns and selects them all.
    discrete_features : "auto", bool or array-like, default="auto"
        ``"auto"`` applies the dtype rule to arrays and DataFrames alike: bool,
        integer, category, string and object columns are discrete, float
        columns continuous. Otherwise a bool for all, a boolean mask, or
        column indices or names.
    discrete_target : "auto" or bool, default="auto"
        ``"auto"``: a float target is continuous (regression), any other
        dtype discrete (classification).
    n_neighbors : int, default=3
        Neighbours of the kNN estimators of ``scores_``.
    n_bins : int, default=10
        Equal-frequency (quantile) bins of each continuous column, and of a
        continuous target, for the terms of the greedy criterion.
    beta : float, default=1.0
        Weight of the redundancy sum of ``mifs``; other criteria ignore it.
    stopping : None or "permutation", default=None
        ``"permutation"``: end the greedy search early, before the first
        chosen feature whose conditional gain :math:`I(X_k;Y \mid S)` given
        the already selected set is not significant at level ``alpha``
        (conditional permutation test, see Notes). At most ``k`` features
        are selected either way.
    alpha : float in (0, 1], default=0.05
        False discovery rate of ``k="fdr"`` and level of the ``stopping`` test.
    n_permutations : int, default=1000
        Null draws of the tests of ``k="fdr"`` and ``stopping``. The smallest
        p-value is ``1 / (n_permutations + 1)``: BH over p features can only
        keep features when that is at most ``alpha / p``.
    passes : {"auto", "per_step", "one"}, default="auto"
        How a dask DataFrame is read for the greedy terms; the selection is
        the same either way. ``"per_step"``: one pass over the data per
        greedy step, counting every candidate against the feature just
        chosen. ``"one"``: a single pass counting every pair of features
        jointly with the target (:math:`C \sum_{j<k} L_j L_k` integer cells
        for features of :math:`L_j` levels and :math:`C` classes), after which
        the greedy runs on the client; a ValueError when those tables would
        exceed 64 MiB. ``"auto"``: ``"one"`` when the tables fit and ``k`` is
        about half of the features or more (the one pass then counts no
        more tables than the steps would), else ``"per_step"``. In-memory
        data ignore it: there each step is already one vectorised count over
        all candidates.
    random_state : int, RandomState instance or None, default=None
        Seeds the tie-breaking noise of the kNN estimators of ``scores_`` and
        the null draws of ``k="fdr"`` and ``stopping`` (the greedy itself
        uses no randomness). The same seed gives the same selection.

    Attributes
    ----------
    scores_ : ndarray of float64, shape (n_features,)
        Relevance :math:`I(X_k;Y)` of every feature in nats, by the best
        estimator for its kind: the numbers of ``mutual_info_classif`` /
        ``mutual_info_regression`` with the same ``discrete_features`` mask,
        ``n_neighbors`` and ``random_state`` (plug-in for discrete features
        and a discrete target, Ross 2014 for mixed pairs, KSG 2004 for two
        continuous variables; negative estimates clipped to 0).
    ranking_ : ndarray of int, shape (n_selected,)
        Indices of the selected features, in the order they were selected.
    selection_path_ : DataFrame, one row per greedy step
        Columns ``feature`` (name), ``relevance``, ``redundancy``,
        ``conditional`` and ``criterion`` (nats; see Notes).
    discrete_features_ : ndarray of bool, shape (n_features,)
        Which features were treated as discrete.
    pvalues_, qvalues_ : ndarray of float64, shape (n_features,)
        With ``k="fdr"`` only: permutation p-values of every feature's
        relevance and their Benjamini-Hochberg q-values (the feature is
        kept when its q-value is at most ``alpha``).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when X has string column names.

    Notes
    -----
    **One scale inside the criterion.** Every term of :math:`J`, relevance
    included, is a plug-in estimate on one discrete representation:
    discrete columns as they are, continuous columns (and a continuous
    target) cut into ``n_bins`` quantile bins by
    ``EntropyDiscretizer(strategy="quantile")``. Pass discretized (integer)
    data to choose the bins yourself. ``scores_`` reports the better
    per-kind estimates instead, so for continuous features the order of
    ``scores_`` can differ from the MIM ranking.

    **The path.** ``relevance`` is the plug-in :math:`I(X_k;Y)` of the
    chosen feature and ``criterion`` its :math:`J`; ``redundancy`` and
    ``conditional`` are 0 where the criterion has no such term: mim (both
    0); mifs (:math:`\beta \sum I(X_k;X_j)`, 0); mrmr (mean
    :math:`I(X_k;X_j)`, 0); cife (sums of :math:`I(X_k;X_j)` and
    :math:`I(X_k;X_j|Y)`); jmi (their means); icap
    (:math:`\sum \max(0, I(X_k;X_j) - I(X_k;X_j|Y))`, 0); cmim and jmim
    (:math:`I(X_k;X_j)` and :math:`I(X_k;X_j|Y)` for the :math:`X_j` that
    attains the minimum); disr (0, 0). For mim, mifs, mrmr, cife, jmi, icap
    and cmim, criterion = relevance - redundancy + conditional. At the first
    step redundancy and conditional are 0.

    **Significance.** Both tests are exact permutation tests of the plug-in
    estimates on the criterion's discrete representation (binned continuous
    columns and target), so they test what the greedy maximises. ``k="fdr"``
    tests :math:`H_0: I(X_k;Y) = 0` for every feature with the exact null of
    its contingency table (random tables with the observed margins, as
    :func:`mifeatures.mutual_info_test` does for discrete pairs), adjusts the
    p-values with Benjamini-Hochberg (:func:`mifeatures.bh_qvalues`) and runs
    the greedy over the features with q-value at most ``alpha`` only.
    ``stopping="permutation"`` tests each chosen feature's gain
    :math:`H_0: I(X_k;Y \mid S) = 0`, with :math:`S` the joint code of the
    features selected before it, by permuting :math:`X_k` within the strata
    of :math:`S`; the search stops at the first p-value above ``alpha``. As
    :math:`S` grows its strata thin out and the test loses power, so the rule
    errs towards stopping early. ``selection_path_`` then has two more
    columns: ``gain`` (nats) and ``gain_pvalue``.

    **Ties and edge cases.** Criterion values within ``TIE_TOLERANCE`` (1e-10
    nats) of the best are ties, broken by the lowest column index. Constant
    columns are never selected before all other columns (they come last, in
    column order). A target with one class gives relevance 0 everywhere.
    In ``disr`` a term with :math:`H(X_k X_j Y) = 0` counts 0. Missing
    or infinite values raise a ValueError naming the column. Discrete
    columns with more than 1024 levels (identifiers, say) are scored one by
    one from entropies instead of in the vectorised pass: correct, slower.

    Each greedy step costs one (mim: none; mifs, mrmr: one; others: two)
    counting pass over all candidates; ``scores_`` costs one kNN pass.

    References
    ----------
    G. Brown, A. Pocock, M.-J. Zhao and M. Lujan, "Conditional Likelihood
    Maximisation: A Unifying Framework for Information Theoretic Feature
    Selection", JMLR 13, 2012.
    M. Bennasar, Y. Hicks and R. Setchi, "Feature selection using Joint
    Mutual Information Maximisation", Expert Syst. Appl. 42, 2015.

    Examples
    --------
    >>> import numpy as np
    >>> from mifeatures import MutualInfoSelector
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 2, size=(400, 4))
    >>> y = X[:, 1] ^ X[:, 3]                       # XOR of columns 1 and 3
    >>> sorted(MutualInfoSelector(criterion="jmi", k=2).fit(X, y).ranking_.tolist())
    [1, 3]
    """

    _parameter_constraints = {
        "criterion": [StrOptions(set(CRITERIA))],
        "k": [Interval(numbers.Integral, 1, None, closed="left"),
              Interval(RealNotInt, 0, 1, closed="neither"), StrOptions({"all", "fdr"})],
        "discrete_features": [StrOptions({"auto"}), "boolean", "array-like"],
        "discrete_target": [StrOptions({"auto"}), "boolean"],
        "n_neighbors": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_bins": [Interval(numbers.Integral, 2, None, closed="left")],
        "beta": [Interval(numbers.Real, 0, None, closed="left")],
        "stopping": [None, StrOptions({"permutation"})],
        "alpha": [Interval(numbers.Real, 0, 1, closed="right")],
        "n_permutations": [Interval(numbers.Integral, 1, None, closed="left")],
        "passes": [StrOptions({"auto", "per_step", "one"})],
        "random_state": ["random_state"],
    }

    def __init__(self, criterion="mrmr", k=10, *, discrete_features="auto",
                 discrete_target="auto", n_neighbors=3, n_bins=10, beta=1.0,
                 stopping=None, alpha=0.05, n_permutations=1000, passes="auto",
                 random_state=None):
        self.criterion = criterion
        self.k = k
        self.discrete_features = discrete_features
        self.discrete_target = discrete_target
        self.n_neighbors = n_neighbors
        self.n_bins = n_bins
        self.beta = beta
        self.stopping = stopping
        self.alpha = alpha
        self.n_permutations = n_permutations
        self.passes = passes
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Rank the features of X by the criterion and keep the first k.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self
        """
        if is_dask(X, y):
            if self.k == "fdr" or self.stopping is not None:
                raise ValueError("k='fdr' and stopping='permutation' permute rows and need "
                                 "in-memory data; on dask collections pass an int k.")
            from ._dask.selection import fit

            return fit(self, X, y)
        X_checked, y_checked = validate_data(self, X, y, dtype=None, ensure_all_finite=False)
        data, frame_names = _data_to_encode(X, X_checked)
        target = y if isinstance(y, pd.Series) else y_checked
        names, columns = _adapters.as_columns(data, "X")
        names = frame_names or names
        self.discrete_features_ = self._discrete_mask(columns)
        discrete_target = self._is_discrete_target(target)
        _check_enough_rows(len(y_checked), self.n_neighbors,
                           not (self.discrete_features_.all() and discrete_target))
        _refuse_non_finite(data, columns, names, np.flatnonzero(~self.discrete_features_))
        rng = check_random_state(self.random_state)
        features, prepared_target = self._relevance_inputs(data, target, discrete_target, rng)
        self.scores_ = _relevance_scores(features, prepared_target, self.n_neighbors)
        codes = _feature_codes(features, data, columns, names, self.n_bins)
        target_codes = (_compact(prepared_target.codes) if discrete_target
                        else _quantile_codes(y_checked.astype(np.float64)[:, None],
                                             self.n_bins)[:, 0])
        fdr_seed, stopping_seed = significance.seed_sequence(rng).spawn(2)
        kept = np.arange(codes.shape[1])
        if self.k == "fdr":
            self.pvalues_ = significance.discrete_pvalues(codes, target_codes,
                                                          self.n_permutations, fdr_seed)
            self.qvalues_ = significance.bh_qvalues(self.pvalues_)
            kept = np.flatnonzero(self.qvalues_ <= self.alpha)
        extra = () if self.stopping is None else ("gain", "gain_pvalue")
        if kept.size == 0:  # k="fdr" and nothing significant: select nothing, as SelectFdr does
            return self._store_path(iter(()), names, extra)
        terms = _Terms(codes[:, kept], target_codes, need_entropies=self.criterion == "disr")
        steps = _forward_selection(terms, self.criterion, self.beta)
        if self.stopping is not None:
            steps = _while_significant(steps, terms, self.alpha, self.n_permutations,
                                       np.random.default_rng(stopping_seed))
        steps = ((kept[j], row) for j, row in steps)
        return self._store_path(steps, names, extra)

    def _store_path(self, steps, names, extra_columns=()):
        """Run the greedy ``steps`` for as many features as ``k`` asks; set
        ``ranking_`` and ``selection_path_`` (``extra_columns`` name values
        the steps carry after the four standard ones)."""
        path = list(itertools.islice(steps, self._n_selected(len(names))))
        self.ranking_ = np.array([j for j, _ in path], dtype=np.intp)
        output_names = self._output_names(names)
        self.selection_path_ = pd.DataFrame(
            [row for _, row in path], columns=["relevance", "redundancy", "conditional",
                                               "criterion", *extra_columns], dtype=np.float64)
        self.selection_path_.insert(0, "feature", [output_names[j] for j in self.ranking_])
        return self

    def transform(self, X):
        """Keep the selected columns of X, in their order in X.

        Parameters
        ----------
        X : array-like, DataFrame or dask DataFrame of shape (n_samples, n_features)

        Returns
        -------
        ndarray, DataFrame or dask DataFrame of shape (n_samples, n_selected)
            A dask DataFrame gives a dask DataFrame of the selected columns
            (lazy: nothing is computed).
        """
        if is_dask(X):
            from ._dask.selection import transform

            return transform(self, X)
        return super().transform(X)

    def _get_support_mask(self):
        check_is_fitted(self)
        mask = np.zeros(self.n_features_in_, dtype=bool)
        mask[self.ranking_] = True
        return mask

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags

    # -- fit helpers ---------------------------------------------------------

    def _discrete_mask(self, columns):
        chosen = self.discrete_features
        if not isinstance(chosen, (str, bool, np.bool_)):
            chosen = np.asarray(chosen)
            if chosen.dtype.kind in "OUS":
                chosen = self._indices_of_names(chosen)
        return _dropins._discrete_mask(chosen, columns, True)

    def _indices_of_names(self, chosen):
        known = list(getattr(self, "feature_names_in_", []))
        missing = [name for name in chosen if name not in known]
        if missing:
            raise ValueError(f"discrete_features names columns that X does not have: "
                             f"{missing}.")
        return np.array([known.index(name) for name in chosen], dtype=np.intp)

    def _is_discrete_target(self, target):
        if self.discrete_target == "auto":
            return not _adapters.is_continuous(target)
        return bool(self.discrete_target)

    def _relevance_inputs(self, data, target, discrete_target, rng):
        """Features and target prepared as the sklearn drop-ins prepare them (same RNG order)."""
        try:
            features = _dropins.PreparedFeatures(data, self.discrete_features_, rng,
                                                 dtype_rule=True, n_neighbors=self.n_neighbors)
        except TypeError as exc:
            raise TypeError(f"{exc} Each argument must be a string, a number or another "
                            "hashable value.") from None
        prepared = _dropins.prepare_target(target, discrete_target, rng, features.n_samples,
                                           self.n_neighbors)
        return features, prepared

    def _n_selected(self, n_features):
        if isinstance(self.k, str):  # "all", or "fdr": the greedy's steps end the path
            return n_features
        if isinstance(self.k, numbers.Integral):
            if self.k > n_features:
                warnings.warn(f"k={self.k} is greater than n_features={n_features}. All the "
                              "features will be returned.", UserWarning, stacklevel=3)
            return min(int(self.k), n_features)
        return max(1, int(self.k * n_features))

    def _output_names(self, names):
        if hasattr(self, "feature_names_in_"):
            return [str(name) for name in self.feature_names_in_]
        return [f"x{j}" for j in range(len(names))]


# ---------------------------------------------------------------------------
# Input: codes for the greedy terms
# ---------------------------------------------------------------------------


def _is_frame(X):
    return isinstance(X, pd.DataFrame) or _adapters._is_polars(X)


def _check_enough_rows(n_samples, n_neighbors, needs_knn):
    if needs_knn and n_samples <= n_neighbors:
        raise ValueError(f"the kNN estimators with n_neighbors={n_neighbors} need at least "
                         f"{n_neighbors + 1} samples; got {n_samples} sample(s).")


def _relevance_scores(features, target, n_neighbors):
    """The drop-ins' MI of every feature with the target; exactly 0 for a constant target."""
    values = target.codes if isinstance(target, _adapters.DiscreteVariable) else target
    if values.min() == values.max():  # I(X;Y) <= H(Y) = 0
        return np.zeros(features.discrete.size)
    return np.maximum(features.mutual_info(target, n_neighbors), 0.0)


def _data_to_encode(X, X_checked):
    """The input to read columns from, and the column names when they are not its own.

    A pandas DataFrame of NumPy float columns only is read through its
    validated float array: the dtype rule makes both all-continuous, and
    slicing an array is much faster than taking a frame apart column by column.
    """
    if isinstance(X, pd.DataFrame) and X_checked.dtype.kind == "f" and all(
            isinstance(dtype, np.dtype) and dtype.kind == "f" for dtype in X.dtypes):
        return X_checked, [str(name) for name in X.columns]
    return (X if _is_frame(X) else X_checked), None


def _refuse_non_finite(data, columns, names, picks):
    """ValueError naming the first continuous column with a missing or infinite value."""
    if isinstance(data, np.ndarray) and data.dtype.kind == "f":
        finite = np.isfinite(data).all(axis=0)
        bad = [j for j in picks if not finite[j]]
        if not bad:
            return
        j = bad[0]
        problem = ("missing values (NaN)" if np.isnan(data[:, j]).any()
                   else "infinite values (inf)")
    else:
        bad = [j for j in picks if _adapters.missing_mask(columns[j]) is not None]
        if not bad:
            return  # infinite values are refused, naming the column, when read
        j, problem = bad[0], "missing values (NaN)"
    raise ValueError(f"{names[j]} contains {problem}; MutualInfoSelector needs finite data: "
                     "impute them or drop those rows first.")


def _feature_codes(features, data, columns, names, n_bins):
    """Integer codes (n, p) of every feature: discrete ones compacted, continuous ones binned."""
    discrete = features.discrete
    codes = np.empty((features.n_samples, discrete.size), dtype=np.int64)
    if discrete.any():
        codes[:, discrete] = _compact(features.codes)
    if not discrete.all():
        picks = np.flatnonzero(~discrete)
        raw = _dropins._continuous_matrix(data, columns, names, picks)
        codes[:, ~discrete] = _quantile_codes(raw, n_bins)
    return codes


def _compact(codes):
    """Codes in [0, m) with m the observed levels, for columns outside [0, COMPACT_CODES_ABOVE)."""
    codes = np.asarray(codes)
    matrix = codes.reshape(codes.shape[0], -1).astype(np.int64)
    wide = (matrix.min(axis=0) < 0) | (matrix.max(axis=0) >= COMPACT_CODES_ABOVE)
    for j in np.flatnonzero(wide):
        matrix[:, j] = _adapters._compact(matrix[:, j])[0]
    return matrix.reshape(codes.shape)


def _quantile_codes(values, n_bins):
    """Equal-frequency bin codes (int64) of the columns of a float matrix."""
    binner = EntropyDiscretizer(strategy="quantile", n_bins=n_bins, encode="ordinal")
    return np.asarray(binner.fit_transform(values)).astype(np.int64)


# ---------------------------------------------------------------------------
# Plug-in terms: MI of every column against one code vector
# ---------------------------------------------------------------------------


class _Terms:
    """The greedy's view of the data: codes laid out for one-pass counting.

    Columns are sorted by level count. Those with at most the engine's level
    cap (``MAX_GUESSED_LEVELS``, 1024) go to it in C-ordered blocks whose
    contingency tables stay within ``TABLE_CELLS_BUDGET``; wider columns
    (identifiers, say) are scored one by one from entropies. Rows are
    reordered (a joint reordering leaves every MI unchanged) so that each
    column's largest code lies in the first rows, from which the engine
    guesses the number of levels: no column then takes its slow path.
    """

    def __init__(self, codes, target, need_entropies):
        n, p = codes.shape
        rows = _rows_with_maxima_first(codes)
        self.levels = codes.max(axis=0) + 1
        self.order = np.argsort(self.levels, kind="stable")
        self.position = np.argsort(self.order)
        sorted_levels = self.levels[self.order]
        dtype = np.min_scalar_type(int(self.levels.max()))
        self.matrix = np.ascontiguousarray(codes[np.ix_(rows, self.order)], dtype=dtype)
        self.target = np.ascontiguousarray(target[rows], dtype=np.int64)
        self.target_levels = int(self.target.max()) + 1
        self.constant = codes.min(axis=0) == codes.max(axis=0)
        self.n_narrow = int(np.searchsorted(sorted_levels, _engine.MAX_GUESSED_LEVELS, "right"))
        cells = _table_cells(sorted_levels[: self.n_narrow], self._joint_levels_bound(n))
        self.bounds = _block_bounds(cells)
        self.blocks = [_padded_block(self.matrix[:, a:b], cells[a]) for a, b in self.bounds]
        # One level: I(X;Y) <= H(Y) = 0 (the counted value can be off by an ulp).
        self.relevance = (self.mutual_info(self.target) if self.target_levels > 1
                          else np.zeros(p))
        self.entropies = None
        if need_entropies:
            self.entropies = _engine.entropies(list(self.matrix.T), list(sorted_levels))
            self.entropies = self.entropies[self.position]

    def _joint_levels_bound(self, n_samples):
        most = int(self.levels.max()) * self.target_levels
        return most if most <= COMPACT_CODES_ABOVE else min(most, max(n_samples, 1))

    def column(self, j):
        return self.matrix[:, self.position[j]]

    def with_target(self, j):
        """Code of the joint (X_j, Y), compacted to its observed levels when they may be many."""
        joint = self.column(j).astype(np.int64) * self.target_levels + self.target
        if int(self.levels[j]) * self.target_levels > COMPACT_CODES_ABOVE:
            joint = _adapters._compact(joint)[0]
        return joint

    def mutual_info(self, vector):
        """Plug-in MI (nats) of every column with one code vector, in column order."""
        out = np.empty(self.matrix.shape[1])
        for (start, stop), block in zip(self.bounds, self.blocks):
            out[start:stop] = _discrete_mi_columns(block, vector)[: stop - start]
        target = _adapters.DiscreteVariable(vector, int(vector.max()) + 1, "target")
        for i in range(self.n_narrow, out.size):  # wide columns only
            column = _adapters.DiscreteVariable(self.matrix[:, i], int(self.levels[self.order[i]]),
                                                "column")
            out[i] = max(_information_nats({"x": column, "y": target}, ("x", "y", "xy"),
                                           "plugin"), 0.0)
        return out[self.position]

    def entropy(self, vector):
        return float(_engine.entropies([vector], [int(vector.max()) + 1])[0])


def _rows_with_maxima_first(codes):
    """Row order whose first ``_engine.GUESS_ROWS`` rows hold each column's largest code."""
    n = codes.shape[0]
    if n <= _engine.GUESS_ROWS:
        return np.arange(n)
    first = np.unique(codes.argmax(axis=0))[: _engine.GUESS_ROWS]
    rest = np.ones(n, dtype=bool)
    rest[first] = False
    return np.concatenate([first, np.flatnonzero(rest)])


def _table_cells(sorted_levels, target_levels):
    """Cells of the engine's table for each column: (level bucket + 2) x target bucket."""
    kx = np.array([_engine.bucket(int(k), minimum=2) for k in sorted_levels], dtype=np.int64)
    return (kx + 2) * _engine.bucket(target_levels, minimum=2)


def _block_bounds(cells):
    """Consecutive column ranges whose tables fit the budget together (levels ascending)."""
    bounds, start = [], 0
    for stop in range(1, cells.size + 1):
        if stop - 1 > start and (stop - start) * cells[stop - 1] > TABLE_CELLS_BUDGET:
            bounds.append((start, stop - 1))
            start = stop - 1
    if start < cells.size:
        bounds.append((start, cells.size))
    return bounds


def _padded_block(columns, cells):
    """C-ordered copy of a block of columns, widened with constant columns to a shape bucket.

    The engine compiles once per table shape, and the width is part of it:
    widths rounded up (powers of two from 16 to 256, then multiples of 128,
    within the table budget) let data sets of nearby widths share compiled
    code, at the cost of counting a few constant columns. Codes take the
    smallest unsigned dtype that holds them.
    """
    n, width = columns.shape
    padded = _engine.bucket(width) if width <= 256 else -(-width // 128) * 128
    padded = max(width, min(padded, TABLE_CELLS_BUDGET // int(cells)))
    dtype = np.min_scalar_type(int(columns.max()))
    if padded == width and columns.flags.c_contiguous and columns.dtype == dtype:
        return columns
    block = np.zeros((n, padded), dtype=dtype)
    block[:, :width] = columns
    return block


# ---------------------------------------------------------------------------
# Greedy forward selection
# ---------------------------------------------------------------------------


class _Sums:
    """Running terms over the selected set, one value per candidate."""

    def __init__(self, p):
        self.pair = np.zeros(p)  # sum of I(Xk;Xj)
        self.conditional = np.zeros(p)  # sum of I(Xk;Xj|Y)
        self.net = np.zeros(p)  # icap: sum of max(0, I(Xk;Xj) - I(Xk;Xj|Y))
        self.ratio = np.zeros(p)  # disr: sum of I(XkXj;Y) / H(XkXjY)
        self.least = np.full(p, np.inf)  # cmim, jmim: the running minimum
        self.pair_at_least = np.zeros(p)
        self.conditional_at_least = np.zeros(p)


def _forward_selection(terms, criterion, beta):
    """Yield ``(index, (relevance, redundancy, conditional, criterion))`` step by step.

    A generator, so that a stopping rule other than a fixed k can end the
    search after any step; the update for the next step runs only when it
    is asked for.
    """
    p = terms.relevance.size
    sums = _Sums(p)
    remaining = np.ones(p, dtype=bool)
    for step in range(p):
        value, redundancy, conditional = _criterion(criterion, beta, terms.relevance, sums,
                                                    step)
        pool = remaining & ~terms.constant
        j = _first_best(value, pool if pool.any() else remaining)
        yield j, (terms.relevance[j], redundancy[j], conditional[j], value[j])
        remaining[j] = False
        if criterion != "mim" and remaining.any():
            _add_selected(sums, terms, j, criterion)


def _while_significant(steps, terms, alpha, n_permutations, generator):
    """The greedy ``steps`` up to the first whose conditional gain is not significant.

    Each step's feature :math:`X_j` is tested for :math:`I(X_j;Y|S) = 0`,
    :math:`S` the joint code of the features before it (one stratum at the
    first step); the step is kept, with ``(gain, pvalue)`` added to its row,
    when ``pvalue <= alpha``.
    """
    strata = np.zeros(terms.target.size, dtype=np.int64)
    for j, row in steps:
        column = terms.column(j).astype(np.int64)
        gain, pvalue = significance.conditional_gain_test(column, terms.target, strata,
                                                          n_permutations, generator)
        if pvalue > alpha:
            return
        yield j, (*row, gain, pvalue)
        strata = _adapters._compact(strata * (int(terms.levels[j]) + 1) + column)[0]


def _first_best(value, pool):
    candidates = np.flatnonzero(pool)
    scores = value[candidates]
    return int(candidates[np.flatnonzero(scores >= scores.max() - TIE_TOLERANCE)[0]])


def _criterion(criterion, beta, relevance, sums, n_selected):
    """Criterion values of every column and the redundancy/conditional terms reported."""
    zero = np.zeros_like(relevance)
    if n_selected == 0 or criterion == "mim":
        return relevance, zero, zero
    mean = 1.0 / n_selected
    if criterion in ("cmim", "jmim"):
        return sums.least, sums.pair_at_least, sums.conditional_at_least
    if criterion == "disr":
        return sums.ratio, zero, zero
    redundancy, conditional = {
        "mifs": (beta * sums.pair, zero),
        "mrmr": (mean * sums.pair, zero),
        "cife": (sums.pair, sums.conditional),
        "jmi": (mean * sums.pair, mean * sums.conditional),
        "icap": (sums.net, zero),
    }[criterion]
    return relevance - redundancy + conditional, redundancy, conditional


def _add_selected(sums, terms, j, criterion):
    """Add the terms of the newly selected X_j for every candidate: one or two passes."""
    pair = terms.mutual_info(terms.column(j))  # I(Xk; Xj)
    if criterion in ("mifs", "mrmr"):
        sums.pair += pair
        return
    joint_code = terms.with_target(j)
    with_both = terms.mutual_info(joint_code)  # I(Xk; Xj Y)
    conditional = np.maximum(with_both - terms.relevance, 0.0)  # I(Xk; Xj | Y)
    given = np.maximum(with_both - pair, 0.0)  # I(Xk; Y | Xj)
    sums.pair += pair
    sums.conditional += conditional
    sums.net += np.maximum(pair - conditional, 0.0)
    if criterion in ("cmim", "jmim"):
        value = given if criterion == "cmim" else terms.relevance[j] + given
        lower = value < sums.least
        sums.least = np.where(lower, value, sums.least)
        sums.pair_at_least = np.where(lower, pair, sums.pair_at_least)
        sums.conditional_at_least = np.where(lower, conditional, sums.conditional_at_least)
    elif criterion == "disr":
        joint_entropy = terms.entropies + terms.entropy(joint_code) - with_both  # H(XkXjY)
        joint_mi = terms.relevance[j] + given  # I(XkXj; Y)
        positive = joint_entropy > TIE_TOLERANCE
        sums.ratio += np.where(positive, joint_mi / np.where(positive, joint_entropy, 1.0), 0.0)
