"""Nearest-neighbour MI (Ross, KSG): mifeatures' engine side by side with scikit-learn.

Run: python benchmarks/bench_knn.py [--quick]

What is timed. scikit-learn: the whole public call (``mutual_info_classif`` /
``mutual_info_regression`` with ``random_state=0``: validation, scaling, the
1e-10 tie-breaking noise, the estimates, clipping at 0). mifeatures: the
ENGINE call (``_engine.ross_mi_columns`` / ``ksg_mi_columns``) on inputs
preprocessed exactly as scikit-learn does (scaled, same noise from the same
RandomState), which is what the public drop-ins will add around it; that
preprocessing is timed on its own in the "preprocessing" column (NumPy) so
the public call can be estimated as engine + preprocessing. Every row also
checks that the clipped engine results equal scikit-learn's.

Steady state is the best of a few calls after a first call; the first call in
the process (compilation included) is reported apart.
"""

import argparse

import numpy as np
from _timing import best_of, first_and_steady, machine, seconds, table
from sklearn.feature_selection import mutual_info_classif, mutual_info_regression
from sklearn.preprocessing import scale

from mifeatures import _engine


def preprocess(X, y=None, random_state=0):
    """scikit-learn's ``_estimate_mi`` preprocessing of continuous X (and a continuous y)."""
    rng = np.random.RandomState(random_state)
    X = scale(X.astype(np.float64), with_mean=False)
    X += 1e-10 * np.maximum(1, np.mean(np.abs(X), axis=0)) * rng.standard_normal(size=X.shape)
    if y is None:
        return X
    y = scale(y.astype(np.float64), with_mean=False)
    y += 1e-10 * max(1, np.mean(np.abs(y))) * rng.standard_normal(size=y.shape[0])
    return X, y


def classification_data(n, p, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    weights = np.linspace(0, 1, p)  # from pure noise to informative
    X = rng.standard_normal((n, p)) + weights[None, :] * y[:, None]
    return X, y


def regression_data(n, p, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = X[:, : p // 2] @ np.linspace(0.1, 1, p // 2) + rng.standard_normal(n)
    return X, y


def bench_classif(n, p, sk_repeat=1):
    X, y = classification_data(n, p)
    pre = best_of(lambda: preprocess(X), repeat=2)
    Xp = preprocess(X)
    first, ours = first_and_steady(lambda: _engine.ross_mi_columns(Xp, y, 3, 3), repeat=3)
    sk_values = []
    sk = best_of(lambda: sk_values.append(
        mutual_info_classif(X, y, discrete_features=False, random_state=0)), repeat=sk_repeat)
    diff = np.max(np.abs(np.maximum(_engine.ross_mi_columns(Xp, y, 3, 3), 0) - sk_values[0]))
    return (f"Ross: {p} continuous features vs 3 classes, n={n:,}", seconds(first),
            seconds(ours), seconds(pre), seconds(sk), f"{sk / ours:.1f}x",
            f"{sk / (ours + pre):.1f}x", f"{diff:.1e}")


def bench_regression(n, p, sk_repeat=1):
    X, y = regression_data(n, p)
    pre = best_of(lambda: preprocess(X, y), repeat=2)
    Xp, yp = preprocess(X, y)
    first, ours = first_and_steady(lambda: _engine.ksg_mi_columns(Xp, yp, 3), repeat=3)
    sk_values = []
    sk = best_of(lambda: sk_values.append(mutual_info_regression(X, y, random_state=0)),
                 repeat=sk_repeat)
    diff = np.max(np.abs(np.maximum(_engine.ksg_mi_columns(Xp, yp, 3), 0) - sk_values[0]))
    return (f"KSG: {p} continuous features vs continuous y, n={n:,}", seconds(first),
            seconds(ours), seconds(pre), seconds(sk), f"{sk / ours:.1f}x",
            f"{sk / (ours + pre):.1f}x", f"{diff:.1e}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller sizes (about a minute)")
    args = parser.parse_args()
    if args.quick:
        cases = [(bench_classif, 10_000, 20), (bench_regression, 5_000, 5),
                 (bench_regression, 20_000, 5)]
    else:
        cases = [(bench_classif, 10_000, 100), (bench_classif, 100_000, 100),
                 (bench_regression, 5_000, 20), (bench_regression, 20_000, 20),
                 (bench_regression, 100_000, 20)]
    rows = [bench(n, p) for bench, n, p in cases]
    print(machine())
    print("mifeatures column: engine call on preprocessed input (see the module docstring)")
    print(table(rows, ["case", "mifeatures first call", "mifeatures steady", "preprocessing",
                       "sklearn", "speed-up (engine)", "speed-up (engine + prep.)",
                       "max |diff|"]))


if __name__ == "__main__":
    main()
