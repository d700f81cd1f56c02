"""Integer codes -> counts and contingency tables (pure JAX).

Codes are integers in ``[0, n_levels)``. Counting is a scatter-add into an
int32 table (exact below 2**31 rows per call); callers that add tables over
row blocks accumulate them in int64.
"""

import jax.numpy as jnp


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


def block_contingency(x_block, y_block, n_valid, kx, ky):
    """Contingency tables of every column of a row block against one target.

    Written for a block of rows of a C-ordered ``(n, p)`` array rather than
    for one column, because the memory layout decides the speed here: one
    scatter with per-feature offset codes reads the block once, in order
    (JAX_NOTES: transposing the whole array costs more than the counting).

    Feature codes outside ``[0, kx)`` are counted in two overflow rows, so the
    caller can tell that its guess of ``kx`` was too small without a separate
    pass over the data: row 0 holds negative codes, row ``kx + 1`` codes
    ``>= kx``.

    Parameters
    ----------
    x_block : int array of shape (B, p)
    y_block : int array of shape (B,)
        Target codes in ``[0, ky)``.
    n_valid : int scalar
        Rows at and after ``n_valid`` are padding and not counted.
    kx, ky : int
        Static numbers of levels.

    Returns
    -------
    int32 array of shape (p, kx + 2, ky)
    """
    n_rows, p = x_block.shape
    rows = kx + 2
    x = jnp.clip(x_block, -1, kx).astype(jnp.int32) + 1
    offsets = jnp.arange(p, dtype=jnp.int32) * (rows * ky)
    codes = x * ky + y_block.astype(jnp.int32)[:, None] + offsets[None, :]
    valid = (jnp.arange(n_rows) < n_valid)[:, None]
    codes = jnp.where(valid, codes, p * rows * ky)
    table = jnp.zeros(p * rows * ky, jnp.int32).at[codes.ravel()].add(1, mode="drop")
    return table.reshape(p, rows, ky)
