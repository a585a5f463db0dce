"""A calendar as a FHIR R4B transaction Bundle, after the HL7 oncology regimen pattern.

The protocol is a ``PlanDefinition``; the patient's regimen a ``CarePlan`` that instantiates it;
each course a ``CarePlan`` ``partOf`` the regimen, whose activities are the course's
administrations; each administration a ``MedicationRequest`` (``intent: plan``, ``status:
draft``: orders still to be verified) ``basedOn`` its course, with its dose or infusion rate,
its day and doses a day, and the calculation and source in ``dosageInstruction.text``.
Deviations from the paper, values it does not state and the other notes are ``note``s. Height,
weight and the BSA used are ``Observation``s. Plain dictionaries are built here (nothing
imports a FHIR library at run time); the tests validate them with the ``fhir.resources`` R4B
models. The mapping is documented in docs/protocols.md.

Every entry is a conditional ``PUT`` on a stable identifier (the same identity as the ICS
UIDs), so importing the Bundle again after a delay updates the resources instead of adding new
ones.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from minihcvd.calendar.identity import days_moved, patient_key, uid_part
from minihcvd.calendar.models import Administration, CourseStart, TreatmentCalendar
from minihcvd.dosing import format_amount
from minihcvd.protocol.limits import OMMAYA_ROUTE

__all__ = ["FHIR_SYSTEM", "ROUTE_CODES", "to_fhir_bundle"]

FHIR_SYSTEM = "urn:minihcvd"
"""The identifier systems are ``urn:minihcvd:<kind>`` (patient, administration, course, …)."""

_SNOMED = "http://snomed.info/sct"
_UCUM = "http://unitsofmeasure.org"
_LOINC = "http://loinc.org"
_PAPER = (
    "Jabbour E, et al. Long-term results of low-intensity mini-Hyper-CVD plus inotuzumab"
    " ozogamicin with or without blinatumomab in relapsed/refractory ALL. J Hematol Oncol 2023."
    " doi:10.1186/s13045-023-01444-2"
)

# SNOMED CT route of administration values (FHIR value set route-codes)
ROUTE_CODES: dict[str, tuple[str, str]] = {
    "IV": ("47625008", "Intravenous route"),
    "PO": ("26643006", "Oral route"),
    "SC": ("34206005", "Subcutaneous route"),
    "IT": ("72607000", "Intrathecal route"),
    OMMAYA_ROUTE: ("420719007", "Intracerebroventricular route"),
}
_UCUM_UNITS = {"mg": "mg", "mcg/day": "ug/d"}


def to_fhir_bundle(
    calendar: TreatmentCalendar, *, generated_at: dt.datetime, patient_id: str | None = None
) -> dict[str, Any]:
    """The calendar as a FHIR R4B ``transaction`` Bundle (a JSON-ready dict)."""
    key = patient_key(calendar) if patient_id is None else uid_part(patient_id)
    prefix = f"{key}-{uid_part(calendar.protocol)}"
    builder = _Bundle()
    patient = builder.add(
        "Patient", "patient", key if patient_id is None else patient_id,
        {"resourceType": "Patient", "active": True},
    )
    observations = _observations(builder, calendar, key, patient)
    plan_url = f"{FHIR_SYSTEM}:plandefinition:{uid_part(calendar.protocol)}"
    builder.add_canonical(_plan_definition(calendar, plan_url))
    first, last = calendar.courses[0], calendar.courses[-1]
    regimen = builder.add(
        "CarePlan", "regimen", prefix,
        {
            "resourceType": "CarePlan",
            "status": "draft",
            "intent": "plan",
            "instantiatesCanonical": [plan_url],
            "title": calendar.protocol_title,
            "description": f"Treatment calendar, protocol {calendar.protocol}",
            "subject": _ref(patient),
            "period": {"start": first.start.isoformat(), "end": _end(last).isoformat()},
            "supportingInfo": [_ref(obs) for obs in observations],
            "note": _notes(
                *(f"WARNING: {warning}" for warning in calendar.warnings),
                calendar.bsa_calculation,
                *calendar.notes,
                f"SCT planning: {calendar.sct_planning.summary} (source:"
                f" {calendar.sct_planning.source})",
            ),
        },
    )
    moved = days_moved(calendar.courses)
    rows_by_course: dict[tuple[str, int], list[Administration]] = {}
    for row in calendar.administrations:
        rows_by_course.setdefault((row.phase, row.course), []).append(row)
    holds_by_course: dict[tuple[str, int], list[str]] = {}
    for hold in calendar.holds:
        holds_by_course.setdefault((hold.phase, hold.course), []).append(
            f"HOLD {hold.hold} on {hold.date.isoformat()} (day {hold.day}): {hold.reason};"
            f" source: {hold.source}"
        )
    bsa = observations[-1]
    for course in calendar.courses:
        course_key = (course.phase, course.course)
        course_id = f"{prefix}-{course.phase}-c{course.course}"
        course_plan = builder.add(
            "CarePlan", "course", course_id,
            {
                "resourceType": "CarePlan",
                "status": "draft",
                "intent": "plan",
                "instantiatesCanonical": [plan_url],
                "partOf": [_ref(regimen)],
                "title": f"{course.phase} course {course.course}: {course.label}",
                "subject": _ref(patient),
                "period": {"start": course.start.isoformat(), "end": _end(course).isoformat()},
                "note": _notes(
                    *course.notes,
                    *(f"{care.line} (source: {care.source})" for care in course.supportive_care),
                    *holds_by_course.get(course_key, []),
                ),
            },
        )
        activities = []
        for row in rows_by_course.get(course_key, []):
            component = uid_part(row.component or row.drug)
            request = builder.add(
                "MedicationRequest", "administration",
                f"{prefix}-{component}-{row.phase}-c{row.course}-d{row.day}",
                _medication_request(row, patient, course_plan, bsa,
                                    moved.get(course_key, 0)),
            )
            activities.append({"reference": _ref(request)})
        if activities:
            course_plan["resource"]["activity"] = activities
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "timestamp": generated_at.isoformat(),
        "entry": builder.entries,
    }


class _Bundle:
    """Entries with deterministic ``urn:uuid`` full URLs and conditional PUT requests."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []

    def add(self, kind: str, system: str, value: str, resource: dict[str, Any]) -> dict[str, Any]:
        identifier = {"system": f"{FHIR_SYSTEM}:{system}", "value": value}
        resource = {"resourceType": kind, "identifier": [identifier],
                    **{k: v for k, v in resource.items() if k != "resourceType"}}
        return self._entry(
            resource, f"{identifier['system']}|{value}",
            f"{kind}?identifier={identifier['system']}|{value}",
        )

    def add_canonical(self, resource: dict[str, Any]) -> dict[str, Any]:
        kind, url = resource["resourceType"], resource["url"]
        return self._entry(resource, url, f"{kind}?url={url}")

    def _entry(self, resource: dict[str, Any], name: str, url: str) -> dict[str, Any]:
        entry = {
            "fullUrl": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}",
            "resource": resource,
            "request": {"method": "PUT", "url": url},
        }
        self.entries.append(entry)
        return entry


def _ref(entry: dict[str, Any]) -> dict[str, str]:
    return {"reference": entry["fullUrl"]}


def _notes(*texts: str) -> list[dict[str, str]]:
    return [{"text": text} for text in texts if text]


def _end(course: CourseStart) -> dt.date:
    return course.start + dt.timedelta(days=course.length_days - 1)


def _quantity(value: float | Decimal, unit: str, code: str) -> dict[str, Any]:
    return {"value": float(value), "unit": unit, "system": _UCUM, "code": code}


def _observations(
    builder: _Bundle, calendar: TreatmentCalendar, key: str, patient: dict[str, Any]
) -> list[dict[str, Any]]:
    """Height, weight and the BSA the doses use (after any cap), as entered for this plan."""
    measured = [
        ("height", "8302-2", "Body height", _quantity(calendar.height_cm, "cm", "cm"), None),
        ("weight", "29463-7", "Body weight", _quantity(calendar.weight_kg, "kg", "kg"), None),
        ("bsa", "8277-6", "Body surface area", _quantity(calendar.bsa_m2, "m2", "m2"),
         calendar.bsa_calculation),
    ]
    entries: list[dict[str, Any]] = []
    for name, code, display, quantity, note in measured:
        resource: dict[str, Any] = {
            "resourceType": "Observation",
            "status": "final",
            "category": [{"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                "code": "vital-signs",
            }]}],
            "code": {"coding": [{"system": _LOINC, "code": code, "display": display}],
                     "text": display},
            "subject": _ref(patient),
            "valueQuantity": quantity,
        }
        if note:
            resource["note"] = _notes(note)
            resource["derivedFrom"] = [_ref(entry) for entry in entries]
        entries.append(builder.add("Observation", "observation", f"{key}-{name}", resource))
    return entries


def _plan_definition(calendar: TreatmentCalendar, url: str) -> dict[str, Any]:
    return {
        "resourceType": "PlanDefinition",
        "url": url,
        "identifier": [{"system": f"{FHIR_SYSTEM}:protocol", "value": calendar.protocol}],
        "title": calendar.protocol_title,
        "type": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/plan-definition-type",
            "code": "clinical-protocol",
        }]},
        "status": "draft",
        "description": f"{calendar.protocol_title} (NCT01371630; minihcvd protocol"
                       f" {calendar.protocol})",
        "relatedArtifact": [{"type": "citation", "citation": _PAPER}],
        "action": [
            {
                "title": f"{course.phase} course {course.course}: {course.label}",
                "timingDuration": _quantity(course.length_days, "days", "d"),
            }
            for course in calendar.courses
        ],
    }


def _medication_request(
    row: Administration,
    patient: dict[str, Any],
    course_plan: dict[str, Any],
    bsa: dict[str, Any],
    moved_days: int,
) -> dict[str, Any]:
    code, display = ROUTE_CODES.get(row.route, ("", row.route))
    route: dict[str, Any] = {"text": row.route}
    if code:
        route["coding"] = [{"system": _SNOMED, "code": code, "display": display}]
    day = row.date.isoformat()
    timing: dict[str, Any] = {"event": [day], "repeat": {"boundsPeriod": {"start": day,
                                                                          "end": day}}}
    if row.unit == "mcg/day":
        # a continuous infusion: a rate, not a dose
        dose_and_rate = {"rateQuantity": _quantity(row.dose, row.unit, _UCUM_UNITS[row.unit])}
    else:
        dose_and_rate = {"doseQuantity": _quantity(row.dose, row.unit, _UCUM_UNITS[row.unit])}
        timing["repeat"].update(
            {"frequency": row.doses_per_day, "period": 1, "periodUnit": "d"}
        )
    per_day = f" per dose, {row.doses_per_day} doses a day" if row.doses_per_day > 1 else ""
    text = (
        f"{row.drug} {format_amount(Decimal(repr(row.dose)))} {row.unit} {row.route}{per_day}"
        f" on {day} ({row.phase} course {row.course} day {row.day}): {row.calculation}"
        f" (source: {row.source})"
    )
    notes = [*row.notes, f"source: {row.source}"]
    if not row.stated_in_paper and row.deviation is None:
        notes.append("stated_in_paper: false")
    if moved_days:
        notes.append(f"moved {moved_days} days from the plan by course delays")
    resource: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "status": "draft",
        "intent": "plan",
        "medicationCodeableConcept": {"text": row.drug},
        "subject": _ref(patient),
        "basedOn": [_ref(course_plan)],
        "note": _notes(*notes),
        "dosageInstruction": [{
            "sequence": 1,
            "text": text,
            "timing": timing,
            "route": route,
            "doseAndRate": [dose_and_rate],
        }],
    }
    if "m2" in row.calculation:
        resource["supportingInformation"] = [_ref(bsa)]
    return resource
