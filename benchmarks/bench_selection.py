"""MutualInfoSelector side by side with mrmr_selection, feature_engine and skfeature-chappers.

Run: python benchmarks/bench_selection.py [--quick]
Peers come with the ``bench`` extra (``pip install -e ".[bench]"``); a peer that
is not installed is reported as missing. Times are whole fits (NumPy or pandas
in, fitted selector out), steady state after a first call that compiles; the
peers are timed once or twice (they compile nothing). Neither mrmr_selection
(F-test and correlation by default) nor feature_engine's MIQ (sklearn's kNN MI)
computes the same numbers as the selector, so only times are compared.
skfeature-chappers 1.2.1 returns ranks, not indices, from its LCSI-based
criteria under ``mode="index"``, and its JMI and MRMR run LCSI with fixed
beta = 0.8, gamma = 0.5 instead of 1/|S|: its times stand for the work of
each criterion, not for correct output.
"""

import argparse
import os

import numpy as np
import pandas as pd
from _timing import best_of, first_and_steady, machine, seconds, table

from mifeatures import MutualInfoSelector


def classification_data(n, p, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    X[:, 5:10] = X[:, :5] + 0.3 * rng.normal(size=(n, 5))  # redundant copies
    y = (X[:, 0] + X[:, 1] * X[:, 2] + np.sin(X[:, 3]) + rng.normal(size=n) > 0.5).astype(int)
    y += X[:, 4] > 1
    return pd.DataFrame(X, columns=[f"f{j}" for j in range(p)]), pd.Series(y, name="y")


def ours(X, y, **params):
    return lambda: MutualInfoSelector(random_state=0, **params).fit(X, y)


def peer(module, build):
    """The peer's fit as a callable, or None when the peer is not installed."""
    try:
        __import__(module)
    except ImportError:
        return None
    return build()


def versus(name, mine, theirs, peer_name, repeat_peer=1):
    first, steady = first_and_steady(mine, repeat=2)
    if theirs is None:
        return (name, seconds(first), seconds(steady), peer_name, "not installed", "")
    reference = best_of(theirs, repeat=repeat_peer)
    return (name, seconds(first), seconds(steady), peer_name, seconds(reference),
            f"{reference / steady:.1f}x")


def mrmr_cases(quick):
    n, p = (2_000, 100) if quick else (10_000, 500)
    X, y = classification_data(n, p)

    def mrmr_classif():
        from mrmr import mrmr_classif

        return lambda: mrmr_classif(X, y, K=20, show_progress=False)

    rows = [versus(f"mrmr, k=20, {n:,} x {p} continuous, 3 classes", ours(X, y, k=20),
                   peer("mrmr", mrmr_classif), "mrmr_selection mrmr_classif", 2)]
    n, p = (2_000, 30) if quick else (10_000, 100)
    X, y = classification_data(n, p, seed=1)

    def feature_engine_miq():
        from feature_engine.selection import MRMR

        return lambda: MRMR(method="MIQ", max_features=20, random_state=0).fit(X, y)

    rows.append(versus(f"mrmr, k=20, {n:,} x {p} continuous, 3 classes", ours(X, y, k=20),
                       peer("feature_engine", feature_engine_miq),
                       'feature_engine MRMR(method="MIQ")'))
    return rows


def criterion_ratio_rows(quick):
    n, p, k = (2_000, 200, 20) if quick else (10_000, 1_000, 50)
    X, y = classification_data(n, p, seed=2)
    X = X.to_numpy()
    times = {criterion: first_and_steady(ours(X, y, criterion=criterion, k=k), repeat=2)
             for criterion in ("mrmr", "jmi", "cmim")}
    return [(f"{criterion}, k={k}, {n:,} x {p} continuous", seconds(first), seconds(steady),
             f"{steady / times['mrmr'][1]:.2f}x") for criterion, (first, steady) in times.items()]


SKFEATURE = {"mim": "MIM", "mifs": "MIFS", "mrmr": "MRMR", "cife": "CIFE", "jmi": "JMI",
             "cmim": "CMIM", "icap": "ICAP", "disr": "DISR"}


def skfeature_rows(quick):
    n, p, k = (1_000, 40, 10) if quick else (5_000, 200, 20)
    X, y = classification_data(n, p, seed=3)
    codes = np.column_stack([pd.qcut(X[c], 10, labels=False) for c in X.columns]).astype(int)
    y = y.to_numpy()
    rows = []
    for criterion in ("mim", "mifs", "mrmr", "cife", "jmi", "jmim", "cmim", "icap", "disr"):
        mine = ours(codes, y, criterion=criterion, k=k)
        first, steady = first_and_steady(mine, repeat=2)
        name = f"{criterion}, k={k}, {n:,} x {p} discretized (10 levels)"
        if criterion not in SKFEATURE:
            rows.append((name, seconds(first), seconds(steady), "skfeature: no such criterion",
                         "", ""))
            continue
        try:
            module = __import__("skfeature.function.information_theoretical_based."
                                + SKFEATURE[criterion], fromlist=["x"])
        except ImportError:
            rows.append((name, seconds(first), seconds(steady), "skfeature-chappers",
                         "not installed", ""))
            continue
        function = getattr(module, criterion)
        reference = best_of(lambda f=function: f(codes, y, mode="index",
                                                  n_selected_features=k), repeat=1)
        rows.append((name, seconds(first), seconds(steady), f"skfeature {criterion}",
                     seconds(reference), f"{reference / steady:.1f}x"))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    args = parser.parse_args()
    print(machine())
    print(f"load average before: {os.getloadavg()}")
    headings = ["case", "mifeatures first call", "mifeatures steady", "peer", "peer time",
                "speed-up"]
    print(table(mrmr_cases(args.quick), headings))
    print()
    print(table(criterion_ratio_rows(args.quick),
                ["case", "mifeatures first call", "mifeatures steady", "time / mrmr's time"]))
    print()
    print(table(skfeature_rows(args.quick), headings))
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
