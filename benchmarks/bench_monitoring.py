"""Monitoring simulation: 100,000 trials of 110 patients, continuous monitoring (issue #6).

Prints the vectorised simulator's wall time (best of 3; target < 2 s on 2 cores) and its speed
ratio against the plain per-trial reference that the tests use as the oracle (timed on fewer
trials and scaled per trial), by wall clock and by CPU time (steadier on a shared machine).
Run from the repository root:

    .venv/bin/python benchmarks/bench_monitoring.py
"""

from __future__ import annotations

import os
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


def main() -> None:
    design = load_design(default_design_path())
    _ = design.boundary_months  # computed once per design, then cached (first call imports)
    start = time.perf_counter()
    _ = replace(design).boundary_months
    boundary_seconds = time.perf_counter() - start
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
    print(f"cores: {os.cpu_count()}; design: {default_design_path().name}, "
          f"{design.max_patients} patients, looks from enrollment {design.min_patients}")
    print(f"boundary (111 death counts): {boundary_seconds * 1000:.1f} ms")
    print(f"vectorised: {TRIALS:,} trials in {fast:.2f} s (best of 3; "
          f"{', '.join(f'{t:.2f}' for t in timings)}); P(stop early) = "
          f"{result.prob_stop_early:.4f} ± {result.prob_stop_early_se:.4f}")
    print(f"reference: {slow_per_trial * 1000:.2f} ms per trial ({REFERENCE_TRIALS} trials) "
          f"-> {slow_per_trial * TRIALS:.0f} s for {TRIALS:,}")
    print(f"speed-up: {slow_per_trial * TRIALS / fast:.0f}x wall clock, "
          f"{slow_cpu_per_trial * TRIALS / min(cpu_timings):.0f}x CPU time "
          f"(vectorised CPU {min(cpu_timings):.2f} s over all threads)")


if __name__ == "__main__":
    main()
