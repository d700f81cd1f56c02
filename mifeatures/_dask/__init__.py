"""Dask collections in: per-partition integer tables, tree-summed, finished on the client.

Private. The public functions check their arguments with :func:`is_dask`
(a look at the type's module, importing nothing) and delegate here; dask
itself is imported only by the submodules, and only when a dask collection
was passed.
"""

from ._detect import holds_dask, is_dask

__all__ = ["holds_dask", "is_dask"]
