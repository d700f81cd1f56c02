"""Recognise dask collections without importing dask."""


def is_dask(*objects):
    """True when any of ``objects`` is a dask collection (a dask DataFrame, Series or Array).

    Looks only at the module of each object's type, so that ordinary inputs
    never pay for importing dask; the dask path confirms with
    ``dask.is_dask_collection``.
    """
    return any(type(x).__module__.split(".")[0] in ("dask", "dask_expr") for x in objects)


def holds_dask(container):
    """True when ``container`` is a dask collection, or a list, tuple or dict holding one."""
    if isinstance(container, dict):
        return is_dask(*container.values())
    if isinstance(container, (list, tuple)):
        return is_dask(*container)
    return is_dask(container)
