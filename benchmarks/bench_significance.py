"""Permutation p-values (issue 7): the cost of the null against one unpermuted MI pass.

Run: python benchmarks/bench_significance.py [--quick]
Times whole public calls (NumPy in, NumPy out). Issue 7's bars:

- discrete: 1000 permutations of 100 features at n = 100k in under 30x the
  time of one unpermuted MI pass (``mutual_info_classif(..., discrete_features=True)``);
- continuous: 200 permutations of 50 features at n = 10k in under 60 s on
  2 cores (measured for a class target, Ross, and a continuous one, KSG).

The reference is what a user without p-values does today: rerun
scikit-learn's estimator on permuted targets (timed for a few permutations,
then scaled to the same count).
"""

import argparse
import os
from functools import partial

import numpy as np
from _timing import best_of, first_and_steady, machine, seconds, table
from sklearn import feature_selection as skfs

import mifeatures


def sklearn_loop_seconds(estimator, X, y, n_permutations, timed=2, **kwargs):
    """Seconds for n_permutations + 1 sklearn passes, scaled from ``timed`` of them."""
    rng = np.random.default_rng(0)
    spent = best_of(lambda: estimator(X, rng.permutation(y), **kwargs), repeat=timed)
    return spent * (n_permutations + 1)


def discrete_case(n, p, n_permutations):
    rng = np.random.default_rng(0)
    X = rng.integers(0, 16, size=(n, p))
    y = (X[:, 0] + rng.integers(0, 10, n)) % 10
    one_pass = partial(mifeatures.mutual_info_classif, X, y, discrete_features=True)
    one_pass()
    unpermuted = best_of(one_pass, repeat=3)
    test = partial(mifeatures.mutual_info_classif_test, X, y, discrete_features=True,
                   n_permutations=n_permutations, random_state=0)
    first, steady = first_and_steady(test, repeat=2)
    reference = sklearn_loop_seconds(skfs.mutual_info_classif, X, y, n_permutations,
                                     discrete_features=True)
    return (f"{n_permutations} tables x {p} discrete features (16 levels, 10 classes), "
            f"n={n:,}", seconds(first), seconds(steady), f"{steady / unpermuted:.1f}x "
            f"(one pass {seconds(unpermuted)}; bar 30x)", seconds(reference),
            f"{reference / steady:.0f}x")


def continuous_case(n, p, n_permutations, classification):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(n, p))
    if classification:
        y = (X[:, 0] + rng.normal(size=n) > 0).astype(int) + (X[:, 1] > 1)
        ours, theirs, kind = (mifeatures.mutual_info_classif_test, skfs.mutual_info_classif,
                              "3 classes (Ross)")
    else:
        y = X[:, 0] + np.sin(3 * X[:, 1]) + rng.normal(size=n)
        ours, theirs, kind = (mifeatures.mutual_info_regression_test,
                              skfs.mutual_info_regression, "continuous target (KSG)")
    test = partial(ours, X, y, n_permutations=n_permutations, random_state=0)
    first, steady = first_and_steady(test, repeat=1)
    reference = sklearn_loop_seconds(theirs, X, y, n_permutations, timed=1, random_state=0)
    return (f"{n_permutations} permutations x {p} continuous features, {kind}, n={n:,}",
            seconds(first), seconds(steady), "bar 60 s", seconds(reference),
            f"{reference / steady:.0f}x")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    args = parser.parse_args()
    if args.quick:
        rows = [discrete_case(20_000, 20, 200), continuous_case(2_000, 10, 50, True),
                continuous_case(2_000, 10, 50, False)]
    else:
        rows = [discrete_case(100_000, 100, 1000), continuous_case(10_000, 50, 200, True),
                continuous_case(10_000, 50, 200, False)]
    print(table(rows, ["case", "first call", "steady", "vs one unpermuted pass",
                       "sklearn loop (scaled)", "speed-up"]))
    print(f"\n{machine()}; load average before the run's end: "
          f"{', '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
