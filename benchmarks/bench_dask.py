"""rank_features on a dask DataFrame too big to hold comfortably: 20M rows x 50 int features.

The data are generated lazily, one partition at a time on the workers
(``dask.dataframe.from_map``), on a 2-worker ``LocalCluster`` (one thread
each). Reported: the wall time of the whole ``rank_features`` call
(generation included), the peak resident memory of each worker process and
of the client process (which also runs the scheduler), and, on a part of
the data that fits in memory, the single-machine call on the pandas frame
beside the dask call on the same rows.

With ``--passes``: instead, ``MutualInfoSelector(criterion="jmi")`` on
1M rows x 50 of those features (persisted on the workers), one pass per
greedy step against the one pass collecting all pair tables, for a few k,
with the mode ``passes="auto"`` picks (under a minute on 2 cores).

Run: python benchmarks/bench_dask.py [--quick | --passes]
"""

import argparse
import functools
import resource
import time

import numpy as np
import pandas as pd
from _timing import machine, seconds, table

ROWS_PER_PARTITION = 500_000
N_FEATURES = 50
N_LEVELS = 8


def make_partition(index, rows=ROWS_PER_PARTITION):
    """One partition: int8 features with 8 levels; y depends on the first three."""
    rng = np.random.default_rng(index)
    # Random bytes cut to 3 bits: uniform on 0..7, far cheaper than rng.integers;
    # feature-major, the layout of a pandas block (no transpose).
    X = np.frombuffer(rng.bytes(rows * N_FEATURES), dtype=np.int8) & (N_LEVELS - 1)
    X = X.reshape(N_FEATURES, rows)
    noise = np.frombuffer(rng.bytes(rows), dtype=np.int8) & 3
    y = (X[0] + X[1] // 2 + (X[2] > 5) + (noise == 0)) % 5
    frame = pd.DataFrame(X.T, columns=[f"x{j}" for j in range(N_FEATURES)], copy=False)
    frame["y"] = y.astype(np.int8)
    return frame


def lazy_frame(n_partitions, rows=ROWS_PER_PARTITION):
    import dask.dataframe as dd

    return dd.from_map(make_partition, range(n_partitions), rows=rows,
                       meta=make_partition(0, 0))


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def compare_passes():
    """Rows of the selector's per-step and one-pass timings on persisted data."""
    import mifeatures
    from mifeatures._dask import selection as dask_selection
    from mifeatures._dask._pairs import PairLayout

    data = lazy_frame(4, rows=250_000).persist()  # generation is not timed
    X, y = data.drop(columns="y"), data["y"]
    layout = PairLayout([N_LEVELS] * N_FEATURES, 5)
    mifeatures.MutualInfoSelector(criterion="jmi", k=3).fit(X, y)  # compiles, warms up
    rows = []
    for k in (5, 26, 50):
        auto = dask_selection.choose_passes("auto", "jmi", k, layout)
        times, rankings = [], []
        for passes in ("per_step", "one"):
            selector = mifeatures.MutualInfoSelector(criterion="jmi", k=k, passes=passes)
            elapsed, fitted = timed(functools.partial(selector.fit, X, y))
            times.append(elapsed)
            rankings.append(fitted.ranking_)
        np.testing.assert_array_equal(*rankings)
        rows.append((f"jmi, k={k} of {N_FEATURES}", seconds(times[0]), seconds(times[1]),
                     auto))
    return rows, f"{layout.nbytes / 2**20:.1f} MiB of pair tables"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2M rows instead of 20M")
    parser.add_argument("--passes", action="store_true",
                        help="MutualInfoSelector: per-step passes against one pass")
    args = parser.parse_args()
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        print("skipped: needs the dask extra (pip install 'mifeatures[dask]')")
        return
    import mifeatures

    if args.passes:
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                          memory_limit="4GiB", dashboard_address=":0") as cluster, \
                Client(cluster):
            rows, note = compare_passes()
        print(machine())
        print(table(rows, ["case (1M rows, 50 features of 8 levels, 5 classes)",
                           "passes='per_step'", "passes='one'", "passes='auto' picks"]))
        print(f"\n{note}")
        return

    n_partitions = 4 if args.quick else 40
    fits = 4  # partitions also scored in memory (2M rows)
    rows = []
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      memory_limit="4GiB", dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        big = lazy_frame(n_partitions)
        first, ranking = timed(lambda: mifeatures.rank_features(big, "y"))
        before = client.run(cpu_seconds)
        steady, again = timed(lambda: mifeatures.rank_features(big, "y"))
        after = client.run(cpu_seconds)
        pd.testing.assert_frame_equal(ranking, again)
        busy = [after[w] - before[w] for w in sorted(after)]
        worker_mb = sorted(client.run(peak_rss_mb).values())
        client_mb = peak_rss_mb()
        n = n_partitions * ROWS_PER_PARTITION
        rows.append((f"dask rank_features, {n:,} x {N_FEATURES} int8 (8 levels), 5 classes, "
                     f"{n_partitions} partitions generated lazily", seconds(first),
                     seconds(steady), ", ".join(f"{b:.1f}" for b in busy),
                     ", ".join(f"{mb:.0f}" for mb in worker_mb), f"{client_mb:.0f}"))
        small = lazy_frame(fits)
        mifeatures.rank_features(small, "y")
        dask_small, on_dask = timed(lambda: mifeatures.rank_features(small, "y"))
    frame = pd.concat([make_partition(i) for i in range(fits)], ignore_index=True)
    mifeatures.rank_features(frame, "y")
    memory, in_memory = timed(lambda: mifeatures.rank_features(frame, "y"))
    np.testing.assert_allclose(on_dask["mi"], in_memory.loc[on_dask.index, "mi"], rtol=1e-12)
    n_small = fits * ROWS_PER_PARTITION
    rows.append((f"same, {n_small:,} rows: dask (generation included)", "", seconds(dask_small),
                 "", "", ""))
    rows.append((f"same, {n_small:,} rows: pandas in memory, single machine", "",
                 seconds(memory), "", "", ""))
    print(machine())
    print(table(rows, ["case", "first call", "second call", "worker CPU s (second call)",
                       "worker peak RSS (MB)", "client peak RSS (MB)"]))
    print("\ntop features:", ", ".join(ranking.index[:4]))


if __name__ == "__main__":
    main()
