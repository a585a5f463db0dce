"""Treatment exposure from administrations.csv (Results, first paragraphs of the paper).

Definitions the paper leaves open (docs/results-schema.md, ``exposure``):

- an *induction/consolidation course* is a course of the ``intensive`` phase in which anything
  other than blinatumomab was given (mini-Hyper-CVD ± inotuzumab; the amended protocol's
  courses 5–8 hold blinatumomab only); it starts on its first administration date;
- a *blinatumomab course* is a course (of either phase) with a blinatumomab dose; the "four
  planned" are those of the intensive phase (amended courses 5–8), and the courses counted per
  patient (the paper: median 2, range 1–4) are those too;
- the administrations are the study's own: blinatumomab given off study is known only from
  ``patients.csv`` ``blinatumomab_date`` (ADSL ``BLINFL``), so patients who received it are
  counted from ADSL and their courses from the administrations; *off study* = ``BLINFL``
  without a blinatumomab administration;
- *cumulative inotuzumab* (mg/m2) is the sum of the patient's inotuzumab doses (``dose`` in
  mg) divided by the body surface area from ``patients.csv`` ``height_cm`` and ``weight_kg``
  (Mosteller, rounded to 0.01 m2 as the dosing engine rounds it), to 0.001 mg/m2; the *plan*
  is the protocol version's ``inotuzumab_planned_total_mg_per_m2`` (original 5.7, its reduced level
  4.3 —
  the package does not say which level a patient had —, amended 2.7), and the percent of plan
  is the total over that plan; patients without any inotuzumab dose have no value.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from minihcvd.adam import adsl_rows
from minihcvd.stats.covariates import COHORT_LEVELS
from minihcvd.stats.group_summaries import CohortMasks, count_by_cohort, distribution_by_cohort
from minihcvd.stats.survival_summary import DAYS_PER_MONTH

__all__ = [
    "INTENSIVE_PHASE",
    "PLANNED_BLINATUMOMAB_COURSES",
    "PLANNED_INOTUZUMAB_COURSES",
    "chemotherapy_course_starts",
    "cumulative_inotuzumab_mg_per_m2",
    "exposure_analysis",
    "is_drug",
]

INTENSIVE_PHASE: Final = "intensive"
BLINATUMOMAB: Final = "blinatumomab"
INOTUZUMAB: Final = "inotuzumab"
#: Both protocol versions give inotuzumab in courses 1–4; the amended one adds four courses of
#: blinatumomab (5–8) to the intensive phase (Methods).
PLANNED_INOTUZUMAB_COURSES: Final = 4
PLANNED_BLINATUMOMAB_COURSES: Final = 4


def is_drug(administrations: pd.DataFrame, name: str) -> npt.NDArray[np.bool_]:
    """Rows whose ``drug`` names ``name`` (case-insensitive; "inotuzumab ozogamicin")."""
    drug = administrations["drug"].astype("string").str.lower()
    return np.asarray(drug.str.contains(name, regex=False).fillna(False), dtype=bool)


def _per_patient_courses(
    administrations: pd.DataFrame, rows: npt.NDArray[np.bool_], subjects: pd.Index
) -> pd.DataFrame:
    """One row per (ADSL row, phase, course) among ``rows``: ``row``, ``course``, ``start``."""
    chosen = administrations.loc[rows, ["patient_id", "phase", "course", "date"]]
    position = adsl_rows(subjects, chosen["patient_id"])
    chosen = chosen.assign(row=position)[position >= 0]
    return (
        chosen.groupby(["row", "phase", "course"], sort=True)["date"]
        .min()
        .rename("start")
        .reset_index()
    )


def chemotherapy_course_starts(administrations: pd.DataFrame, subjects: pd.Index) -> pd.DataFrame:
    """Each induction/consolidation course: ADSL ``row``, ``course`` and ``start`` date."""
    intensive = administrations["phase"].astype("string").eq(INTENSIVE_PHASE).fillna(False)
    rows = np.asarray(intensive, dtype=bool) & ~is_drug(administrations, BLINATUMOMAB)
    return _per_patient_courses(administrations, rows, subjects)


def _courses_per_patient(courses: pd.DataFrame, n_patients: int) -> npt.NDArray[np.float64]:
    """Number of courses per ADSL row, NaN for a patient with none."""
    counts = np.bincount(courses["row"].to_numpy(dtype=np.int64), minlength=n_patients)
    per_patient: npt.NDArray[np.float64] = np.where(counts > 0, counts, np.nan).astype(np.float64)
    return per_patient


def _days_from_start(adsl: pd.DataFrame, date: str) -> npt.NDArray[np.float64]:
    """ADaM study days from TRTSDT to ``date`` (date − start + 1), NaN where missing."""
    start = adsl["TRTSDT"].to_numpy(dtype="datetime64[D]")
    end = adsl[date].to_numpy(dtype="datetime64[D]")
    days: npt.NDArray[np.float64] = (end - start).astype(np.float64) + 1.0
    days[np.isnat(end) | np.isnat(start)] = np.nan
    return days


def cumulative_inotuzumab_mg_per_m2(
    adsl: pd.DataFrame, administrations: pd.DataFrame, subjects: pd.Index
) -> npt.NDArray[np.float64]:
    """Total inotuzumab given (mg) over the Mosteller BSA, per ADSL row (NaN: no dose, or
    no height/weight)."""
    doses = administrations.loc[is_drug(administrations, INOTUZUMAB), ["patient_id", "dose"]]
    row = adsl_rows(subjects, doses["patient_id"])
    mg = doses["dose"].to_numpy(dtype=np.float64, na_value=np.nan)
    known = (row >= 0) & np.isfinite(mg)
    n = len(adsl)
    total = np.bincount(row[known], weights=mg[known], minlength=n)
    given = np.bincount(row[known], minlength=n) > 0
    height = pd.to_numeric(adsl["height_cm"], errors="coerce").to_numpy(dtype=np.float64)
    weight = pd.to_numeric(adsl["weight_kg"], errors="coerce").to_numpy(dtype=np.float64)
    bsa = np.round(np.sqrt(height * weight / 3600.0), 2)
    # to 0.001 mg/m2: sums of the same doses in another order differ in the last bits, which
    # would make or break ties for the rank test
    per_m2: npt.NDArray[np.float64] = np.where(given & (bsa > 0), np.round(total / bsa, 3), np.nan)
    return per_m2


def _planned_inotuzumab() -> dict[str, float]:
    from minihcvd.protocol import load_protocol

    return {
        level: load_protocol(level).inotuzumab_planned_total_mg_per_m2 for level in COHORT_LEVELS
    }


def _cumulative_inotuzumab(
    adsl: pd.DataFrame, administrations: pd.DataFrame, subjects: pd.Index, cohorts: CohortMasks
) -> tuple[dict[str, Any] | None, dict[str, Any] | None, list[str]]:
    if not {"height_cm", "weight_kg"} <= set(adsl.columns):
        note = "cumulative inotuzumab (mg/m2) skipped: patients.csv has no height_cm/weight_kg"
        return None, None, [note]
    per_m2 = cumulative_inotuzumab_mg_per_m2(adsl, administrations, subjects)
    planned = _planned_inotuzumab()
    plan = np.full(len(adsl), np.nan)
    for level, mask in cohorts.masks.items():
        plan[mask] = planned[level]
    total = {**distribution_by_cohort(per_m2, cohorts), "planned": planned}
    return total, distribution_by_cohort(100.0 * per_m2 / plan, cohorts), []


def exposure_analysis(
    adsl: pd.DataFrame, administrations: pd.DataFrame | None, cohorts: CohortMasks
) -> tuple[dict[str, Any], list[str]]:
    """The ``exposure`` section of results.json and the notes on what was skipped."""
    everyone = np.ones(len(adsl), dtype=bool)
    blinatumomab_flag = adsl["BLINFL"].to_numpy(dtype=object) == "Y"
    out: dict[str, Any] = {
        "blinatumomab_received": count_by_cohort(blinatumomab_flag, everyone, cohorts),
        "months_to_blinatumomab": distribution_by_cohort(
            _days_from_start(adsl, "BLINDT") / DAYS_PER_MONTH, cohorts
        ),
        "months_to_sct": distribution_by_cohort(
            _days_from_start(adsl, "SCTDT") / DAYS_PER_MONTH, cohorts
        ),
    }
    keys = (
        "intensive_courses",
        "inotuzumab_all_planned_courses",
        "blinatumomab_on_study",
        "blinatumomab_off_study",
        "blinatumomab_courses",
        "blinatumomab_all_planned_courses",
        "inotuzumab_cumulative_mg_per_m2",
        "inotuzumab_percent_of_plan",
    )
    if administrations is None or administrations.empty:
        out.update(dict.fromkeys(keys))
        return out, ["exposure from doses skipped: the package has no administrations.csv"]
    subjects = pd.Index(adsl["USUBJID"])
    n = len(adsl)
    chemo = _courses_per_patient(chemotherapy_course_starts(administrations, subjects), n)
    ino = _courses_per_patient(
        _per_patient_courses(administrations, is_drug(administrations, INOTUZUMAB), subjects), n
    )
    blin_courses = _per_patient_courses(
        administrations, is_drug(administrations, BLINATUMOMAB), subjects
    )
    intensive_blin = _courses_per_patient(
        blin_courses[blin_courses["phase"].astype("string").eq(INTENSIVE_PHASE).fillna(False)], n
    )
    on_study = np.isin(np.arange(n), blin_courses["row"].to_numpy())
    amended = cohorts.masks[COHORT_LEVELS[1]]  # the planned blinatumomab courses are its
    out["intensive_courses"] = distribution_by_cohort(chemo, cohorts)
    out["inotuzumab_all_planned_courses"] = count_by_cohort(
        np.nan_to_num(ino) >= PLANNED_INOTUZUMAB_COURSES, everyone, cohorts
    )
    out["blinatumomab_on_study"] = count_by_cohort(on_study, everyone, cohorts)
    out["blinatumomab_off_study"] = count_by_cohort(
        blinatumomab_flag & ~on_study, everyone, cohorts
    )
    out["blinatumomab_courses"] = distribution_by_cohort(intensive_blin, cohorts)
    out["blinatumomab_all_planned_courses"] = count_by_cohort(
        np.nan_to_num(intensive_blin) >= PLANNED_BLINATUMOMAB_COURSES, amended, cohorts
    )
    total, percent, notes = _cumulative_inotuzumab(adsl, administrations, subjects, cohorts)
    out["inotuzumab_cumulative_mg_per_m2"] = total
    out["inotuzumab_percent_of_plan"] = percent
    return out, notes
