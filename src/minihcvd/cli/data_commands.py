"""``minihcvd validate`` and ``minihcvd derive``: check a trial data package, build its ADaM.

Thin: call :mod:`minihcvd.trialdata` and :mod:`minihcvd.adam`, print with Rich. Problems are
listed one per line as ``file, row N, field 'x': what is wrong`` (rows count data rows: 1 is
the first row after the header), capped at ``--max-problems`` with a count of the rest; the exit
code is 2 when there is any problem.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from minihcvd.cli.app import app, console, err_console
from minihcvd.errors import ValidationFailed

if TYPE_CHECKING:  # the data layers load when a command runs, not at start-up
    from minihcvd.trialdata import Problem, TrialPackage

__all__ = ["derive", "validate"]

DEFAULT_MAX_PROBLEMS = 50
_PACKAGE_HELP = "Folder of the trial data package (patients.csv and optional files)."
_MAX_HELP = "Show at most this many problems (0 = all)."


def _print_problems(problems: list[Problem], directory: Path, max_problems: int) -> None:
    count = len(problems)
    noun = "problem" if count == 1 else "problems"
    err_console.print(
        f"[bold red]{count} {noun}[/bold red] in {escape(str(directory))} "
        "(row = data row, 1 is the first row after the header):",
        soft_wrap=True,
    )
    shown = problems if max_problems <= 0 else problems[:max_problems]
    for problem in shown:
        err_console.print(f"  {escape(problem.one_line())}", soft_wrap=True, highlight=False)
    if len(shown) < count:
        rest = count - len(shown)
        err_console.print(f"  … and {rest} more (use --max-problems 0 to list all)", soft_wrap=True)


def _read_or_exit(directory: Path, max_problems: int) -> TrialPackage:
    """The package, or every problem printed and exit code 2."""
    from minihcvd.trialdata import read_package

    try:
        return read_package(directory)
    except ValidationFailed as failed:
        _print_problems(failed.problems, directory, max_problems)
        raise typer.Exit(2) from None


def _summary(package: TrialPackage) -> str:
    from minihcvd.trialdata import FILES

    parts = [f"{len(package.patients)} patients"]
    for spec in FILES[1:]:
        frame = getattr(package, spec.name.removesuffix(".csv"))
        if frame is not None:
            parts.append(f"{spec.name} {len(frame)} rows")
    return "; ".join(parts)


@app.command()
def validate(
    directory: Annotated[Path, typer.Argument(help=_PACKAGE_HELP)],
    max_problems: Annotated[int, typer.Option(help=_MAX_HELP)] = DEFAULT_MAX_PROBLEMS,
) -> None:
    """Check every file of a trial data package; list every problem (exit 2 if any)."""
    package = _read_or_exit(directory, max_problems)
    console.print(f"valid: {escape(str(directory))} — {_summary(package)}", soft_wrap=True)


@app.command()
def derive(
    directory: Annotated[Path, typer.Argument(help=_PACKAGE_HELP)],
    out: Annotated[Path, typer.Option(help="Folder to write the datasets into.")],
    xpt: Annotated[
        bool, typer.Option("--xpt", help="Also write SAS transport (XPORT v5) files.")
    ] = False,
    max_problems: Annotated[int, typer.Option(help=_MAX_HELP)] = DEFAULT_MAX_PROBLEMS,
) -> None:
    """Derive ADSL, ADRS, ADTTE, ADAE and the SCT interval table from a package."""
    from minihcvd.adam import derive_all
    from minihcvd.adam.export import DATASETS_OUTPUT, dataset_frames, write_datasets

    DATASETS_OUTPUT.check(out)
    package = _read_or_exit(directory, max_problems)
    datasets = derive_all(package)
    write_datasets(datasets, out, xpt=xpt)
    sizes = ", ".join(f"{name} {len(frame)}" for name, frame in dataset_frames(datasets).items())
    kinds = "CSV and XPT" if xpt else "CSV"
    console.print(f"wrote {kinds} to {escape(str(out))}: {sizes} rows", soft_wrap=True)
