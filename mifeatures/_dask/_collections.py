"""Client side: check dask arguments, map a function over partitions, tree-sum.

Nothing here starts a cluster: results are computed on the active scheduler
(a ``distributed.Client`` if one exists, otherwise dask's default for the
collection, threads for dataframes).
"""

import pandas as pd

# Partial results summed per node of the reduction tree.
SPLIT_EVERY = 8


def import_dask():
    """``dask`` and ``dask.dataframe``, or an ImportError naming the extra."""
    try:
        import dask
        import dask.dataframe as dd
    except ImportError as exc:
        raise ImportError("dask collections need the optional extra: "
                          "pip install 'mifeatures[dask]'") from exc
    return dask, dd


def is_frame(x):
    _, dd = import_dask()
    return isinstance(x, dd.DataFrame)


def is_series(x):
    _, dd = import_dask()
    return isinstance(x, dd.Series)


def check_series(x, arg):
    """Refuse anything but a dask Series for a 1-D argument, naming it."""
    if is_series(x):
        return x
    if is_frame(x):
        raise ValueError(f"{arg} must be 1-D; got a dask DataFrame with "
                         f"{len(x.columns)} columns.")
    raise TypeError(f"{arg} must be a dask Series like the other argument; got "
                    f"{type(x).__name__}. Pass both as dask Series (for example two columns "
                    "of one dask DataFrame), or both as in-memory labels.")


def check_divisions(a, b, names):
    """Two collections must be split into the same partitions to be read row by row."""
    if a.npartitions != b.npartitions or tuple(a.divisions) != tuple(b.divisions):
        raise ValueError(
            f"{names[0]} and {names[1]} are partitioned differently (divisions "
            f"{_short(a.divisions)} and {_short(b.divisions)}); their rows cannot be paired "
            "partition by partition. Take both from one dask DataFrame, or repartition one "
            "to the other's divisions.")


def _short(divisions):
    divisions = tuple(divisions)
    if len(divisions) <= 6:
        return divisions
    return divisions[:3] + ("...",) + divisions[-2:]


def _paired(part, other, name, other_name):
    if len(part) != len(other):
        raise ValueError(f"{name} and {other_name} have partitions of different lengths "
                         f"({len(part)} and {len(other)} rows); their rows cannot be paired.")
    frame = part.to_frame(name) if isinstance(part, pd.Series) else part.copy(deep=False)
    frame[other_name] = other.set_axis(frame.index)
    return frame


def paired_frame(a, b, a_name, b_name):
    """One dask DataFrame holding ``a`` (a Series or DataFrame) and the Series ``b`` by position.

    Rows are paired partition by partition, in order (as the single-machine
    path pairs whole arrays); partitions of different lengths raise.
    """
    check_divisions(a, b, (a_name, b_name))
    meta = _paired(a._meta, b._meta, a_name, b_name)
    return a.map_partitions(_paired, b, a_name, b_name, meta=meta, align_dataframes=False)


def _by_position(*parts):
    lengths = {len(part) for part in parts}
    if len(lengths) > 1:
        raise ValueError(f"the labelings have partitions of different lengths "
                         f"({sorted(lengths)} rows); their rows cannot be paired.")
    frame = parts[0].to_frame(0)
    for j, part in enumerate(parts[1:], start=1):
        frame[j] = part.set_axis(frame.index)
    return frame


def joined_frame(items, names):
    """One dask DataFrame whose column j is the Series ``items[j]``, rows paired by position.

    All must share the divisions of the first (``names`` for the error).
    """
    for item, name in zip(items[1:], names[1:]):
        check_divisions(items[0], item, (names[0], name))
    meta = _by_position(*(item._meta for item in items))
    return items[0].map_partitions(_by_position, *items[1:], meta=meta,
                                   align_dataframes=False)


def map_reduce(frame, function, merge, *args, split_every=SPLIT_EVERY):
    """``merge`` of ``function(partition, *args)`` over all partitions, computed.

    The partial results are summed in a tree (``split_every`` at a node), so
    neither a worker nor the client ever holds all of them at once.
    """
    dask, _ = import_dask()
    from dask import delayed

    mapped = [delayed(function, pure=True)(part, *args) for part in frame.to_delayed()]
    merge = delayed(merge, pure=True)
    while len(mapped) > 1:
        mapped = [merge(mapped[i:i + split_every]) for i in range(0, len(mapped), split_every)]
    (result,) = dask.compute(mapped[0])
    return result


def frame_columns(frame):
    """Column labels of a dask DataFrame, refusing duplicates."""
    columns = list(frame.columns)
    if len(set(columns)) < len(columns):
        raise ValueError("df has duplicate column names; names must be unique.")
    return columns
