"""MDLP discretization: mifeatures side by side with optbinning and plain NumPy.

Peers: optbinning's ``MDLP`` (binary targets only; it scores at most 32
percentile candidates per segment, so its cuts differ) and a plain NumPy
textbook MDLP written here (sort once, recurse over segments, score each
segment's candidates with cumulative counts; the same cuts as ours, checked).
The O(n^2) test oracle (tests/mdlp_oracle.py) is timed on a small sample
only, to show what an unvectorised textbook version costs.

Run: python benchmarks/bench_discretization.py [--quick]
"""

import argparse
import math
import os
import sys
import time

import numpy as np
from _timing import best_of, first_and_steady, machine, seconds, table

from mifeatures import EntropyDiscretizer, _engine

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
import mdlp_oracle  # noqa: E402

TIE_TOLERANCE_BITS = 1e-12


def _xlogx(counts):
    return np.where(counts > 0, counts * np.log(np.maximum(counts, 1)), 0.0)


def numpy_mdlp(x, y, n_classes, min_samples_split=2):
    """Textbook Fayyad & Irani MDLP in NumPy: a Python loop over segments, each vectorised."""
    order = np.argsort(x, kind="stable")
    xs, ys = x[order], y[order]
    n = xs.size
    cum = np.zeros((n + 1, n_classes), dtype=np.int64)
    np.cumsum(np.eye(n_classes, dtype=np.int64)[ys], axis=0, out=cum[1:])
    # Boundary points: value changes where the two runs are not one and the same class.
    change = np.flatnonzero(xs[1:] != xs[:-1]) + 1
    run_starts = np.concatenate([[0], change])
    run_ends = np.concatenate([change, [n]])
    run_counts = cum[run_ends] - cum[run_starts]
    pure = (run_counts > 0).sum(1) == 1
    same = (run_counts[1:] > 0) == (run_counts[:-1] > 0)
    candidates = change[~(pure[1:] & pure[:-1] & same.all(1))]
    cuts = []
    stack = [(0, n)]
    while stack:
        lo, hi = stack.pop()
        inside = candidates[(candidates > lo) & (candidates < hi)]
        if hi - lo < min_samples_split or inside.size == 0:
            continue
        left, right = cum[inside] - cum[lo], cum[hi] - cum[inside]
        nl, nr = inside - lo, hi - inside
        e = (_xlogx(nl) - _xlogx(left).sum(1) + _xlogx(nr) - _xlogx(right).sum(1))
        e /= (hi - lo) * math.log(2)
        t = inside[np.flatnonzero(e <= e.min() + TIE_TOLERANCE_BITS)[0]]
        parent, left, right = cum[hi] - cum[lo], cum[t] - cum[lo], cum[hi] - cum[t]

        def entropy(counts):
            p = counts[counts > 0] / counts.sum()
            return -(p * np.log2(p)).sum()

        size = hi - lo
        ent, ent1, ent2 = entropy(parent), entropy(left), entropy(right)
        gain = ent - ((t - lo) * ent1 + (hi - t) * ent2) / size
        k, k1, k2 = ((c > 0).sum() for c in (parent, left, right))
        delta = math.log2(3.0**k - 2) - (k * ent - k1 * ent1 - k2 * ent2)
        if gain > (math.log2(size - 1) + delta) / size:
            a, b = xs[t - 1], xs[t]
            cuts.append((a + b) / 2 if (a + b) / 2 > a else b)
            stack += [(lo, t), (t, hi)]
    return np.sort(np.array(cuts))


def make_data(n, p, n_classes, seed=0):
    """Features with signal in the first two columns, noise in the rest."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    score = X[:, 0] + 0.5 * X[:, 1] ** 2 + rng.logistic(size=n) * 0.8
    y = np.digitize(score, np.quantile(score, np.linspace(0, 1, n_classes + 1)[1:-1]))
    return X, y


def bench_case(n, p, n_classes):
    X, y = make_data(n, p, n_classes)
    fit = lambda: EntropyDiscretizer(strategy="mdlp").fit(X, y)  # noqa: E731
    first, ours = first_and_steady(fit, repeat=5)
    fitted = fit()
    npy_cuts = []
    npy = best_of(lambda: npy_cuts.append([numpy_mdlp(X[:, j], y, n_classes)
                                           for j in range(p)]), repeat=2)
    for j in range(p):
        np.testing.assert_allclose(fitted.bin_edges_[j][1:-1], npy_cuts[0][j], rtol=0,
                                   atol=1e-12)
    n_cuts = sum(e.size - 2 for e in fitted.bin_edges_)
    threads, _engine.mdlp._MDLP_THREADS = _engine.mdlp._MDLP_THREADS, 1
    try:
        one_thread = best_of(fit, repeat=5)
    finally:
        _engine.mdlp._MDLP_THREADS = threads
    label = f"MDLP fit, {p} features x {n:,} rows, {n_classes} classes ({n_cuts} cuts)"
    rows = [(label, seconds(first), seconds(ours), "NumPy textbook (same cuts)", seconds(npy),
             f"{npy / ours:.1f}x"),
            ("same, mifeatures on one thread", "", seconds(one_thread),
             "NumPy textbook (same cuts)", seconds(npy), f"{npy / one_thread:.1f}x")]
    try:
        from optbinning import MDLP
    except ImportError:
        return rows + [("same", "", "", "optbinning MDLP", "not installed: pip install "
                        "mifeatures[bench]", "")]
    if n_classes == 2:
        opt_cuts = []
        opt = best_of(lambda: opt_cuts.append(
            [MDLP().fit(X[:, j], y).splits for j in range(p)]), repeat=5)
        label = f"optbinning MDLP ({sum(map(len, opt_cuts[0]))} cuts)"
        rows.append(("same", "", "", label, seconds(opt), f"{opt / ours:.1f}x"))
        rows.append(("same, mifeatures on one thread", "", "", label, seconds(opt),
                     f"{opt / one_thread:.1f}x"))
    else:
        rows.append(("same", "", "", "optbinning MDLP", "n/a: binary targets only", ""))
    return rows


def bench_oracle(n=2000):
    X, y = make_data(n, 2, 2)
    X = X[:, :1]
    fit = lambda: EntropyDiscretizer(strategy="mdlp").fit(X, y)  # noqa: E731
    first, ours = first_and_steady(fit)
    start = time.perf_counter()
    expected = mdlp_oracle.mdlp_cut_points(X[:, 0], y)
    oracle = time.perf_counter() - start
    np.testing.assert_allclose(fit().bin_edges_[0][1:-1], expected, rtol=0, atol=1e-12)
    return [(f"MDLP fit, 1 feature x {n:,} rows, 2 classes", seconds(first), seconds(ours),
             "test oracle (tests/mdlp_oracle.py, once)", seconds(oracle),
             f"{oracle / ours:.0f}x")]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    args = parser.parse_args()
    n = 20_000 if args.quick else 100_000
    rows = bench_case(n, 10, 2) + bench_case(n, 10, 4) + bench_oracle()
    print(machine())
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average at the end: {load:.2f}")
    print(table(rows, ["case", "mifeatures first call", "mifeatures steady", "reference",
                       "reference time", "speed-up"]))


if __name__ == "__main__":
    main()
