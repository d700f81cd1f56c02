r"""Exact quantiles of columns spread over partitions: a radix select.

dask's own ``quantile`` is approximate (it merges per-partition percentiles)
and t-digest fails on ties, so equal-frequency bins made from them put rows
in the wrong bins. Here each float64 value becomes an order-preserving
``uint64`` key (flip every bit of a negative, the sign bit of a positive),
and the order statistics the quantiles need are found digit by digit:

1. one pass counts the top 16 bits of every key (a 65536-bin histogram per
   column); the histogram says in which bucket each wanted rank lies and
   its rank inside the bucket;
2. while a bucket holds more than ``COLLECT_MAX`` keys, one more pass counts
   the next 16 bits of the keys in that bucket only (after four passes all
   64 bits are known, which also settles heavy ties);
3. one last pass collects the few keys of the remaining small buckets; the
   client sorts them and reads the ranks off.

Each pass returns small integer histograms per partition, tree-summed like
the contingency tables, so the result is exact: the same order statistics
as a sort of all rows, and from them the same interpolation as
``np.percentile(x, 100 * q, method="averaged_inverted_cdf")`` (the rule of
``KBinsDiscretizer(quantile_method="averaged_inverted_cdf")``).

The worker-side functions use NumPy and pandas only.
"""

import numpy as np

from . import _tables

DIGIT_BITS = 16
DIGITS = 1 << DIGIT_BITS
# Buckets with at most this many keys are collected instead of refined.
COLLECT_MAX = 1 << 12
_SIGN = np.uint64(1 << 63)


def float_keys(values):
    """Order-preserving uint64 keys of finite float64 values (-0.0 and 0.0 share one)."""
    bits = np.ascontiguousarray(values + 0.0, dtype=np.float64).view(np.uint64)
    return np.where(bits >= _SIGN, ~bits, bits | _SIGN)


def key_floats(keys):
    """The float64 values of keys made by :func:`float_keys`."""
    keys = np.asarray(keys, dtype=np.uint64)
    bits = np.where(keys >= _SIGN, keys & ~_SIGN, ~keys)
    return bits.view(np.float64)


def present_values(column, name, nan_policy):
    """Finite float64 values of one partition's column; missing ones raise or are left out.

    ``nan_policy``: the library's policies, or another value of
    ``_tables.REFUSING`` (the callers' own words for the error).
    """
    x = _tables.float_values(column, name)
    missing = np.isnan(x)
    if missing.any():
        if nan_policy in _tables.REFUSING:
            raise _tables.missing_error(name, nan_policy)
        x = x[~missing]
    if np.isinf(x).any():
        raise _tables.infinite_error(name, nan_policy)
    return x


def column_range(frame, columns, nan_policy):
    """Worker: ``{column: (min, max)}`` of the finite values, None for no values."""
    out = {}
    for column in columns:
        x = present_values(frame[column], str(column), nan_policy)
        out[column] = (x.min(), x.max()) if x.size else None
    return out


def merge_ranges(results):
    merged = {}
    for column in results[0]:
        ranges = [r[column] for r in results if r[column] is not None]
        merged[column] = (min(low for low, _ in ranges), max(high for _, high in ranges)) \
            if ranges else None
    return merged


# ---------------------------------------------------------------------------
# Worker side: one partition
# ---------------------------------------------------------------------------


def digit_counts(frame, searches, nan_policy):
    """Histograms of the next digit of the keys in the searched buckets, per column.

    Parameters
    ----------
    frame : DataFrame (one partition)
    searches : dict of column -> (shift, prefixes)
        Count the digit ``(key >> shift) & 0xFFFF`` of the keys whose bits
        above it, ``key >> (shift + 16)``, are one of the sorted ``prefixes``
        (``shift == 48``: all keys, with the single prefix 0).

    Returns
    -------
    dict of column -> (keys, counts)
        Sparse histogram: ``keys = prefix_position * 65536 + digit``.
    """
    out = {}
    for column, (shift, prefixes) in searches.items():
        keys = float_keys(present_values(frame[column], str(column), nan_policy))
        group, digit = _bucket_digits(keys, shift, prefixes)
        cells = group * DIGITS + digit
        size = len(prefixes) * DIGITS
        if cells.shape[0] * 8 >= size:
            counts = np.bincount(cells, minlength=size)
            where = np.flatnonzero(counts)
            out[column] = (where, counts[where])
        else:
            where, counts = np.unique(cells, return_counts=True)
            out[column] = (where.astype(np.int64), counts.astype(np.int64))
    return out


def _bucket_digits(keys, shift, prefixes):
    """Position of each key's bucket in ``prefixes`` and its next digit, for keys in them."""
    if shift + DIGIT_BITS >= 64:
        group = np.zeros(keys.shape[0], dtype=np.int64)
    else:
        high = keys >> np.uint64(shift + DIGIT_BITS)
        group = np.searchsorted(prefixes, high)
        inside = group < len(prefixes)
        inside[inside] = prefixes[group[inside]] == high[inside]
        keys, group = keys[inside], group[inside].astype(np.int64)
    digit = ((keys >> np.uint64(shift)) & np.uint64(DIGITS - 1)).astype(np.int64)
    return group, digit


def collect_keys(frame, searches, nan_policy):
    """The keys in the searched buckets, per column: ``{column: [(shift, prefixes), ...]}``."""
    out = {}
    for column, wanted in searches.items():
        keys = float_keys(present_values(frame[column], str(column), nan_policy))
        found = []
        for shift, prefixes in wanted:
            high = keys >> np.uint64(shift) if shift < 64 else np.zeros_like(keys)
            found.append(keys[np.isin(high, prefixes)])
        out[column] = np.concatenate(found)
    return out


def merge_digit_counts(results):
    """Sum the sparse histograms of several partitions (per column)."""
    merged = {}
    for column in results[0]:
        keys = np.concatenate([r[column][0] for r in results])
        counts = np.concatenate([r[column][1] for r in results])
        merged[column] = _tables.sum_by_key(keys, counts)
    return merged


def merge_collected(results):
    return {column: np.concatenate([r[column] for r in results]) for column in results[0]}


# ---------------------------------------------------------------------------
# Client side: which ranks, and the passes
# ---------------------------------------------------------------------------


def percentile_ranks(n, quantiles):
    """Order statistics (0-based ranks) and weights of NumPy's averaged_inverted_cdf.

    Follows ``numpy.quantile``'s computation step by step: virtual index
    ``n q - 1``, its floor and the next rank, both clipped to the sample, and
    gamma 0.5 where the virtual index is a whole number (else 1).

    Returns ``(previous, next, gamma)``.
    """
    virtual = n * np.asarray(quantiles, dtype=np.float64) - 1
    previous = np.floor(virtual)
    following = previous + 1
    above = virtual >= n - 1
    previous[above] = -1
    following[above] = -1
    below = virtual < 0
    previous[below] = 0
    following[below] = 0
    gamma = np.where(virtual - previous == 0, 0.5, 1.0)
    previous = previous.astype(np.int64) % n
    following = following.astype(np.int64) % n
    return previous, following, gamma


def interpolate(low, high, gamma):
    """NumPy's ``_lerp`` for weights >= 0.5 (all that averaged_inverted_cdf uses)."""
    return high - (high - low) * (1 - gamma)


class _Search:
    """The state of the radix select for one column: one entry per wanted rank."""

    def __init__(self, ranks):
        self.ranks = np.asarray(ranks, dtype=np.int64)
        self.prefix = np.zeros(self.ranks.shape[0], dtype=np.uint64)
        self.size = np.zeros(self.ranks.shape[0], dtype=np.int64)
        self.shift = 64  # bits below the known prefix
        self.keys = np.zeros(self.ranks.shape[0], dtype=np.uint64)
        self.done = np.zeros(self.ranks.shape[0], dtype=bool)
        self.collect = []  # (shift, positions) of ranks whose bucket is collected

    def refining(self):
        return ~self.done & ~self._collecting()

    def _collecting(self):
        mask = np.zeros(self.ranks.shape[0], dtype=bool)
        for _, positions in self.collect:
            mask[positions] = True
        return mask

    def request(self):
        """(shift, prefixes) of the next histogram pass."""
        active = self.refining()
        return self.shift - DIGIT_BITS, np.unique(self.prefix[active])

    def update(self, prefixes, keys, counts):
        """Read one pass's histogram: descend one digit for every active rank."""
        active = np.flatnonzero(self.refining())
        self.shift -= DIGIT_BITS
        group = np.searchsorted(prefixes, self.prefix[active])
        starts = np.searchsorted(keys, group * DIGITS)
        stops = np.searchsorted(keys, (group + 1) * DIGITS)
        for t, position in enumerate(active):
            bucket_keys = keys[starts[t]:stops[t]]
            cumulative = np.cumsum(counts[starts[t]:stops[t]])
            i = int(np.searchsorted(cumulative, self.ranks[position], side="right"))
            below = int(cumulative[i - 1]) if i else 0
            digit = np.uint64(bucket_keys[i] - group[t] * DIGITS)
            self.ranks[position] -= below
            self.size[position] = counts[starts[t] + i]
            self.prefix[position] = (self.prefix[position] << np.uint64(DIGIT_BITS)) | digit
        if self.shift == 0:
            self.keys[active] = self.prefix[active]
            self.done[active] = True
            return
        small = active[self.size[active] <= COLLECT_MAX]
        if small.size:
            self.collect.append((self.shift, small))

    def collect_request(self):
        return [(shift, np.unique(self.prefix[positions])) for shift, positions in self.collect]

    def read_collected(self, keys):
        """Pick each collected rank from the sorted keys of its bucket."""
        keys = np.sort(keys)
        for shift, positions in self.collect:
            high = keys >> np.uint64(shift)
            for position in positions:
                start = np.searchsorted(high, self.prefix[position])
                self.keys[position] = keys[start + self.ranks[position]]
                self.done[position] = True
        self.collect = []


def exact_quantiles(run_pass, columns, quantiles, counts_first):
    """Exact ``averaged_inverted_cdf`` quantiles of several columns.

    Parameters
    ----------
    run_pass : callable
        ``run_pass(worker_function, merge_function, searches)`` maps
        ``worker_function(partition, searches)`` over the partitions,
        tree-sums the results with ``merge_function`` and returns the sum.
    columns : list
    quantiles : ndarray of float64
        Levels in [0, 1], as ``np.percentile`` would turn percentiles into them.
    counts_first : callable
        Called with ``{column: n_present}`` after the first pass (to raise,
        for example, on columns without any value).

    Returns
    -------
    dict of column -> ndarray of float64 (len(quantiles),) or None for empty columns
    """
    first = run_pass(digit_counts, merge_digit_counts,
                     {c: (64 - DIGIT_BITS, np.zeros(1, np.uint64)) for c in columns})
    sizes = {c: int(first[c][1].sum()) for c in columns}
    counts_first(sizes)
    searches, plans = {}, {}
    for c in columns:
        if sizes[c] == 0:
            continue
        previous, following, gamma = percentile_ranks(sizes[c], quantiles)
        ranks, inverse = np.unique(np.r_[previous, following], return_inverse=True)
        plans[c] = (inverse, gamma)
        searches[c] = _Search(ranks)
        searches[c].update(np.zeros(1, np.uint64), *first[c])
    while True:
        pending = {c: s.request() for c, s in searches.items() if s.refining().any()}
        if not pending:
            break
        result = run_pass(digit_counts, merge_digit_counts, pending)
        for c, (_, prefixes) in pending.items():
            searches[c].update(prefixes, *result[c])
    wanted = {c: s.collect_request() for c, s in searches.items() if s.collect}
    if wanted:
        collected = run_pass(collect_keys, merge_collected, wanted)
        for c in wanted:
            searches[c].read_collected(collected[c])
    out = {c: None for c in columns}
    for c, (inverse, gamma) in plans.items():
        values = key_floats(searches[c].keys)[inverse]
        low, high = np.split(values, 2)
        out[c] = interpolate(low, high, gamma)
    return out
