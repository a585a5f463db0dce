"""A patient's treatment calendar: administrations, hold days, course starts, SCT planning.

``TreatmentCalendar.to_json_dict()`` is the JSON contract of issue #2 (see docs/protocols.md).
Rows are named tuples and slotted dataclasses rather than pydantic models: a calendar holds
~1,500 rows, the virtual cohort builds one per patient, and every row is made by
``build_calendar`` from data that was validated already.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, NamedTuple

__all__ = [
    "DEVIATION_MARK",
    "INTERPRETATION_MARK",
    "SCT_OBSERVATION_MARK",
    "UNSTATED_MARK",
    "Administration",
    "CourseStart",
    "HoldDay",
    "SctPlanning",
    "SupportiveCareNote",
    "TreatmentCalendar",
]

UNSTATED_MARK = "not stated in the trial paper — confirm"
DEVIATION_MARK = "DEVIATION from the trial paper"
INTERPRETATION_MARK = "interpretation of the trial paper — confirm"


class Administration(NamedTuple):
    """One drug on one calendar day (``doses_per_day`` doses of ``dose`` each).

    A named tuple: the cheapest immutable row to create, ~1,500 times per calendar.
    """

    date: dt.date
    phase: str
    course: int
    day: int
    drug: str
    route: str
    dose: float
    unit: str
    doses_per_day: int
    calculation: str
    source: str
    stated_in_paper: bool
    notes: tuple[str, ...]
    deviation: str | None = None
    component: str = ""
    """The protocol component's id: with protocol, phase, course and day, the identity of the
    planned administration (ICS UIDs, FHIR identifiers)."""
    dose_calculated: float | None = None
    """The calculated dose when a site's rounding gives another (``dose`` is the one given)."""

    def to_json_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "date": self.date.isoformat(),
            "phase": self.phase,
            "course": self.course,
            "day": self.day,
            "drug": self.drug,
            "route": self.route,
            "dose": self.dose,
            "unit": self.unit,
            "doses_per_day": self.doses_per_day,
            "calculation": self.calculation,
            "source": self.source,
            "stated_in_paper": self.stated_in_paper,
            "notes": list(self.notes),
        }
        if self.deviation is not None:
            data["deviation"] = self.deviation
        if self.dose_calculated is not None:
            data["dose_calculated"] = self.dose_calculated
        return data


@dataclass(frozen=True, slots=True)
class HoldDay:
    """A day on which a drug is withheld (a note, not an administration).

    ``day`` counts from the start of the course of the dose it surrounds, so the day before a
    course's day 1 is its day 0.
    """

    date: dt.date
    phase: str
    course: int
    day: int
    hold: str
    around_drug: str
    reason: str
    source: str

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "phase": self.phase,
            "course": self.course,
            "day": self.day,
            "hold": self.hold,
            "around_drug": self.around_drug,
            "reason": self.reason,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class SupportiveCareNote:
    """Supportive care for one course (from the protocol's ``supportive_care``)."""

    id: str
    text: str
    source: str
    stated_in_paper: bool
    unstated_detail: str | None

    @property
    def line(self) -> str:
        """The text with its mark, for tables, notes and calendar entries."""
        mark = "" if self.stated_in_paper else f" [{UNSTATED_MARK}: {self.unstated_detail}]"
        return f"supportive care — {self.text}{mark}"

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "source": self.source,
            "stated_in_paper": self.stated_in_paper,
            "unstated_detail": self.unstated_detail,
        }


@dataclass(frozen=True, slots=True)
class CourseStart:
    """When a course starts, how long it is planned to last and why it moved."""

    phase: str
    course: int
    label: str
    start: dt.date
    length_days: int
    delay_days: int
    notes: tuple[str, ...]
    supportive_care: tuple[SupportiveCareNote, ...] = ()

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "course": self.course,
            "label": self.label,
            "start": self.start.isoformat(),
            "length_days": self.length_days,
            "delay_days": self.delay_days,
            "notes": list(self.notes),
            "supportive_care": [care.to_json_dict() for care in self.supportive_care],
        }


SCT_OBSERVATION_MARK = (
    "an observation of the trial, not a protocol rule (the paper leaves SCT to the treating"
    " physician)"
)


@dataclass(frozen=True, slots=True)
class SctPlanning:
    """Cumulative inotuzumab and a reference date for allogeneic SCT after its last dose.

    The date is the last dose plus ``interval_weeks``: by default the trial's observed median
    interval for this protocol version (``observation`` True: an observation, not a rule); with
    ``sct_weeks`` the team's own interval (``observation`` False). ``inside_planned_course``
    names the planned course the date falls in, if any.
    """

    inotuzumab_cumulative_mg_per_m2: float
    inotuzumab_planned_total_mg_per_m2: float
    inotuzumab_cumulative_mg: float
    inotuzumab_doses: int
    last_inotuzumab_date: dt.date | None
    interval_weeks: int
    sct_date: dt.date | None
    source: str
    observation: bool = True
    observed_median_weeks: int = 0
    observed_in: str = ""
    inside_planned_course: str | None = None

    @property
    def basis(self) -> str:
        """What the interval is: the trial's observed median, or the team's choice."""
        observed = f"the trial's observed median on {self.observed_in}" if self.observed_in else (
            "the trial's observed median"
        )
        if self.observation:
            return f"{observed}, {SCT_OBSERVATION_MARK}"
        return (
            f"the team's interval (--sct-weeks; {observed} was {self.observed_median_weeks}"
            " weeks)"
        )

    @property
    def summary(self) -> str:
        """One line for tables and calendar files."""
        if self.last_inotuzumab_date is None or self.sct_date is None:
            return "no inotuzumab in this calendar"
        text = (
            f"cumulative inotuzumab {self.inotuzumab_cumulative_mg_per_m2:g} mg/m2"
            f" ({self.inotuzumab_cumulative_mg:g} mg in {self.inotuzumab_doses} doses;"
            f" planned total {self.inotuzumab_planned_total_mg_per_m2:g} mg/m2); last dose"
            f" {self.last_inotuzumab_date.isoformat()}; allogeneic SCT"
            f" {self.sct_date.isoformat()}, {self.interval_weeks} weeks after the last inotuzumab"
            f" dose: {self.basis}"
        )
        if self.inside_planned_course is not None:
            text += f"; note: this date falls inside planned {self.inside_planned_course}"
        return text

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "inotuzumab_cumulative_mg_per_m2": self.inotuzumab_cumulative_mg_per_m2,
            "inotuzumab_planned_total_mg_per_m2": self.inotuzumab_planned_total_mg_per_m2,
            "inotuzumab_cumulative_mg": self.inotuzumab_cumulative_mg,
            "inotuzumab_doses": self.inotuzumab_doses,
            "last_inotuzumab_date": _iso(self.last_inotuzumab_date),
            "interval_weeks": self.interval_weeks,
            "interval_basis": "observed_median" if self.observation else "chosen_by_team",
            "observation": self.observation,
            "observed_median_weeks": self.observed_median_weeks,
            "observed_in": self.observed_in,
            "sct_date": _iso(self.sct_date),
            "inside_planned_course": self.inside_planned_course,
            "basis": self.basis,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class TreatmentCalendar:
    """Everything one patient's schedule says, in date order."""

    protocol: str
    protocol_title: str
    height_cm: float
    weight_kg: float
    bsa_m2: float
    bsa_calculated_m2: float
    bsa_cap_m2: float | None
    bsa_formula: str
    cd20_pct: float | None
    cns_disease: bool
    courses: tuple[CourseStart, ...]
    administrations: tuple[Administration, ...]
    holds: tuple[HoldDay, ...]
    sct_planning: SctPlanning
    notes: tuple[str, ...] = field(default=())
    bsa_calculation: str = ""
    warnings: tuple[str, ...] = field(default=())

    def to_json_dict(self) -> dict[str, Any]:
        """The stable JSON contract (issue #2), plus the documented extra keys."""
        return {
            "protocol": self.protocol,
            "protocol_title": self.protocol_title,
            "patient": {
                "height_cm": self.height_cm,
                "weight_kg": self.weight_kg,
                "bsa_m2": self.bsa_m2,
                "bsa_formula": self.bsa_formula,
                "bsa_calculated_m2": self.bsa_calculated_m2,
                "bsa_cap_m2": self.bsa_cap_m2,
                "cd20_pct": self.cd20_pct,
                "cns_disease": self.cns_disease,
                "bsa_calculation": self.bsa_calculation,
            },
            "administrations": [row.to_json_dict() for row in self.administrations],
            "holds": [row.to_json_dict() for row in self.holds],
            "courses": [row.to_json_dict() for row in self.courses],
            "sct_planning": self.sct_planning.to_json_dict(),
            "notes": list(self.notes),
            "warnings": list(self.warnings),
        }


def _iso(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()
