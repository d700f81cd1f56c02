"""Drop-in replacements for scikit-learn's ``mutual_info_classif`` and
``mutual_info_regression``: same signature, defaults and preprocessing, so
the same ``random_state`` gives the same numbers, computed by the JAX engine
for all features at once.
"""

import numbers

import numpy as np
import pandas as pd

from . import _adapters, _engine
from .estimation import _discrete_mi_columns


def mutual_info_classif(X, y, *, discrete_features="auto", n_neighbors=3, copy=True,
                        random_state=None, n_jobs=None, base=None):
    r"""Mutual information between each feature and a discrete target.

    A drop-in for :func:`sklearn.feature_selection.mutual_info_classif`:
    same arguments, defaults and preprocessing (continuous features scaled to
    unit variance, then tie-breaking noise ``1e-10 * max(1, mean|x|)`` drawn
    from ``random_state`` in scikit-learn's order), so the same
    ``random_state`` gives the same numbers. Continuous features use the
    Ross (2014) nearest-neighbour estimator, discrete ones the plug-in
    estimate.

    Parameters
    ----------
    X : array-like or DataFrame of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        Class labels of any hashable type.
    discrete_features : {"auto"}, bool or array-like, default="auto"
        Which features are discrete: a bool for all, a boolean mask or an
        array of indices. ``"auto"`` follows scikit-learn for arrays (dense
        means continuous) and the dtype rule for DataFrames (bool, integer,
        category, string and object columns are discrete, float columns
        continuous), so DataFrames with string columns just work.
    n_neighbors : int, default=3
        Neighbours for the continuous estimator.
    copy : bool, default=True
        Accepted for compatibility; the input is never modified either way.
    random_state : int, RandomState instance or None, default=None
        Seeds the tie-breaking noise, as in scikit-learn.
    n_jobs : int, default=None
        Accepted for compatibility and ignored: the engine vectorises over
        features itself.
    base : float, default=None
        None gives nats (scikit-learn's unit), 2 gives bits.

    Returns
    -------
    ndarray of float64, shape (n_features,)
        MI of each feature with ``y``; negative estimates are clipped to 0.

    Notes
    -----
    Missing or infinite values raise ``ValueError`` naming the column.
    Classes with a single member are left out of the continuous estimate,
    as scikit-learn does.

    References
    ----------
    B. C. Ross, "Mutual Information between Discrete and Continuous Data
    Sets", PLoS ONE 9(2), 2014.
    """
    return _estimate_mi(X, y, discrete_features, True, n_neighbors, random_state, base)


def mutual_info_regression(X, y, *, discrete_features="auto", n_neighbors=3, copy=True,
                           random_state=None, n_jobs=None, base=None):
    r"""Mutual information between each feature and a continuous target.

    A drop-in for :func:`sklearn.feature_selection.mutual_info_regression`
    (see :func:`mutual_info_classif` for the shared arguments): continuous
    features use the Kraskov-Stoegbauer-Grassberger estimator (algorithm 1,
    max-norm), discrete features the Ross estimator with roles swapped.

    Returns
    -------
    ndarray of float64, shape (n_features,)
        MI in nats (or the unit of ``base``); negative estimates clipped to 0.

    References
    ----------
    A. Kraskov, H. Stoegbauer and P. Grassberger, "Estimating mutual
    information", Phys. Rev. E 69, 2004.
    """
    return _estimate_mi(X, y, discrete_features, False, n_neighbors, random_state, base)


class PreparedFeatures:
    """Features split by kind and preprocessed as scikit-learn does.

    Attributes
    ----------
    names : list of str
    discrete : ndarray of bool, shape (n_features,)
    continuous_values : ndarray of float64, shape (n_samples, n_continuous)
        Scaled to unit variance and jittered (columns where ``~discrete``).
    codes : ndarray of int, shape (n_samples, n_discrete)
        Codes of the discrete columns (values that are already small
        non-negative integers are kept as they are).
    """

    def __init__(self, X, discrete_features, rng, *, dtype_rule=False, n_neighbors=3):
        self.names, columns = _adapters.as_columns(X, "X")
        if len(set(self.names)) < len(self.names):
            raise ValueError("X has duplicate column names; names must be unique.")
        is_frame = dtype_rule or isinstance(X, pd.DataFrame) or _adapters._is_polars(X)
        self.discrete = _discrete_mask(discrete_features, columns, is_frame)
        self.n_samples = len(columns[0])
        continuous = np.flatnonzero(~self.discrete)
        self.continuous_values = None
        if continuous.size:
            _check_enough_rows(self.n_samples, n_neighbors)
            self.continuous_values = _continuous_matrix(X, columns, self.names, continuous)
            _scale_and_jitter(self.continuous_values, rng)
        discrete = np.flatnonzero(self.discrete)
        self.codes = _codes_matrix(X, columns, self.names, discrete) if discrete.size else None

    def mutual_info(self, target, n_neighbors):
        """Raw MI (nats) of every feature with a prepared target.

        ``target`` is a ``DiscreteVariable`` or a float64 vector already
        scaled and jittered.
        """
        mi = np.zeros(self.discrete.shape[0])
        discrete_target = isinstance(target, _adapters.DiscreteVariable)
        if self.codes is not None:
            if discrete_target:
                mi[self.discrete] = _discrete_mi_columns(self.codes, target.codes)
            else:
                codes, n_levels = _adapters.compact_code_columns(self.codes)
                mi[self.discrete] = _engine.ross_mi_shared_continuous(target, codes, n_levels,
                                                                      n_neighbors)
        if self.continuous_values is not None:
            if discrete_target:
                mi[~self.discrete] = _engine.ross_mi_columns(
                    self.continuous_values, target.codes, target.n_levels, n_neighbors)
            else:
                mi[~self.discrete] = _engine.ksg_mi_columns(self.continuous_values, target,
                                                            n_neighbors)
        return mi


def prepare_target(y, discrete_target, rng, n_samples, n_neighbors):
    """The target encoded (discrete) or scaled and jittered (continuous)."""
    name = str(y.name) if isinstance(y, pd.Series) and y.name is not None else "y"
    _adapters.check_lengths({"X": n_samples, name: len(y)})
    if discrete_target:
        (target,) = _adapters.encode_discrete({name: y})
        return target
    names, columns = _adapters.as_columns(y, name)
    values = _continuous_matrix(y, columns, names, [0])
    _check_enough_rows(n_samples, n_neighbors)
    _scale_and_jitter(values, rng)
    return values[:, 0]


def _estimate_mi(X, y, discrete_features, discrete_target, n_neighbors, random_state, base):
    from sklearn.utils import check_random_state

    scale_to = _adapters.log_base(base)
    _check_n_neighbors(n_neighbors)
    rng = check_random_state(random_state)
    features = PreparedFeatures(X, discrete_features, rng, n_neighbors=n_neighbors)
    target = prepare_target(y, discrete_target, rng, features.n_samples, n_neighbors)
    return np.maximum(features.mutual_info(target, n_neighbors), 0.0) / scale_to


def _check_n_neighbors(n_neighbors):
    if isinstance(n_neighbors, bool) or not isinstance(n_neighbors, numbers.Integral) \
            or n_neighbors < 1:
        raise ValueError(f"n_neighbors must be a positive integer; got {n_neighbors!r}.")


def _check_enough_rows(n_samples, n_neighbors):
    if n_samples < n_neighbors + 1:
        raise ValueError(f"the nearest-neighbour estimators need more rows than n_neighbors: "
                         f"got {n_samples} rows and n_neighbors={n_neighbors}.")


def _discrete_mask(discrete_features, columns, is_frame):
    """scikit-learn's rule for ``discrete_features``; the dtype rule for DataFrames."""
    n_features = len(columns)
    if isinstance(discrete_features, str):
        if discrete_features != "auto":
            raise ValueError("discrete_features must be 'auto', a bool, a boolean mask or an "
                             f"array of indices; got {discrete_features!r}.")
        if is_frame:
            return np.array([not _adapters.is_continuous(c) for c in columns])
        return np.zeros(n_features, dtype=bool)
    if isinstance(discrete_features, (bool, np.bool_)):
        return np.full(n_features, bool(discrete_features))
    chosen = np.asarray(discrete_features)
    if chosen.dtype == bool:
        if chosen.shape != (n_features,):
            raise ValueError(f"the boolean mask discrete_features has shape {chosen.shape}; "
                             f"X has {n_features} features.")
        return chosen.copy()
    mask = np.zeros(n_features, dtype=bool)
    try:
        mask[chosen] = True
    except IndexError:
        raise ValueError(f"discrete_features holds indices outside X's {n_features} "
                         "features.") from None
    return mask


def _continuous_matrix(X, columns, names, picks):
    """float64 copy of the chosen columns, C-ordered; non-finite values raise naming them."""
    if isinstance(X, np.ndarray) and X.ndim == 2 and X.dtype.kind in "biuf":
        matrix = np.ascontiguousarray(X[:, picks], dtype=np.float64)
    else:
        matrix = np.empty((len(columns[0]), len(picks)))
        for out, j in enumerate(picks):
            matrix[:, out] = _as_float(columns[j], names[j])
    bad = ~np.isfinite(matrix).all(axis=0)
    if bad.any():
        j = picks[np.flatnonzero(bad)[0]]
        problem = "missing values" if np.isnan(matrix[:, bad]).any() else "infinite values"
        raise ValueError(f"{names[j]} contains {problem}; continuous features must be finite.")
    return matrix


def _as_float(column, name):
    try:
        if isinstance(column, pd.Series):
            return column.to_numpy(dtype=np.float64, na_value=np.nan)
        return np.asarray(column, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be numeric to be treated as continuous; pass "
                        "discrete_features to mark it discrete.") from None


def _codes_matrix(X, columns, names, picks):
    """Integer codes of the chosen discrete columns as one (n, q) array."""
    if isinstance(X, np.ndarray) and X.ndim == 2 and X.dtype.kind in "biu":
        return X[:, picks]
    encoded = _adapters.encode_discrete({names[j]: columns[j] for j in picks})
    return np.column_stack([v.codes for v in encoded]).astype(np.int64, copy=False)


# Noise values drawn at a time by _scale_and_jitter (8 MB of float64).
_NOISE_BLOCK_ELEMENTS = 1 << 20


def _scale_and_jitter(matrix, rng):
    """scikit-learn's preprocessing of continuous columns, in place, in its RNG order.

    ``scale(with_mean=False)`` (a zero standard deviation leaves the column
    unscaled), then ``1e-10 * max(1, mean|x|) * standard_normal``.
    """
    from sklearn.preprocessing import scale

    matrix[:] = scale(matrix, with_mean=False, copy=False)
    amplitude = 1e-10 * np.maximum(1, np.mean(np.abs(matrix), axis=0))
    # Noise drawn in row blocks: RandomState fills them from one stream in C
    # order, so the values equal one (n, p) draw, without its two n x p temporaries.
    rows = max(1, _NOISE_BLOCK_ELEMENTS // max(1, matrix.shape[1]))
    for start in range(0, matrix.shape[0], rows):
        block = matrix[start : start + rows]
        block += amplitude * rng.standard_normal(size=block.shape)
