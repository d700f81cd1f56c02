"""Run every benchmark script in this folder and print their tables.

Usage: python benchmarks/run.py [--quick] [NAME ...]
NAME picks scripts by the part after ``bench_`` (for example ``discrete``).
"""

import argparse
import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    args = parser.parse_args()
    scripts = sorted(HERE.glob("bench_*.py"))
    if args.names:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in args.names]
    status = 0
    for script in scripts:
        print(f"\n## {script.stem}\n", flush=True)
        command = [sys.executable, str(script)] + (["--quick"] if args.quick else [])
        status |= subprocess.run(command, cwd=HERE).returncode
    return status


if __name__ == "__main__":
    sys.exit(main())
