"""``rank_features`` on a dask DataFrame: exact tables, binned continuous columns.

Discrete columns are counted exactly against the target (one pass: every
partition returns the contingency table of each column with the target,
keyed by label values, and the tables are tree-summed). Continuous columns
(and a continuous target) are first cut into ``n_bins`` equal-frequency bins
with exact quantile edges (:mod:`._quantiles`), the edges of
``KBinsDiscretizer(strategy="quantile", quantile_method="averaged_inverted_cdf",
subsample=None)``, and then counted like discrete columns: their MI is the
plug-in MI of the binned column, not the kNN estimate of the single-machine
path (kNN estimators need every row's neighbours, which partitions do not
have). The client finishes with the single-machine code: the summed tables
go through the engine's plug-in MI of tables.
"""

import numpy as np

from .. import _adapters, _engine, ranking
from .._dropins import _discrete_mask
from ..kernels import clustering
from . import _collections, _partitions, _quantiles

TARGET = "__mifeatures_target__"


def rank_features(df, target, *, discrete_features="auto", discrete_target="auto", base=None,
                  nan_policy="raise", n_bins=10):
    """See :func:`mifeatures.rank_features`; continuous columns are binned (module notes)."""
    scale = _adapters.log_base(base)
    _adapters.check_nan_policy(nan_policy)
    n_bins = check_n_bins(n_bins)
    frame, target_column = _with_target(df, target)
    features = [c for c in _collections.frame_columns(frame) if c != target_column]
    if not features:
        raise ValueError("df has no feature columns besides the target.")
    meta = frame._meta
    kinds = _discrete_mask(discrete_features, [meta[c] for c in features], True)
    if discrete_target == "auto":
        discrete_target = not _adapters.is_continuous(meta[target_column])
    elif not isinstance(discrete_target, (bool, np.bool_)):
        raise ValueError(f"discrete_target must be 'auto' or a bool; got {discrete_target!r}.")
    target_name = _target_name(target)
    continuous = [c for c, kind in zip(features, kinds) if not kind]
    if not discrete_target:
        continuous.append(target_column)
    names = {c: str(c) for c in features} | {target_column: target_name}
    edges = bin_edges(frame, continuous, n_bins, nan_policy, names)
    plan = [(c, names[c], edges.get(c)) for c in features]
    target_plan = (target_column, target_name, edges.get(target_column))
    tables, target_counts = _collections.map_reduce(
        frame, _partitions.count_against_target, _partitions.merge_counts, plan, target_plan,
        nan_policy)
    n_target = target_counts.n
    if n_target == 0:
        raise ValueError(f"{target_name} has no values (an empty frame, or only missing values).")
    mi = np.maximum(plugin_mutual_info(tables, target_counts.row_values), 0.0)
    h_target = None
    if discrete_target:
        counts = target_counts.count
        h_target = clustering.entropy_terms(np, counts, clustering.log_counts(np, counts),
                                            n_target).sum()
    result = ranking.ranking_frame(mi, kinds, [names[c] for c in features], h_target, scale)
    return result.sort_values("mi", ascending=False, kind="stable")


def check_n_bins(n_bins):
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 2:
        raise ValueError(f"n_bins must be an integer of at least 2; got {n_bins!r}.")
    return int(n_bins)


def _target_name(target):
    if isinstance(target, str):
        return target
    return str(target.name) if target.name is not None else "target"


def _with_target(df, target):
    """The frame with the target as one of its columns, and that column's label."""
    if not _collections.is_frame(df):
        raise TypeError(f"df must be a dask DataFrame here; got {type(df).__name__}.")
    if isinstance(target, str):
        if target not in df.columns:
            raise ValueError(f"target column {target!r} is not in df.")
        return df, target
    if not _collections.is_series(target):
        raise TypeError("target must be the name of a column of df or a dask Series "
                        f"partitioned like df; got {type(target).__name__}.")
    return _collections.paired_frame(df, target, "df", TARGET), TARGET


def bin_edges(frame, columns, n_bins, nan_policy, names=None):
    """Exact quantile bin edges of continuous columns, as ``EntropyDiscretizer`` makes them."""
    if not columns:
        return {}
    names = names or {c: str(c) for c in columns}
    levels = quantile_levels(n_bins)

    def run_pass(function, merge, searches):
        return _collections.map_reduce(frame[list(columns)], function, merge, searches,
                                       nan_policy)

    def check_sizes(sizes):
        for c in columns:
            if sizes[c] == 0:
                raise ValueError(f"{names[c]} has no values to compute bin edges from.")

    quantiles = _quantiles.exact_quantiles(run_pass, list(columns), levels, check_sizes)
    return {c: edges_from_quantiles(quantiles[c]) for c in columns}


def quantile_levels(n_bins):
    """``np.percentile``'s levels for KBinsDiscretizer's percentiles ``linspace(0, 100, n+1)``."""
    return np.true_divide(np.linspace(0, 100, n_bins + 1), 100)


def edges_from_quantiles(quantiles):
    """The discretizer's quantile edges from its percentiles (KBinsDiscretizer's trimming).

    Edges closer than 1e-8 to the previous one are dropped; a constant
    column gets ``[min, max]`` (one bin), as ``EntropyDiscretizer`` gives.
    """
    from ..discretization import _trim_quantile_edges

    return _trim_quantile_edges(np.asarray(quantiles, dtype=np.float64))


def plugin_mutual_info(tables, target_values, n_target_levels=0):
    """Plug-in MI (nats, raw) of summed tables, by the engine's MI of tables.

    Tables are aligned to one set of target labels and stacked in the layout
    of ``_engine.mutual_info_columns`` (one empty row either side of each
    table), padded to shape buckets (rows, columns and number of tables) so
    that few shapes are compiled. Tables with more rows than the engine
    guesses for (``MAX_GUESSED_LEVELS``) are finished from their entropies,
    as ``_information_nats`` finishes the columns the engine reports back.
    ``n_target_levels`` pads the target side to at least that many levels
    (callers with varying targets then share one compiled shape).
    """
    mi = np.zeros(len(tables))
    n_rows = np.array([len(t.row_values) for t in tables])
    small = np.flatnonzero(n_rows <= _engine.MAX_GUESSED_LEVELS)
    for j in np.flatnonzero(n_rows > _engine.MAX_GUESSED_LEVELS):
        mi[j] = _mi_from_entropies(tables[j])
    if small.size == 0:
        return mi
    kx = _engine.bucket(n_rows[small].max(), minimum=2)
    ky = _engine.bucket(max(len(target_values), n_target_levels), minimum=2)
    totals = np.zeros((_engine.bucket(small.size), kx + 2, ky), dtype=np.int64)
    for out, j in enumerate(small):
        table = tables[j].aligned(col_values=target_values)
        totals[out, 1 : table.shape[0] + 1, : table.shape[1]] = table
    with _engine.float64():
        values, _ = _engine._mutual_info_of_totals(totals, kx, "plugin")
        mi[small] = np.asarray(values)[: small.size]
    return mi


def _mi_from_entropies(table):
    from scipy.sparse import coo_matrix

    from .. import _labelings

    shape = (len(table.row_values), len(table.col_values))
    sparse = coo_matrix((table.count, (table.row, table.col)), shape=shape)
    h_u, h_v, h_joint, rows, cols = _labelings.contingency_entropies(sparse)
    return float(clustering.mutual_info(np, h_u, h_v, h_joint, rows <= 1, cols <= 1))
