"""Rank the columns of a DataFrame by mutual information, and pairwise MI."""

import numpy as np
import pandas as pd

from . import _adapters
from ._dropins import PreparedFeatures, _check_n_neighbors, _discrete_mask, prepare_target
from .estimation import estimate_entropy


def rank_features(df, target, *, discrete_features="auto", discrete_target="auto", base=None,
                  n_neighbors=3, random_state=None, nan_policy="raise"):
    r"""Mutual information of every column with a target, best first.

    Parameters
    ----------
    df : DataFrame or 2-D array of shape (n_samples, n_features)
    target : str or array-like of shape (n_samples,)
        The name of a column of ``df`` (left out of the features) or the
        target values themselves.
    discrete_features : {"auto"}, bool or array-like, default="auto"
        ``"auto"`` applies the dtype rule (bool, integer, category, string and
        object columns are discrete, float columns continuous), to arrays too.
    discrete_target : {"auto"} or bool, default="auto"
        ``"auto"``: a float target is continuous (regression), any other
        dtype discrete (classification).
    base : float, default=None
        None gives nats, 2 gives bits.
    n_neighbors : int, default=3
        Neighbours of the kNN estimators.
    random_state : int, RandomState instance or None, default=None
        Seeds the tie-breaking noise, as in scikit-learn: for the same seed the
        values equal ``mutual_info_classif`` / ``mutual_info_regression`` with
        the same discrete mask.
    nan_policy : {"raise", "omit", "as-category"}, default="raise"
        ``"raise"``: a ``ValueError`` naming the column. ``"omit"``: each
        column is scored on the rows where it and the target are present
        (pairwise complete). ``"as-category"``: in discrete columns a missing
        value is a level of its own; continuous columns are scored as with
        ``"omit"``. Rows where the target is missing are always left out
        (or, for a discrete target under ``"as-category"``, form a class).

    Returns
    -------
    DataFrame indexed by feature name, best first, with columns

    - ``mi``: MI with the target (negative estimates clipped to 0);
    - ``kind``: ``"discrete"`` or ``"continuous"``;
    - ``normalized_mi``: for a discrete target MI / H(target), in [0, 1];
      for a continuous target Linfoot's informational coefficient of
      correlation :math:`\sqrt{1 - e^{-2 I}}` (I in nats), which equals
      :math:`|\rho|` for jointly Gaussian variables.

    Notes
    -----
    Estimators: plug-in for discrete-discrete pairs, Ross (2014) for a
    continuous feature with a discrete target or the reverse, KSG (2004)
    for two continuous variables. Ties keep the columns' order. Columns
    without missing values are scored together in one vectorised pass;
    each column whose missing values drop rows is scored on its own.
    """
    from sklearn.utils import check_random_state

    scale = _adapters.log_base(base)
    _check_n_neighbors(n_neighbors)
    _adapters.check_nan_policy(nan_policy)
    X, y = _split_target(df, target)
    X = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X)).rename(columns=str)
    y = _as_series(y, index=X.index)
    if discrete_target == "auto":
        discrete_target = not _adapters.is_continuous(y)
    elif not isinstance(discrete_target, (bool, np.bool_)):
        raise ValueError(f"discrete_target must be 'auto' or a bool; got {discrete_target!r}.")
    rng = check_random_state(random_state)
    names = [str(c) for c in X.columns]
    kinds = _discrete_mask(discrete_features, [X.iloc[:, j] for j in range(len(names))], True)
    target_missing = y.isna().to_numpy().copy()
    if nan_policy == "as-category" and discrete_target:
        y = y.astype(object).where(~target_missing, "<missing>")
        target_missing[:] = False
    elif nan_policy == "raise" and target_missing.any():
        raise ValueError(f"{y.name or 'target'} contains missing values; pass "
                         "nan_policy='omit' to leave those rows out.")
    dropping = np.array([nan_policy != "raise" and X.iloc[:, j].isna().any()
                         and (nan_policy == "omit" or not kinds[j]) for j in range(len(names))])
    mi = np.zeros(len(names))
    groups = [(np.flatnonzero(~dropping), ~target_missing)]
    groups += [([j], ~(target_missing | X.iloc[:, j].isna().to_numpy()))
               for j in np.flatnonzero(dropping)]
    for columns, rows in groups:
        if len(columns) == 0:
            continue
        part = X.iloc[rows, columns]
        if nan_policy == "as-category":
            part = part.apply(lambda c: c.astype(object).where(c.notna(), "<missing>")
                              if not _adapters.is_continuous(c) and c.isna().any() else c)
        features = PreparedFeatures(part, kinds[columns], rng, dtype_rule=True,
                                    n_neighbors=n_neighbors)
        prepared = prepare_target(y[rows], discrete_target, rng, features.n_samples,
                                  n_neighbors)
        mi[columns] = np.maximum(features.mutual_info(prepared, n_neighbors), 0.0)
    if discrete_target:
        h_target = estimate_entropy(y[~target_missing])
        normalized = mi / h_target if h_target > 0 else np.zeros_like(mi)
    else:
        normalized = np.sqrt(-np.expm1(-2.0 * mi))
    result = pd.DataFrame({
        "mi": mi / scale,
        "kind": np.where(kinds, "discrete", "continuous"),
        "normalized_mi": np.clip(normalized, 0.0, 1.0),
    }, index=pd.Index(names, name="feature"))
    return result.sort_values("mi", ascending=False, kind="stable")


def mutual_info_matrix(df, *, discrete_features="auto", base=None, n_neighbors=3,
                       random_state=None):
    """Pairwise mutual information between all columns of a DataFrame.

    Parameters
    ----------
    df : DataFrame or 2-D array
    discrete_features, base, n_neighbors, random_state
        As in :func:`rank_features`.

    Returns
    -------
    DataFrame of shape (n_features, n_features)
        Symmetric. Off the diagonal: MI of the pair by the estimator for their
        kinds. On the diagonal: the entropy of the column, plug-in for
        discrete columns (which is their MI with themselves) and the
        Kozachenko-Leonenko differential entropy of the scaled column for
        continuous ones (the MI of a continuous variable with itself is
        infinite; a differential entropy can be negative).

    Notes
    -----
    Each continuous column is scaled and jittered once (scikit-learn's
    preprocessing) and then serves both as a feature and as a target.
    """
    from sklearn.utils import check_random_state

    from . import _engine

    scale = _adapters.log_base(base)
    _check_n_neighbors(n_neighbors)
    rng = check_random_state(random_state)
    features = PreparedFeatures(df, discrete_features, rng, dtype_rule=True,
                                n_neighbors=n_neighbors)
    p = len(features.names)
    matrix = np.zeros((p, p))
    continuous_position = np.cumsum(~features.discrete) - 1
    discrete_position = np.cumsum(features.discrete) - 1
    for j in range(p):
        if features.discrete[j]:
            codes = features.codes[:, discrete_position[j]]
            (target,) = _adapters.encode_discrete({features.names[j]: codes})
            matrix[j, j] = estimate_entropy(target.codes)
        else:
            target = features.continuous_values[:, continuous_position[j]]
            matrix[j, j] = _engine.kl_entropy(target, n_neighbors)
        # One vectorised call per target column: the MI of every column with it.
        row = np.maximum(features.mutual_info(target, n_neighbors), 0.0)
        matrix[j, j + 1:] = row[j + 1:]
    upper = np.triu(matrix, 1)
    matrix = upper + upper.T + np.diag(np.diag(matrix))
    return pd.DataFrame(matrix / scale, index=features.names, columns=features.names)


def _as_series(y, index=None):
    if isinstance(y, pd.Series):
        return y.set_axis(index) if index is not None else y
    return pd.Series(np.asarray(y), index=index, name="target")


def _split_target(df, target):
    if isinstance(target, str):
        if not isinstance(df, pd.DataFrame):
            raise TypeError("target can be a column name only when df is a DataFrame.")
        if target not in df.columns:
            raise ValueError(f"target column {target!r} is not in df.")
        return df.drop(columns=[target]), df[target]
    return df, target
