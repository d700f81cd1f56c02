"""KSG on tied float columns: mutual_info_regression side by side with scikit-learn.

Run: python benchmarks/bench_tied.py [--n N]
X = [a tied or continuous column, a standard normal], y = first column + noise;
whole public calls, both sides in one process, values checked equal (rtol 1e-6).
"""

import argparse

import numpy as np
from _timing import best_of, first_and_steady, machine, seconds, table
from sklearn.feature_selection import mutual_info_regression as sklearn_regression

import mifeatures


def first_columns(rng, n):
    normal = rng.normal(size=n)
    return {
        "binary 0/1 float": rng.integers(0, 2, n).astype(float),
        "10 float levels": rng.integers(0, 10, n).astype(float),
        "20 float levels": rng.integers(0, 20, n).astype(float),
        "round(normal, 1)": np.round(normal, 1),
        "zero-inflated": np.where(rng.random(n) < 0.7, 0.0, rng.exponential(size=n)),
        "normal (continuous)": normal,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    rows = []
    for name, column in first_columns(rng, args.n).items():
        X = np.column_stack([column, rng.normal(size=args.n)])
        y = column + rng.normal(size=args.n)
        ours = lambda X=X, y=y: mifeatures.mutual_info_regression(X, y, random_state=0)  # noqa: E731
        theirs = lambda X=X, y=y: sklearn_regression(X, y, random_state=0)  # noqa: E731
        first, steady = first_and_steady(ours, repeat=2)
        reference = best_of(theirs, repeat=1)
        np.testing.assert_allclose(ours(), theirs(), rtol=1e-6, atol=1e-12)
        rows.append((f"{name}, n={args.n:,}", seconds(first), seconds(steady),
                     seconds(reference), f"{reference / steady:.1f}x"))
    print(machine())
    print(table(rows, ["first column", "mifeatures first call", "mifeatures steady",
                       "scikit-learn", "speed-up"]))


if __name__ == "__main__":
    main()
