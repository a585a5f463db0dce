"""Doses each virtual patient actually received, from the real regimen engine.

Every patient's full protocol calendar (``minihcvd.calendar.build_calendar`` with their height,
weight, CD20 and CNS status) is cut to what they received: the intensive courses they started
(a drawn number; the paper reports a median of 2, range 1-8), maintenance only after all of
them, and nothing on or after death, relapse, transplant, going off study or the last contact.
An amended-protocol patient who received blinatumomab moves on to it after the chemotherapy
courses started before the blinatumomab date: the protocol's blinatumomab courses (5-8) and
maintenance are moved to begin on that date. Original-protocol patients who received
blinatumomab did so off study; their study treatment ends there.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import numpy as np
import pandas as pd

from minihcvd.calendar import Administration, build_calendar
from minihcvd.cohort.outcomes import Course
from minihcvd.trialdata.schema import ADMINISTRATIONS

__all__ = ["ADMINISTRATION_COLUMNS", "generate_administrations"]

#: The columns of administrations.csv, as the trial data package defines them.
ADMINISTRATION_COLUMNS: Final = tuple(column.name for column in ADMINISTRATIONS.columns)
#: Chance of going off study after 1, 2, … intensive courses (not in the paper; chosen so the
#: cohort has the published median of 2 courses, range 1-8).
_COURSES_ORIGINAL: Final = (0.25, 0.30, 0.12, 0.08, 0.05, 0.04, 0.03, 0.13)
_COURSES_AMENDED: Final = (0.30, 0.35, 0.10, 0.25)
_COURSE_DAYS: Final = 28
_CHEMO_COURSES_AMENDED: Final = 4


def _planned_courses(rng: np.random.Generator, cohort: str, responder: bool) -> int:
    weights = np.asarray(_COURSES_ORIGINAL if cohort == "original" else _COURSES_AMENDED)
    if not responder:
        weights = weights[:2]
    return int(rng.choice(np.arange(1, weights.size + 1), p=weights / weights.sum()))


def _received(
    admins: list[Administration],
    *,
    start: dt.date,
    courses: int,
    maintenance: bool,
    stop: dt.date,
    blinatumomab: dt.date | None,
) -> list[Administration]:
    """The prefix of the calendar this patient received."""
    if blinatumomab is None:
        return [
            a
            for a in admins
            if a.date < stop
            and (
                (a.phase == "intensive" and a.course <= courses)
                or (a.phase != "intensive" and maintenance)
            )
        ]
    chemo = min(_CHEMO_COURSES_AMENDED, max(1, -(-(blinatumomab - start).days // _COURSE_DAYS)))
    later = [a for a in admins if a.phase != "intensive" or a.course > _CHEMO_COURSES_AMENDED]
    shift = blinatumomab - min(a.date for a in later)
    moved = [a._replace(date=a.date + shift) for a in later]
    before = [
        a for a in admins if a.phase == "intensive" and a.course <= chemo and a.date < blinatumomab
    ]
    return [a for a in before + moved if a.date < stop]


def generate_administrations(
    rng: np.random.Generator, patients: pd.DataFrame, course: Course
) -> pd.DataFrame:
    """administrations.csv rows for every patient (only the treatment actually received)."""
    start_dates = pd.DatetimeIndex(patients["start_date"])
    stop_day = np.fmin(
        np.fmin(course.death_day, course.relapse_day), np.fmin(course.sct_day, course.last_day + 1)
    )
    original_blin = (patients["cohort"].to_numpy() == "original") & ~np.isnan(
        course.blinatumomab_day
    )
    stop_day = np.where(original_blin, np.fmin(stop_day, course.blinatumomab_day), stop_day)
    rows: list[tuple[object, ...]] = []
    body = patients[["height_cm", "weight_kg", "cd20_pct"]].to_numpy(dtype=float)
    cns = patients["cns_disease"].to_numpy(dtype=bool)
    for i, patient in enumerate(patients[["patient_id", "cohort"]].itertuples(index=False)):
        start = start_dates[i].date()
        calendar = build_calendar(
            str(patient.cohort),
            height_cm=body[i, 0],
            weight_kg=body[i, 1],
            start=start,
            cd20_pct=body[i, 2],
            cns_disease=bool(cns[i]),
        )
        admins = list(calendar.administrations)
        blin_day = course.blinatumomab_day[i]
        amended_blin = patient.cohort == "amended" and not np.isnan(blin_day)
        courses = _planned_courses(rng, str(patient.cohort), course.best_response[i] != "NR")
        received = _received(
            admins,
            start=start,
            courses=courses,
            maintenance=patient.cohort == "original" and courses == len(_COURSES_ORIGINAL),
            stop=start + dt.timedelta(days=float(stop_day[i]) - 1),
            blinatumomab=start + dt.timedelta(days=blin_day - 1) if amended_blin else None,
        )
        rows.extend(
            (
                patient.patient_id,
                a.date,
                a.phase,
                a.course,
                a.day,
                a.drug,
                a.route,
                a.dose,
                a.unit,
                a.doses_per_day,
            )
            for a in received
        )
    frame = pd.DataFrame(rows, columns=list(ADMINISTRATION_COLUMNS))
    frame["date"] = pd.to_datetime(frame["date"])
    return frame
