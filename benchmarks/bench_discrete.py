"""Discrete MI and entropy: mifeatures side by side with sklearn, scipy and NumPy.

Run: python benchmarks/bench_discrete.py [--quick]
"""

import argparse

import jax
import numpy as np
import scipy.stats
from _timing import best_of, first_and_steady, fresh_process_seconds, machine, seconds, table
from sklearn.metrics import mutual_info_score

import mifeatures
from mifeatures.estimation import _discrete_mi_columns


def _entropy_of_counts(counts, n):
    counts = counts[counts > 0]
    return np.log(n) - (counts * np.log(counts)).sum() / n


def numpy_bincount_loop(X, y, ky):
    """The plain NumPy baseline: bincounts of each column and of its joint with y."""
    n = X.shape[0]
    hy = _entropy_of_counts(np.bincount(y), n)
    out = np.empty(X.shape[1])
    for j in range(X.shape[1]):
        column = X[:, j]
        out[j] = (_entropy_of_counts(np.bincount(column), n) + hy
                  - _entropy_of_counts(np.bincount(column * ky + y), n))
    return out


def bench_many_features(n, p):
    rng = np.random.default_rng(0)
    X = rng.integers(0, 16, size=(n, p))
    y = rng.integers(0, 10, size=n)
    first, ours = first_and_steady(lambda: _discrete_mi_columns(X, y))
    sk_values = []
    sk = best_of(lambda: sk_values.append([mutual_info_score(X[:, j], y) for j in range(p)]),
                 repeat=1)
    npy = best_of(lambda: numpy_bincount_loop(X, y, 10), repeat=2)
    np.testing.assert_allclose(_discrete_mi_columns(X, y), sk_values[0], rtol=1e-10, atol=1e-14)
    XF = np.asfortranarray(X)
    _discrete_mi_columns(XF, y)
    ours_f = best_of(lambda: _discrete_mi_columns(XF, y))
    npy_f = best_of(lambda: numpy_bincount_loop(XF, y, 10), repeat=2)
    label = f"MI, {p} int features (16 levels) vs 10 classes, n={n:,}"
    return [
        (label + ", C order", seconds(first), seconds(ours), "sklearn loop", seconds(sk),
         f"{sk / ours:.0f}x"),
        (label + ", C order", "", "", "NumPy bincount loop", seconds(npy), f"{npy / ours:.1f}x"),
        (label + ", F order", "", seconds(ours_f), "NumPy bincount loop", seconds(npy_f),
         f"{npy_f / ours_f:.1f}x"),
    ]


def bench_entropy_batch(rows, cols):
    rng = np.random.default_rng(0)
    P = rng.random((rows, cols))
    P /= P.sum(axis=1, keepdims=True)

    def ours():
        with jax.enable_x64(True):
            return np.asarray(mifeatures.entropy(P))

    first, steady = first_and_steady(ours)
    ref = best_of(lambda: scipy.stats.entropy(P, axis=1))
    assert np.allclose(ours(), scipy.stats.entropy(P, axis=1), rtol=1e-12)
    return [(f"entropy of a {rows} x {cols} batch (float64)", seconds(first), seconds(steady),
             "scipy.stats.entropy", seconds(ref), f"{ref / steady:.1f}x")]


def bench_small(n=200):
    rng = np.random.default_rng(1)
    x = rng.integers(0, 8, n)
    y = rng.integers(0, 3, n)
    p = np.bincount(x) / n
    first_mi, mi = first_and_steady(lambda: mifeatures.mutual_info(x, y), repeat=50)
    sk_mi = best_of(lambda: mutual_info_score(x, y), repeat=50)
    first_h, h = first_and_steady(lambda: mifeatures.estimate_entropy(x), repeat=50)
    sp_h = best_of(lambda: scipy.stats.entropy(np.unique(x, return_counts=True)[1]), repeat=50)
    first_m, m = first_and_steady(lambda: mifeatures.entropy(p).block_until_ready(), repeat=50)
    sp_m = best_of(lambda: scipy.stats.entropy(p), repeat=50)
    code = ("import numpy as np; x = np.arange({n}) % 8; y = np.arange({n}) % 3; "
            "{call}")
    fresh_ours = fresh_process_seconds(code.format(n=n, call="import mifeatures; "
                                                   "mifeatures.mutual_info(x, y)"))
    fresh_sk = fresh_process_seconds(code.format(n=n, call="from sklearn.metrics import "
                                                 "mutual_info_score; mutual_info_score(x, y)"))
    return [
        (f"mutual_info, n={n}", seconds(first_mi), seconds(mi), "sklearn mutual_info_score",
         seconds(sk_mi), f"{sk_mi / mi:.1f}x"),
        (f"estimate_entropy, n={n}", seconds(first_h), seconds(h),
         "np.unique + scipy.stats.entropy", seconds(sp_h), f"{sp_h / h:.1f}x"),
        ("entropy of one distribution (8 outcomes)", seconds(first_m), seconds(m),
         "scipy.stats.entropy", seconds(sp_m), f"{sp_m / m:.1f}x"),
        (f"fresh process: import + mutual_info, n={n}", "", seconds(fresh_ours),
         "import + sklearn mutual_info_score", seconds(fresh_sk),
         f"{fresh_sk / fresh_ours:.1f}x"),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    args = parser.parse_args()
    n = 100_000 if args.quick else 1_000_000
    rows = bench_small() + bench_entropy_batch(1000, 1000) + bench_many_features(n, 100)
    print(machine())
    print(table(rows, ["case", "mifeatures first call", "mifeatures steady", "reference",
                       "reference time", "speed-up"]))


if __name__ == "__main__":
    main()
