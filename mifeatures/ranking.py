"""Rank the columns of a DataFrame by mutual information, and pairwise MI."""

import copy
import numbers
from typing import NamedTuple

import numpy as np
import pandas as pd

from . import _adapters, significance
from ._dask import is_dask
from ._dropins import PreparedFeatures, _check_n_neighbors, _discrete_mask, prepare_target
from .estimation import estimate_entropy


def rank_features(df, target, *, discrete_features="auto", discrete_target="auto", base=None,
                  n_neighbors=3, random_state=None, nan_policy="raise", n_bins=10,
                  n_permutations=None, bootstrap=None, top_k=10, progress="auto"):
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
    n_bins : int, default=10
        Dask DataFrames only: continuous columns (and a continuous target)
        are cut into this many equal-frequency bins with exact quantile
        edges and scored by plug-in MI (see Notes).
    n_permutations : int, default=None
        If given, a permutation test of every feature (see
        :func:`mutual_info_test`) adds the columns ``pvalue`` and ``qvalue``.
        The smallest p-value is ``1 / (n_permutations + 1)``.
    bootstrap : int, default=None
        If given, the number of random half-samples (rows drawn without
        replacement, see Notes) that add ``ci_low``, ``ci_high`` and
        ``rank_stability``.
    top_k : int, default=10
        The cut of ``rank_stability`` (at most the number of features).
    progress : {"auto"} or bool, default="auto"
        A progress bar on stderr for the permutations and half-samples;
        ``"auto"`` shows it when stderr is a terminal.

    Returns
    -------
    DataFrame indexed by feature name, best first, with columns

    - ``mi``: MI with the target (negative estimates clipped to 0);
    - ``kind``: ``"discrete"`` or ``"continuous"``;
    - ``normalized_mi``: for a discrete target MI / H(target), in [0, 1];
      for a continuous target Linfoot's informational coefficient of
      correlation :math:`\sqrt{1 - e^{-2 I}}` (I in nats), which equals
      :math:`|\rho|` for jointly Gaussian variables;
    - with ``n_permutations``: ``pvalue`` (permutation p-value of
      :math:`I = 0`) and ``qvalue`` (Benjamini-Hochberg over all features:
      keeping the rows with ``qvalue <= alpha`` controls the false discovery
      rate at ``alpha``);
    - with ``bootstrap``: ``ci_low``, ``ci_high`` (a 95 % confidence
      interval for the MI, clipped at 0) and ``rank_stability`` (the
      fraction of half-samples in which the feature is among the ``top_k``
      best).

    Notes
    -----
    Estimators: plug-in for discrete-discrete pairs, Ross (2014) for a
    continuous feature with a discrete target or the reverse, KSG (2004)
    for two continuous variables. Ties keep the columns' order. Columns
    without missing values are scored together in one vectorised pass;
    each column whose missing values drop rows is scored on its own.

    A dask DataFrame (``mifeatures[dask]`` extra) is scored on the active
    dask scheduler and gives a pandas DataFrame: discrete columns are
    counted exactly (the same MI as in memory, to rounding); continuous
    columns are binned into ``n_bins`` equal-frequency bins (the edges of
    ``KBinsDiscretizer(strategy="quantile",
    quantile_method="averaged_inverted_cdf")`` on all rows) and scored by
    plug-in MI, since kNN estimators need every row's neighbours.
    ``n_neighbors`` and ``random_state`` do not apply there, nor do
    ``n_permutations`` and ``bootstrap``.

    With ``n_permutations``, each group of columns scored on the same rows
    is tested on those rows. Confidence intervals come from ``B``
    half-samples: ``m = n // 2`` rows drawn without replacement (duplicated
    rows, as in the classical bootstrap, would inflate kNN estimates). With
    :math:`\hat I` the raw estimate on all rows, :math:`\hat I^*_b` on
    half-sample ``b`` and :math:`f = m / n`, the interval is

    .. math::

        \left[\hat I - c\, q_{0.975}(\hat I^* - \hat I),\;
               \hat I - c\, q_{0.025}(\hat I^* - \hat I)\right],
        \qquad c = \sqrt{f / (1 - f)}

    (subsampling, Politis & Romano 1994, with the finite-population factor
    under which a half-sample estimate spreads around :math:`\hat I` as
    :math:`\hat I` spreads around the truth: ``c = 1`` for ``f = 1/2``;
    the shift of :math:`\hat I^*` also removes the first-order bias of
    :math:`\hat I`). It assumes :math:`\hat I` is asymptotically normal,
    which fails at :math:`I = 0`: there, read the interval together with
    the p-value. ``rank_stability`` ranks the raw estimates of each
    half-sample.

    Randomness: ``random_state`` seeds the tie-breaking noise first (so
    ``mi`` does not depend on the other options), then the permutations,
    then the half-samples; the same seed gives the same numbers.
    """
    if is_dask(df, target):
        if n_permutations is not None or bootstrap is not None:
            raise ValueError("n_permutations and bootstrap need an in-memory DataFrame; "
                             "got a dask collection.")
        from ._dask.ranking import rank_features as rank_dask

        return rank_dask(df, target, discrete_features=discrete_features,
                         discrete_target=discrete_target, base=base, nan_policy=nan_policy,
                         n_bins=n_bins)
    from sklearn.utils import check_random_state

    scale = _adapters.log_base(base)
    _check_n_neighbors(n_neighbors)
    _adapters.check_nan_policy(nan_policy)
    _check_resampling(n_permutations, bootstrap, top_k)
    significance.check_progress(progress)
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
    raw = np.zeros(len(names))
    groups = [(np.flatnonzero(~dropping), ~target_missing)]
    groups += [([j], ~(target_missing | X.iloc[:, j].isna().to_numpy()))
               for j in np.flatnonzero(dropping)]
    prepared = []
    for columns, rows in groups:
        if len(columns) == 0:
            continue
        part = X.iloc[rows, columns]
        if nan_policy == "as-category":
            part = part.apply(lambda c: c.astype(object).where(c.notna(), "<missing>")
                              if not _adapters.is_continuous(c) and c.isna().any() else c)
        features = PreparedFeatures(part, kinds[columns], rng, dtype_rule=True,
                                    n_neighbors=n_neighbors)
        prepared_target = prepare_target(y[rows], discrete_target, rng, features.n_samples,
                                         n_neighbors)
        raw[columns] = features.mutual_info(prepared_target, n_neighbors)
        prepared.append(_Group(columns, rows, features, prepared_target))
    h_target = estimate_entropy(y[~target_missing], discrete=True) if discrete_target else None
    result = ranking_frame(np.maximum(raw, 0.0), kinds, names, h_target, scale)
    _add_resampling_columns(result, prepared, raw, scale, len(y), n_permutations, bootstrap,
                            top_k, n_neighbors, rng, progress)
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


class _Group(NamedTuple):
    """Columns scored together on the same rows, prepared once."""

    columns: object  # positions in the frame
    rows: np.ndarray  # bool mask over the frame's rows
    features: PreparedFeatures
    target: object  # DiscreteVariable or float64 ndarray


def _check_resampling(n_permutations, bootstrap, top_k):
    if n_permutations is not None:
        significance.check_n_permutations(n_permutations)
    if bootstrap is not None:
        significance.check_n_permutations(bootstrap, "bootstrap")
    if isinstance(top_k, bool) or not isinstance(top_k, numbers.Integral) or top_k < 1:
        raise ValueError(f"top_k must be a positive integer; got {top_k!r}.")


def _add_resampling_columns(result, groups, raw, scale, n_rows, n_permutations, bootstrap,
                            top_k, n_neighbors, rng, progress):
    """Add the p-value, q-value, interval and stability columns that were asked for."""
    n_features = raw.shape[0]
    total = n_features * ((n_permutations + 1 if n_permutations else 0) + (bootstrap or 0))
    with significance.progress_bar(progress, total, "ranking features") as advance:
        if n_permutations is not None:
            pvalues = np.ones(n_features)
            for group in groups:
                pvalues[group.columns] = significance.permutation_pvalues(
                    group.features, group.target, n_neighbors, n_permutations, rng, advance)
            result["pvalue"] = pvalues
            result["qvalue"] = significance.bh_qvalues(pvalues)
        if bootstrap is not None:
            estimates = _half_sample_estimates(groups, n_features, n_rows, bootstrap,
                                               n_neighbors, rng, advance)
            low, high = _subsampling_interval(raw, estimates, (n_rows // 2) / n_rows)
            result["ci_low"] = low / scale
            result["ci_high"] = high / scale
            result["rank_stability"] = _top_k_frequency(estimates, min(top_k, n_features))


# Two-sided 95 % interval.
_CI_QUANTILES = (0.025, 0.975)


def _half_sample_estimates(groups, n_features, n_rows, n_samples, n_neighbors, rng, advance):
    """Raw MI of every feature on ``n_samples`` half-samples: shape (n_samples, n_features).

    Each half-sample keeps ``n_rows // 2`` of the frame's rows (drawn without
    replacement); every group is scored on the rows it shares with it.
    """
    generator = np.random.default_rng(significance.seed_sequence(rng))
    estimates = np.empty((n_samples, n_features))
    for b in range(n_samples):
        keep = np.zeros(n_rows, dtype=bool)
        keep[generator.choice(n_rows, size=n_rows // 2, replace=False)] = True
        for group in groups:
            features, target = _subsample(group.features, group.target, keep[group.rows],
                                          n_neighbors)
            estimates[b, group.columns] = features.mutual_info(target, n_neighbors)
        if advance is not None:
            advance(n_features)
    return estimates


def _subsampling_interval(raw, estimates, fraction):
    """95 % subsampling interval (see rank_features' Notes), clipped at 0."""
    spread = np.quantile(estimates - raw, _CI_QUANTILES, axis=0)
    factor = np.sqrt(fraction / (1.0 - fraction))
    return np.maximum(raw - factor * spread[1], 0.0), np.maximum(raw - factor * spread[0], 0.0)


def _top_k_frequency(estimates, top_k):
    """Fraction of rows of ``estimates`` in which each column is among the top_k largest.

    Ties keep the columns' order, as in the ranking itself.
    """
    order = np.argsort(-estimates, axis=1, kind="stable")
    in_top = np.zeros(estimates.shape, dtype=bool)
    np.put_along_axis(in_top, order[:, :top_k], True, axis=1)
    return in_top.mean(axis=0)


def _subsample(features, target, inside, n_neighbors):
    """The prepared features and target restricted to the rows where ``inside``."""
    rows = int(np.sum(inside))
    if rows <= n_neighbors:
        raise ValueError(f"a half-sample holds only {rows} rows of the columns "
                         f"{', '.join(features.names)}: too few for bootstrap with "
                         f"n_neighbors={n_neighbors}.")
    part = copy.copy(features)
    part.n_samples = rows
    if features.continuous_values is not None:
        part.continuous_values = features.continuous_values[inside]
    if features.codes is not None:
        part.codes = features.codes[inside]
    if isinstance(target, _adapters.DiscreteVariable):
        return part, _adapters.DiscreteVariable(target.codes[inside], target.n_levels,
                                                target.name)
    return part, target[inside]


def ranking_frame(mi, kinds, names, h_target, scale):
    r"""The ranking table, in column order: ``mi``, ``kind``, ``normalized_mi``.

    ``mi`` in nats (clipped at 0); ``kinds`` True for discrete columns;
    ``h_target`` the target's entropy in nats for a discrete target (MI / H,
    0 when H = 0), None for a continuous one (Linfoot's
    :math:`\sqrt{1 - e^{-2 I}}`); ``scale`` divides nats into the unit asked.
    """
    if h_target is None:
        normalized = np.sqrt(-np.expm1(-2.0 * mi))
    else:
        normalized = mi / h_target if h_target > 0 else np.zeros_like(mi)
    return pd.DataFrame({
        "mi": mi / scale,
        "kind": np.where(kinds, "discrete", "continuous"),
        "normalized_mi": np.clip(normalized, 0.0, 1.0),
    }, index=pd.Index(names, name="feature"))


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
