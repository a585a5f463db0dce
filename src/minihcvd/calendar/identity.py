"""The identity of a planned event, shared by the ICS and FHIR exports.

A patient key (a given patient id, or a digest of the patient's inputs and planned first day),
the protocol, the component, phase, course and day name one planned administration whatever
delays move it; ``days_moved`` is how far a course has moved, the ICS SEQUENCE.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence

from minihcvd.calendar.models import CourseStart, TreatmentCalendar

__all__ = ["days_moved", "patient_key", "uid_part"]


def patient_key(calendar: TreatmentCalendar) -> str:
    """A short digest of whose calendar this is, so two patients' events never share a UID.

    Without a patient id: the patient's inputs and the planned first day, but not the delays
    (a delayed course is the same plan, moved). A changed weight gives other UIDs: give a
    ``patient_id`` to keep them.
    """
    first = calendar.courses[0]
    planned_start = first.start - dt.timedelta(days=first.delay_days)
    identity = (
        calendar.protocol, calendar.height_cm, calendar.weight_kg, calendar.bsa_formula,
        calendar.bsa_cap_m2, calendar.cd20_pct, calendar.cns_disease, planned_start,
    )
    return hashlib.sha256(repr(identity).encode("utf-8")).hexdigest()[:16]


def uid_part(text: str) -> str:
    """Letters, digits and dashes only (``inotuzumab ozogamicin`` → ``inotuzumab-ozogamicin``)."""
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "x"


def days_moved(courses: Sequence[CourseStart]) -> dict[tuple[str, int], int]:
    """How many days each course has moved from the plan: its delay and those before it."""
    moved: dict[tuple[str, int], int] = {}
    total = 0
    for course in courses:
        total += course.delay_days
        moved[(course.phase, course.course)] = total
    return moved
