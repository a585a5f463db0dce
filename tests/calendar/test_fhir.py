"""The calendar as a FHIR R4B Bundle: valid for the fhir.resources R4B models, and complete.

Reference patient as elsewhere: 175 cm, 76 kg (Mosteller 1.92 m2), start 2025-01-06.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from typer.testing import CliRunner

from minihcvd.calendar import (
    DEVIATION_MARK,
    UNSTATED_MARK,
    CourseDelay,
    TreatmentCalendar,
    build_calendar,
    to_fhir_bundle,
)
from minihcvd.cli import app
from minihcvd.protocol import load_protocol_file

GENERATED = dt.datetime(2025, 1, 1, 12, 0, tzinfo=dt.UTC)
START = dt.date(2025, 1, 6)


def _calendar(protocol: str = "amended", **options: Any) -> TreatmentCalendar:
    patient: dict[str, Any] = {"height_cm": 175, "weight_kg": 76, "start": START, "cd20_pct": 30}
    return build_calendar(protocol, **{**patient, **options})


def _bundle(calendar: TreatmentCalendar, **options: Any) -> dict[str, Any]:
    return to_fhir_bundle(calendar, generated_at=GENERATED, **options)


def _resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def _entries(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


class TestValid:
    @pytest.mark.parametrize("protocol", ["original", "original-reduced", "amended"])
    def test_bundle_and_every_resource_validate(self, protocol: str) -> None:
        """The whole Bundle, and each resource by its own R4B model, validate; the JSON text
        round-trips."""
        bundle = _bundle(_calendar(protocol, cns_disease=True, via_ommaya=True))
        parsed = Bundle.model_validate(json.loads(json.dumps(bundle)))
        assert parsed.type == "transaction" and len(parsed.entry) == len(bundle["entry"])
        for entry in bundle["entry"]:
            resource = entry["resource"]
            get_fhir_model_class(resource["resourceType"]).model_validate(resource)

    def test_references_resolve_inside_the_bundle(self) -> None:
        """Every reference points at an entry's fullUrl; full URLs are unique."""
        bundle = _bundle(_calendar())
        urls = [e["fullUrl"] for e in bundle["entry"]]
        assert len(set(urls)) == len(urls)
        text = json.dumps(bundle)
        references = [part.split('"')[0] for part in text.split('"reference": "')[1:]]
        assert references and set(references) <= set(urls)


class TestPattern:
    def test_plan_regimen_courses_requests(self) -> None:
        """One PlanDefinition; the regimen CarePlan instantiates it; one CarePlan per course,
        partOf the regimen; one MedicationRequest (intent plan) per administration, basedOn its
        course and listed among that course's activities."""
        calendar = _calendar()
        bundle = _bundle(calendar)
        kinds = Counter(e["resource"]["resourceType"] for e in bundle["entry"])
        assert kinds["PlanDefinition"] == 1
        assert kinds["CarePlan"] == 1 + len(calendar.courses)
        assert kinds["MedicationRequest"] == len(calendar.administrations)
        plan = _resources(bundle, "PlanDefinition")[0]
        care_plans = _entries(bundle, "CarePlan")
        regimen, courses = care_plans[0], care_plans[1:]
        assert regimen["resource"]["instantiatesCanonical"] == [plan["url"]]
        assert all(c["resource"]["partOf"] == [{"reference": regimen["fullUrl"]}]
                   for c in courses)
        assert [c["resource"]["period"]["start"] for c in courses] == [
            course.start.isoformat() for course in calendar.courses
        ]
        requests = _entries(bundle, "MedicationRequest")
        by_url = {c["fullUrl"]: c["resource"] for c in courses}
        for entry in requests:
            resource = entry["resource"]
            assert (resource["intent"], resource["status"]) == ("plan", "draft")
            course = by_url[resource["basedOn"][0]["reference"]]
            assert {"reference": {"reference": entry["fullUrl"]}} in course["activity"]

    def test_dose_timing_and_calculation(self) -> None:
        """Cyclophosphamide day 1: 288 mg per dose twice a day on 2025-01-06, the calculation and
        source in dosageInstruction.text, the IV route coded in SNOMED CT."""
        bundle = _bundle(_calendar())
        first = _resources(bundle, "MedicationRequest")[0]
        dosage = first["dosageInstruction"][0]
        assert first["medicationCodeableConcept"]["text"] == "cyclophosphamide"
        assert dosage["doseAndRate"][0]["doseQuantity"] == {
            "value": 288.0, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"
        }
        assert dosage["timing"]["event"] == ["2025-01-06"]
        assert (dosage["timing"]["repeat"]["frequency"], dosage["timing"]["repeat"]["period"],
                dosage["timing"]["repeat"]["periodUnit"]) == (2, 1, "d")
        assert "150 mg/m2 × 1.92 m2 (Mosteller) = 288 mg" in dosage["text"]
        assert "Methods: Procedures" in dosage["text"]
        assert dosage["route"]["coding"][0]["code"] == "47625008"

    def test_every_administration_once_with_its_dose(self) -> None:
        """The requests carry exactly the calendar's (date, drug, route, dose) rows."""
        calendar = _calendar("original")
        rows = Counter((a.date.isoformat(), a.drug, a.route, a.dose)
                       for a in calendar.administrations)
        found: Counter[tuple[str, str, str, float]] = Counter()
        for resource in _resources(_bundle(calendar), "MedicationRequest"):
            dosage = resource["dosageInstruction"][0]
            quantity = dosage["doseAndRate"][0]
            amount = (quantity.get("doseQuantity") or quantity["rateQuantity"])["value"]
            found[(dosage["timing"]["event"][0], resource["medicationCodeableConcept"]["text"],
                   dosage["route"]["text"], amount)] += 1
        assert found == rows

    def test_infusion_is_a_rate(self) -> None:
        """Blinatumomab 28 mcg/day is a rateQuantity in ug/d, not a dose."""
        requests = [r for r in _resources(_bundle(_calendar()), "MedicationRequest")
                    if r["medicationCodeableConcept"]["text"] == "blinatumomab"]
        rates = {r["dosageInstruction"][0]["doseAndRate"][0]["rateQuantity"]["code"]
                 for r in requests}
        assert rates == {"ug/d"}

    def test_ommaya_route(self) -> None:
        """Methotrexate via Ommaya: route intraventricular (Ommaya), SNOMED CT 420719007."""
        requests = _resources(_bundle(_calendar(via_ommaya=True)), "MedicationRequest")
        ommaya = [r["dosageInstruction"][0]["route"] for r in requests
                  if r["dosageInstruction"][0]["route"]["text"] == "intraventricular (Ommaya)"]
        assert len(ommaya) == 4 and ommaya[0]["coding"][0]["code"] == "420719007"

    def test_marks_are_notes(self, tmp_path: Path) -> None:
        """Values the paper does not state and a site's deviation are notes on the request."""
        site = tmp_path / "site.yaml"
        site.write_text("extends: amended\nname: site\ncomponent_overrides:\n"
                        "  vincristine: {dose: 1.5, source: Site SOP 7}\n", encoding="utf-8")
        calendar = build_calendar(load_protocol_file(site), height_cm=175, weight_kg=76,
                                  start=START, cd20_pct=30)
        requests = _resources(_bundle(calendar), "MedicationRequest")
        notes = [" ".join(n["text"] for n in r["note"]) for r in requests]
        assert sum(DEVIATION_MARK in text for text in notes) == 4
        rituximab = [n for r, n in zip(requests, notes, strict=True)
                     if r["medicationCodeableConcept"]["text"] == "rituximab"]
        assert rituximab and all(UNSTATED_MARK in text for text in rituximab)

    def test_body_size_and_sct_planning(self) -> None:
        """Height, weight and BSA are LOINC Observations; the regimen's notes carry the BSA
        worked out and the SCT date as an observation of the trial."""
        bundle = _bundle(_calendar())
        codes = {o["code"]["coding"][0]["code"]: o["valueQuantity"]["value"]
                 for o in _resources(bundle, "Observation")}
        assert codes == {"8302-2": 175.0, "29463-7": 76.0, "8277-6": 1.92}
        regimen = _resources(bundle, "CarePlan")[0]
        notes = " ".join(n["text"] for n in regimen["note"])
        assert "not a protocol rule" in notes and "BSA Mosteller" in notes


class TestUpdates:
    def test_identifiers_survive_a_delay(self) -> None:
        """After a delay of course 3, every entry has the same fullUrl and conditional PUT: a
        re-import updates the resources in place; the moved requests say so."""
        before = _bundle(_calendar())
        after = _bundle(_calendar(delays=[CourseDelay.parse("3:7")]))
        assert [e["fullUrl"] for e in before["entry"]] == [e["fullUrl"] for e in after["entry"]]
        assert all(e["request"]["method"] == "PUT" for e in after["entry"])
        moved = [r for r in _resources(after, "MedicationRequest")
                 if any("moved 7 days" in n["text"] for n in r["note"])]
        assert moved and all(r["dosageInstruction"][0]["timing"]["event"][0] >= "2025-03-10"
                             for r in moved)

    def test_patient_id(self) -> None:
        """--patient-id is the Patient identifier."""
        patient = _resources(_bundle(_calendar(), patient_id="S-042"), "Patient")[0]
        assert patient["identifier"] == [{"system": "urn:minihcvd:patient", "value": "S-042"}]


def test_cli_format_fhir(tmp_path: Path) -> None:
    """minihcvd schedule --format fhir writes a Bundle that validates."""
    out = tmp_path / "bundle.json"
    result = CliRunner().invoke(app, [
        "schedule", "--protocol", "amended", "--height-cm", "175", "--weight-kg", "76",
        "--start", "2025-01-06", "--format", "fhir", "--out", str(out),
    ])
    assert result.exit_code == 0, result.output
    Bundle.model_validate(json.loads(out.read_text(encoding="utf-8")))
