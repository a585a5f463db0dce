"""``write_report``: results.json, tables/*.csv, figures/*.png|svg and a self-contained report.html.

Everything is written into a staging folder beside the old report, which it replaces as a whole
only when all of it exists (:func:`minihcvd.atomic.atomic_output_dir`): a failure leaves no
half-written report, and nothing of an earlier run (a forest plot it had) is left.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from minihcvd.atomic import OutputFolder
from minihcvd.errors import ReportError
from minihcvd.parallel import run_jobs
from minihcvd.report.figure_worker import FigureWorker, import_matplotlib
from minihcvd.report.figures import RenderedFigure, forest_figure, km_figure, render
from minihcvd.report.frames import (
    adverse_event_frame,
    baseline_frame,
    cox_frame,
    response_frame,
    survival_frame,
)
from minihcvd.report.html import render_html, report_template
from minihcvd.stats.analysis import AnalysisResults
from minihcvd.stats.cox_models import CoxTerm
from minihcvd.stats.kaplan_meier import KaplanMeierFitter
from minihcvd.stats.survival_summary import GroupComparison

__all__ = [
    "REPORT_OUTPUT", "Reproduction", "build_figures", "figure_jobs", "warm_up", "write_report"
]

#: A report folder: one holding anything else is not replaced (it would be lost).
REPORT_OUTPUT = OutputFolder(
    "the report", ("results.json", "report.html", "tables", "figures"), ReportError
)

FACTOR_TITLES = {
    "cohort": "OS by protocol version (Fig. 1B)",
    "salvage": "OS by salvage status (Fig. 1C)",
    "mrd": "OS by MRD status (Fig. 1D)",
    "sct": "OS by allogeneic SCT (Fig. 1E)",
    "tp53": "OS by TP53 status (Additional file 1, Fig. S4)",
    "cytogenetics": "OS by cytogenetic risk (Additional file 1, Fig. S5)",
}

#: What a reader must know next to a comparison's curves.
FACTOR_CAVEATS = {
    "sct": (
        ". Transplanted patients had to survive until their transplant (immortal-time bias):"
        " see the 4-month SCT landmark and the time-dependent Cox term sct."
    ),
}


class Reproduction(Protocol):
    """The virtual cohort's comparison with the paper (``minihcvd.cohort.ReproductionTable``)."""

    def to_frame(self) -> pd.DataFrame:
        """One row per published number."""
        ...


def write_report(
    results: AnalysisResults,
    out_dir: Path,
    reproduction: Reproduction | None = None,
    *,
    progress: Callable[[str], None] | None = None,
    figures: FigureWorker | None = None,
) -> Path:
    """Write the whole report into ``out_dir`` (created if needed); return report.html's path.

    ``figures``: a :class:`FigureWorker` that may already be drawing ``results``' curves.
    """
    report = progress or (lambda _step: None)
    if figures is not None:
        figures.submit_all(results)  # the last figures start now, beside the work below
    document = results.to_json_dict()
    try:
        text = json.dumps(document, indent=2, allow_nan=False)
    except ValueError as error:  # a NaN would be a bug upstream; never write invalid JSON
        raise ReportError(f"results contain a non-finite number: {error}") from error
    tables = {
        "survival": survival_frame(document),
        "cox_univariate": cox_frame(document, "univariate"),
        "cox_multivariate": cox_frame(document, "multivariate"),
        "table1_baseline": baseline_frame(document),
        "table2_response": response_frame(document),
        "table3_adverse_events": adverse_event_frame(document),
    }
    report("drawing figures")
    report_template()  # compiled here while a helper may still be drawing
    rendered = build_figures(results) if figures is None else figures.finish(results)
    report("writing report.html")
    reproduction_frame = None if reproduction is None else reproduction.to_frame()
    html = render_html(document, rendered, reproduction_frame)
    with REPORT_OUTPUT.writing(Path(out_dir)) as staging:
        (staging / "results.json").write_text(text + "\n", encoding="utf-8")
        (staging / "tables").mkdir()
        for name, frame in tables.items():
            frame.to_csv(staging / "tables" / f"{name}.csv", index=False)
        (staging / "figures").mkdir()
        for figure in rendered:
            (staging / "figures" / f"{figure.name}.png").write_bytes(figure.png)
            (staging / "figures" / f"{figure.name}.svg").write_text(figure.svg, encoding="utf-8")
        (staging / "report.html").write_text(html, encoding="utf-8")
    return Path(out_dir) / "report.html"


def build_figures(results: AnalysisResults) -> list[RenderedFigure]:
    """Fig. 1A (OS and RFS), OS by each factor, each landmark, and the Cox forest plot.

    Each figure is one job (build and render); the jobs run on two cores where there are two
    (:func:`minihcvd.parallel.run_jobs`) and come back in this order.
    """
    jobs = [job for _, job in figure_jobs(results)]
    if not jobs:
        return []
    import_matplotlib()  # once, before any fork: the helper process inherits it
    return run_jobs(jobs)


def figure_jobs(results: AnalysisResults, *, forest: bool = True) -> FigureJobs:
    """(file name, job) of every figure of ``results``, in report order."""
    jobs = _curve_jobs(results)
    return [*jobs, *_forest_jobs(results)] if forest else jobs


FigureJobs = list[tuple[str, Callable[[], RenderedFigure]]]


def _curve_jobs(results: AnalysisResults) -> FigureJobs:
    """Fig. 1A, OS by each factor and each landmark (those in ``results`` so far)."""
    jobs: FigureJobs = []
    if results.os is not None:
        curves = [("OS", results.os.fitter)]
        if results.rfs is not None:
            curves.append(("RFS", results.rfs.fitter))
        title = "Overall and relapse-free survival (Fig. 1A)"
        job = partial(_km_job, curves, "os_rfs", title, title=title, ylabel="Survival")
        jobs.append(("os_rfs", job))
    for factor, comparison in results.os_by.items():
        if comparison.groups:
            title = FACTOR_TITLES.get(factor, f"OS by {factor}")
            caption = FACTOR_TITLES.get(factor, factor) + FACTOR_CAVEATS.get(factor, "")
            name = f"os_by_{factor}"
            jobs.append((name, partial(_comparison_job, comparison, name, caption, title)))
    for key, landmark in results.landmarks.items():
        if landmark.comparison.groups:
            spec = landmark.landmark
            title = (
                f"OS from the {spec.months:g}-month landmark by {spec.exposure}"
                f" ({landmark.population})"
            )
            by = f"by {spec.months:g} months"
            labels = {"yes": f"{spec.exposure} {by}", "no": f"no {spec.exposure} {by}"}
            name = f"landmark_{key}"
            job = partial(
                _comparison_job,
                landmark.comparison,
                name,
                title,
                title,
                labels=labels,
                xlabel="Months from the landmark",
            )
            jobs.append((name, job))
    return jobs


def _forest_jobs(results: AnalysisResults) -> FigureJobs:
    model = results.cox.multivariate
    if model is None:
        return []
    title = "Multivariate Cox model of OS"
    return [("forest_cox", partial(_forest_job, model.terms, "forest_cox", title))]


def warm_up() -> RenderedFigure:
    """A throwaway figure (this module's imports, fonts, text layout, PNG and SVG writers
    loaded): a figures' helper draws it while the data are derived, so the first real figure
    is no slower than the others (otherwise about 0.05 s more)."""
    import_matplotlib()
    curve = KaplanMeierFitter().fit([1.0, 2.0, 3.0], [1.0, 0.0, 1.0])
    return render(km_figure([("warm-up", curve)], title="warm-up", logrank_p=0.5), "warm-up", "")


def _km_job(
    curves: list[tuple[str, KaplanMeierFitter]], name: str, caption: str, **options: Any
) -> RenderedFigure:
    return render(km_figure(curves, **options), name, caption)


def _forest_job(terms: Sequence[CoxTerm], name: str, title: str) -> RenderedFigure:
    return render(forest_figure(terms, title=title), name, title)


def _comparison_job(
    comparison: GroupComparison,
    name: str,
    caption: str,
    title: str,
    *,
    labels: dict[str, str] | None = None,
    xlabel: str = "Months",
) -> RenderedFigure:
    figure = _comparison_figure(comparison, title, labels=labels, xlabel=xlabel)
    return render(figure, name, caption)


def _comparison_figure(
    comparison: GroupComparison,
    title: str,
    *,
    labels: dict[str, str] | None = None,
    xlabel: str = "Months",
) -> Any:
    if not comparison.groups:
        return None
    names = labels or {}
    curves = [(names.get(level, level), s.fitter) for level, s in comparison.groups.items()]
    p = None if comparison.logrank is None else comparison.logrank.p_value
    return km_figure(curves, title=title, logrank_p=p, xlabel=xlabel)
