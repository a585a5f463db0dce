"""The report's figures on two cores: the same figures in the same order, no process left."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.processes import ChildWatch, needs_two

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
