"""EntropyDiscretizer: cut continuous columns into bins (MDLP, quantile, uniform)."""

import heapq
from numbers import Integral

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from . import _adapters, _engine
from ._dask import is_dask
from ._sklearn_compat import Interval, StrOptions, _check_feature_names_in, _fit_context

# Quantile bins narrower than this are dropped, as KBinsDiscretizer does.
NARROW_BIN_WIDTH = 1e-8


def quantile_bin_edges(values, n_bins):
    """Equal-frequency bin edges of one column, exactly as KBinsDiscretizer makes them.

    The ``n_bins + 1`` percentiles at ``linspace(0, 100, n_bins + 1)`` with
    ``method="averaged_inverted_cdf"``; then every edge closer than 1e-8 to
    the edge before it is dropped (KBinsDiscretizer's rule). A constant column
    gives ``[min, max]``, one bin.

    Parameters
    ----------
    values : ndarray of shape (n_samples,)
        Finite values.
    n_bins : int
        Number of bins asked for (at least 2).

    Returns
    -------
    ndarray of float64
        Increasing edges; the first is the minimum, the last normally the maximum.
    """
    values = np.asarray(values, dtype=np.float64)
    return _trim_quantile_edges(_quantiles(values[:, None], n_bins)[:, 0])


def _quantiles(values, n_bins):
    levels = np.linspace(0, 100, n_bins + 1)
    return np.percentile(values, levels, axis=0, method="averaged_inverted_cdf")


def _trim_quantile_edges(edges):
    if edges[0] == edges[-1]:
        return edges[[0, -1]]
    kept = edges[np.ediff1d(edges, to_begin=np.inf) > NARROW_BIN_WIDTH]
    return kept if kept.size >= 2 else edges[[0, -1]]


def _uniform_edges(values, n_bins):
    # One linspace per column: a vectorised linspace rounds some edges differently
    # from KBinsDiscretizer's scalar calls.
    edges = [np.linspace(low, high, n_bins + 1)
             for low, high in zip(values.min(axis=0), values.max(axis=0))]
    return [column if column[0] < column[-1] else column[[0, -1]] for column in edges]


def _best_first(splits, max_bins):
    """The ``max_bins - 1`` cuts taken best first (largest N Gain whose parent is taken)."""
    if max_bins is None or splits.cuts.size < max_bins:
        return splits.cuts
    children = {}
    for index, parent in enumerate(splits.parents):
        children.setdefault(int(parent), []).append(index)
    frontier = [(-splits.gains[i], splits.cuts[i], i) for i in children.get(-1, [])]
    heapq.heapify(frontier)
    taken = []
    while frontier and len(taken) < max_bins - 1:
        _, _, index = heapq.heappop(frontier)
        taken.append(index)
        for child in children.get(index, []):
            heapq.heappush(frontier, (-splits.gains[child], splits.cuts[child], child))
    return np.sort(splits.cuts[taken])


def _digitize(values, edges):
    """Bin codes of each column of ``values`` for its fitted ``edges``.

    Bin ``i`` holds ``edges[i] <= x < edges[i + 1]``; values below the first
    cut go to bin 0 and values at or above the last cut to the last bin
    (KBinsDiscretizer's rule, ``searchsorted(edges[1:-1], x, side="right")``).

    Parameters
    ----------
    values : ndarray of shape (n_samples, n_columns)
    edges : sequence of n_columns 1-D arrays

    Returns
    -------
    ndarray of int64, shape (n_samples, n_columns)
    """
    codes = np.empty(values.shape, dtype=np.int64)
    for j, column_edges in enumerate(edges):
        codes[:, j] = np.searchsorted(column_edges[1:-1], values[:, j], side="right")
    return codes


class EntropyDiscretizer(TransformerMixin, BaseEstimator):
    r"""Cut continuous columns into bins: supervised MDLP, quantile or uniform.

    ``strategy="mdlp"`` is the entropy-based discretization of Fayyad & Irani
    (1993) for a class target, any number of classes: each column is split
    recursively in two at the cut point that minimises the class-information
    entropy of the split,

    .. math::

        E(T; S) = \frac{|S_1|}{|S|} \mathrm{Ent}(S_1)
                + \frac{|S_2|}{|S|} \mathrm{Ent}(S_2),

    and a split is kept only if its information gain passes the minimum
    description length test

    .. math::

        \mathrm{Gain}(T; S) > \frac{\log_2(N - 1)}{N} + \frac{\log_2(3^k - 2)
            - [k \mathrm{Ent}(S) - k_1 \mathrm{Ent}(S_1) - k_2 \mathrm{Ent}(S_2)]}{N},

    entropies in bits, ``N = |S|`` and ``k, k1, k2`` the numbers of classes
    present in ``S, S1, S2``. ``"quantile"`` gives equal-frequency bins (the
    binning of maximal entropy) and ``"uniform"`` equal-width bins, both
    unsupervised and identical to :class:`sklearn.preprocessing.KBinsDiscretizer`.

    Parameters
    ----------
    strategy : {"mdlp", "quantile", "uniform"}, default="mdlp"
        ``"mdlp"`` needs ``y`` (class labels) in ``fit``.
    n_bins : int, default=5
        Bins per column for ``"quantile"`` and ``"uniform"`` (ignored by MDLP).
    encode : {"ordinal", "onehot", "onehot-dense"}, default="ordinal"
        ``"ordinal"`` gives integer bin codes, the one-hot encodings a sparse
        or dense indicator column per bin, as KBinsDiscretizer does.
    columns : list of str or int, or None, default=None
        Columns to bin. None bins every continuous column, by dtype: float
        columns are binned, integer, bool, string, object and category columns
        pass through unchanged (so a float array is binned whole and an
        integer array passes through). Names pick DataFrame columns, integers
        pick positions.
    min_samples_split : int, default=2
        MDLP does not split a segment with fewer rows.
    max_bins : int or None, default=None
        Caps the number of MDLP bins per column: splits are taken best first
        (the largest total entropy drop ``N Gain`` among the splits whose
        parent split is taken) until there are ``max_bins`` bins.
    random_state : int, RandomState instance or None, default=None
        Not used: no step is random (MDLP breaks ties deterministically).
        Kept for API compatibility.

    Attributes
    ----------
    bin_edges_ : ndarray of ndarray, shape (n_features_in_,)
        KBinsDiscretizer's convention: per binned column, increasing edges
        whose first and last entries are the training minimum and maximum
        and whose interior entries are the cut points. Empty for columns that
        pass through.
    n_bins_ : ndarray of int64, shape (n_features_in_,)
        Number of bins per column (1 for a constant column, 0 for a column
        that passes through).
    columns_ : ndarray of int64
        Positions of the binned columns.
    n_features_in_ : int
        Number of columns seen in ``fit``.
    feature_names_in_ : ndarray of str, shape (n_features_in_,)
        Column names seen in ``fit``, when they are all strings.

    See Also
    --------
    sklearn.preprocessing.KBinsDiscretizer : Unsupervised bins.

    Notes
    -----
    Candidate cuts lie at the boundary points of Fayyad & Irani: between two
    adjacent distinct values, unless every row at both values has one and the
    same class (the best cut is always such a point). The cut value is the
    midpoint of the two values (the upper value itself if the midpoint rounds
    down to the lower one). Among cuts whose ``E(T; S)`` agrees to within
    1e-12 bits the smallest wins, so results never depend on row order or
    chance. A target with one class, a constant column and a single row all
    give one bin. All candidate cuts of all pending segments of all columns
    are scored together, one vectorised pass per depth level of the
    recursion.

    ``transform`` maps values outside the training range into the end bins;
    ``inverse_transform`` returns bin centres. Quantile bins narrower than
    1e-8 are merged as KBinsDiscretizer merges them (in absolute units, so
    rescale data with a tiny range first), without its warning: ``n_bins_``
    tells the bins kept. NaN and infinite values raise ``ValueError`` naming
    the column.

    References
    ----------
    U. M. Fayyad and K. B. Irani, "Multi-Interval Discretization of
    Continuous-Valued Attributes for Classification Learning", IJCAI 1993,
    pp. 1022-1027.

    Examples
    --------
    >>> import numpy as np
    >>> from mifeatures import EntropyDiscretizer
    >>> x = np.array([[0.1], [0.2], [0.3], [0.4], [1.1], [1.2], [1.3], [1.4]])
    >>> y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    >>> EntropyDiscretizer().fit(x, y).bin_edges_[0]
    array([0.1 , 0.75, 1.4 ])
    """

    _parameter_constraints: dict = {
        "strategy": [StrOptions({"mdlp", "quantile", "uniform"})],
        "n_bins": [Interval(Integral, 2, None, closed="left")],
        "encode": [StrOptions({"ordinal", "onehot", "onehot-dense"})],
        "columns": ["array-like", None],
        "min_samples_split": [Interval(Integral, 2, None, closed="left")],
        "max_bins": [Interval(Integral, 2, None, closed="left"), None],
        "random_state": ["random_state"],
    }

    def __init__(self, strategy="mdlp", n_bins=5, encode="ordinal", columns=None,
                 min_samples_split=2, max_bins=None, random_state=None):
        self.strategy = strategy
        self.n_bins = n_bins
        self.encode = encode
        self.columns = columns
        self.min_samples_split = min_samples_split
        self.max_bins = max_bins
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = self.strategy == "mdlp"
        tags.transformer_tags.preserves_dtype = []
        tags.input_tags.string = True
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Find the bin edges of the binned columns.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), default=None
            Class labels (any hashable values); needed by ``strategy="mdlp"``,
            ignored otherwise.

        Returns
        -------
        self : EntropyDiscretizer
        """
        if is_dask(X, y):
            from ._dask.discretization import fit

            return fit(self, X, y)
        X, frame = self._validate(X, reset=True)
        self.columns_ = self._resolve_columns(X, frame)
        values = self._binned_values(X, frame)
        if self.strategy == "mdlp":
            edges = self._mdlp_edges(values, y)
        elif self.strategy == "quantile":
            edges = [_trim_quantile_edges(e) for e in _quantiles(values, self.n_bins).T]
        else:
            edges = _uniform_edges(values, self.n_bins)
        return self._store_edges(edges)

    def _store_edges(self, edges):
        """Set ``bin_edges_`` and ``n_bins_`` from the edges of the binned columns.

        Pass-through columns get empty edges and 0 bins.
        """
        self.bin_edges_ = np.empty(self.n_features_in_, dtype=object)
        self.bin_edges_[:] = [np.zeros(0) for _ in range(self.n_features_in_)]
        self.n_bins_ = np.zeros(self.n_features_in_, dtype=np.int64)
        for j, column_edges in zip(self.columns_, edges):
            self.bin_edges_[j] = column_edges
            self.n_bins_[j] = column_edges.size - 1
        return self

    def transform(self, X):
        """Bin the binned columns; the other columns pass through unchanged.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)

        Returns
        -------
        ndarray, sparse matrix or DataFrame
            Integer bin codes ``0 .. n_bins_[j] - 1`` (``encode="ordinal"``)
            or indicator columns. A DataFrame in gives a DataFrame out, with
            int64 code columns.
        """
        check_is_fitted(self)
        if is_dask(X):
            from ._dask.discretization import transform

            return transform(self, X)
        X, frame = self._validate(X, reset=False)
        codes = _digitize(self._binned_values(X, frame), self.bin_edges_[self.columns_])
        if self.encode == "ordinal":
            return self._ordinal_output(X, frame, codes)
        return self._onehot_output(X, frame, codes)

    def inverse_transform(self, X):
        """Bin centres ``(edges[i] + edges[i + 1]) / 2`` for the codes in ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_out)
            Output of :meth:`transform`.

        Returns
        -------
        ndarray of shape (n_samples, n_features_in_)
            Float64 for the binned columns; passed-through columns unchanged.
            A dask DataFrame gives a dask DataFrame (partition by partition,
            columns named as the input features).
        """
        check_is_fitted(self)
        if is_dask(X):
            from ._dask.discretization import inverse_transform

            return inverse_transform(self, X)
        if "onehot" in self.encode:
            X = self._decode_onehot(X)
        X = check_array(X, dtype=None, ensure_all_finite=False)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} columns; expected {self.n_features_in_}.")
        out = X.astype(np.result_type(X.dtype, np.float64), copy=True)
        for j in self.columns_:
            edges = self.bin_edges_[j]
            codes = np.asarray(X[:, j], dtype=np.float64)
            if not (np.isin(codes, np.arange(edges.size - 1))).all():
                raise ValueError(f"column {j} holds values that are not bin codes "
                                 f"0..{edges.size - 2}.")
            out[:, j] = ((edges[1:] + edges[:-1]) / 2)[codes.astype(np.int64)]
        return out

    def get_feature_names_out(self, input_features=None):
        """Output column names: the input names, or ``name_bin`` per one-hot column.

        Parameters
        ----------
        input_features : array-like of str or None, default=None

        Returns
        -------
        ndarray of str objects
        """
        check_is_fitted(self, "n_features_in_")
        names = _check_feature_names_in(self, input_features)
        if self.encode == "ordinal":
            return names
        binned = set(self.columns_.tolist())
        out = []
        for j, name in enumerate(names):
            # KBinsDiscretizer's one-hot names: "x0_0.0", "x0_1.0", ...
            bins = range(self.n_bins_[j]) if j in binned else None
            out += [f"{name}_{float(b)}" for b in bins] if bins is not None else [name]
        return np.asarray(out, dtype=object)

    # --- input ---------------------------------------------------------------

    def _validate(self, X, reset):
        if _adapters._is_polars(X):
            X = X.to_pandas()
        if isinstance(X, pd.DataFrame):
            validate_data(self, X, reset=reset, skip_check_array=True)
            for axis, what in ((0, "sample"), (1, "feature")):
                if X.shape[axis] == 0:
                    raise ValueError(f"Found array with 0 {what}(s) (shape={X.shape}) while a "
                                     f"minimum of 1 is required by {type(self).__name__}.")
            return X, True
        X = validate_data(self, X, reset=reset, dtype=None, ensure_all_finite=False)
        return X, False

    def _column_names(self, X, frame):
        if frame:
            return [str(c) for c in X.columns]
        return [f"x{j}" for j in range(X.shape[1])]

    def _resolve_columns(self, X, frame):
        names = self._column_names(X, frame)
        if self.columns is None:
            if frame:
                return np.flatnonzero([_adapters.is_continuous(X.iloc[:, j])
                                       for j in range(X.shape[1])])
            return np.arange(X.shape[1]) if X.dtype.kind == "f" else np.zeros(0, np.int64)
        picked = []
        for item in list(self.columns):
            if isinstance(item, (Integral, np.integer)) and not isinstance(item, bool):
                if not 0 <= item < X.shape[1]:
                    raise ValueError(f"columns: index {item} is out of range for X with "
                                     f"{X.shape[1]} columns.")
                picked.append(int(item))
            elif isinstance(item, str) and frame and item in names:
                picked.append(names.index(item))
            else:
                raise ValueError(f"columns: {item!r} is not a column of X (columns are "
                                 "names of DataFrame columns or integer positions).")
        if len(set(picked)) < len(picked):
            raise ValueError(f"columns lists a column twice: {list(self.columns)!r}.")
        return np.array(sorted(picked), dtype=np.int64)

    def _binned_values(self, X, frame):
        """Float64 matrix of the binned columns, checked finite."""
        names = self._column_names(X, frame)
        columns = self.columns_
        if frame:
            part = X.iloc[:, columns]
            for j, dtype in zip(columns, part.dtypes):
                if not pd.api.types.is_numeric_dtype(dtype):
                    raise TypeError(f"column {names[j]!r} has dtype {dtype}; only numeric "
                                    "columns can be binned.")
            values = part.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            part = X if columns.size == X.shape[1] else X[:, columns]
            try:
                values = np.asarray(part, dtype=np.float64)
            except (TypeError, ValueError) as exc:
                raise TypeError(f"only numeric columns can be binned: {exc}") from None
        finite = np.isfinite(values).all(axis=0)
        if not finite.all():
            j = int(np.flatnonzero(~finite)[0])
            problem = "NaN (missing) values" if np.isnan(values[:, j]).any() else "inf values"
            raise ValueError(f"column {names[columns[j]]!r} contains {problem}; bins need "
                             "finite numbers.")
        return values

    def _class_codes(self, y, n_samples):
        if y is None:
            raise ValueError(f"{type(self).__name__} with strategy='mdlp' requires y to be "
                             "passed, but the target y is None: MDLP needs class labels "
                             "(use strategy='quantile' or 'uniform' without y).")
        if not isinstance(y, pd.Series):
            y = np.asarray(y)
            if y.ndim == 2 and y.shape[1] == 1:
                y = y.ravel()
            if y.ndim != 1:
                raise ValueError(f"y must be 1-D class labels; got shape {y.shape}.")
        _adapters.check_lengths({"X": n_samples, "y": len(y)})
        if _adapters.missing_mask(y) is not None:
            raise ValueError("y contains missing values (NaN or None); MDLP needs a class "
                             "label for every row.")
        values = np.asarray(y)
        if values.dtype.kind == "f" and not np.array_equal(values, np.round(values)):
            raise ValueError("Unknown label type: continuous. y looks like a regression "
                             "target; MDLP needs class labels.")
        codes, n_levels = _adapters.encode_column(y, "y")
        present = np.bincount(codes, minlength=n_levels) > 0
        remap = np.cumsum(present) - 1
        return remap[codes], int(present.sum())

    def _mdlp_edges(self, values, y):
        codes, n_classes = self._class_codes(y, values.shape[0])
        if values.shape[1] == 0:
            return []
        splits = _engine.mdlp_splits(values, codes, n_classes, self.min_samples_split)
        low, high = values.min(axis=0), values.max(axis=0)
        return [np.concatenate([[a], _best_first(s, self.max_bins), [b]])
                for a, b, s in zip(low, high, splits)]

    # --- output --------------------------------------------------------------

    def _ordinal_output(self, X, frame, codes):
        if frame:
            data = {j: X.iloc[:, j] for j in range(X.shape[1])}
            data.update({j: codes[:, i] for i, j in enumerate(self.columns_)})
            out = pd.DataFrame(data, index=X.index)
            out.columns = self.get_feature_names_out()
            return out
        if self.columns_.size == X.shape[1]:
            return codes
        out = X.astype(np.result_type(X.dtype, np.int64), copy=True)
        out[:, self.columns_] = codes
        return out

    def _onehot_blocks(self, X, frame, codes):
        """Per input column: (indicator block, None) or (None, passed-through column)."""
        position = {j: i for i, j in enumerate(self.columns_)}
        for j in range(X.shape[1]):
            if j in position:
                n, k = codes.shape[0], int(self.n_bins_[j])
                indicator = (np.ones(n), codes[:, position[j]], np.arange(n + 1))
                yield sparse.csr_matrix(indicator, shape=(n, k)), None
            else:
                yield None, (X.iloc[:, j] if frame else X[:, j])

    def _onehot_output(self, X, frame, codes):
        names = self.get_feature_names_out()
        blocks = list(self._onehot_blocks(X, frame, codes))
        if self.encode == "onehot":
            parts = []
            for block, column in blocks:
                if block is None:
                    try:
                        column = np.asarray(column, dtype=np.float64)[:, None]
                    except (TypeError, ValueError):
                        raise TypeError("encode='onehot' (sparse) needs numeric pass-through "
                                        "columns; use encode='onehot-dense'.") from None
                parts.append(block if block is not None else sparse.csr_matrix(column))
            return sparse.hstack(parts, format="csr")
        if frame:
            data, start = {}, 0
            for block, column in blocks:
                width = 1 if block is None else block.shape[1]
                if block is None:
                    data[names[start]] = column.to_numpy()
                else:
                    for b in range(width):
                        data[names[start + b]] = block[:, [b]].toarray().ravel()
                start += width
            return pd.DataFrame(data, index=X.index)
        dense = [block.toarray() if block is not None else np.asarray(column)[:, None]
                 for block, column in blocks]
        return np.hstack(dense) if dense else np.zeros((X.shape[0], 0))

    def _decode_onehot(self, X):
        X = X.toarray() if sparse.issparse(X) else np.asarray(X)
        columns, start = [], 0
        binned = set(self.columns_.tolist())
        for j in range(self.n_features_in_):
            width = int(self.n_bins_[j]) if j in binned else 1
            block = X[:, start : start + width]
            columns.append(block.argmax(axis=1) if j in binned else block[:, 0])
            start += width
        return np.column_stack(columns)
