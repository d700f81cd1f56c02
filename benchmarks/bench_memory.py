"""Peak memory of mutual_info_classif on many rows of continuous features.

Run: python benchmarks/bench_memory.py [--quick] [--n N] [--p P]

Each case runs in a fresh child process; its peak resident set size comes
from ``resource.getrusage(RUSAGE_CHILDREN)`` after it exits (Linux reports
kilobytes). The input alone (n x p float64) is measured in its own child, so
the table shows what the call adds on top of its input. The bar (issue 4):
n = 1M, p = 100 continuous completes within 8 GB.
"""

import argparse
import resource
import subprocess
import sys
import time

from _timing import machine, table

CHILD = """
import sys, time
import numpy as np
n, p, call = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "call"
rng = np.random.default_rng(0)
X = rng.standard_normal((n, p))
y = (X[:, 0] + rng.standard_normal(n) > 0).astype(np.int64) + (X[:, 1] > 1)
if call:
    import mifeatures
    start = time.perf_counter()
    mi = mifeatures.mutual_info_classif(X, y, random_state=0)
    print(f"{time.perf_counter() - start:.2f} {mi[:3].round(4).tolist()}")
else:
    print("0 []")
"""


def peak_rss_of_child(n, p, call):
    """Run the child, return (peak RSS in GB, its output)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = subprocess.run([sys.executable, "-c", CHILD, str(n), str(p),
                          "call" if call else "input"],
                         check=True, capture_output=True, text=True).stdout.strip()
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if after <= before:
        raise RuntimeError("this child's peak did not exceed an earlier child's; run the "
                           "cases from the largest down in separate invocations.")
    return after * 1024 / 1e9, out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n = 100k instead of 1M")
    parser.add_argument("--n", type=int, default=None)
    parser.add_argument("--p", type=int, default=100)
    args = parser.parse_args()
    n = args.n or (100_000 if args.quick else 1_000_000)
    # The input first: RUSAGE_CHILDREN keeps the maximum over children, so the
    # call (larger) must come second to be seen.
    input_gb, _ = peak_rss_of_child(n, args.p, call=False)
    start = time.perf_counter()
    call_gb, out = peak_rss_of_child(n, args.p, call=True)
    wall = time.perf_counter() - start
    seconds, head = out.split(" ", 1)
    rows = [(f"mutual_info_classif, n={n:,}, p={args.p} continuous, 3 classes",
             f"{n * args.p * 8 / 1e9:.2f} GB", f"{input_gb:.2f} GB", f"{call_gb:.2f} GB",
             f"{call_gb - input_gb:.2f} GB", f"{float(seconds):.1f} s", f"{wall:.1f} s")]
    print(machine())
    print(table(rows, ["case", "X (float64)", "peak RSS, input only", "peak RSS, with the call",
                       "added by the call", "call time", "child wall time"]))
    print(f"first MI values: {head}")
    if call_gb > 8.0:
        print("FAILS the 8 GB bar")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
