"""Nearest-neighbour MI (Ross, KSG): mifeatures' engine side by side with scikit-learn.

Run: python benchmarks/bench_knn.py [--quick] [--dd] [--first-call]

``--dd`` times the exact d-D neighbour search behind ``mutual_info`` /
``conditional_mutual_info`` of multivariate variables and ``estimate_entropy``
(k-d tree against the JAX brute force, same results) and those public calls.
``--first-call`` times first calls in fresh processes (imports and
compilation included).

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
import subprocess
import sys

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


def bench_search(n, d, brute_max=20_000):
    """kth_neighbour_distances + neighbour_counts: k-d tree vs JAX brute force (steady)."""
    rng = np.random.default_rng(0)
    points = rng.standard_normal((n, d))
    k_each = np.full(n, 3)
    groups = (tuple(range(d - 1)), (d - 1,))

    def search(backend):
        eps = _engine.kth_neighbour_distances(points, k_each, 3, backend)
        return eps, _engine.neighbour_counts(points, np.nextafter(eps, 0), groups, backend)

    first_tree, tree = first_and_steady(lambda: search("kdtree"), repeat=2)
    if n > brute_max:
        return (f"{d}-D, n={n:,}", seconds(tree), "-", "-", "-")
    first_brute, brute = first_and_steady(lambda: search("brute"), repeat=2)
    same = all(np.array_equal(a, b) for a, b in zip(search("kdtree"), search("brute")))
    return (f"{d}-D, n={n:,}", seconds(tree), seconds(first_brute), seconds(brute),
            "yes" if same else "NO")


def bench_public(n):
    """Public single-variable calls on d-D data (steady state after a first call)."""
    import mifeatures

    rng = np.random.default_rng(0)
    xyz = rng.standard_normal((n, 3)) @ np.array([[1, 0, 0], [0.7, 1, 0], [0.4, 0.5, 1]]).T
    calls = {
        "mutual_info(x 1-D, y 1-D), KSG": lambda: mifeatures.mutual_info(
            xyz[:, 0], xyz[:, 1], random_state=0),
        "mutual_info(x 2-D, y 1-D)": lambda: mifeatures.mutual_info(
            xyz[:, :2], xyz[:, 2], random_state=0),
        "conditional_mutual_info(x, y, z), 1-D each": lambda: mifeatures.conditional_mutual_info(
            xyz[:, 0], xyz[:, 1], xyz[:, 2], random_state=0),
        "estimate_entropy(3-D), Kozachenko-Leonenko": lambda: mifeatures.estimate_entropy(xyz),
    }
    sk = best_of(lambda: mutual_info_regression(xyz[:, :1], xyz[:, 1], random_state=0),
                 repeat=1)
    rows = []
    for name, call in calls.items():
        first, steady = first_and_steady(call, repeat=2)
        peer = f"{seconds(sk)} ({sk / steady:.1f}x)" if "KSG" in name else "-"
        rows.append((f"{name}, n={n:,}", seconds(first), seconds(steady), peer))
    return rows


FIRST_CALL = """
import time, numpy as np
start = time.perf_counter()
import mifeatures
rng = np.random.default_rng(0)
X = rng.standard_normal((1000, 5)); y = X[:, 0] + rng.standard_normal(1000)
{call}
print(time.perf_counter() - start)
"""


def bench_first_calls():
    calls = {
        "mutual_info_regression(X 1000 x 5, y)": "mifeatures.mutual_info_regression(X, y)",
        "mutual_info_classif(X 1000 x 5, y > 0)": "mifeatures.mutual_info_classif(X, y > 0)",
        "mutual_info(x, y), 1000 rows": "mifeatures.mutual_info(X[:, 0], y)",
        "conditional_mutual_info(x, y, z), 1000 rows":
            "mifeatures.conditional_mutual_info(X[:, 0], y, X[:, 1])",
    }
    rows = []
    for name, call in calls.items():
        out = subprocess.run([sys.executable, "-c", FIRST_CALL.format(call=call)], check=True,
                             capture_output=True, text=True).stdout
        rows.append((name, seconds(float(out.split()[-1]))))
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller sizes (about a minute)")
    parser.add_argument("--dd", action="store_true", help="the d-D search and public calls")
    parser.add_argument("--first-call", action="store_true",
                        help="first calls in fresh processes")
    args = parser.parse_args()
    if args.first_call:
        print(machine())
        print(table(bench_first_calls(), ["fresh process: import + first call", "wall time"]))
        return
    if args.dd:
        sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
        rows = [bench_search(n, d) for n in sizes for d in (2, 3, 5)]
        print(machine())
        print(table(rows, ["exact search (k=3 distances + counts)", "k-d tree (steady)",
                           "JAX brute force, first call", "JAX brute force (steady)",
                           "identical"]))
        rows = [row for n in sizes[1:] for row in bench_public(n)]
        print(table(rows, ["public call", "first call", "steady", "sklearn, 1 feature"]))
        return
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
