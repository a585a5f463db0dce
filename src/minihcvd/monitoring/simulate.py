"""Operating characteristics of a design by simulation, vectorised across trials.

A simulated trial enrolls patients as a Poisson process (the first at month 0) with exponential
survival of the true median. The rule is looked at on each enrollment ``k = min_patients, …,
max_patients - 1`` with the data of the ``k`` patients then in (the newcomer has no follow-up
yet); a stop ends accrual with ``k`` patients treated. A look at the last enrollment could spare
no one, so it is not made. Trial duration runs from the first enrollment to the stop, or to the
last enrollment plus the design's follow-up.

Every look of every trial is computed at once from two identities: the deaths by time ``t`` are
the sorted death times not after ``t`` (one global ``searchsorted`` over trial-offset times), and
the follow-up of the first ``k`` patients at ``t`` is ``k t - sum(entries) - sum over deaths
(t - death time)``. A look is then a comparison with the precomputed boundary.

Trials run in chunks of at most ``CHUNK_CELLS`` trial-patients (10,000 trials of 110 patients),
so memory does not grow with the number of trials; a few chunks are in flight at a time, and
Ctrl-C or SIGTERM ends the run once the chunks under way finish (well under a second).
"""

from __future__ import annotations

import math
import os
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from minihcvd.monitoring.design import MonitoringDesign
from minihcvd.monitoring.limits import (
    MAX_ACCRUAL_PER_MONTH,
    MAX_MONTHS,
    MAX_TRIALS,
    MIN_ACCRUAL_PER_MONTH,
    check_memory,
    check_positive,
    check_whole,
)

__all__ = [
    "OperatingCharacteristics",
    "SimulatedLooks",
    "check_scenario",
    "chunk_trials",
    "first_stop_look",
    "simulate_looks",
    "simulate_operating_characteristics",
]

CHUNK_TRIALS = 10_000
CHUNK_CELLS = 1_100_000
#: Bytes a trial-patient cell of a chunk holds at its peak (float and int arrays of the draws,
#: sorted deaths, searches, sums and looks; tracemalloc measures a peak of about 80).
BYTES_PER_CELL = 200


def chunk_trials(max_patients: int) -> int:
    """Trials per chunk: 10,000, fewer for designs of more than 110 patients."""
    return max(1, min(CHUNK_TRIALS, CHUNK_CELLS // max(1, max_patients)))


@dataclass(frozen=True)
class SimulatedLooks:
    """Data at every look of every trial; row = trial, column j = enrollment min_patients + j."""

    deaths: NDArray[np.int64]
    exposure_months: NDArray[np.float64]
    times_months: NDArray[np.float64]
    last_entry_months: NDArray[np.float64]
    min_patients: int


@dataclass(frozen=True)
class OperatingCharacteristics:
    """Monte Carlo summary of one scenario; ``*_se`` are Monte Carlo standard errors."""

    true_median_months: float
    accrual_per_month: float
    trials: int
    prob_stop_early: float
    prob_stop_early_se: float
    mean_patients: float
    mean_patients_se: float
    mean_duration_months: float
    mean_duration_months_se: float

    def to_json_dict(self) -> dict[str, float]:
        """The per-scenario shape of ``monitor simulate --json`` (issue #6)."""
        return {
            "true_median_months": self.true_median_months,
            "prob_stop_early": self.prob_stop_early,
            "prob_stop_early_se": self.prob_stop_early_se,
            "mean_patients": self.mean_patients,
            "mean_duration_months": self.mean_duration_months,
        }


def simulate_looks(
    n_trials: int,
    *,
    true_median_months: float,
    accrual_per_month: float,
    min_patients: int,
    max_patients: int,
    rng: np.random.Generator,
) -> SimulatedLooks:
    """Draw ``n_trials`` trials and return deaths and follow-up at each of their looks."""
    _check_scenario(n_trials, true_median_months, accrual_per_month)
    entry_months, survival_months = _draw_trials(n_trials, true_median_months,
                                                 accrual_per_month, max_patients, rng)
    return _calc_looks(entry_months, survival_months, min_patients)


def _draw_trials(
    n_trials: int,
    true_median_months: float,
    accrual_per_month: float,
    max_patients: int,
    rng: np.random.Generator,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Entry times (the first at 0) and survival times, both (n_trials, max_patients)."""
    gaps = rng.standard_exponential((n_trials, max_patients)) / accrual_per_month
    gaps[:, 0] = 0.0
    entry_months = np.cumsum(gaps, axis=1)
    survival_months = rng.standard_exponential((n_trials, max_patients)) * (
        true_median_months / math.log(2)
    )
    return entry_months, survival_months


def first_stops(
    entry_months: NDArray[np.float64],
    survival_months: NDArray[np.float64],
    min_patients: int,
    boundary_months: NDArray[np.float64],
) -> NDArray[np.int64]:
    """``first_stop_look(_calc_looks(...), boundary)`` without the looks after a trial stops.

    Looks are taken in blocks of columns (8, then twice as many each time, or all the rest
    while more than half the trials run), each block only for the trials not yet stopped: a
    poor regimen's trials mostly stop within a few looks, so most of their looks are never
    computed. Each look is the same arithmetic as
    :func:`_calc_looks`, so the decisions are the same to the bit.
    """
    n_trials, max_patients = entry_months.shape
    n_looks = max_patients - min_patients
    first = np.full(n_trials, -1, dtype=np.int64)
    if n_trials == 0 or n_looks <= 0:
        return first
    death_months = np.sort(entry_months + survival_months, axis=1)
    # One flat search array for the whole chunk (each trial offset past the one before), so
    # the blocks' queries, made for the running trials only, need no copy of their rows.
    span = float(death_months[:, -1].max()) + 1.0
    rows = np.arange(n_trials)
    flat_deaths = (death_months + rows[:, None] * span).ravel()
    entry_sums = np.cumsum(entry_months, axis=1)
    death_sums = np.zeros((n_trials, max_patients + 1))
    np.cumsum(death_months, axis=1, out=death_sums[:, 1:])
    flat_death_sums = death_sums.ravel()
    enrolled = np.arange(min_patients, max_patients, dtype=np.float64)
    active = rows
    start, width = 0, 8
    while start < n_looks and active.size:
        stop = min(n_looks, start + width)
        columns = slice(min_patients - 1 + start, min_patients - 1 + stop)
        look_months = entry_months[active, columns]
        flat_index = np.searchsorted(flat_deaths, (look_months + active[:, None] * span).ravel(),
                                     side="right").reshape(look_months.shape)
        deaths = flat_index - active[:, None] * max_patients
        exposure = ((enrolled[start:stop] - deaths) * look_months - entry_sums[active, columns]
                    + flat_death_sums[flat_index + active[:, None]])
        stops = exposure < boundary_months[deaths]
        stopped = stops.any(axis=1)
        first[active[stopped]] = start + stops[stopped].argmax(axis=1)
        active = active[~stopped]
        # Few stopped: the rest in one block (blocks cost more than the looks they spare).
        start, width = stop, (n_looks if 2 * active.size > n_trials else 2 * width)
    return first


def _calc_looks(
    entry_months: NDArray[np.float64],
    survival_months: NDArray[np.float64],
    min_patients: int,
) -> SimulatedLooks:
    """Looks from sorted entry times and survival times, both (n_trials, max_patients)."""
    n_trials, max_patients = entry_months.shape
    death_months = np.sort(entry_months + survival_months, axis=1)
    look_months = entry_months[:, min_patients - 1 : max_patients - 1]
    # Offsetting each trial by more than any time lets one searchsorted count within trials.
    span = float(death_months[:, -1].max()) + 1.0 if n_trials else 1.0
    offsets = np.arange(n_trials, dtype=np.float64)[:, None] * span
    flat_index = np.searchsorted(
        (death_months + offsets).ravel(), (look_months + offsets).ravel(), side="right"
    )
    deaths = flat_index.reshape(look_months.shape) - np.arange(n_trials)[:, None] * max_patients
    death_sums = np.zeros((n_trials, max_patients + 1))
    np.cumsum(death_months, axis=1, out=death_sums[:, 1:])
    entry_sums = np.cumsum(entry_months, axis=1)[:, min_patients - 1 : max_patients - 1]
    enrolled = np.arange(min_patients, max_patients, dtype=np.float64)
    exposure = (enrolled - deaths) * look_months - entry_sums + np.take_along_axis(
        death_sums, deaths, axis=1
    )
    return SimulatedLooks(
        deaths=deaths.astype(np.int64, copy=False),
        exposure_months=exposure,
        times_months=look_months,
        last_entry_months=entry_months[:, -1],
        min_patients=min_patients,
    )


def first_stop_look(looks: SimulatedLooks, boundary_months: NDArray[np.float64]) -> NDArray[
    np.int64
]:
    """Index of each trial's first stopping look, or -1 if the rule never stops it."""
    stops = looks.exposure_months < boundary_months[looks.deaths]
    if stops.shape[1] == 0:
        return np.full(stops.shape[0], -1, dtype=np.int64)
    first = stops.argmax(axis=1)
    return np.where(stops[np.arange(stops.shape[0]), first], first, -1).astype(np.int64)


def simulate_operating_characteristics(
    design: MonitoringDesign,
    *,
    true_median_months: float,
    accrual_per_month: float,
    n_trials: int,
    rng: np.random.Generator,
    progress: Callable[[int], None] | None = None,
    threads: int | None = None,
) -> OperatingCharacteristics:
    """P(stop early), mean patients and mean duration over ``n_trials`` simulated trials.

    Trials run in chunks (:func:`chunk_trials`), each with its own child generator (so results
    do not depend on ``threads``), on ``threads`` threads (default: one per core; NumPy releases
    the GIL in the heavy steps); ``progress`` gets each chunk's trial count. An exception in the
    calling thread (KeyboardInterrupt, SystemExit from SIGTERM) cancels the queued chunks.
    """
    workers = check_scenario(design, n_trials=n_trials, true_median_months=true_median_months,
                             accrual_per_month=accrual_per_month, threads=threads)
    boundary = design.boundary_months
    size = chunk_trials(design.max_patients)
    sizes = [min(size, n_trials - start) for start in range(0, n_trials, size)]
    stopping = threading.Event()

    def run_chunk(size: int, chunk_rng: np.random.Generator) -> NDArray[np.float64]:
        if stopping.is_set():  # interrupted: the chunks still queued return at once
            return np.zeros((3, 2))
        entry, survival = _draw_trials(size, true_median_months, accrual_per_month,
                                       design.max_patients, chunk_rng)
        first = first_stops(entry, survival, design.min_patients, boundary)
        sums = _sums(first, entry, design)
        if progress is not None:
            progress(size)
        return sums

    totals = np.zeros((3, 2))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        in_flight: deque[Future[NDArray[np.float64]]] = deque()
        try:
            for chunk in sizes:
                # Child generators one at a time: spawn(1) n times gives spawn(n)'s children.
                in_flight.append(pool.submit(run_chunk, chunk, rng.spawn(1)[0]))
                if len(in_flight) >= 2 * workers:
                    totals += in_flight.popleft().result()
            while in_flight:
                totals += in_flight.popleft().result()
        except BaseException:  # Ctrl-C, SIGTERM (SystemExit) or an error: stop promptly
            stopping.set()
            for future in in_flight:
                future.cancel()
            raise
    means = totals[:, 0] / n_trials
    variances = np.maximum(totals[:, 1] / n_trials - means**2, 0.0) * n_trials / max(
        n_trials - 1, 1
    )
    errors = np.sqrt(variances / n_trials)
    return OperatingCharacteristics(
        true_median_months=float(true_median_months),
        accrual_per_month=float(accrual_per_month),
        trials=n_trials,
        prob_stop_early=float(means[0]),
        prob_stop_early_se=float(errors[0]),
        mean_patients=float(means[1]),
        mean_patients_se=float(errors[1]),
        mean_duration_months=float(means[2]),
        mean_duration_months_se=float(errors[2]),
    )


def _chunk_sums(
    looks: SimulatedLooks, boundary_months: NDArray[np.float64], design: MonitoringDesign
) -> NDArray[np.float64]:
    """Sums and sums of squares of (stopped, patients, duration) over a chunk's trials."""
    first = first_stop_look(looks, boundary_months)
    stopped = first >= 0
    rows = np.arange(first.size)
    patients = np.where(stopped, looks.min_patients + first, design.max_patients)
    stop_time = looks.times_months[rows, np.maximum(first, 0)] if looks.times_months.size else 0.0
    duration = np.where(stopped, stop_time, looks.last_entry_months + design.followup_months)
    values = np.stack([stopped.astype(np.float64), patients.astype(np.float64), duration])
    return np.stack([values.sum(axis=1), (values**2).sum(axis=1)], axis=1)


def _sums(
    first: NDArray[np.int64], entry_months: NDArray[np.float64], design: MonitoringDesign
) -> NDArray[np.float64]:
    """:func:`_chunk_sums` from each trial's first stopping look and its entry times."""
    stopped = first >= 0
    patients = np.where(stopped, design.min_patients + first, design.max_patients)
    # A trial stopped at look j stops at the (min_patients + j)-th entry.
    stop_time = np.take_along_axis(
        entry_months, np.minimum(design.min_patients - 1 + np.maximum(first, 0),
                                 entry_months.shape[1] - 1)[:, None], axis=1)[:, 0]
    duration = np.where(stopped, stop_time, entry_months[:, -1] + design.followup_months)
    values = np.stack([stopped.astype(np.float64), patients.astype(np.float64), duration])
    return np.stack([values.sum(axis=1), (values**2).sum(axis=1)], axis=1)


def check_scenario(
    design: MonitoringDesign,
    *,
    n_trials: int,
    true_median_months: float,
    accrual_per_month: float,
    threads: int | None = None,
) -> int:
    """Check a scenario's sizes and the memory of its chunks; the threads it will use."""
    _check_scenario(n_trials, true_median_months, accrual_per_month)
    size = chunk_trials(design.max_patients)
    workers = max(1, min(threads or os.cpu_count() or 1, -(-n_trials // size)))
    check_memory(workers * size * design.max_patients * BYTES_PER_CELL,
                 f"simulating chunks of {size:,} trials of {design.max_patients:,} patients on "
                 f"{workers} thread(s)", "plan fewer patients")
    return workers


def _check_scenario(n_trials: int, true_median_months: float, accrual_per_month: float) -> None:
    check_whole(n_trials, "trials", 1, MAX_TRIALS, option="the number of trials")
    check_positive(true_median_months, "true_median_months", MAX_MONTHS)
    check_positive(accrual_per_month, "accrual_per_month", MAX_ACCRUAL_PER_MONTH,
                   low=MIN_ACCRUAL_PER_MONTH)
