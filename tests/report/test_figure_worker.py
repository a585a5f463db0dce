"""The report's figures on two cores: the same figures in the same order, no process left."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.processes import ChildWatch, loaded_by_import, needs_two

from minihcvd.report import FigureWorker, build_figures, write_report
from minihcvd.stats.analysis import AnalysisResults


@needs_two
def test_figures_do_not_depend_on_the_split(
    results: AnalysisResults, monkeypatch: pytest.MonkeyPatch, children: ChildWatch
) -> None:
    """The same PNGs, names and titles, in the same order, on one core or two."""
    parallel = build_figures(results)
    monkeypatch.setenv("MINIHCVD_PROCESSES", "1")
    serial = build_figures(results)
    assert [(f.name, f.title, f.png) for f in parallel] == [
        (f.name, f.title, f.png) for f in serial
    ]
    assert children.none_left()


def test_figure_worker_matches_build_figures(
    results: AnalysisResults, tmp_path: Path, children: ChildWatch
) -> None:
    """Warmed up, curves sent early, forest added at the end: the same figures, in the same
    order (and no warm-up figure among them)."""
    expected = build_figures(results)
    with FigureWorker() as figures:
        figures.warm_up()
        figures.submit_curves(results)
        report = write_report(results, tmp_path / "out", figures=figures)
    assert children.none_left()
    for figure in expected:
        assert (report.parent / "figures" / f"{figure.name}.png").read_bytes() == figure.png
    assert sorted(p.stem for p in (report.parent / "figures").glob("*.png")) == sorted(
        f.name for f in expected
    )


def test_the_worker_module_loads_no_analysis() -> None:
    """analyze forks the figures' helper before it imports the analysis (pandas only, which
    the helper shares): the module it comes from (and the report package itself) must stay
    that light."""
    heavy = ("pandas", "matplotlib", "minihcvd.stats", "minihcvd.report.writer")
    assert loaded_by_import("minihcvd.report.figure_worker", heavy) == []


def test_without_a_helper_there_is_no_warm_up(
    results: AnalysisResults, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """On one process the figures are drawn at the end, here, and no throwaway figure first."""
    from minihcvd.report import writer

    def no_warm_up() -> None:
        raise AssertionError("the warm-up figure was drawn")

    monkeypatch.setenv("MINIHCVD_PROCESSES", "1")
    monkeypatch.setattr(writer, "warm_up", no_warm_up)
    with FigureWorker() as figures:
        figures.warm_up()
        figures.submit_curves(results)
        report = write_report(results, tmp_path / "out", figures=figures)
    assert sorted(p.stem for p in (report.parent / "figures").glob("*.png")) == sorted(
        f.name for f in build_figures(results)
    )


def test_the_report_package_names_load_on_demand() -> None:
    """Its public names come from their modules; anything else is an AttributeError."""
    import minihcvd.report as report

    assert report.write_report.__module__ == "minihcvd.report.writer"
    assert report.FigureWorker.__module__ == "minihcvd.report.figure_worker"
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        report.nothing  # noqa: B018



def test_the_helper_keeps_its_modules_out_of_garbage_collection() -> None:
    """The helper's set-up imports matplotlib and freezes what exists then (in a fresh
    interpreter: freezing is for the short-lived helper, never for the caller)."""
    import subprocess
    import sys

    code = (
        "import gc, sys; from minihcvd.report.figure_worker import _prepare_helper;"
        " _prepare_helper(); print(gc.get_freeze_count(), 'matplotlib.figure' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    frozen, imported = done.stdout.split()
    assert int(frozen) > 10_000 and imported == "True"
