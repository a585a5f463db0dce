"""Monitoring simulation (issues #6 and #19): the in-process simulator, the stopping boundary,
the whole `minihcvd monitor simulate` process, and where a local Dask cluster would pay.

1. In-process: 100,000 trials of 110 patients (best of 3; target < 2 s on 2 cores) and the
   speed ratio against the plain per-trial reference the tests use as the oracle (timed on 300
   trials, scaled per trial), by wall clock and by CPU time.
2. The stopping boundary of the default design, cache cleared: warm (scipy imported) and in a
   fresh process with its imports (target: well under 0.1 s).
3. The command of issue #19 as a whole process, cold (a fresh interpreter each run):
   ``minihcvd monitor simulate --true-median-months 4,12 --trials 100000 --max-patients 110
   --accrual-per-month 1.2 --json`` (target: within 2.5 s on 2 cores). With ``--baseline SRC``
   the same command runs, alternating, against another source tree (e.g. /work/main/src, the
   code before the change) in the same run, and the ratio of medians is printed.
4. With ``--crossover``: grids of growing size in-process and on a local cluster of a worker per
   core (``--workers K``), whole processes, to find the grid size from which a cluster pays.

Run from the repository root:

    .venv/bin/python benchmarks/bench_monitoring.py [--runs 5] [--baseline SRC] [--crossover]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.monitoring.reference

from tests.monitoring.reference import reference_simulation

from minihcvd.monitoring import default_design_path, load_design
from minihcvd.monitoring.simulate import simulate_operating_characteristics

TRIALS = 100_000
REFERENCE_TRIALS = 300
MEDIAN_MONTHS = 7.7  # the null: about half of the trials stop, the rest run to 110 patients
ISSUE_COMMAND = ["monitor", "simulate", "--true-median-months", "4,12", "--trials", "100000",
                 "--max-patients", "110", "--accrual-per-month", "1.2", "--json"]
SOURCE = Path(__file__).resolve().parents[1] / "src"
# In a fresh interpreter: scipy.special's import (shared with the simulation, which needs it
# anyway), then the default design's first boundary (any further imports included).
BOUNDARY_PROBE = (
    "import time; from minihcvd.monitoring import default_design_path, load_design; "
    "d = load_design(default_design_path()); t0 = time.perf_counter(); import scipy.special; "
    "t1 = time.perf_counter(); d.boundary_months; t2 = time.perf_counter(); "
    "print(t1 - t0, t2 - t1)"
)


def run_cli(source: Path, arguments: list[str]) -> float:
    """Wall time of ``python -m minihcvd ARGUMENTS`` in a fresh interpreter on ``source``."""
    env = {**os.environ, "PYTHONPATH": str(source)}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "minihcvd", *arguments], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def fresh_boundary(source: Path) -> tuple[float, float]:
    """(scipy.special import, first boundary) seconds in a fresh interpreter on ``source``."""
    fresh = subprocess.run([sys.executable, "-c", BOUNDARY_PROBE], check=True, text=True,
                           capture_output=True, env={**os.environ, "PYTHONPATH": str(source)})
    special, boundary = (float(part) for part in fresh.stdout.split())
    return special, boundary


def in_process(baseline: Path | None) -> None:
    design = load_design(default_design_path())
    _ = design.boundary_months  # the first call imports scipy.special
    from minihcvd.monitoring.boundary import _cached_boundary

    _cached_boundary.cache_clear()
    start = time.perf_counter()
    _ = replace(design).boundary_months
    boundary_seconds = time.perf_counter() - start
    fresh = {name: fresh_boundary(source) for name, source in
             [("this tree", SOURCE)] + ([("baseline", baseline)] if baseline else [])}
    timings, cpu_timings = [], []
    for repeat in range(3):
        start, cpu_start = time.perf_counter(), time.process_time()
        result = simulate_operating_characteristics(
            design, true_median_months=MEDIAN_MONTHS, accrual_per_month=1.0, n_trials=TRIALS,
            rng=np.random.default_rng(repeat))
        timings.append(time.perf_counter() - start)
        cpu_timings.append(time.process_time() - cpu_start)
    fast = min(timings)
    start, cpu_start = time.perf_counter(), time.process_time()
    reference_simulation(design, true_median_months=MEDIAN_MONTHS, accrual_per_month=1.0,
                         n_trials=REFERENCE_TRIALS, rng=np.random.default_rng(0))
    slow_per_trial = (time.perf_counter() - start) / REFERENCE_TRIALS
    slow_cpu_per_trial = (time.process_time() - cpu_start) / REFERENCE_TRIALS
    print(f"cores: {os.cpu_count()}; load average {os.getloadavg()[0]:.2f}; design: "
          f"{default_design_path().name}, {design.max_patients} patients, looks from enrollment "
          f"{design.min_patients}")
    print(f"boundary (111 death counts): {boundary_seconds * 1000:.1f} ms warm, cache cleared")
    for name, (special, boundary) in fresh.items():
        print(f"  fresh process, {name}: first boundary {boundary * 1000:.1f} ms (its own "
              f"imports included) after importing scipy.special ({special * 1000:.0f} ms)")
    print(f"vectorised: {TRIALS:,} trials in {fast:.2f} s (best of 3; "
          f"{', '.join(f'{t:.2f}' for t in timings)}); P(stop early) = "
          f"{result.prob_stop_early:.4f} ± {result.prob_stop_early_se:.4f}")
    print(f"reference: {slow_per_trial * 1000:.2f} ms per trial ({REFERENCE_TRIALS} trials) "
          f"-> {slow_per_trial * TRIALS:.0f} s for {TRIALS:,}")
    print(f"speed-up: {slow_per_trial * TRIALS / fast:.0f}x wall clock, "
          f"{slow_cpu_per_trial * TRIALS / min(cpu_timings):.0f}x CPU time "
          f"(vectorised CPU {min(cpu_timings):.2f} s over all threads)")


def whole_command(runs: int, baseline: Path | None) -> None:
    print(f"\nminihcvd {' '.join(ISSUE_COMMAND)}  (a fresh process each run)")
    trees = [("this tree", SOURCE)] + ([("baseline", baseline)] if baseline else [])
    seconds: dict[str, list[float]] = {name: [] for name, _ in trees}
    for _ in range(runs):  # alternating, so load drifts hit both alike
        for name, source in trees:
            seconds[name].append(run_cli(source, ISSUE_COMMAND))
    for name, source in trees:
        values = seconds[name]
        print(f"  {name} ({source}): median {statistics.median(values):.2f} s, best "
              f"{min(values):.2f} s ({', '.join(f'{v:.2f}' for v in values)})")
    if baseline:
        ratio = statistics.median(seconds["baseline"]) / statistics.median(seconds["this tree"])
        print(f"  baseline / this tree: {ratio:.1f}x (medians)")


def crossover(runs: int) -> None:
    cores = os.cpu_count() or 1
    print(f"\ngrids in this process against a local cluster of {cores} workers (--workers "
          f"{cores}), whole processes, median of {runs}")
    for scenarios, trials in [(2, 10_000), (2, 100_000), (8, 100_000), (40, 5_000),
                              (2, 1_000_000)]:
        medians = ",".join(f"{4 + i * 0.25:g}" for i in range(scenarios))
        base = ["monitor", "simulate", "--true-median-months", medians, "--trials", str(trials),
                "--json"]
        here = [run_cli(SOURCE, base) for _ in range(runs)]
        cluster = [run_cli(SOURCE, [*base, "--workers", str(cores)]) for _ in range(runs)]
        print(f"  {scenarios} scenarios x {trials:,} trials: in-process "
              f"{statistics.median(here):.2f} s, local cluster {statistics.median(cluster):.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline", type=Path, default=None)
    parser.add_argument("--crossover", action="store_true")
    args = parser.parse_args()
    in_process(args.baseline)
    whole_command(args.runs, args.baseline)
    if args.crossover:
        crossover(max(1, args.runs // 2))


if __name__ == "__main__":
    main()
