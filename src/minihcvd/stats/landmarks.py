"""Landmark analyses: OS from a landmark by whether an exposure happened before it.

The reference README's definition: keep patients still at risk at L months (OS time > L),
classify them by the exposure (blinatumomab, allogeneic SCT) by L (exposure time <= L, exposure
time = exposure date − start + 1 days), and restart the clock at L. Survival at 12/24/36 months
is counted from the landmark. The blinatumomab landmark is run in Salvage 1 patients, as in the
paper's Results (the comparison of patients who did or did not receive blinatumomab).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from minihcvd.clinical import study_day
from minihcvd.errors import AnalysisError
from minihcvd.stats.survival_summary import (
    DAYS_PER_MONTH,
    GroupComparison,
    compare_coded_groups,
)

__all__ = ["EXPOSURES", "Exposure", "Landmark", "LandmarkResult", "landmark_analysis"]

EXPOSED, NOT_EXPOSED = "yes", "no"


@dataclass(frozen=True)
class Exposure:
    """Where an exposure's date lives in ADSL and which patients its landmark compares."""

    date_column: str
    population_column: str | None = None
    population_value: str | None = None
    population_label: str = "all patients"


EXPOSURES = {
    "blinatumomab": Exposure("BLINDT", "SALV1FL", "Y", "Salvage 1"),
    "sct": Exposure("SCTDT"),
}


@dataclass(frozen=True)
class Landmark:
    """An exposure and the landmark time in months."""

    exposure: str
    months: float

    @property
    def key(self) -> str:
        """The results.json key, e.g. ``sct_4m``."""
        return f"{self.exposure}_{self.months:g}m"


@dataclass(frozen=True)
class LandmarkResult:
    """The landmark comparison with the population it was run in."""

    landmark: Landmark
    population: str
    comparison: GroupComparison

    def to_json_dict(self) -> dict[str, Any]:
        """``n``, ``landmark_months``, ``population``, ``groups`` (yes/no), ``logrank_p``."""
        return {
            "n": self.comparison.n,
            "landmark_months": self.landmark.months,
            "population": self.population,
            **self.comparison.to_json_dict(),
        }


def landmark_analysis(
    os_table: pd.DataFrame,
    landmark: Landmark,
    *,
    ci_type: str,
    order: np.ndarray | None = None,
) -> LandmarkResult:
    """Compare OS after the landmark between exposed and unexposed patients at risk then
    (``order``: the table's rows by OS time, a stable sort, if the caller has it: the landmark
    population then needs no sort of its own)."""
    exposure = EXPOSURES[landmark.exposure]
    landmark_days = landmark.months * DAYS_PER_MONTH
    days = os_table["AVAL"].to_numpy(dtype=np.float64)
    if order is not None and order.shape != days.shape:
        raise AnalysisError(f"order has shape {order.shape}; expected ({days.size},)")
    at_risk = days > landmark_days  # the population's rows, by mask: no copy of the table
    if exposure.population_column is not None:
        population = os_table[exposure.population_column].astype(object)
        at_risk &= (population == exposure.population_value).to_numpy(dtype=np.bool_)
    # the population's rows, by OS time where the order is given (a stable sort restricted to
    # some rows is their stable sort), else in table order
    rows = np.flatnonzero(at_risk) if order is None else order[at_risk[order]]
    exposure_days = _days_since_start(os_table, exposure.date_column)
    not_exposed = (exposure_days[rows] > landmark_days).astype(np.intp)  # code 1: "no"
    events = os_table["CNSR"].to_numpy(dtype=np.float64)[rows] == 0
    comparison = compare_coded_groups(
        landmark.key,
        days[rows] - landmark_days,
        events,
        not_exposed,
        [EXPOSED, NOT_EXPOSED],
        levels=(EXPOSED, NOT_EXPOSED),
        ci_type=ci_type,
    )
    return LandmarkResult(landmark, exposure.population_label, comparison)


def _days_since_start(rows: pd.DataFrame, date_column: str) -> np.ndarray:
    """Exposure time in days (date − TRTSDT + 1); +inf when never exposed."""
    start = rows["TRTSDT"].to_numpy(dtype="datetime64[D]")
    elapsed = study_day(start, rows[date_column].to_numpy(dtype="datetime64[D]"))
    return np.where(np.isnan(elapsed), np.inf, elapsed)
