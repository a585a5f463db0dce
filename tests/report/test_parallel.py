"""Figures on two cores: same results in the same order, errors raised, no process left behind."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest

from minihcvd.report import CurveFigures, build_figures, write_report
from minihcvd.report.parallel import render_jobs, worker_processes
from minihcvd.stats.analysis import AnalysisResults

needs_two = pytest.mark.skipif(worker_processes() < 2, reason="needs fork and two cores")


def _square(value: int) -> tuple[int, int]:
    time.sleep(0.05)  # long enough for the helper to take some of the jobs, even under load
    return value * value, os.getpid()


def _fail(value: int) -> int:
    raise ValueError(f"job {value} failed")


def _child_pids() -> set[int]:
    """This process's children, exited-but-unreaped ones included (from /proc)."""
    me = os.getpid()
    children = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # Fields after the ")" that closes the command name: state, ppid, ...
        if int(stat.rsplit(")", 1)[1].split()[1]) == me:
            children.add(int(entry))
    return children


_CHILDREN_AT_START: set[int] = set()


@pytest.fixture(autouse=True)
def _children_at_start() -> None:
    """Children that other code left running (e.g. multiprocessing's resource tracker)."""
    _CHILDREN_AT_START.clear()
    _CHILDREN_AT_START.update(_child_pids())


def _no_children_left() -> bool:
    """No process started during this test is left running or unreaped."""
    return _child_pids() <= _CHILDREN_AT_START


class TestRenderJobs:
    @needs_two
    def test_results_in_job_order_from_both_processes(self) -> None:
        """Every job runs once, results come back in order, some in the helper process."""
        jobs: list[Callable[[], tuple[int, int]]] = [partial(_square, i) for i in range(12)]
        results = render_jobs(jobs)
        assert [value for value, _ in results] == [i * i for i in range(12)]
        assert {pid for _, pid in results} - {os.getpid()}, "the helper drew nothing"
        assert _no_children_left()

    def test_serial_when_told(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """MINIHCVD_FIGURE_PROCESSES=1 draws everything in this process."""
        monkeypatch.setenv("MINIHCVD_FIGURE_PROCESSES", "1")
        assert worker_processes() == 1
        results = render_jobs([partial(_square, i) for i in range(4)])
        assert results == [(i * i, os.getpid()) for i in range(4)]

    @needs_two
    def test_an_error_is_raised_here_and_the_helper_reaped(self) -> None:
        """A failing job raises in the caller (redrawn here if the helper hit it)."""
        jobs: list[Callable[[], object]] = [partial(_square, i) for i in range(6)]
        jobs[3] = partial(_fail, 3)
        with pytest.raises(ValueError, match="job 3 failed"):
            render_jobs(jobs)
        assert _no_children_left()

    def test_single_job_needs_no_helper(self) -> None:
        assert render_jobs([partial(_square, 5)]) == [(25, os.getpid())]
        assert render_jobs([]) == []


@needs_two
def test_figures_do_not_depend_on_the_split(
    results: AnalysisResults, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same PNGs, names and titles, in the same order, on one core or two."""
    parallel = build_figures(results)
    monkeypatch.setenv("MINIHCVD_FIGURE_PROCESSES", "1")
    serial = build_figures(results)
    assert [(f.name, f.title, f.png) for f in parallel] == [
        (f.name, f.title, f.png) for f in serial
    ]
    assert _no_children_left()


def test_curve_figures_started_early_match_build_figures(
    results: AnalysisResults, tmp_path: Path
) -> None:
    """Curves started before the Cox models, forest added at the end: the same figures."""
    expected = build_figures(results)
    with CurveFigures(results) as started:
        report = write_report(results, tmp_path / "out", figures=started)
    assert _no_children_left()
    for figure in expected:
        assert (report.parent / "figures" / f"{figure.name}.png").read_bytes() == figure.png
    assert sorted(p.stem for p in (report.parent / "figures").glob("*.png")) == sorted(
        f.name for f in expected
    )


def test_abandoned_curve_figures_leave_no_process(results: AnalysisResults) -> None:
    """A failed analysis after the curves were started: closing stops the helper."""
    started = CurveFigures(results)
    started.close()
    started.close()
    assert _no_children_left()


def test_on_curves_comes_before_the_cox_models(tmp_path: Path) -> None:
    """The hook sees every curve and no Cox model yet."""
    from tests.stats.packages import make_package

    from minihcvd.stats.analysis import analyze_package

    seen: list[tuple[bool, int, int]] = []

    def hook(partial: AnalysisResults) -> None:
        seen.append((partial.os is not None, len(partial.os_by), len(partial.cox.univariate)))

    final = analyze_package(make_package(tmp_path), on_curves=hook)
    assert seen == [(True, len(final.os_by), 0)]
    assert final.cox.univariate
