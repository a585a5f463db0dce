"""Cold-start time of ``minihcvd demo`` (virtual trial → package → ADaM → analysis → report).

Runs the installed command in fresh processes (nothing cached in memory, as for a new user)
and prints each wall time, the best and the median against the 5-second budget (issue #5), and
the machine's load, since the budget assumes an otherwise idle 2-core machine.

    .venv/bin/python benchmarks/bench_demo.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUDGET_SECONDS = 5.0


def _run_once(executable: Path, out: Path) -> float:
    started = time.perf_counter()
    subprocess.run([str(executable), "demo", "--out", str(out)], check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    executable = Path(sys.executable).with_name("minihcvd")
    times = []
    with tempfile.TemporaryDirectory() as folder:
        for run in range(args.runs):
            seconds = _run_once(executable, Path(folder) / f"demo-{run}")
            times.append(seconds)
            print(f"run {run + 1}: {seconds:.2f} s")
        report = Path(folder) / "demo-0" / "report.html"
        if not report.exists():
            print("report.html was not written", file=sys.stderr)
            return 1
    best, median = min(times), statistics.median(times)
    load = os.getloadavg()[0]
    verdict = "within" if best < BUDGET_SECONDS else "OVER"
    print(f"demo cold start: best {best:.2f} s, median {median:.2f} s "
          f"({verdict} the {BUDGET_SECONDS:.0f} s budget; load average {load:.1f} "
          f"on {os.cpu_count()} cores)")
    return 0 if best < BUDGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
