"""Patient treatment calendars: every administration with its date, dose, calculation, source."""

from minihcvd.calendar.builder import build_calendar, parse_start_date
from minihcvd.calendar.fhir import to_fhir_bundle
from minihcvd.calendar.formats import CSV_COLUMNS, to_csv, to_ics, to_json, to_rich
from minihcvd.calendar.models import (
    DEVIATION_MARK,
    INTERPRETATION_MARK,
    UNSTATED_MARK,
    Administration,
    CourseStart,
    HoldDay,
    SctPlanning,
    SupportiveCareNote,
    TreatmentCalendar,
)
from minihcvd.calendar.requests import CourseDelay, CourseSpan, DoseAdjustment

__all__ = [
    "CSV_COLUMNS",
    "DEVIATION_MARK",
    "INTERPRETATION_MARK",
    "UNSTATED_MARK",
    "Administration",
    "CourseDelay",
    "CourseSpan",
    "CourseStart",
    "DoseAdjustment",
    "HoldDay",
    "SctPlanning",
    "SupportiveCareNote",
    "TreatmentCalendar",
    "build_calendar",
    "parse_start_date",
    "to_csv",
    "to_fhir_bundle",
    "to_ics",
    "to_json",
    "to_rich",
]
