"""Textbook Fayyad & Irani (1993) MDLP in plain NumPy: the test oracle.

Written to be obviously right, not fast: every candidate cut of a segment is
scored by recomputing class entropies from the labels, one candidate at a
time. The conventions are the ones DESIGN.md settles:

- entropies in bits; k, k1, k2 count the classes present in S, S1, S2;
- a candidate cut lies between adjacent distinct values a < b of the segment,
  unless every row at a and at b has one and the same class (boundary points);
  the cut value is the midpoint (a + b) / 2, or b itself when that midpoint
  rounds down to a (adjacent floats), so that every cut c has a < c <= b;
- ties: the smallest cut among those whose E(T; S) is within 1e-12 bits of
  the minimum;
- a split is kept iff
  Gain > (log2(N - 1) + log2(3^k - 2) - [k Ent(S) - k1 Ent(S1) - k2 Ent(S2)]) / N;
- segments with fewer than ``min_samples_split`` rows are not split;
- ``max_bins``: splits are taken best first (largest N * Gain among the
  segments whose parent split was taken) until there are ``max_bins`` bins.
"""

import math

import numpy as np

TIE_TOLERANCE_BITS = 1e-12


def entropy_bits(labels):
    """Ent(S) = -sum_c p_c log2 p_c of a vector of class codes 0, 1, ..."""
    counts = np.bincount(labels)
    p = counts[counts > 0] / len(labels)
    return float(-(p * np.log2(p)).sum())


def n_classes(labels):
    return int((np.bincount(labels) > 0).sum())


def is_boundary(x, y, a, b):
    """False iff all rows at values a and b have one and the same class."""
    classes = set(y[x == a].tolist()) | set(y[x == b].tolist())
    return len(classes) > 1


def midpoint(a, b):
    middle = (a + b) / 2
    return middle if middle > a else b


def best_split(x, y):
    """Best boundary cut of one segment: (cut value, E(T; S)) or None without candidates."""
    values = np.unique(x)
    candidates = []
    for a, b in zip(values[:-1], values[1:]):
        if not is_boundary(x, y, a, b):
            continue
        left, right = y[x <= a], y[x >= b]
        e = (len(left) * entropy_bits(left) + len(right) * entropy_bits(right)) / len(y)
        candidates.append((midpoint(a, b), e))
    if not candidates:
        return None
    smallest = min(e for _, e in candidates)
    return next((cut, e) for cut, e in candidates if e <= smallest + TIE_TOLERANCE_BITS)


def mdl_accepts(y, left, right):
    n = len(y)
    gain = entropy_bits(y) - (len(left) * entropy_bits(left)
                              + len(right) * entropy_bits(right)) / n
    k, k1, k2 = n_classes(y), n_classes(left), n_classes(right)
    delta = math.log2(3**k - 2) - (k * entropy_bits(y) - k1 * entropy_bits(left)
                                   - k2 * entropy_bits(right))
    return gain > (math.log2(n - 1) + delta) / n, n * gain


def split_tree(x, y, min_samples_split=2):
    """Every accepted split: list of (cut, N * Gain, index of the parent split or -1)."""
    splits = []

    def recurse(x, y, parent):
        if len(y) < min_samples_split:
            return
        found = best_split(x, y)
        if found is None:
            return
        cut, _ = found
        accepted, weighted_gain = mdl_accepts(y, y[x < cut], y[x >= cut])
        if not accepted:
            return
        splits.append((cut, weighted_gain, parent))
        me = len(splits) - 1
        recurse(x[x < cut], y[x < cut], me)
        recurse(x[x >= cut], y[x >= cut], me)

    codes = np.unique(np.asarray(y), return_inverse=True)[1].ravel()
    recurse(np.asarray(x, dtype=float), codes, -1)
    return splits


def mdlp_cut_points(x, y, min_samples_split=2, max_bins=None):
    """Sorted MDLP cut points of one feature ``x`` for class labels ``y``."""
    splits = split_tree(x, y, min_samples_split)
    if max_bins is None:
        return np.sort(np.array([cut for cut, _, _ in splits]))
    taken = []
    frontier = [i for i, (_, _, parent) in enumerate(splits) if parent == -1]
    while frontier and len(taken) < max_bins - 1:
        # Largest N * Gain first; equal gains: the smaller cut.
        best = min(frontier, key=lambda i: (-splits[i][1], splits[i][0]))
        frontier.remove(best)
        taken.append(best)
        frontier += [i for i, (_, _, parent) in enumerate(splits) if parent == best]
    return np.sort(np.array([splits[i][0] for i in taken]))
