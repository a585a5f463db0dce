"""Does the model explain the paper? Every published number against the generated cohorts.

``reproduction_table`` puts each published value next to the default seed's value and the
2.5–97.5% range over many seeds, and flags the published values outside that range.
``run_seeds`` produces the per-seed measurements (synthesize → analyse → measure), in worker
processes when asked.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

from minihcvd.cohort.measures import measure_cohort
from minihcvd.cohort.synthesize import synthesize
from minihcvd.cohort.targets import PublishedTarget, published_targets
from minihcvd.stats.analysis import AnalysisOptions, AnalysisResults, analyze_package
from minihcvd.trialdata import TrialPackage

__all__ = [
    "PAPER_COX_COVARIATES",
    "ReproductionRow",
    "ReproductionTable",
    "analyze_cohort",
    "measure_seed",
    "reproduction_table",
    "run_seeds",
]

#: The paper's final multivariate model (Results, Cox paragraph); fixed so every seed fits the
#: same model as the paper reports, instead of re-screening covariates per seed.
PAPER_COX_COVARIATES: Final = ("pb_blasts_pct", "high_risk_cytogenetics", "tp53_mutated", "cohort")
_OPTIONS: Final = AnalysisOptions(covariates=PAPER_COX_COVARIATES)


@dataclass(frozen=True)
class ReproductionRow:
    """One published number with its value on the default seed and its range over seeds."""

    target: PublishedTarget
    default_value: float
    low: float
    high: float

    @property
    def outside(self) -> bool | None:
        """Published value outside the seeds' 2.5–97.5% range (None without a range)."""
        if math.isnan(self.low) or math.isnan(self.high):
            return None
        digits = self.target.decimals
        return not round(self.low, digits) <= self.target.value <= round(self.high, digits)


@dataclass(frozen=True)
class ReproductionTable:
    """The reproduction check: one row per published number and group."""

    rows: tuple[ReproductionRow, ...]
    n_seeds: int

    def to_frame(self) -> pd.DataFrame:
        """One row per published number, values as printed (the report and the CSV file).

        Measured values get one decimal more than the paper prints; the range columns are
        present only when there are seeds.
        """
        columns: dict[str, list[str]] = {
            "number": [r.target.label for r in self.rows],
            "group": [r.target.group for r in self.rows],
            "place in paper": [r.target.place for r in self.rows],
            "kind": [r.target.kind for r in self.rows],
            "unit": [r.target.unit for r in self.rows],
            "paper": [f"{r.target.value:g}" for r in self.rows],
            "default seed": [_shown(r.default_value, r.target.decimals) for r in self.rows],
        }
        if self.n_seeds:
            columns["2.5%"] = [_shown(r.low, r.target.decimals) for r in self.rows]
            columns["97.5%"] = [_shown(r.high, r.target.decimals) for r in self.rows]
            columns["outside range"] = ["yes" if r.outside else "" for r in self.rows]
        return pd.DataFrame(columns)

    def to_markdown(self) -> str:
        """The table as a Markdown pipe table (for docs/virtual-cohort.md)."""
        frame = self.to_frame()
        lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
        lines += ["| " + " | ".join(row) + " |" for row in frame.itertuples(index=False)]
        return "\n".join(lines) + "\n"

    def outside(self) -> list[ReproductionRow]:
        """The rows whose published value falls outside the range over seeds."""
        return [r for r in self.rows if r.outside]

    def to_json_dict(self) -> dict[str, Any]:
        """The table as JSON (NaN as null)."""

        def number(x: float) -> float | None:
            return None if math.isnan(x) else x

        return {
            "n_seeds": self.n_seeds,
            "rows": [
                {
                    "id": r.target.id,
                    "group": r.target.group,
                    "label": r.target.label,
                    "place": r.target.place,
                    "kind": r.target.kind,
                    "unit": r.target.unit,
                    "paper": r.target.value,
                    "default_seed": number(r.default_value),
                    "low": number(r.low),
                    "high": number(r.high),
                    "outside": r.outside,
                }
                for r in self.rows
            ],
        }


def _shown(value: float, decimals: int) -> str:
    """A measured value with one decimal more than the paper prints; a dash when missing."""
    return "—" if math.isnan(value) else f"{round(value, decimals + 1):g}"


def reproduction_table(
    results: Mapping[str, float], seed_results: Sequence[Mapping[str, float]]
) -> ReproductionTable:
    """Compare every published target with ``results`` (default seed, from ``measure_cohort``)
    and with the 2.5–97.5% range of ``seed_results`` (one mapping per seed; may be empty)."""
    rows = []
    for target in published_targets():
        values = np.array([s.get(target.key, math.nan) for s in seed_results], dtype=float)
        values = values[~np.isnan(values)]
        low, high = np.quantile(values, [0.025, 0.975]) if values.size else (math.nan, math.nan)
        rows.append(
            ReproductionRow(
                target, float(results.get(target.key, math.nan)), float(low), float(high)
            )
        )
    return ReproductionTable(rows=tuple(rows), n_seeds=len(seed_results))


def analyze_cohort(
    package: TrialPackage, *, progress: Callable[[str], None] | None = None
) -> AnalysisResults:
    """The paper's analysis plan with its final Cox model (the comparison's analysis)."""
    return analyze_package(package, _OPTIONS, progress=progress)


def measure_seed(seed: int, n_patients: int = 110) -> dict[str, float]:
    """Synthesize (with dose records: the exposure and safety numbers need them), analyse and
    measure one cohort."""
    package = synthesize(seed, n_patients)
    return measure_cohort(package, analyze_cohort(package).to_json_dict())


def run_seeds(
    seeds: Sequence[int],
    n_patients: int = 110,
    *,
    workers: int | None = None,
    progress: Callable[[], None] | None = None,
) -> list[dict[str, float]]:
    """``measure_seed`` for every seed (in seed order), over ``workers`` processes."""
    done = progress or (lambda: None)
    workers = workers or min(len(seeds), os.cpu_count() or 1)
    if workers <= 1:
        results = []
        for seed in seeds:
            results.append(measure_seed(seed, n_patients))
            done()
        return results
    by_seed: dict[int, dict[str, float]] = {}
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(measure_seed, seed, n_patients): seed for seed in seeds}
        for future in as_completed(futures):
            by_seed[futures[future]] = future.result()
            done()
    return [by_seed[seed] for seed in seeds]
