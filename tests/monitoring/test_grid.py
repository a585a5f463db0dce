"""Scenario grids: in-process and on a Dask LocalCluster give the same numbers."""

from __future__ import annotations

import pytest

from minihcvd.errors import MonitoringError
from minihcvd.monitoring import (
    InverseGammaPrior,
    MonitoringDesign,
    local_workers_for_grid,
    simulate_grid,
)

DESIGN = MonitoringDesign(
    standard=InverseGammaPrior(100.0, 1100.0), experimental=InverseGammaPrior(3.0, 22.0),
    delta_months=0.0, p_lower=0.171, min_patients=10, max_patients=40, followup_months=12.0,
)
GRID = {"true_medians_months": [5.0, 9.0], "accruals_per_month": [1.0, 2.0], "n_trials": 2000,
        "seed": 3}
IN_PROCESS = {**GRID, "workers": 1}


class TestLocalWorkersForGrid:
    def test_grid_goes_to_a_local_cluster_by_default(self) -> None:
        """Several scenarios: a worker per core, never more than scenarios."""
        import os

        cores = os.cpu_count() or 1
        assert local_workers_for_grid(4, workers=None) == max(1, min(4, cores))
        assert local_workers_for_grid(100, workers=None) == cores

    def test_one_scenario_runs_here(self) -> None:
        """One scenario stays in this process (no cluster start-up)."""
        assert local_workers_for_grid(1, workers=None) == 1

    def test_explicit_workers_win(self) -> None:
        """--workers overrides the default either way."""
        assert local_workers_for_grid(8, workers=1) == 1
        assert local_workers_for_grid(1, workers=3) == 3


class TestSimulateGrid:
    def test_grid_order_and_labels(self) -> None:
        """Designs x medians x accrual rates, in that nesting order."""
        results = simulate_grid([("a", DESIGN)], **IN_PROCESS)  # type: ignore[arg-type]
        assert [(r.design_label, r.characteristics.true_median_months,
                 r.characteristics.accrual_per_month) for r in results] == [
            ("a", 5.0, 1.0), ("a", 5.0, 2.0), ("a", 9.0, 1.0), ("a", 9.0, 2.0)]

    def test_local_cluster_gives_the_in_process_numbers(self) -> None:
        """Seeds follow grid positions, so where a scenario runs does not matter."""
        seen: list[int] = []
        local = simulate_grid([("a", DESIGN)], **IN_PROCESS)  # type: ignore[arg-type]
        on_dask = simulate_grid([("a", DESIGN)], workers=2, processes=False,  # type: ignore[arg-type]
                                progress=seen.append, **GRID)
        assert on_dask == local
        assert seen == [2000] * 4

    def test_existing_scheduler(self) -> None:
        """--scheduler connects to a running cluster and leaves it running."""
        from distributed import LocalCluster

        with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                          dashboard_address=None) as cluster:
            results = simulate_grid([("a", DESIGN)], scheduler=cluster.scheduler_address,
                                    **GRID)  # type: ignore[arg-type]
            assert cluster.status.name == "running"
        assert results == simulate_grid([("a", DESIGN)], **IN_PROCESS)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [({"workers": 0}, "field 'workers': workers must be a whole number >= 1, found 0"),
         ({"true_medians_months": []},
          "the grid is empty: give at least one design, median and rate")],
    )
    def test_bad_grids_are_refused(self, kwargs: dict[str, object], message: str) -> None:
        """Worker counts and empty grids are checked before anything starts."""
        arguments = {**GRID, **kwargs}
        with pytest.raises(MonitoringError) as caught:
            simulate_grid([("a", DESIGN)], **arguments)  # type: ignore[arg-type]
        assert caught.value.one_line() == message
