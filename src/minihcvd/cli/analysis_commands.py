"""``minihcvd analyze``: the paper's full analysis of a trial data package, with its report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from minihcvd.cli.app import app, console, err_console, skip_teardown
from minihcvd.errors import AnalysisError

__all__ = ["analyze", "parse_covariates", "parse_landmarks"]

REPORT_STEPS = ("drawing figures", "writing report.html")


def parse_covariates(text: str | None) -> tuple[str, ...] | None:
    """``a,b`` → ("a", "b"); None or blank → None (screen the univariate models)."""
    if text is None or not text.strip():
        return None
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    return names or None


def parse_landmarks(text: str | None) -> tuple[tuple[str, float], ...] | None:
    """``blinatumomab:2,sct:4`` → (("blinatumomab", 2.0), ("sct", 4.0)); None → defaults."""
    if text is None:
        return None
    landmarks = []
    for item in text.split(","):
        exposure, _, months = item.strip().partition(":")
        try:
            landmarks.append((exposure.strip(), float(months)))
        except ValueError:
            raise AnalysisError(
                f"--landmarks item {item.strip()!r} is not EXPOSURE:MONTHS (e.g. sct:4)"
            ) from None
    return tuple(landmarks)


@app.command()
def analyze(
    directory: Annotated[Path, typer.Argument(help="Trial data package folder (patients.csv …).")],
    out: Annotated[Path, typer.Option("--out", help="Output folder for the report.")],
    covariates: Annotated[
        str | None,
        typer.Option(help="Multivariate Cox covariates, comma-separated (sct = time-dependent)."),
    ] = None,
    landmarks: Annotated[
        str | None, typer.Option(help="Landmarks as EXPOSURE:MONTHS, e.g. blinatumomab:2,sct:4.")
    ] = None,
    ci: Annotated[str, typer.Option(help="KM CI transform: log-log, log or plain.")] = "log-log",
) -> None:
    """Run every analysis of the paper and write results.json, tables, figures, report.html."""
    import gc

    import pandas  # noqa: F401  (see below)

    from minihcvd.report.figure_worker import FigureWorker  # no analysis or matplotlib yet

    given_landmarks = parse_landmarks(landmarks)
    given_covariates = parse_covariates(covariates)
    # The figures' helper is forked before this process imports the analysis: it imports
    # matplotlib meanwhile (on the core those imports leave idle), warms up while the datasets
    # are derived, then draws each curve as soon as the analysis has it. pandas is imported
    # first, so that the helper shares it (its figure code needs it too) instead of importing
    # it again (0.25 s of CPU at 200,000 patients, on two cores); the objects made so far are
    # frozen, so that the helper's garbage collections do not touch (and copy) shared pages
    # (and thawed at the end, for a caller that runs the command in its own process and had
    # frozen nothing itself).
    frozen_by_caller = gc.get_freeze_count() > 0
    try:
        gc.freeze()
        with FigureWorker() as figures:
            from minihcvd.report import write_report
            from minihcvd.report.writer import REPORT_OUTPUT
            from minihcvd.stats.analysis import ANALYSIS_STEPS, AnalysisOptions, analyze_package
            from minihcvd.stats.landmarks import Landmark
            from minihcvd.trialdata import read_package

            gc.freeze()  # the analysis modules too: the collections while it runs skip them
            REPORT_OUTPUT.check(out)  # before the work: a refused --out wastes none of it
            options = AnalysisOptions(
                covariates=given_covariates,
                ci_type=ci,
                **(
                    {}
                    if given_landmarks is None
                    else {"landmarks": tuple(Landmark(e, m) for e, m in given_landmarks)}
                ),
            )
            steps = ("reading the package", *ANALYSIS_STEPS, *REPORT_STEPS)
            with Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                TimeElapsedColumn(),
                console=err_console,
                transient=True,
            ) as progress:
                task = progress.add_task(steps[0], total=len(steps))

                def advance(step: str) -> None:
                    progress.update(task, description=step, advance=1)

                package = read_package(directory)
                figures.warm_up()
                results = analyze_package(
                    package, options, progress=advance, on_curves=figures.submit_curves
                )
                report = write_report(results, out, progress=advance, figures=figures)
                progress.update(task, completed=len(steps))
    finally:
        if not frozen_by_caller:
            gc.unfreeze()
    for note in results.all_notes():  # notes hold Cox term names like salvage[S2]: escape
        err_console.print(f"[yellow]note:[/yellow] {escape(note)}", soft_wrap=True)
    console.print(f"wrote {escape(str(report))}", soft_wrap=True)
    skip_teardown()  # all written, helpers reaped: freeing the data at exit is wasted time
