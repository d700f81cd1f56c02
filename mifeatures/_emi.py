r"""Expected mutual information of two labelings under the permutation model.

Host-side NumPy: the hypergeometric sums have data-dependent lengths, which
suit vectorised NumPy better than padded JAX grids (JAX_NOTES.md: padded
grids were slower than scikit-learn, this was 13-1500x faster).

For cluster sizes ``a_i`` (labeling U), ``b_j`` (labeling V) and ``n``
samples, the expected MI under random permutations with fixed margins
(Vinh, Epps & Bailey 2010, eq. 24a) is

.. math::

    E[I] = \sum_{i, j} \sum_{k} \frac{k}{n} \log\frac{n k}{a_i b_j}
        \frac{a_i! \, b_j! \, (n - a_i)! \, (n - b_j)!}
             {n! \, k! \, (a_i - k)! \, (b_j - k)! \, (n - a_i - b_j + k)!}

Three things make it fast without changing the result:

- the terms depend on ``(a_i, b_j)`` only, so the double sum runs over the
  *distinct* sizes, weighted by how often each pair occurs;
- each inner sum is a hypergeometric expectation, truncated to
  ``mean +- (40 sd + 10)``, outside which the probabilities are negligible
  (the tests compare with the untruncated sums);
- log-factorials come from one table (``gammaln`` on ``0..n``), and all
  terms of many pairs of sizes are evaluated at once, in bounded chunks.
"""

import numpy as np

# Terms evaluated per vectorised chunk (bounds memory at ~100 MB).
CHUNK_TERMS = 1 << 21

# Half-width of the summation window, in standard deviations plus a margin.
WINDOW_SD = 40.0
WINDOW_MARGIN = 10.0


def log_factorials(n):
    """``log(k!)`` for ``k = 0 .. n``, as float64."""
    from scipy.special import gammaln

    return gammaln(np.arange(n + 1, dtype=np.float64) + 1.0)


def size_pairs(sizes, pairs):
    """The weighted pairs of distinct cluster sizes of several pairs of labelings.

    Parameters
    ----------
    sizes : list of int ndarray
        Cluster sizes of each labeling (zeros, i.e. unobserved levels, ignored).
    pairs : tuple of two int ndarray
        Indices ``(i, j)`` into ``sizes`` of the pairs to compare.

    Returns
    -------
    a, b, weight, group : ndarray
        One entry per pair of distinct sizes: ``a`` (a size in labeling i),
        ``b`` (in labeling j), ``weight`` (how many cluster pairs have those
        sizes) and ``group`` (the index of the pair of labelings).
    """
    values, counts = [], []
    for s in sizes:
        v, m = np.unique(s[s > 0], return_counts=True)
        values.append(v.astype(np.int64))
        counts.append(m.astype(np.float64))
    lengths = np.array([len(v) for v in values], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    flat_values = np.concatenate(values)
    flat_counts = np.concatenate(counts)

    first, second = (np.asarray(p, dtype=np.int64) for p in pairs)
    per_group = lengths[first] * lengths[second]
    group = np.repeat(np.arange(first.shape[0]), per_group)
    within = np.arange(group.shape[0]) - np.repeat(np.cumsum(per_group) - per_group, per_group)
    ia, ib = np.divmod(within, lengths[second][group])
    ia += offsets[first][group]
    ib += offsets[second][group]
    weight = flat_counts[ia] * flat_counts[ib]
    return flat_values[ia], flat_values[ib], weight, group


def expected_mutual_info(a, b, weight, group, n, n_groups, log_fact=None):
    """Expected mutual information (nats) of several pairs of labelings.

    Parameters
    ----------
    a, b, weight, group : ndarray
        Pairs of cluster sizes, as returned by :func:`size_pairs`.
    n : int
        Number of samples (the same for every group).
    n_groups : int
    log_fact : ndarray, optional
        ``log_factorials(n)``, when the caller already has it.

    Returns
    -------
    ndarray of float64, shape (n_groups,)
    """
    if log_fact is None:
        log_fact = log_factorials(n)
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    af, bf = a.astype(np.float64), b.astype(np.float64)
    mean = af * bf / n
    sd = np.sqrt(af * bf * (n - af) * (n - bf) / (float(n) * n * max(n - 1, 1)))
    half_width = WINDOW_SD * sd + WINDOW_MARGIN
    low = np.maximum.reduce([np.ones_like(a), a + b - n,
                             np.floor(mean - half_width).astype(np.int64)])
    high = np.minimum.reduce([a, b, np.ceil(mean + half_width).astype(np.int64)])
    length = np.maximum(high - low + 1, 0)
    # log(a! b! (n-a)! (n-b)!), summed in scikit-learn's order.
    constant = log_fact[a] + log_fact[b] + log_fact[n - a] + log_fact[n - b]
    log_a, log_b = np.log(af), np.log(bf)

    per_pair = np.zeros(a.shape[0])
    ends = np.cumsum(length)
    start = 0
    while start < a.shape[0]:
        # Pairs [start, stop) hold at most CHUNK_TERMS terms (at least one pair).
        budget = (ends[start - 1] if start else 0) + CHUNK_TERMS
        stop = max(int(np.searchsorted(ends, budget, side="right")), start + 1)
        per_pair[start:stop] = _window_sums(
            low[start:stop], length[start:stop], a[start:stop], b[start:stop],
            constant[start:stop], log_a[start:stop], log_b[start:stop], n, log_fact)
        start = stop
    return np.bincount(group, weights=per_pair * weight, minlength=n_groups)


def _window_sums(low, length, a, b, constant, log_a, log_b, n, log_fact):
    """Sum over k in [low, low + length) of each pair's EMI terms."""
    total = int(length.sum())
    if total == 0:
        return np.zeros(low.shape[0])
    pair = np.repeat(np.arange(low.shape[0]), length)
    k = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(length) - length - low, length)
    a_k, b_k = a[pair], b[pair]
    log_p = (constant[pair] - (log_fact[k] + log_fact[n])
             - log_fact[a_k - k] - log_fact[b_k - k] - log_fact[n - a_k - b_k + k])
    kf = k.astype(np.float64)
    # The three factors as scikit-learn writes them: k / n, log(n k / (a b)), P(k).
    log_ratio = (np.log(float(n)) + np.log(kf)) - log_a[pair] - log_b[pair]
    terms = (kf / n) * log_ratio * np.exp(log_p)
    return np.bincount(pair, weights=terms, minlength=low.shape[0])
