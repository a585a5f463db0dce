"""Grids of scenarios (designs x true medians x accrual rates), in-process or on Dask.

Each scenario draws from its own child of ``SeedSequence(seed)`` (by its place in the grid), so
a grid gives the same numbers in-process, on a local cluster or on a remote one. Dask is imported
only here, inside the function, to keep the other commands quick to start.

A grid runs in this process unless the caller names a Dask scheduler (a cluster that already
runs: the way past one machine) or asks for local workers. The in-process simulator already
keeps every core busy (threads over chunks of trials, and over scenarios when a scenario has
fewer chunks than there are cores), so a local cluster only adds its start-up and its
per-task overhead: on the 2-core machine of benchmarks/README.md it was slower at every grid
size measured, up to 2 million trials, so no grid size switches to it by itself.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from minihcvd.errors import MonitoringError
from minihcvd.monitoring.design import MonitoringDesign
from minihcvd.monitoring.limits import MAX_SCENARIOS, MAX_SEED, check_whole
from minihcvd.monitoring.simulate import (
    OperatingCharacteristics,
    check_scenario,
    chunk_trials,
    simulate_operating_characteristics,
)

#: Seconds to reach a named scheduler before giving up with a one-line error.
CONNECT_TIMEOUT_SECONDS = 3

__all__ = ["ScenarioResult", "local_workers_for_grid", "simulate_grid"]


_Task = tuple[str, MonitoringDesign, float, float, int, np.random.SeedSequence]


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
    if workers is not None:
        check_whole(workers, "workers", 1, 1024)
    check_whole(seed, "seed", 0, MAX_SEED)
    n_cells = len(designs) * len(true_medians_months) * len(accruals_per_month)
    if n_cells > MAX_SCENARIOS:
        raise MonitoringError(f"the grid has {n_cells:,} scenarios, more than {MAX_SCENARIOS:,}",
                              field="scenarios")
    cells = list(itertools.product(designs, true_medians_months, accruals_per_month))
    if not cells:
        raise MonitoringError("the grid is empty: give at least one design, median and rate")
    for (_, design), median, accrual in cells:  # every scenario checked before any runs
        check_scenario(design, n_trials=n_trials, true_median_months=median,
                       accrual_per_month=accrual)
    seeds = np.random.SeedSequence(seed).spawn(len(cells))
    tasks = [
        (label, design, median, accrual, n_trials, child)
        for ((label, design), median, accrual), child in zip(cells, seeds, strict=True)
    ]
    local_workers = local_workers_for_grid(len(tasks), workers=workers)
    if local_workers == 1 and scheduler is None:
        return _run_here(tasks, progress)
    return _run_on_dask(tasks, workers=local_workers, scheduler=scheduler, processes=processes,
                        progress=progress)


def local_workers_for_grid(n_scenarios: int, *, workers: int | None) -> int:
    """How many local Dask workers a grid gets; 1 means it runs in this process.

    A grid of any size runs here by default (see the module's notes and benchmarks/README.md:
    a local cluster never beat the in-process simulator); ``workers`` of 2 or more asks for a
    local cluster of that many worker processes.
    """
    del n_scenarios  # measured: no grid size pays for a local cluster's start
    return 1 if workers is None else workers


def _run_here(tasks: list[_Task], progress: Callable[[int], None] | None) -> list[ScenarioResult]:
    """Scenarios in this process: one after another, each on a thread per core, or side by side
    on one thread each when a scenario has fewer chunks than there are cores."""
    cores = os.cpu_count() or 1
    chunks = min(-(-task[4] // chunk_trials(task[1].max_patients)) for task in tasks)
    if len(tasks) == 1 or chunks >= cores:
        return [_run_cell(*task, progress=progress) for task in tasks]
    with ThreadPoolExecutor(max_workers=min(cores, len(tasks))) as pool:
        futures = [pool.submit(_run_cell, *task, progress=progress, threads=1) for task in tasks]
        try:
            return [future.result() for future in futures]
        except BaseException:  # Ctrl-C or SIGTERM: the scenarios not started do not start
            for future in futures:
                future.cancel()
            raise




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
        client = _connect(Client, scheduler)
        cluster = None
    else:
        cluster = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers, threads_per_worker=1, processes=processes, dashboard_address=None
        )
        client = Client(cluster)  # type: ignore[no-untyped-call]
    try:
        # One thread per scenario on a worker: the cluster's workers are the parallelism.
        futures = [client.submit(_run_cell, *task, threads=1, pure=False) for task in tasks]
        try:
            for future in as_completed(futures):  # type: ignore[no-untyped-call]
                if progress is not None:
                    progress(future.result().characteristics.trials)
            return [future.result() for future in futures]
        except BaseException:  # Ctrl-C or SIGTERM: the cluster drops what is left
            client.cancel(futures)
            raise
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _connect(client_type: Callable[..., Any], scheduler: str) -> Any:
    """A client of the scheduler at ``scheduler``, or one line within a few seconds."""
    try:
        return client_type(scheduler, timeout=f"{CONNECT_TIMEOUT_SECONDS}s")
    except (OSError, ValueError, TypeError, MemoryError) as error:
        if isinstance(error, MemoryError):  # a peer's bytes read as an absurd message length
            reason = "the server there does not answer as a Dask scheduler"
        elif isinstance(error, OSError):  # refused, unreachable or timed out
            reason = f"no answer within {CONNECT_TIMEOUT_SECONDS} s"
        else:  # not an address
            reason = " ".join(str(error).split()) or type(error).__name__
        raise MonitoringError(
            f"cannot use the Dask scheduler at {scheduler!r}: {reason}; give its address as "
            "tcp://HOST:PORT (shown by `dask scheduler` when it starts)",
            field="scheduler",
        ) from None
