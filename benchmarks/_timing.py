"""Shared timing helpers for the benchmark scripts."""

import os
import platform
import subprocess
import sys
import time


def best_of(fn, repeat=3):
    """Minimum wall time of ``repeat`` calls (steady state: call once before)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def first_and_steady(fn, repeat=3):
    start = time.perf_counter()
    fn()
    first = time.perf_counter() - start
    return first, best_of(fn, repeat)


def fresh_process_seconds(code):
    """Wall time of ``python -c code`` in a fresh interpreter, imports included."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


def machine():
    import jax
    import numpy
    import scipy
    import sklearn

    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, jax {jax.__version__} "
            f"({jax.devices()[0].platform}), numpy {numpy.__version__}, "
            f"scipy {scipy.__version__}, scikit-learn {sklearn.__version__}")


def table(rows, headings):
    lines = ["| " + " | ".join(headings) + " |", "|" + "---|" * len(headings)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def seconds(value):
    return f"{value * 1e3:.2f} ms" if value < 1 else f"{value:.2f} s"
