"""A patient's calendar as a download, byte for byte what ``minihcvd schedule`` writes for the
same inputs (the same core renderers), each download recorded as an export."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.cache import cache

from minihcvd.calendar import to_csv, to_ics, to_json
from minihcvd.web.audit.models import AuditAction
from minihcvd.web.audit.services import record_event
from minihcvd.web.patients.models import Patient
from minihcvd.web.patients.services import calendar_for_patient, patient_data_version

__all__ = ["CALENDAR_FORMATS", "CalendarDownload", "export_calendar"]

CALENDAR_FORMATS = {
    "ics": "text/calendar; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}


@dataclass(frozen=True)
class CalendarDownload:
    filename: str
    content_type: str
    content: bytes


def export_calendar(*, patient: Patient, output_format: str) -> CalendarDownload:
    """The calendar in ``output_format`` (ics, csv or json), recorded in the audit trail.

    The file is kept in the cache until the patient's data change (an ICS's DTSTAMP is then the
    time it was first made, which is what DTSTAMP means)."""
    key = f"calendar-file:{output_format}:{patient_data_version(patient)}"
    content: bytes | None = cache.get(key)
    if content is None:
        content = _render(patient, output_format)
        cache.set(key, content)
    record_event(
        action=AuditAction.EXPORT,
        site_code=patient.site.code,
        study_id=patient.study_id,
        details={"calendar": [None, output_format]},
    )
    return CalendarDownload(
        filename=f"{patient.study_id}-calendar.{output_format}",
        content_type=CALENDAR_FORMATS[output_format],
        content=content,
    )


def _render(patient: Patient, output_format: str) -> bytes:
    calendar = calendar_for_patient(patient)
    if output_format == "ics":
        content = to_ics(  # UIDs from the study id: a re-import updates the events in place
            calendar,
            generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
            patient_id=patient.study_id,
        )
    elif output_format == "csv":
        content = to_csv(calendar).encode("utf-8")
    elif output_format == "json":
        content = to_json(calendar).encode("utf-8")
    else:
        raise ValueError(f"unknown calendar format {output_format!r}")
    return content
