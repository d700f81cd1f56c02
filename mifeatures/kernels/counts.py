"""Integer codes -> counts and contingency tables (pure JAX).

Codes are integers in ``[0, n_levels)``. Counting is a scatter-add into an
int32 table (exact below 2**31 rows per call); callers that add tables over
row blocks accumulate them in int64.
"""

import jax.numpy as jnp
from jax import lax


def bincount(codes, n_levels):
    """Counts of each level in one column of codes.

    Parameters
    ----------
    codes : int array of shape (n,)
        Codes; entries outside ``[0, n_levels)`` (padding) are not counted.
    n_levels : int
        Static number of levels.

    Returns
    -------
    int32 array of shape (n_levels,)
    """
    return jnp.zeros(n_levels, jnp.int32).at[codes].add(1, mode="drop")


def contingency(x, y, kx, ky):
    """Contingency table of two columns of codes, shape ``(kx, ky)``.

    Rows with an out-of-range code in either column (padding) are not counted.
    """
    inside = (x >= 0) & (x < kx) & (y >= 0) & (y < ky)
    joint = jnp.where(inside, x.astype(jnp.int32) * ky + y.astype(jnp.int32), kx * ky)
    return bincount(joint, kx * ky).reshape(kx, ky)


def _scatter_ones(table, codes):
    # lax.scatter_add without bounds checks: the callers build codes that are
    # in range by construction (measured 1.3x faster than ``.at[].add``).
    numbers = lax.ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,),
                                          scatter_dims_to_operand_dims=(0,))
    ones = jnp.ones(codes.shape[0], table.dtype)
    return lax.scatter_add(table, codes[:, None], ones, numbers,
                           mode=lax.GatherScatterMode.PROMISE_IN_BOUNDS)


def _feature_codes(x, kx):
    """Feature codes shifted into ``[0, kx + 2)``: 0 for negatives, kx + 1 for >= kx.

    The two overflow rows let the caller find codes outside its guess of
    ``kx`` from the table itself, without a separate pass over the data.
    """
    if jnp.issubdtype(x.dtype, jnp.unsignedinteger):
        return (jnp.minimum(x, kx) + 1).astype(jnp.uint32)
    return (jnp.clip(x, -1, kx) + 1).astype(jnp.uint32)


def rows_chunk_contingency(table, chunk, y, row0, phase, kx, ky, sub_rows):
    """Add the counts of a chunk of a C-ordered ``(n, p)`` array to ``table``.

    Written for a chunk of many features, not one column, because memory
    layout decides the speed: the chunk is read once, in order, straight from
    the caller's buffer. The chunk is a ``(R, p)`` view of the flat array that
    starts ``phase`` elements into row ``row0`` (views start at 64-byte
    aligned addresses, which XLA can use without copying), so element
    ``(i, j)`` belongs to feature ``(j + phase) % p`` of row ``row0 + i`` or,
    where ``j + phase >= p``, of the next row.

    Parameters
    ----------
    table : int32 array of shape ((p + 1) * (kx + 2) * ky,)
        Running counts; feature f, shifted code c, target t at
        ``(f * (kx + 2) + c) * ky + t``.
    chunk : int array of shape (R, p), R a multiple of ``sub_rows``
    y : int32 array of shape (n + 1,)
        Target codes in ``[0, ky)``, with one extra entry for the last wrap.
    row0, phase : int scalars
    kx, ky, sub_rows : int (static)

    Returns
    -------
    table plus the chunk's counts
    """
    n_rows, p = chunk.shape
    cell = (kx + 2) * ky
    column = jnp.arange(p, dtype=jnp.uint32) + phase.astype(jnp.uint32)
    wraps = column >= p
    offsets = jnp.where(wraps, column - p, column) * cell
    wraps = wraps.astype(jnp.uint32)

    def add_sub_block(i, table):
        x = lax.dynamic_slice_in_dim(chunk, i * sub_rows, sub_rows, 0)
        start = row0 + i * sub_rows
        y_this = lax.dynamic_slice_in_dim(y, start, sub_rows, 0).astype(jnp.uint32)
        y_next = lax.dynamic_slice_in_dim(y, start + 1, sub_rows, 0).astype(jnp.uint32)
        y_own = y_this[:, None] + wraps[None, :] * (y_next - y_this)[:, None]
        codes = _feature_codes(x, kx) * ky + y_own + offsets[None, :]
        return _scatter_ones(table, codes.ravel())

    return lax.fori_loop(0, n_rows // sub_rows, add_sub_block, table)


def columns_chunk_contingency(table, chunk, yy, col0, row0, n, kx, ky, sub_size):
    """Add the counts of a chunk of a Fortran-ordered ``(n, p)`` array to ``table``.

    The chunk is a flat run of ``L <= n`` elements starting at row ``row0`` of
    feature ``col0``; it reaches at most into feature ``col0 + 1``.

    Parameters
    ----------
    table : as in :func:`rows_chunk_contingency`
    chunk : int array of shape (L,), L a multiple of ``sub_size``
    yy : int32 array of shape (2 n,)
        The target codes twice, so a run crossing into the next feature reads
        its targets without a branch.
    col0, row0, n : int scalars
    kx, ky, sub_size : int (static)
    """
    cell = (kx + 2) * ky

    def add_sub_block(i, table):
        x = lax.dynamic_slice_in_dim(chunk, i * sub_size, sub_size)
        y = lax.dynamic_slice_in_dim(yy, row0 + i * sub_size, sub_size).astype(jnp.uint32)
        position = jnp.arange(sub_size, dtype=jnp.int32) + i * sub_size
        feature = (col0 + (position >= n - row0)).astype(jnp.uint32)
        return _scatter_ones(table, _feature_codes(x, kx) * ky + y + feature * cell)

    return lax.fori_loop(0, chunk.shape[0] // sub_size, add_sub_block, table)
