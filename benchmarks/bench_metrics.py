"""Clustering metrics: mifeatures side by side with scikit-learn.

Times the whole public call (labels in, float or DataFrame out). Steady state
is the best of a few calls after a first one (reported apart); scikit-learn's
slowest cases run once. The first call on 200 labels runs in a fresh process,
imports included.

Run: python benchmarks/bench_metrics.py [--quick]   (full: about 3 minutes)
"""

import argparse
import time

import numpy as np
import sklearn.metrics as skm
from _timing import best_of, fresh_process_seconds, machine, seconds, table

import mifeatures.metrics as mfm


def _timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def _row(case, fn_ours, fn_theirs, *, repeat=3, theirs_once=False, atol=1e-10):
    first, ours_value = _timed(fn_ours)
    ours = best_of(fn_ours, repeat)
    if theirs_once:
        theirs, theirs_value = _timed(fn_theirs)
    else:
        fn_theirs()
        theirs = best_of(fn_theirs, repeat)
        theirs_value = fn_theirs()
    np.testing.assert_allclose(np.asarray(ours_value), np.asarray(theirs_value), rtol=1e-9,
                               atol=atol)
    return (case, seconds(first), seconds(ours), seconds(theirs) + (" (once)" * theirs_once),
            f"{theirs / ours:.1f}x")


def sklearn_pairwise_loop(columns):
    """The baseline: a Python double loop over sklearn's NMI (upper triangle, mirrored)."""
    m = len(columns)
    out = np.empty((m, m))
    for i in range(m):
        for j in range(i, m):
            out[i, j] = out[j, i] = skm.normalized_mutual_info_score(columns[i], columns[j])
    return out


def bench_large(n, ami_k):
    rng = np.random.default_rng(0)
    rows = []
    for name, ours, theirs in [("MI", mfm.mutual_info_score, skm.mutual_info_score),
                               ("NMI", mfm.normalized_mutual_info_score,
                                skm.normalized_mutual_info_score)]:
        for k in (10, 100, 1000):
            u, v = rng.integers(0, k, n), rng.integers(0, k, n)
            rows.append(_row(f"{name}, n={n:,}, {k} x {k} clusters",
                             lambda u=u, v=v, f=ours: f(u, v),
                             lambda u=u, v=v, f=theirs: f(u, v)))
    u, v = rng.integers(0, ami_k, n), rng.integers(0, ami_k, n)
    rows.append(_row(f"AMI, n={n:,}, {ami_k} x {ami_k} clusters",
                     lambda: mfm.adjusted_mutual_info_score(u, v),
                     lambda: skm.adjusted_mutual_info_score(u, v), theirs_once=True))
    return rows


def bench_small(n=200, k=10):
    rng = np.random.default_rng(1)
    u, v = rng.integers(0, k, n), rng.integers(0, k, n)
    rows = [
        _row(f"{name}, n={n}, {k} x {k} clusters", lambda f=ours: f(u, v),
             lambda f=theirs: f(u, v), repeat=200)
        for name, ours, theirs in [
            ("MI", mfm.mutual_info_score, skm.mutual_info_score),
            ("NMI", mfm.normalized_mutual_info_score, skm.normalized_mutual_info_score),
            ("AMI", mfm.adjusted_mutual_info_score, skm.adjusted_mutual_info_score)]]
    code = ("import numpy as np; rng = np.random.default_rng(0); "
            f"a, b = rng.integers(0, {k}, {n}), rng.integers(0, {k}, {n}); {{call}}")
    ours = [fresh_process_seconds(code.format(
        call="import mifeatures.metrics as m; m.normalized_mutual_info_score(a, b)"))
        for _ in range(5)]
    theirs = [fresh_process_seconds(code.format(
        call="from sklearn.metrics import normalized_mutual_info_score as f; f(a, b)"))
        for _ in range(5)]
    ours, theirs = float(np.median(ours)), float(np.median(theirs))
    rows.append((f"first NMI call, n={n}, fresh process (imports included, median of 5)", "",
                 seconds(ours), seconds(theirs), f"{theirs / ours:.1f}x"))
    return rows


def bench_pairwise(m, n, k):
    rng = np.random.default_rng(2)
    columns = [rng.integers(0, k, n) for _ in range(m)]
    return [_row(f"pairwise NMI of {m} labelings, n={n:,}, {k} clusters "
                 "(sklearn: Python double loop)",
                 lambda: mfm.pairwise_scores(columns, "nmi").to_numpy(),
                 lambda: sklearn_pairwise_loop(columns), repeat=2, theirs_once=True)]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    args = parser.parse_args()
    if args.quick:
        rows = bench_large(100_000, 300) + bench_small() + bench_pairwise(10, 20_000, 10)
    else:
        rows = bench_large(1_000_000, 1000) + bench_small() + bench_pairwise(50, 100_000, 10)
    print(machine())
    print(table(rows, ["case", "mifeatures first call", "mifeatures steady", "scikit-learn",
                       "speed-up"]))


if __name__ == "__main__":
    main()
