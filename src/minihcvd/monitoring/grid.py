"""Grids of scenarios (designs x true medians x accrual rates), in-process or on Dask.

Each scenario draws from its own child of ``SeedSequence(seed)`` (by its place in the grid), so
a grid gives the same numbers in-process, on a local cluster or on a remote one. Dask is imported
only here, inside the function, to keep the other commands quick to start.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from minihcvd.errors import MonitoringError
from minihcvd.monitoring.design import MonitoringDesign
from minihcvd.monitoring.simulate import (
    OperatingCharacteristics,
    simulate_operating_characteristics,
)

__all__ = ["ScenarioResult", "local_workers_for_grid", "simulate_grid"]


@dataclass(frozen=True)
class ScenarioResult:
    """One grid cell: which design (its label) and its operating characteristics."""

    design_label: str
    characteristics: OperatingCharacteristics


def simulate_grid(
    designs: Sequence[tuple[str, MonitoringDesign]],
    *,
    true_medians_months: Sequence[float],
    accruals_per_month: Sequence[float],
    n_trials: int,
    seed: int,
    workers: int | None = None,
    scheduler: str | None = None,
    processes: bool = True,
    progress: Callable[[int], None] | None = None,
) -> list[ScenarioResult]:
    """Every combination, in grid order; ``progress`` receives simulated trial counts.

    Where it runs is :func:`local_workers_for_grid`'s choice unless ``scheduler`` is the address
    of a running Dask scheduler.
    """
    if workers is not None and (
        isinstance(workers, bool) or not isinstance(workers, int) or workers < 1
    ):
        raise MonitoringError(f"workers must be a whole number >= 1, found {workers!r}",
                              field="workers")
    cells = list(itertools.product(designs, true_medians_months, accruals_per_month))
    if not cells:
        raise MonitoringError("the grid is empty: give at least one design, median and rate")
    seeds = np.random.SeedSequence(seed).spawn(len(cells))
    tasks = [
        (label, design, median, accrual, n_trials, child)
        for ((label, design), median, accrual), child in zip(cells, seeds, strict=True)
    ]
    local_workers = local_workers_for_grid(len(tasks), workers=workers)
    if local_workers == 1 and scheduler is None:
        return [_run_cell(*task, progress=progress) for task in tasks]
    return _run_on_dask(tasks, workers=local_workers, scheduler=scheduler, processes=processes,
                        progress=progress)


def local_workers_for_grid(n_scenarios: int, *, workers: int | None) -> int:
    """How many local Dask workers a grid gets; 1 means it runs in this process.

    By default a grid of several scenarios goes to a local cluster with a worker per core
    (at most one per scenario); one scenario runs here, where the simulator already uses a thread
    per core and a cluster would only add its start-up time. ``workers`` overrides the choice.
    """
    if workers is not None:
        return workers
    if n_scenarios <= 1:
        return 1
    return max(1, min(n_scenarios, os.cpu_count() or 1))


_Task = tuple[str, MonitoringDesign, float, float, int, np.random.SeedSequence]


def _run_cell(
    label: str,
    design: MonitoringDesign,
    median: float,
    accrual: float,
    n_trials: int,
    seed: np.random.SeedSequence,
    progress: Callable[[int], None] | None = None,
    threads: int | None = None,
) -> ScenarioResult:
    characteristics = simulate_operating_characteristics(
        design,
        true_median_months=median,
        accrual_per_month=accrual,
        n_trials=n_trials,
        rng=np.random.default_rng(seed),
        progress=progress,
        threads=threads,
    )
    return ScenarioResult(design_label=label, characteristics=characteristics)


def _run_on_dask(
    tasks: list[_Task],
    *,
    workers: int,
    scheduler: str | None,
    processes: bool,
    progress: Callable[[int], None] | None,
) -> list[ScenarioResult]:
    # distributed is untyped: its calls are marked for mypy's strict no-untyped-call.
    from distributed import Client, LocalCluster, as_completed

    if scheduler is not None:
        client = Client(scheduler, timeout="10s")  # type: ignore[no-untyped-call]
        cluster = None
    else:
        cluster = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers, threads_per_worker=1, processes=processes, dashboard_address=None
        )
        client = Client(cluster)  # type: ignore[no-untyped-call]
    try:
        # One thread per scenario on a worker: the cluster's workers are the parallelism.
        futures = [client.submit(_run_cell, *task, threads=1, pure=False) for task in tasks]
        for future in as_completed(futures):  # type: ignore[no-untyped-call]
            if progress is not None:
                progress(future.result().characteristics.trials)
        return [future.result() for future in futures]
    finally:
        client.close()  # type: ignore[no-untyped-call]
        if cluster is not None:
            cluster.close()
