"""Scenario grids: in-process and on a Dask LocalCluster give the same numbers."""

from __future__ import annotations

import numpy as np
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
    def test_any_grid_runs_here_by_default(self) -> None:
        """The in-process simulator keeps every core busy: no grid size starts a cluster by
        itself (benchmarks/README.md: a local cluster was slower at every size measured)."""
        assert local_workers_for_grid(1, workers=None) == 1
        assert local_workers_for_grid(4, workers=None) == 1
        assert local_workers_for_grid(10_000, workers=None) == 1

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

    def test_small_scenarios_side_by_side_give_the_same_numbers(self) -> None:
        """Scenarios of one chunk each run on a thread each, together: same numbers as one
        after another (each scenario and chunk has its own seed)."""
        from minihcvd.monitoring.grid import _run_cell

        together = simulate_grid([("a", DESIGN)], **IN_PROCESS)  # type: ignore[arg-type]
        seeds = np.random.SeedSequence(GRID["seed"]).spawn(4)  # type: ignore[arg-type]
        cells = [(m, a) for m in GRID["true_medians_months"]  # type: ignore[attr-defined]
                 for a in GRID["accruals_per_month"]]  # type: ignore[attr-defined]
        alone = [_run_cell("a", DESIGN, m, a, 2000, seed, threads=1)
                 for (m, a), seed in zip(cells, seeds, strict=True)]
        assert together == alone

    def test_unreachable_scheduler_is_one_line_within_seconds(self) -> None:
        """Nothing listens on port 1: a one-line error after the connect timeout."""
        import time

        from minihcvd.monitoring.grid import CONNECT_TIMEOUT_SECONDS

        start = time.perf_counter()
        with pytest.raises(MonitoringError) as caught:
            simulate_grid([("a", DESIGN)], scheduler="tcp://127.0.0.1:1",
                          **GRID)  # type: ignore[arg-type]
        assert time.perf_counter() - start < CONNECT_TIMEOUT_SECONDS + 5
        assert caught.value.one_line().startswith(
            "field 'scheduler': cannot use the Dask scheduler at 'tcp://127.0.0.1:1': no answer "
            f"within {CONNECT_TIMEOUT_SECONDS} s")

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
        [({"workers": 0},
          "field 'workers': workers must be a whole number from 1 to 1,024, found 0"),
         ({"seed": -1}, "field 'seed': seed must be a whole number from 0 to "
                        "18,446,744,073,709,551,615, found -1"),
         ({"n_trials": 10**9}, "field 'trials': the number of trials must be a whole number "
                               "from 1 to 10,000,000, found 1000000000"),
         ({"true_medians_months": [5.0, 1e308]},
          "field 'true_median_months': true_median_months must be a number > 0 and at most "
          "10000, found 1e+308"),
         ({"accruals_per_month": [1e-9]},
          "field 'accrual_per_month': accrual_per_month must be a number at least 0.001 and "
          "at most 10000, found 1e-09"),
         ({"true_medians_months": [1.0] * 10_001},
          "field 'scenarios': the grid has 20,002 scenarios, more than 10,000"),
         ({"true_medians_months": []},
          "the grid is empty: give at least one design, median and rate")],
    )
    def test_bad_grids_are_refused(self, kwargs: dict[str, object], message: str) -> None:
        """Worker counts and empty grids are checked before anything starts."""
        arguments = {**GRID, **kwargs}
        with pytest.raises(MonitoringError) as caught:
            simulate_grid([("a", DESIGN)], **arguments)  # type: ignore[arg-type]
        assert caught.value.one_line() == message
