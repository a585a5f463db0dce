"""``minihcvd monitor``: Bayesian survival monitoring — posterior, design, check, simulate.

Exit codes: 0 fine; 1 the rule says stop (``check``); 2 bad input (one red line).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from minihcvd.atomic import check_output_file
from minihcvd.cli.app import app, console, err_console
from minihcvd.errors import MonitoringError

if TYPE_CHECKING:  # the library loads when a command runs, not at start-up
    from minihcvd.monitoring import InterimLook, MonitoringDesign, ScenarioResult

__all__ = ["monitor"]

monitor = typer.Typer(
    name="monitor",
    help="Bayesian survival monitoring (Thall, Wooten & Tannir 2005): design, check, simulate.",
    no_args_is_help=True,
)
app.add_typer(monitor)

DesignOption = Annotated[
    Path | None,
    typer.Option("--design", help="A design TOML (default: the trial's rule, docs/monitoring.md)."),
]


def _say(line: str) -> None:
    """One line of plain output: never wrapped, no Rich markup or highlighting."""
    console.print(line, soft_wrap=True, markup=False, highlight=False)


def _check_output(path: Path | None, option: str) -> None:
    """An output file may be absent or a regular file; anything else (a folder, the current
    folder '' or '.', a device, a FIFO, a symbolic link) is refused before any work."""
    if path is not None:
        check_output_file(path, error=MonitoringError, option=option)


def _load(path: Path | None) -> tuple[Path, MonitoringDesign]:
    from minihcvd.monitoring import default_design_path, load_design

    chosen = path if path is not None else default_design_path()
    return chosen, load_design(chosen)


@monitor.command()
def posterior(
    deaths: Annotated[int, typer.Option(help="Deaths so far.")],
    exposure_months: Annotated[float, typer.Option(help="Total follow-up, patient-months.")],
    standard_prior: Annotated[
        tuple[float, float], typer.Option(metavar="SHAPE SCALE", help="IG prior of mu_S.")
    ],
    experimental_prior: Annotated[
        tuple[float, float], typer.Option(metavar="SHAPE SCALE", help="IG prior of mu_E.")
    ],
    delta_months: Annotated[float, typer.Option(help="Required gain in mean survival.")] = 0.0,
    patients: Annotated[int | None, typer.Option(help="Patients so far (checks deaths).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print Pr(mu_E > mu_S + delta | deaths, follow-up)."""
    from minihcvd.monitoring import InverseGammaPrior, prob_experimental_better

    p = prob_experimental_better(
        deaths,
        exposure_months,
        standard=InverseGammaPrior(*standard_prior),
        experimental=InverseGammaPrior(*experimental_prior),
        delta_months=delta_months,
        patients=patients,
    )
    if as_json:
        typer.echo(json.dumps({"prob_experimental_better": p}))
    else:
        _say(f"Pr(mu_E > mu_S + {delta_months:g} months | {deaths} deaths, "
                      f"{exposure_months:g} patient-months) = {p:.6f}")


@monitor.command()
def design(
    historical_median_months: Annotated[float, typer.Option(help="Median OS of the standard.")],
    target_improvement_months: Annotated[
        float, typer.Option(help="Median gain the trial hopes for (defines the alternative).")
    ],
    historical_deaths: Annotated[
        float, typer.Option(help="Deaths the historical evidence is worth (prior shape).")
    ] = 100.0,
    historical_median_range: Annotated[
        tuple[float, float] | None,
        typer.Option(metavar="LOW HIGH",
                     help="95% prior interval for the median; sets the shape instead."),
    ] = None,
    experimental_shape: Annotated[float, typer.Option(help="Shape of the vague prior.")] = 3.0,
    delta_months: Annotated[float, typer.Option(help="Gain in mean survival the rule asks.")] = 0.0,
    min_patients: Annotated[int, typer.Option(help="Patients in before the first look.")] = 10,
    max_patients: Annotated[int, typer.Option(help="Planned accrual.")] = 110,
    accrual_per_month: Annotated[float, typer.Option(help="Expected accrual rate.")] = 1.0,
    followup_months: Annotated[float, typer.Option(help="Follow-up after accrual.")] = 12.0,
    max_prob_stop_alternative: Annotated[
        float, typer.Option(help="Limit on P(stop early) under the alternative.")
    ] = 0.10,
    p_lower: Annotated[
        float | None, typer.Option(help="Use this p_L instead of calibrating it.")
    ] = None,
    calibration_trials: Annotated[
        int, typer.Option(help="Simulated trials per scenario.")
    ] = 20_000,
    seed: Annotated[int, typer.Option(help="Seed of the calibration simulation.")] = 2012,
    out: Annotated[Path | None, typer.Option(help="Save the design as TOML.")] = None,
    plot: Annotated[Path | None, typer.Option(help="Save a PNG of the boundary.")] = None,
) -> None:
    """Elicit the priors, calibrate p_L and print the stopping boundary."""
    from minihcvd.monitoring import design_trial, save_design, shape_from_median_interval

    _check_output(out, "--out")
    _check_output(plot, "--plot")
    if historical_median_range is not None:
        historical_deaths = shape_from_median_interval(*historical_median_range)
    made = design_trial(
        historical_median_months=historical_median_months,
        target_improvement_months=target_improvement_months,
        historical_deaths=historical_deaths,
        experimental_shape=experimental_shape,
        delta_months=delta_months,
        min_patients=min_patients,
        max_patients=max_patients,
        accrual_per_month=accrual_per_month,
        followup_months=followup_months,
        max_prob_stop_alternative=max_prob_stop_alternative,
        calibration_trials=calibration_trials,
        seed=seed,
        p_lower=p_lower,
    )
    _print_design(made)
    if out is not None:
        save_design(made, out)
        _say(f"design saved to {out}")
    if plot is not None:
        from minihcvd.monitoring.plot import plot_boundary

        plot_boundary(made, plot)
        _say(f"boundary plot saved to {plot}")


def _print_design(made: MonitoringDesign) -> None:
    from minihcvd.monitoring import median_interval_months

    low, high = median_interval_months(made.standard)
    record = made.elicitation
    _say(
        f"standard prior: mu_S ~ IG({made.standard.shape:.4g}, {made.standard.scale:.6g}), "
        f"prior median OS 95% interval {low:.2f}–{high:.2f} months"
    )
    _say(f"experimental prior: mu_E ~ IG({made.experimental.shape:.4g}, "
                  f"{made.experimental.scale:.6g}) (same mean, vague)")
    _say(f"rule: from {made.min_patients} patients, stop accrual when "
                  f"Pr(mu_E > mu_S + {made.delta_months:g} | data) < p_L = {made.p_lower:g}")
    if record is not None:
        alternative = record.historical_median_months + record.target_improvement_months
        _say(
            f"P(stop early): {record.prob_stop_null:.3f} at median "
            f"{record.historical_median_months:g} months, {record.prob_stop_alternative:.3f} "
            f"at {alternative:g} months ({record.calibration_trials} trials each)"
        )
    table = Table(title="stopping boundary (continue while follow-up ≥ it)")
    table.add_column("deaths", justify="right")
    table.add_column("least follow-up to continue (patient-months)", justify="right")
    for deaths, months in enumerate(made.boundary_months):
        table.add_row(str(deaths), f"{months:.2f}")
    console.print(table)


@monitor.command()
def check(
    directory: Annotated[Path, typer.Argument(help="Trial data package folder.")],
    as_of: Annotated[str, typer.Option(help="Date of the data cut, YYYY-MM-DD.")],
    replay_history: Annotated[
        bool, typer.Option("--replay", help="Apply the rule at every enrollment up to then.")
    ] = False,
    design_file: DesignOption = None,
    plot: Annotated[
        Path | None, typer.Option(help="With --replay: save a PNG of the path and boundary.")
    ] = None,
) -> None:
    """Apply the rule to a trial data package as of a date (exit 1 if it says stop)."""
    from minihcvd.monitoring import check_as_of, replay
    from minihcvd.trialdata import read_package

    date = _parse_date(as_of)
    _check_output(plot, "--plot")
    path, chosen = _load(design_file)
    patients = read_package(directory).patients
    _say(f"design {path.name}: from {chosen.min_patients} patients, stop when "
                  f"Pr(mu_E > mu_S + {chosen.delta_months:g} | data) < {chosen.p_lower:g}")
    if replay_history:
        looks = replay(chosen, patients, date)
        if not looks:
            enrolled = check_as_of(chosen, patients, date).patients
            _say(f"no look yet: {enrolled} patient(s) enrolled by {date}, the rule looks from "
                 f"{chosen.min_patients}: continue")
        stopped = bool(looks) and _print_replay(looks, chosen)
        if plot is not None:
            from minihcvd.monitoring.plot import plot_boundary

            plot_boundary(chosen, plot, looks)
            _say(f"boundary plot saved to {plot}")
    else:
        look = check_as_of(chosen, patients, date)
        _say(_describe(look, chosen))
        stopped = look.stop
    if stopped:
        raise typer.Exit(1)


def _parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise MonitoringError(f"expected a date YYYY-MM-DD, found {text!r}",
                              field="as_of") from None


def _describe(look: InterimLook, chosen: MonitoringDesign) -> str:
    data = (f"as of {look.as_of}: {look.patients} patients, {look.deaths} deaths, "
            f"{look.exposure_months:.1f} patient-months")
    if not look.active:
        return f"{data}; rule not active before {chosen.min_patients} patients: continue"
    verdict = "stop" if look.stop else "continue"
    relation = "<" if look.stop else ">="
    return (f"{data}; Pr = {look.prob_experimental_better:.4f} {relation} "
            f"{chosen.p_lower:g}: {verdict}")


def _print_replay(looks: list[InterimLook], chosen: MonitoringDesign) -> bool:
    first_stop = next((look for look in looks if look.stop), None)
    _say(f"replayed {len(looks)} enrollment dates from {looks[0].as_of} "
                  f"to {looks[-1].as_of}")
    if first_stop is not None:
        _say(f"the rule would have stopped the trial on {first_stop.as_of}")
        _say(_describe(first_stop, chosen))
        return True
    lowest = min(looks, key=lambda look: look.prob_experimental_better)
    _say("the rule would not have stopped the trial; lowest probability:")
    _say(_describe(lowest, chosen))
    return False


@monitor.command()
def simulate(
    true_median_months: Annotated[
        str, typer.Option(help="True median OS, comma-separated for several (e.g. 5,7.7,11.7).")
    ],
    trials: Annotated[int, typer.Option(help="Simulated trials per scenario.")] = 10_000,
    max_patients: Annotated[
        int | None, typer.Option(help="Planned accrual (default: the design's).")
    ] = None,
    accrual_per_month: Annotated[
        str, typer.Option(help="Accrual rate, comma-separated for several.")
    ] = "1",
    design_files: Annotated[
        list[Path] | None,
        typer.Option("--design", help="Design TOML; repeat for several (default: the trial's)."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed; each scenario gets its own child stream.")] = 1,
    workers: Annotated[
        int | None,
        typer.Option(help="Run on a local Dask cluster of K worker processes (1 = in this "
                     "process, the default: it already uses every core)."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Address of a running Dask scheduler (tcp://HOST:PORT) to run on."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Operating characteristics: P(stop early), mean patients, mean duration (± MC error)."""
    from minihcvd.monitoring import simulate_grid

    medians = _numbers(true_median_months, "true_median_months")
    accruals = _numbers(accrual_per_month, "accrual_per_month")
    designs = [_load(path) for path in design_files] if design_files else [_load(None)]
    labelled = [
        (path.name, made if max_patients is None else replace(made, max_patients=max_patients))
        for path, made in designs
    ]
    total = trials * len(labelled) * len(medians) * len(accruals)
    with _progress(total) as advance:
        results = simulate_grid(labelled, true_medians_months=medians,
                                accruals_per_month=accruals, n_trials=trials, seed=seed,
                                workers=workers, scheduler=scheduler, progress=advance)
    if as_json:
        typer.echo(json.dumps(_scenarios_json(results, len(labelled) > 1, len(accruals) > 1)))
    else:
        console.print(_scenarios_table(results))


def _numbers(text: str, name: str) -> list[float]:
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        raise MonitoringError(f"expected comma-separated numbers, found {text!r}",
                              field=name) from None
    if not all(math.isfinite(value) and value > 0 for value in values):
        raise MonitoringError(f"every value must be > 0, found {text!r}", field=name)
    return values


@contextmanager
def _progress(total: int) -> Iterator[Callable[[int], None]]:
    columns = (TextColumn("simulating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    # Drawn only on a terminal: piped or captured stderr stays empty.
    with Progress(*columns, console=err_console, transient=True,
                  disable=not err_console.is_terminal) as bar:
        task = bar.add_task("trials", total=total)
        yield lambda done: bar.advance(task, done)


def _scenarios_json(
    results: list[ScenarioResult], several_designs: bool, several_accruals: bool
) -> dict[str, list[dict[str, float | str]]]:
    """The issue's shape; grid dimensions that vary add their own key."""
    scenarios: list[dict[str, float | str]] = []
    for result in results:
        entry: dict[str, float | str] = dict(result.characteristics.to_json_dict())
        if several_accruals:
            entry["accrual_per_month"] = result.characteristics.accrual_per_month
        if several_designs:
            entry["design"] = result.design_label
        scenarios.append(entry)
    return {"scenarios": scenarios}


def _scenarios_table(results: list[ScenarioResult]) -> Table:
    labels = sorted({result.design_label for result in results})
    several = len(labels) > 1
    table = Table(title=f"{'designs' if several else labels[0]}: "
                  f"{results[0].characteristics.trials} trials per scenario, ± Monte Carlo s.e.")
    names = ("median (months)", "accrual/month", "P(stop early)", "mean patients",
             "mean duration (months)")
    for name in ("design", *names) if several else names:
        table.add_column(name, justify="left" if name == "design" else "right")
    for result in results:
        oc = result.characteristics
        table.add_row(
            *([result.design_label] if several else []),
            f"{oc.true_median_months:g}",
            f"{oc.accrual_per_month:g}",
            f"{oc.prob_stop_early:.3f} ± {oc.prob_stop_early_se:.3f}",
            f"{oc.mean_patients:.1f} ± {oc.mean_patients_se:.1f}",
            f"{oc.mean_duration_months:.1f} ± {oc.mean_duration_months_se:.1f}",
        )
    return table
