"""Entropy and mutual information estimated from samples.

The public functions here take samples (lists, arrays, pandas objects),
encode them in ``_adapters``, count and estimate in ``_engine`` (float64,
JAX) and return Python floats.
"""

import numpy as np

from . import _adapters, _engine

DISCRETE_METHODS = ("plugin", "miller_madow", "chao_shen", "grassberger", "james_stein", "nsb")


def _check_method(method):
    if method not in DISCRETE_METHODS:
        raise ValueError(f"method must be one of {DISCRETE_METHODS}; got {method!r}.")


def _check_discrete(discrete, variables):
    """Refuse continuous input until the continuous estimators exist."""
    if discrete not in ("auto", True):
        raise ValueError(f"discrete must be 'auto' or True; got {discrete!r}.")
    if discrete is True:
        return
    for arg, x in variables.items():
        for name, column in zip(*_adapters.as_columns(x, arg)):
            if _adapters.is_continuous(column):
                raise ValueError(
                    f"{name} has a float dtype, which 'auto' treats as continuous; continuous "
                    "estimators are not available yet. Pass integer codes or categories, or "
                    "discrete=True to treat the float values as categories.")


def estimate_entropy(x, *, method="plugin", base=None, nan_policy="raise"):
    r"""Entropy of a discrete variable estimated from samples.

    .. math:: H(X) = -\sum_x p(x) \log p(x)

    Parameters
    ----------
    x : array-like of shape (n_samples,) or (n_samples, n_columns)
        Samples of any hashable type (ints, strings, bools, categories, floats
        used as labels). A 2-D input is one joint variable: its entropy is
        that of the rows.
    method : {"plugin", "miller_madow", "chao_shen", "grassberger", \
"james_stein", "nsb"}, default="plugin"
        Estimator (see Notes).
    base : float, default=None
        Logarithm base: None gives nats, 2 gives bits.
    nan_policy : {"raise", "omit", "as-category"}, default="raise"
        What to do with missing values (NaN, None, pd.NA).

    Returns
    -------
    float
        The estimate, in nats (or in the unit of ``base``).

    Notes
    -----
    - ``plugin``: maximum likelihood, :math:`-\sum \hat p \log \hat p`; biased
      down by about :math:`(m - 1) / 2n` for m observed levels.
    - ``miller_madow``: plugin plus :math:`(m - 1) / 2n` (Miller 1955).
    - ``chao_shen``: coverage-adjusted Horvitz-Thompson estimator (Chao &
      Shen 2003), for many unseen levels.
    - ``grassberger``: Grassberger (2003), eq. 35.
    - ``james_stein``: shrinkage of frequencies towards the uniform over the
      observed levels (Hausser & Strimmer 2009).
    - ``nsb``: posterior mean under the Nemenman-Shafee-Bialek prior
      (2002), with the alphabet size taken as the number of observed levels.

    Levels that never occur do not count: the alphabet of ``james_stein`` and
    ``nsb`` is the set of observed values. A constant variable has entropy
    exactly 0 under every method. Float input is treated as labels (each
    distinct value a level); continuous estimators are not available yet.

    Examples
    --------
    >>> from mifeatures import estimate_entropy
    >>> round(estimate_entropy(["a", "b", "a", "b"], base=2), 6)
    1.0
    """
    _check_method(method)
    scale = _adapters.log_base(base)
    (variable,) = _adapters.encode_discrete({"x": x}, nan_policy=nan_policy)
    (h,) = _engine.entropies([variable.codes], [variable.n_levels], method)
    return float(h) / scale


def mutual_info(x, y, *, method="plugin", discrete="auto", base=None, nan_policy="raise"):
    r"""Mutual information between two discrete variables, from samples.

    .. math:: I(X; Y) = H(X) + H(Y) - H(X, Y)
              = \sum_{x, y} p(x, y) \log \frac{p(x, y)}{p(x) p(y)}

    Parameters
    ----------
    x, y : array-like of shape (n_samples,) or (n_samples, n_columns)
        Samples observed on the same rows. A 2-D input is one joint variable.
    method : str, default="plugin"
        Entropy estimator used for the three entropies (see
        :func:`estimate_entropy`). ``plugin`` equals
        ``sklearn.metrics.mutual_info_score``.
    discrete : {"auto", True}, default="auto"
        ``"auto"`` treats integer, bool, string, object and category data as
        discrete and refuses float data (continuous estimators are not
        available yet); ``True`` treats float values as labels.
    base : float, default=None
        None gives nats, 2 gives bits.
    nan_policy : {"raise", "omit", "as-category"}, default="raise"
        ``"omit"`` drops the rows where x or y is missing.

    Returns
    -------
    float
        MI in nats (or in the unit of ``base``).

    Notes
    -----
    The plug-in estimate is never negative; a rounding residue below zero is
    returned as 0. Bias-corrected methods estimate each entropy separately,
    so their MI can be slightly negative when X and Y are independent; it is
    returned unclipped. Constant x or y gives exactly 0.

    Examples
    --------
    >>> from mifeatures import mutual_info
    >>> round(mutual_info([0, 0, 1, 1], ["a", "a", "b", "b"], base=2), 6)
    1.0
    """
    return _information({"x": x, "y": y}, ("x", "y", "xy"), method, discrete, base, nan_policy)


def conditional_mutual_info(x, y, z, *, method="plugin", discrete="auto", base=None,
                            nan_policy="raise"):
    r"""Conditional mutual information I(X; Y | Z) of discrete variables.

    .. math:: I(X; Y \mid Z) = H(X, Z) + H(Y, Z) - H(X, Y, Z) - H(Z)

    Parameters
    ----------
    x, y, z : array-like of shape (n_samples,) or (n_samples, n_columns)
        Samples observed on the same rows; 2-D inputs are joint variables.
    method, discrete, base, nan_policy
        As in :func:`mutual_info`.

    Returns
    -------
    float
        Conditional MI in nats (or in the unit of ``base``); 0 when X or Y is
        determined by Z.

    Examples
    --------
    >>> from mifeatures import conditional_mutual_info
    >>> x = [0, 0, 1, 1]; z = [0, 1, 0, 1]
    >>> y = [a ^ b for a, b in zip(x, z)]     # XOR: y is x given z
    >>> round(conditional_mutual_info(x, y, z, base=2), 6)
    1.0
    """
    return _information({"x": x, "y": y, "z": z}, ("xz", "yz", "xyz", "z"), method, discrete,
                        base, nan_policy)


def _information(variables, joints, method, discrete, base, nan_policy):
    _check_method(method)
    scale = _adapters.log_base(base)
    _check_discrete(discrete, variables)
    encoded = dict(zip(variables, _adapters.encode_discrete(variables, nan_policy=nan_policy)))
    value = _information_nats(encoded, joints, method)
    if method == "plugin":
        value = max(value, 0.0)
    return float(value) / scale


def _information_nats(encoded, joints, method):
    """H(J1) + H(J2) - H(J3) [- H(J4)] where each J is a joint of encoded variables.

    ``joints`` names each joint by the letters of its variables, e.g.
    ``("x", "y", "xy")`` for I(X; Y).
    """
    columns, levels = [], []
    for letters in joints:
        parts = [encoded[letter] for letter in letters]
        codes, n_levels = _adapters.combine_codes([v.codes for v in parts],
                                                  [v.n_levels for v in parts])
        columns.append(codes)
        levels.append(n_levels)
    h = _engine.entropies(columns, levels, method)
    return h[0] + h[1] - h[2] - (h[3] if len(h) == 4 else 0.0)


def _discrete_mi_columns(X, y, *, method="plugin", base=None):
    """MI of every column of a discrete 2-D array against a discrete target.

    The batch path that the sklearn drop-ins and ``rank_features`` use for
    discrete features: one counting pass over all columns at once.
    Returns an ndarray of float64, one value per column.
    """
    _check_method(method)
    scale = _adapters.log_base(base)
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] == 0 or X.shape[0] == 0:
        raise ValueError(f"X must be a non-empty 2-D array; got shape {X.shape}.")
    if X.dtype.kind not in "iub":
        raise TypeError(f"X must hold integer codes; got dtype {X.dtype}.")
    (target,) = _adapters.encode_discrete({"y": y})
    _adapters.check_lengths({"X": X.shape[0], "y": target.codes.shape[0]})
    mi, out_of_range = _engine.mutual_info_columns(X, target.codes, target.n_levels, method)
    mi = mi.copy()
    for j in np.flatnonzero(out_of_range):
        name = f"X[:, {j}]"
        codes, n_levels = _adapters.encode_column(X[:, j], name)
        feature = _adapters.DiscreteVariable(codes, n_levels, name)
        mi[j] = _information_nats({"x": feature, "y": target}, ("x", "y", "xy"), method)
    if method == "plugin":
        mi = np.maximum(mi, 0.0)
    return mi / scale
