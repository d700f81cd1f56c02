r"""The selector's one-pass mode: the table of every pair of features jointly with y.

With global integer codes (feature :math:`j` in ``0 .. L_j - 1``, the target
in ``0 .. C - 1``), the counts of :math:`(X_k, X_j, Y)` for every pair
:math:`j < k` hold every term the greedy will ask for, whichever features it
picks: summing out :math:`Y` gives the table of :math:`X_k` against
:math:`X_j`, and reading :math:`(X_j, Y)` as one code gives the table of
:math:`X_k` against the joint :math:`(X_j, Y)`.

All pair tables live in one flat int64 vector, so that partitions add them
with ``+`` (exact: integer counts). Pair :math:`(j, k)`, :math:`j < k`, in
lexicographic order, owns a block of :math:`L_k L_j C` cells, the count of
:math:`(x_k, x_j, y)` at ``(x_k * L_j + x_j) * C + y``: read as a matrix of
:math:`L_k` rows and :math:`L_j C` columns, that block is the table of
:math:`X_k` against the joint code ``x_j * C + y``, the layout of the
per-step pass (``_partitions.tables_against_joint``). The vector has
:math:`C \sum_{j<k} L_j L_k = C ((\sum L)^2 - \sum L^2) / 2` cells.

Worker side: NumPy only.
"""

import numpy as np


class PairLayout:
    """Where each pair's block lies in the flat vector of pair tables.

    Parameters
    ----------
    levels : int array-like, shape (p,)
        Levels :math:`L_j` of each feature's global codes.
    target_levels : int
        Levels :math:`C` of the target's codes.
    """

    def __init__(self, levels, target_levels):
        self.levels = np.asarray(levels, dtype=np.int64)
        self.target_levels = int(target_levels)
        p = self.levels.shape[0]
        first, second = np.triu_indices(p, 1)  # (j, k), j < k, lexicographic
        sizes = self.levels[second] * self.levels[first] * self.target_levels
        self.starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.block_of = np.full((p, p), -1, dtype=np.int64)
        self.block_of[first, second] = np.arange(first.shape[0])

    @property
    def n_cells(self):
        return int(self.starts[-1])

    @property
    def nbytes(self):
        """Bytes of the flat int64 vector."""
        return 8 * self.n_cells

    def block(self, tables, j, k):
        """Counts of (X_k, X_j, Y), shape (L_k, L_j, C), from the flat vector (j < k)."""
        b = self.block_of[j, k]
        shape = (self.levels[k], self.levels[j], self.target_levels)
        return tables[self.starts[b]:self.starts[b + 1]].reshape(shape)

    def against_joint(self, tables, j, k):
        """The table of X_k against the joint code ``x_j * C + y``: (L_k, L_j C), for k != j."""
        if j < k:
            counts = self.block(tables, j, k)
        else:  # the block of (k, j) holds (x_j, x_k, y)
            counts = self.block(tables, k, j).transpose(1, 0, 2)
        return counts.reshape(self.levels[k], self.levels[j] * self.target_levels)


def count_pairs(codes, target, layout):
    """Worker: the flat vector of pair tables of one partition.

    Parameters
    ----------
    codes : int ndarray, shape (p, n)
        Global codes of the features, one row per feature.
    target : int ndarray, shape (n,)
        Global codes of the target.
    layout : PairLayout

    Returns
    -------
    ndarray of int64, shape (layout.n_cells,)

    One ``np.bincount`` per pair, into that pair's block: a block is small
    enough to stay in cache, which made this 4-5 times faster than one
    bincount over the keys of many pairs at once (measured: 0.75 against
    3.7 ms per table of 500k rows). Keys are int32 while the blocks allow.
    """
    out = np.zeros(layout.n_cells, dtype=np.int64)
    p, n = codes.shape
    if n == 0 or p < 2:
        return out
    largest = int((layout.starts[1:] - layout.starts[:-1]).max())
    dtype = np.int32 if largest < 2**31 else np.int64
    key = np.empty(n, dtype=dtype)
    target = target.astype(dtype)
    for j in range(p - 1):
        joint = codes[j].astype(dtype) * dtype(layout.target_levels) + target
        width = int(layout.levels[j]) * layout.target_levels
        for k in range(j + 1, p):
            b = layout.block_of[j, k]
            start, stop = layout.starts[b], layout.starts[b + 1]
            np.multiply(codes[k], width, out=key, casting="unsafe")
            key += joint
            out[start:stop] += np.bincount(key, minlength=int(stop - start))
    return out


def merge_sums(results):
    """The sum of several flat vectors (a new array: inputs are left as they are)."""
    total = results[0].copy()
    for result in results[1:]:
        total += result
    return total
