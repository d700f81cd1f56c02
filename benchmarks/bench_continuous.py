"""Continuous MI drop-ins: mifeatures side by side with scikit-learn.

Run: python benchmarks/bench_continuous.py [--quick]
Times the whole public call (NumPy in, NumPy out, preprocessing included).
"""

import argparse

import numpy as np
from _timing import best_of, first_and_steady, machine, seconds, table
from sklearn import feature_selection as skfs

import mifeatures


def case(name, ours, theirs, repeat=2):
    first, steady = first_and_steady(ours, repeat=repeat)
    reference = best_of(theirs, repeat=1)
    np.testing.assert_allclose(ours(), theirs(), rtol=1e-6, atol=1e-12)
    return (name, seconds(first), seconds(steady), seconds(reference),
            f"{reference / steady:.1f}x")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    rows = []
    classif_sizes = [(10_000, 20)] if args.quick else [(10_000, 100), (100_000, 100)]
    for n, p in classif_sizes:
        X = rng.normal(size=(n, p))
        y = (X[:, 0] + X[:, 1] ** 2 + rng.normal(size=n) > 1).astype(int) + (X[:, 2] > 1)
        rows.append(case(f"mutual_info_classif, {p} continuous features, 3 classes, n={n:,}",
                         lambda X=X, y=y: mifeatures.mutual_info_classif(X, y, random_state=0),
                         lambda X=X, y=y: skfs.mutual_info_classif(X, y, random_state=0)))
    regression_sizes = [5_000] if args.quick else [5_000, 20_000, 100_000]
    for n in regression_sizes:
        X = rng.normal(size=(n, 20))
        y = X[:, 0] + np.sin(3 * X[:, 1]) + rng.normal(size=n)
        rows.append(case(f"mutual_info_regression, 20 continuous features, n={n:,}",
                         lambda X=X, y=y: mifeatures.mutual_info_regression(X, y, random_state=0),
                         lambda X=X, y=y: skfs.mutual_info_regression(X, y, random_state=0),
                         repeat=1))
    print(machine())
    print(table(rows, ["case", "mifeatures first call", "mifeatures steady", "scikit-learn",
                       "speed-up"]))


if __name__ == "__main__":
    main()
