"""Apply a design to a running trial: deaths and follow-up as of a date, and a replay.

Works on the ``patients`` table of a trial data package (``patient_id``, ``start_date``,
``last_followup_date``, ``death_date``; dates as ``datetime64``). As of a date, a patient counts
if enrolled on or before it; a death counts if it happened on or before it; follow-up runs from
the start to the death, the last follow-up or the date, whichever is first. Months are days /
30.4375 (the mean Gregorian month).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from minihcvd.clinical import DAYS_PER_MONTH
from minihcvd.errors import MonitoringError
from minihcvd.monitoring.design import MonitoringDesign
from minihcvd.monitoring.posterior import _calc_prob_experimental_better

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DAYS_PER_MONTH", "InterimLook", "check_as_of", "replay"]

_COLUMNS = ("patient_id", "start_date", "last_followup_date", "death_date")
_FILE = "patients.csv"
# Cells of a (dates x patients) block: bounds the replay's memory on large packages.
_CELLS_PER_BLOCK = 4_000_000


@dataclass(frozen=True)
class InterimLook:
    """The rule applied once: data as of ``as_of`` and what it says."""

    as_of: dt.date
    patients: int
    deaths: int
    exposure_months: float
    prob_experimental_better: float
    active: bool
    stop: bool


def check_as_of(design: MonitoringDesign, patients: pd.DataFrame, as_of: dt.date) -> InterimLook:
    """The rule on the data known at ``as_of`` (inactive until ``min_patients`` are in)."""
    starts, ends, deaths = _check_patients(patients)
    return _looks(design, starts, ends, deaths, np.array([np.datetime64(as_of, "D")]))[0]


def replay(design: MonitoringDesign, patients: pd.DataFrame, as_of: dt.date) -> list[InterimLook]:
    """The rule at each enrollment date up to ``as_of`` once ``min_patients`` are in."""
    starts, ends, deaths = _check_patients(patients)
    limit = np.datetime64(as_of, "D")
    dates = np.sort(starts[starts <= limit])[design.min_patients - 1 :]
    return _looks(design, starts, ends, deaths, np.unique(dates))


def _check_patients(
    patients: pd.DataFrame,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start, end of follow-up and death dates as ``datetime64[D]`` (death NaT when alive)."""
    missing = [name for name in _COLUMNS if name not in patients.columns]
    if missing:
        raise MonitoringError(f"missing column(s) {', '.join(missing)}", file=_FILE,
                              field=missing[0])
    starts = _dates(patients, "start_date")
    last_seen = _dates(patients, "last_followup_date")
    deaths = _dates(patients, "death_date")
    alive = np.isnat(deaths)
    _raise_first(np.isnat(starts), "start_date", "every patient needs a start date")
    _raise_first(alive & np.isnat(last_seen), "last_followup_date",
                 "a patient without a death date needs a last follow-up date")
    _raise_first(~alive & (deaths < starts), "death_date",
                 "death before the start date (negative exposure)")
    _raise_first(alive & (last_seen < starts), "last_followup_date",
                 "last follow-up before the start date (negative exposure)")
    ends = np.where(alive, last_seen, deaths)
    return starts, ends, deaths


def _dates(patients: pd.DataFrame, name: str) -> np.ndarray:
    import pandas as pd  # the tables come from trialdata; pandas is slow to import for the rest

    try:
        return pd.to_datetime(patients[name]).to_numpy().astype("datetime64[D]")
    except (ValueError, TypeError) as error:
        raise MonitoringError(f"expected dates: {error}", file=_FILE, field=name) from None


def _raise_first(bad: np.ndarray, field: str, message: str) -> None:
    rows = np.flatnonzero(bad)
    if rows.size:
        raise MonitoringError(message, file=_FILE, row=int(rows[0]) + 1, field=field)


def _looks(
    design: MonitoringDesign,
    starts: np.ndarray,
    ends: np.ndarray,
    deaths: np.ndarray,
    dates: np.ndarray,
) -> list[InterimLook]:
    """The rule at each of ``dates``, vectorised as (dates x patients) tables in blocks."""
    if dates.size == 0:  # a replay before min_patients have enrolled: no look yet
        return []
    block = max(1, _CELLS_PER_BLOCK // max(1, starts.size))
    counts = [_counts(starts, ends, deaths, dates[i : i + block])
              for i in range(0, dates.size, block)]
    n_enrolled, n_deaths, exposure = (np.concatenate(parts) if counts else np.zeros(0)
                                      for parts in zip(*counts, strict=True))
    prob = _calc_prob_experimental_better(
        n_deaths, exposure, design.standard, design.experimental, design.delta_months
    )
    active = n_enrolled >= design.min_patients
    return [
        InterimLook(
            as_of=date.astype(dt.date),
            patients=int(n),
            deaths=int(d),
            exposure_months=float(t),
            prob_experimental_better=float(p),
            active=bool(a),
            stop=bool(a and p < design.p_lower),
        )
        for date, n, d, t, p, a in zip(dates, n_enrolled, n_deaths, exposure, prob, active,
                                       strict=True)
    ]


def _counts(
    starts: np.ndarray, ends: np.ndarray, deaths: np.ndarray, dates: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Patients enrolled, deaths and follow-up months as of each date."""
    at = dates[:, None]
    enrolled = starts[None, :] <= at
    died = enrolled & ~np.isnat(deaths)[None, :] & (deaths[None, :] <= at)
    follow_days = (np.minimum(ends[None, :], at) - starts[None, :]).astype(np.float64)
    exposure = np.where(enrolled, follow_days, 0.0).sum(axis=1) / DAYS_PER_MONTH
    return enrolled.sum(axis=1), died.sum(axis=1), exposure
