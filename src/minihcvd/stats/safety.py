"""Safety results of the paper beyond Table 3: SOS, the last inotuzumab dose before SCT, early
death and deaths in remission (Results, safety and SOS paragraphs).

Definitions the paper leaves open (docs/results-schema.md, ``safety``):

- a patient *has SOS* with any ADAE row flagged ``SOSFL`` (any grade, any time); *fatal SOS*
  is a grade-5 SOS event; *died after SOS* counts SOS patients who died without a relapse
  before death (the paper's nine of ten "fatal" cases include deaths from complications after
  SCT);
- *courses before SOS*: induction/consolidation courses started on or before the first SOS
  onset (:func:`minihcvd.stats.exposure.chemotherapy_course_starts`);
- *last inotuzumab dose to SCT*: SCT date − the last inotuzumab administration before it, in
  days / 7, for transplanted patients with such a dose;
- *early death*: ADSL ``EDTHFL`` (death on study day 1–28 before any response); its day is
  the study day of death (death − start + 1); its causes are the terms of the patient's
  grade-5 adverse events ("not recorded" without one);
- *death in remission*: a responder (``RSPFL``) who died with no relapse on or before the
  death date, among responders with and without SCT.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from minihcvd.adam import adsl_rows
from minihcvd.stats.exposure import INOTUZUMAB, chemotherapy_course_starts, is_drug
from minihcvd.stats.group_summaries import CohortMasks, count_by_cohort, distribution_by_cohort

__all__ = ["DAYS_PER_WEEK", "NOT_RECORDED", "safety_analysis"]

DAYS_PER_WEEK = 7.0
NOT_RECORDED = "not recorded"

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def _flag(adsl: pd.DataFrame, column: str) -> BoolArray:
    return np.asarray(adsl[column].to_numpy(dtype=object) == "Y", dtype=bool)


def _dates(frame: pd.DataFrame, column: str) -> npt.NDArray[np.datetime64]:
    return frame[column].to_numpy(dtype="datetime64[D]")


def _per_row(
    rows: npt.NDArray[np.int64],
    dates: npt.NDArray[np.datetime64],
    n: int,
    *,
    last: bool = False,
) -> npt.NDArray[np.datetime64]:
    """The earliest (or ``last``) known date per ADSL row (NaT where the row has none)."""
    out = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    known = ~np.isnat(dates)
    rows, dates = rows[known], dates[known]
    if rows.size == 0:
        return out
    order = np.lexsort((dates, rows))
    rows, dates = rows[order], dates[order]
    change = rows[1:] != rows[:-1]
    chosen = np.r_[change, True] if last else np.r_[True, change]
    out[rows[chosen]] = dates[chosen]
    return out


def last_inotuzumab_to_sct_weeks(
    adsl: pd.DataFrame, administrations: pd.DataFrame, subjects: pd.Index
) -> FloatArray:
    """Weeks from the last inotuzumab dose before SCT to SCT, per ADSL row (NaN: none)."""
    doses = administrations.loc[is_drug(administrations, INOTUZUMAB), ["patient_id", "date"]]
    row = adsl_rows(subjects, doses["patient_id"])
    known = row >= 0
    row, when = row[known], _dates(doses, "date")[known]
    sct = _dates(adsl, "SCTDT")
    before = when < sct[row]  # False where either is NaT
    latest = _per_row(row[before], when[before], len(adsl), last=True)
    days = (sct - latest).astype(np.float64)
    weeks: FloatArray = np.where(np.isnat(latest) | np.isnat(sct), np.nan, days / DAYS_PER_WEEK)
    return weeks


def safety_analysis(
    adsl: pd.DataFrame,
    adae: pd.DataFrame | None,
    administrations: pd.DataFrame | None,
    cohorts: CohortMasks,
) -> tuple[dict[str, Any], list[str]]:
    """The ``safety`` section of results.json and the notes on what was skipped."""
    notes: list[str] = []
    subjects = pd.Index(adsl["USUBJID"])
    has_doses = administrations is not None and not administrations.empty
    out: dict[str, Any] = {}
    out.update(_sos(adsl, adae, administrations if has_doses else None, subjects, cohorts, notes))
    if administrations is not None and has_doses:
        weeks = last_inotuzumab_to_sct_weeks(adsl, administrations, subjects)
        out["last_inotuzumab_to_sct_weeks"] = distribution_by_cohort(weeks, cohorts)
    else:
        out["last_inotuzumab_to_sct_weeks"] = None
        notes.append("last inotuzumab dose to SCT skipped: the package has no administrations.csv")
    out["early_death"] = _early_death(adsl, adae, subjects, cohorts)
    out["deaths_in_remission"] = _deaths_in_remission(adsl, cohorts)
    return out, notes


def _sos(
    adsl: pd.DataFrame,
    adae: pd.DataFrame | None,
    administrations: pd.DataFrame | None,
    subjects: pd.Index,
    cohorts: CohortMasks,
    notes: list[str],
) -> dict[str, Any]:
    keys = ("sos", "sos_sct", "sos_no_sct", "sos_fatal", "sos_died", "courses_before_sos")
    if adae is None:
        notes.append("SOS skipped: the package has no adverse_events.csv")
        return dict.fromkeys(keys)
    sos_rows = adae["SOSFL"].to_numpy(dtype=object) == "Y"
    events = adae.loc[sos_rows, ["USUBJID", "ASTDT", "AETOXGRN"]]
    row = adsl_rows(subjects, events["USUBJID"])
    known = row >= 0
    n = len(adsl)
    onset = _per_row(row[known], _dates(events, "ASTDT")[known], n)
    sos = np.zeros(n, dtype=bool)
    sos[row[known]] = True
    fatal = np.zeros(n, dtype=bool)
    grade = events["AETOXGRN"].to_numpy(dtype=np.float64, na_value=np.nan)
    fatal[row[known & (grade == 5)]] = True
    everyone = np.ones(n, dtype=bool)
    sct = _flag(adsl, "SCTFL")
    died = _flag(adsl, "DTHFL") & ~_relapsed_by_death(adsl)
    out: dict[str, Any] = {
        "sos": count_by_cohort(sos, everyone, cohorts),
        "sos_sct": count_by_cohort(sos, sct, cohorts),
        "sos_no_sct": count_by_cohort(sos, ~sct, cohorts),
        "sos_fatal": count_by_cohort(fatal, sos, cohorts),
        "sos_died": count_by_cohort(died, sos, cohorts),
        "courses_before_sos": None,
    }
    if administrations is None:
        notes.append("courses before SOS skipped: the package has no administrations.csv")
        return out
    courses = chemotherapy_course_starts(administrations, subjects)
    course_row = courses["row"].to_numpy(dtype=np.int64)
    started = courses["start"].to_numpy(dtype="datetime64[D]") <= onset[course_row]
    before = np.bincount(course_row[started], minlength=n).astype(np.float64)
    out["courses_before_sos"] = distribution_by_cohort(np.where(sos, before, np.nan), cohorts)
    return out


def _relapsed_by_death(adsl: pd.DataFrame) -> BoolArray:
    """A relapse on or before the death date (or, alive, any relapse)."""
    relapse = _dates(adsl, "RELDT")
    death = _dates(adsl, "DTHDT")
    return ~np.isnat(relapse) & (np.isnat(death) | (relapse <= death))


def _early_death(
    adsl: pd.DataFrame, adae: pd.DataFrame | None, subjects: pd.Index, cohorts: CohortMasks
) -> dict[str, Any]:
    early = _flag(adsl, "EDTHFL")
    start = _dates(adsl, "TRTSDT")
    day = (_dates(adsl, "DTHDT") - start).astype(np.float64) + 1.0
    causes: dict[str, int] = {}
    if early.any():
        causes = {NOT_RECORDED: int(early.sum())}
        if adae is not None:
            fatal = adae.loc[adae["AETOXGRN"].eq(5).fillna(False), ["USUBJID", "AETERM"]]
            row = adsl_rows(subjects, fatal["USUBJID"])
            chosen = (row >= 0) & early[np.maximum(row, 0)]
            terms = pd.DataFrame({"row": row[chosen], "term": fatal["AETERM"].to_numpy()[chosen]})
            terms = terms.drop_duplicates()
            counted = terms["term"].value_counts(sort=False)
            causes = {str(t): int(c) for t, c in sorted(counted.items())}
            unknown = int(early.sum()) - int(terms["row"].nunique())
            if unknown:
                causes[NOT_RECORDED] = unknown
    return {
        **count_by_cohort(early, np.ones(len(adsl), dtype=bool), cohorts),
        "day": distribution_by_cohort(np.where(early, day, np.nan), cohorts),
        "causes": causes,
    }


def _deaths_in_remission(adsl: pd.DataFrame, cohorts: CohortMasks) -> dict[str, Any]:
    responder = _flag(adsl, "RSPFL")
    sct = _flag(adsl, "SCTFL")
    died = _flag(adsl, "DTHFL") & ~_relapsed_by_death(adsl)
    return {
        "sct": count_by_cohort(died, responder & sct, cohorts),
        "no_sct": count_by_cohort(died, responder & ~sct, cohorts),
    }
