"""Worker-side functions of the dask paths (NumPy and pandas only: no dask, no JAX).

Kept apart from the client-side modules so that a worker process unpickling
them imports neither JAX nor scikit-learn.
"""

import numpy as np
import pandas as pd

from .. import _adapters
from . import _pairs, _quantiles, _tables


def encode(frame, column, name, edges, nan_policy):
    if edges is None:
        return _tables.encode_labels(frame[column], name, nan_policy)
    return _tables.bin_values(frame[column], name, edges, nan_policy)


def count_against_target(part, plan, target, nan_policy):
    """Worker: tables of every feature against the target, and the target's counts."""
    column, name, edges = target
    y = encode(part, column, name, edges, nan_policy)
    features = [encode(part, c, feature_name, feature_edges, nan_policy)
                for c, feature_name, feature_edges in plan]
    return _tables.tables_against(features, y), _tables.label_counts(y)


def merge_counts(results):
    tables = _tables.merge_table_lists([tables for tables, _ in results])
    return tables, _tables.merge_tables([counts for _, counts in results])


def value_class_tables(part, columns, names, target):
    """Worker: per binned column, the table of its distinct values against the classes."""
    y = part[target]
    if _adapters.missing_mask(y) is not None:
        raise ValueError("y contains missing values (NaN or None); MDLP needs a class label "
                         "for every row.")
    if y.dtype.kind == "f":
        labels = y.to_numpy(dtype=np.float64)
        if not np.array_equal(labels, np.round(labels)):
            raise ValueError("Unknown label type: continuous. y looks like a regression "
                             "target; MDLP needs class labels.")
    classes = _tables.encode_labels(y, "y")
    values = [_tables.encode_labels(pd.Series(_quantiles.present_values(part[c], name,
                                                                        "finite")), name)
              for c, name in zip(columns, names)]
    return _tables.tables_against(values, classes)


def transform(part, estimator, meta):
    """Worker: the in-memory transform of one partition (an empty one gives ``meta``)."""
    if len(part) == 0:
        return meta
    return estimator.transform(part)


def inverse_transform(part, estimator, meta):
    """Worker: the in-memory inverse_transform of one partition, as a frame like ``meta``."""
    if len(part) == 0:
        return meta
    values = estimator.inverse_transform(part).astype(meta.dtypes.iloc[0], copy=False)
    return pd.DataFrame(values, index=part.index, columns=meta.columns)


def codes_meta(n_columns):
    """The empty frame of :func:`global_codes`: int32 codes of the columns, then the target's."""
    columns = {j: np.zeros(0, dtype=np.int32) for j in range(n_columns)}
    return pd.DataFrame(columns | {"target": np.zeros(0, dtype=np.int32)})


def global_codes(part, plan, target, values, target_values):
    """Worker: every column of one partition as codes into its global labels ``values[j]``.

    Complete data only (the selector refuses missing values before this pass).
    """
    features, target_codes = _global_code_arrays(part, plan, target, values, target_values)
    columns = dict(enumerate(features)) | {"target": target_codes}
    return pd.DataFrame(columns, index=part.index)


def pair_tables(part, plan, target, values, target_values, layout):
    """Worker: the flat vector of pair tables (``_pairs``) of one partition."""
    features, target_codes = _global_code_arrays(part, plan, target, values, target_values)
    codes = np.stack(features) if features else np.zeros((0, len(part)), dtype=np.int32)
    return _pairs.count_pairs(codes, target_codes, layout)


def _global_code_arrays(part, plan, target, values, target_values):
    """int32 global codes of each planned column, and of the target (complete data)."""
    features = [_to_global(encode(part, column, name, edges, "complete"), values[j])
                for j, (column, name, edges) in enumerate(plan)]
    column, name, edges = target
    return features, _to_global(encode(part, column, name, edges, "complete"), target_values)


def _to_global(encoded, labels):
    positions = pd.Index(labels).get_indexer(encoded.values)
    return positions.astype(np.int32)[encoded.codes]


def tables_against_joint(part, j, levels, target_levels):
    """Worker: tables of every column against the joint code (X_j, Y), from global codes."""
    joint = part[j].to_numpy(np.int64) * target_levels + part["target"].to_numpy(np.int64)
    vector = _tables.Encoded(joint, np.arange(levels[j] * target_levels))
    columns = [_tables.Encoded(part[c].to_numpy(), np.arange(levels[c]))
               for c in range(len(levels))]
    return _tables.tables_against(columns, vector)
