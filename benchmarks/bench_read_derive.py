"""Benchmark: reading (with validation) and deriving a 200,000-patient trial data package.

Generates the package of `bench_analyze.py` (same generator, same seed), then times in this
process, each step repeated: pandas' bare `read_csv` of patients.csv (the in-process baseline:
tokenising the file into columns, nothing checked), `read_package` (read, type and validate
every cell, the cross-file checks) and `derive_all` (ADSL, ADTTE and the SCT split; ADRS is
derived on first use, and no analysis uses it).
Prints best and median of each, their ratio to the bare `read_csv`, and the load average.

Usage: .venv/bin/python benchmarks/bench_read_derive.py [--patients 200000] [--repeats 7]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_analyze import generate  # the benchmarks folder is not a package


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="keep the package here")
    args = parser.parse_args()
    from minihcvd.adam import derive_all
    from minihcvd.trialdata import read_package

    work = args.keep or Path(tempfile.mkdtemp(prefix="bench_read_derive."))
    package = work / "package"
    try:
        if not (package / "patients.csv").exists():
            generate(args.patients, args.seed, package)
        times: dict[str, list[float]] = {"read_csv": [], "read_package": [], "derive_all": []}
        for _ in range(args.repeats):
            began = time.perf_counter()
            pd.read_csv(package / "patients.csv")
            read = time.perf_counter()
            data = read_package(package)
            validated = time.perf_counter()
            split = derive_all(data).sct_intervals  # derived on first use: timed here
            assert len(split)
            derived = time.perf_counter()
            times["read_csv"].append(read - began)
            times["read_package"].append(validated - read)
            times["derive_all"].append(derived - validated)
        times["read_package + derive_all"] = [
            a + b for a, b in zip(times["read_package"], times["derive_all"], strict=True)
        ]
        baseline = statistics.median(times["read_csv"])
        print(f"patients: {args.patients:,}; {args.repeats} repeats, in-process after imports")
        for step, seconds in times.items():
            median = statistics.median(seconds)
            print(
                f"  {step:26s} best {min(seconds):.3f} s  median {median:.3f} s  "
                f"({median / baseline:.1f}x pandas' bare read_csv)"
            )
        print("load average: " + ", ".join(f"{value:.2f}" for value in os.getloadavg()))
        return 0
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
