"""``minihcvd synthesize``, ``reproduce`` and ``demo``: the virtual cohort and its comparison.

The library does the work (``minihcvd.cohort``); these commands parse options, show progress
and print where the output went. Heavy modules are imported inside the commands so that
``minihcvd --help`` and the other commands stay fast.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Final

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from minihcvd.atomic import OutputFolder
from minihcvd.cli.app import app, console, err_console
from minihcvd.errors import CohortError

if TYPE_CHECKING:
    import pandas as pd

    from minihcvd.cohort import ReproductionTable

__all__ = ["demo", "reproduce", "synthesize"]

DEFAULT_DEMO_DIR: Final = Path("minihcvd-demo")
DEFAULT_REPRODUCTION_DIR: Final = Path("minihcvd-reproduction")
#: The folder of ``reproduce``: replaced as a whole, so it may hold only these.
REPRODUCTION_OUTPUT: Final = OutputFolder(
    "the reproduction table", ("reproduction.csv", "reproduction.md"), CohortError
)
#: The headline numbers the demo prints next to the paper's (target keys).
HEADLINES: Final = (
    "orr/overall",
    "cr/overall",
    "mrd_neg_overall/overall",
    "sct/overall",
    "os_median/overall",
    "os_3y/overall",
    "os_3y/original",
    "os_3y/amended",
    "rfs_3y/overall",
    "followup_median/overall",
    "alive/overall",
)


def _check_positive(value: int, name: str) -> None:
    if value < 1:
        raise CohortError(f"expected a whole number >= 1, found {value}", field=name)


@app.command()
def synthesize(
    out: Annotated[Path, typer.Option("--out", help="Folder for the trial data package.")],
    seed: Annotated[int | None, typer.Option(help="Random seed (default: the demo's).")] = None,
    patients: Annotated[int, typer.Option(help="Number of patients (110 as in the trial).")] = 110,
) -> None:
    """Generate a virtual trial (patients, assessments, adverse events, doses) as a package."""
    from minihcvd.cohort import DEFAULT_SEED
    from minihcvd.cohort import synthesize as make_cohort
    from minihcvd.trialdata import PACKAGE_OUTPUT, write_package

    PACKAGE_OUTPUT.check(out)
    package = make_cohort(DEFAULT_SEED if seed is None else seed, patients)
    write_package(package, out)
    alive = int(package.patients["death_date"].isna().sum())
    console.print(
        f"wrote {out}: {len(package.patients)} patients ({alive} alive at cut-off)", soft_wrap=True
    )


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )


def _write_table(table: ReproductionTable, out: Path) -> None:
    frame = table.to_frame()
    with REPRODUCTION_OUTPUT.writing(out) as staging:
        frame.to_csv(staging / "reproduction.csv", index=False)
        (staging / "reproduction.md").write_text(table.to_markdown(), encoding="utf-8")


@app.command()
def reproduce(
    seeds: Annotated[int, typer.Option(help="Number of seeds for the ranges.")] = 200,
    out: Annotated[Path, typer.Option("--out", help="Folder for the table.")] = (
        DEFAULT_REPRODUCTION_DIR
    ),
    patients: Annotated[int, typer.Option(help="Patients per cohort.")] = 110,
    workers: Annotated[int | None, typer.Option(help="Processes (default: one per core).")] = None,
) -> None:
    """Compare every published number with the default seed and the range over many seeds."""
    from minihcvd.cohort import DEFAULT_SEED, measure_seed, reproduction_table, run_seeds

    _check_positive(seeds, "seeds")
    _check_positive(patients, "patients")
    REPRODUCTION_OUTPUT.check(out)
    started = time.perf_counter()
    with _progress() as progress:
        task = progress.add_task("synthesize + analyse", total=seeds + 1)
        default = measure_seed(DEFAULT_SEED, patients)
        progress.advance(task)
        per_seed = run_seeds(
            range(1, seeds + 1), patients, workers=workers, progress=lambda: progress.advance(task)
        )
    table = reproduction_table(default, per_seed)
    _write_table(table, out)
    outside = table.outside()
    console.print(
        f"{len(table.rows)} published numbers, {seeds} seeds, "
        f"{time.perf_counter() - started:.0f} s: {len(outside)} outside the "
        f"2.5–97.5% range over seeds",
        soft_wrap=True,
    )
    for row in outside:
        t = row.target
        console.print(
            f"  outside: {t.label} ({t.group}, {t.place}): paper {t.value:g}, "
            f"seeds {row.low:.3g}–{row.high:.3g}",
            soft_wrap=True,
            markup=False,
        )
    console.print(f"wrote {out / 'reproduction.csv'} and {out / 'reproduction.md'}", soft_wrap=True)


def _headline_table(table: ReproductionTable) -> Table:
    rows = {r.target.key: r for r in table.rows}
    shown = Table(title="Virtual cohort (default seed) vs the paper")
    for name in ("number", "group", "paper", "virtual cohort", "unit"):
        shown.add_column(name)
    for key in HEADLINES:
        row = rows[key]
        value = row.default_value
        text = "—" if math.isnan(value) else f"{value:.{row.target.decimals}f}"
        shown.add_row(
            row.target.label, row.target.group, f"{row.target.value:g}", text, row.target.unit
        )
    return shown


def _dose_records(seed: int) -> pd.DataFrame | None:
    """The default cohort's administrations (run in a worker while the analysis runs)."""
    from minihcvd.cohort import synthesize

    return synthesize(seed).administrations


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = DEFAULT_DEMO_DIR,
) -> None:
    """Virtual trial → data package → ADaM → analysis → report with the paper's numbers."""
    from minihcvd.cohort import (
        DEFAULT_SEED,
        analyze_cohort,
        measure_cohort,
        reproduction_table,
        synthesize,
    )
    from minihcvd.report import write_report
    from minihcvd.report.writer import REPORT_OUTPUT
    from minihcvd.stats.analysis import ANALYSIS_STEPS
    from minihcvd.trialdata import write_package

    # the report and its package in one folder, replaced as a whole
    demo_output = OutputFolder("the demo", (*REPORT_OUTPUT.owned, "package"), CohortError)
    demo_output.check(out)
    steps = ("synthesizing the virtual trial", *ANALYSIS_STEPS, "drawing figures",
             "writing report.html", "writing the data package")
    with _progress() as progress, ProcessPoolExecutor(max_workers=1) as pool:
        task = progress.add_task(steps[0], total=len(steps))

        def advance(step: str) -> None:
            progress.update(task, description=step, advance=1)

        # The dose records are not analysed: build them on the second core meanwhile.
        doses = pool.submit(_dose_records, DEFAULT_SEED)
        package = synthesize(DEFAULT_SEED, administrations=False)
        results = analyze_cohort(package, progress=advance)
        table = reproduction_table(measure_cohort(package, results.to_json_dict()), [])
        with demo_output.writing(out) as staging:
            write_report(results, staging, table, progress=advance)
            advance(steps[-1])
            write_package(replace(package, administrations=doses.result()), staging / "package")
    console.print(_headline_table(table))
    console.print(f"report: {out / 'report.html'}", soft_wrap=True)
    console.print(f"data package: {out / 'package'}", soft_wrap=True)
