"""The one place that jits kernels, maps them over features and scopes float64.

Everything here takes NumPy arrays (integer codes made by ``_adapters``, or
float64 columns) and returns NumPy float64 results. Rules the engine keeps:

- Jitted functions are built once, at import, with shape-like parameters
  static; data always travels as arguments, never as closure constants.
- Shapes are padded to a small set of buckets (:func:`bucket`) so that calls
  with nearby sizes reuse compiled code. Padding uses out-of-range codes,
  which the counting kernels drop, so it never changes a result.
- Each public call computes inside ``jax.enable_x64(True)`` (thread-local,
  part of the jit cache key) and converts results to NumPy *inside* that
  scope: a float64 array carried out of it would be cut to float32. The
  caller's global JAX configuration is never touched.
- Work over features is a ``lax.map`` inside jit (measured faster than vmap
  on CPU, JAX_NOTES.md), never a Python loop; large inputs are processed in
  row blocks whose tables add up.
- Worker threads run under the calling thread's JAX settings
  (``_common._caller_settings``), so they reuse its compiled code.

Submodules (imports only point from later ones to earlier ones):

- ``_common``: float64 scope, shape buckets, settings for worker threads,
  entropies of discrete columns.
- ``counting``: contingency tables of code columns against a target, in
  zero-copy chunks on up to ``_THREADS`` threads; MI of every column.
- ``knn``: nearest-neighbour estimators (Ross, KSG, Kozachenko-Leonenko,
  Frenzel-Pompe) and the exact d-D neighbour search.
- ``permutations``: permutation nulls of the kNN estimators, observed
  contingency tables for the discrete ones.
- ``mdlp``: supervised MDLP cut points (Fayyad & Irani).

Tunables (``counting._THREADS``, ``counting.CHUNK_ELEMENTS``,
``counting.SUB_ELEMENTS``, ``knn._KNN_THREADS``, ``mdlp._MDLP_THREADS``, ...)
are read at call time from the submodule that defines them: patch them
there. ``GUESS_ROWS`` and ``MAX_GUESSED_LEVELS`` are re-exported here for
callers that read them; their values are copies, and
``counting.mutual_info_columns`` reads the ones in ``counting``.
"""

from ._common import _entropies_of_rows, bucket, entropies, float64
from .counting import GUESS_ROWS, MAX_GUESSED_LEVELS, _mutual_info_of_totals, mutual_info_columns
from .knn import (
    KNN_MIN_ROWS,
    _ross_chunk,
    counts_in_strata,
    kl_entropy,
    knn_conditional_mi,
    ksg_mi_columns,
    kth_neighbour_distances,
    neighbour_backend,
    neighbour_counts,
    ross_mi_columns,
    ross_mi_shared_continuous,
)
from .mdlp import (
    MdlpSplits,
    _candidates,
    _flat_layout,
    _mdlp_chunk,
    _midpoints,
    _recursion,
    _sort_with_classes,
    mdlp_splits,
)
from .permutations import (
    contingency_tables,
    ksg_permutation_null,
    permutation_rows,
    ross_permutation_null,
    ross_shared_permutation_null,
)

__all__ = [
    # _common
    "bucket", "entropies", "float64", "_entropies_of_rows",
    # counting
    "GUESS_ROWS", "MAX_GUESSED_LEVELS", "mutual_info_columns", "_mutual_info_of_totals",
    # knn
    "KNN_MIN_ROWS", "counts_in_strata", "kl_entropy", "knn_conditional_mi", "ksg_mi_columns",
    "kth_neighbour_distances", "neighbour_backend", "neighbour_counts", "ross_mi_columns",
    "ross_mi_shared_continuous", "_ross_chunk",
    # permutations
    "contingency_tables", "ksg_permutation_null", "permutation_rows", "ross_permutation_null",
    "ross_shared_permutation_null",
    # mdlp (the private helpers serve the dask MDLP and the tests)
    "MdlpSplits", "mdlp_splits", "_candidates", "_flat_layout", "_mdlp_chunk", "_midpoints",
    "_recursion", "_sort_with_classes",
]
