"""The patient's calendar on the web is the CLI's: downloads and the API equal
``minihcvd schedule`` for the same inputs, and the page shows every administration."""

from __future__ import annotations

import re
from typing import Any

import pytest
from tests.web.conftest import api_token
from typer.testing import CliRunner

from minihcvd.cli import app
from minihcvd.web.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def _schedule(patient: Any, output_format: str, out: Any = None) -> str:
    arguments = [
        "schedule",
        "--protocol",
        patient.protocol,
        "--height-cm",
        str(patient.height_cm),
        "--weight-kg",
        str(patient.weight_kg),
        "--start",
        patient.start_date.isoformat(),
        "--bsa-formula",
        patient.bsa_formula,
        "--format",
        output_format,
    ]
    if patient.cd20_pct is not None:
        arguments += ["--cd20-pct", str(patient.cd20_pct)]
    if patient.cns_disease:
        arguments.append("--cns-disease")
    if output_format == "ics":  # the web's events are named by the study id
        arguments += ["--patient-id", patient.study_id]
    if out is not None:  # the file the CLI writes, byte for byte (ICS lines end in CRLF)
        arguments += ["--out", str(out)]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    return result.stdout if out is None else out.read_bytes().decode("utf-8")


def _without_timestamps(ics: str) -> str:
    return re.sub(r"^DTSTAMP:.*$", "DTSTAMP:-", ics, flags=re.MULTILINE)


@pytest.mark.parametrize("output_format", ["json", "csv", "ics"])
def test_downloads_equal_the_cli(
    client: Any, users: Any, patient_a: Any, output_format: str, tmp_path: Any
) -> None:
    """ICS (but for its generation time), CSV and JSON are the CLI's output byte for byte."""
    client.force_login(users["pharmacist", "A"])
    response = client.get(f"/patients/A-0001/calendar.{output_format}")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="A-0001-calendar.{output_format}"'
    )
    web = response.content.decode("utf-8")
    cli = _schedule(patient_a, output_format, tmp_path / f"calendar.{output_format}")
    if output_format == "ics":
        web, cli = _without_timestamps(web), _without_timestamps(cli)
    assert web == cli


def test_a_download_is_recorded_as_an_export(client: Any, users: Any, patient_a: Any) -> None:
    """Who downloaded which calendar is in the audit trail."""
    client.force_login(users["pharmacist", "A"])
    client.get("/patients/A-0001/calendar.ics")
    entry = AuditEntry.objects.filter(action="export").get()
    assert (entry.username, entry.study_id, entry.changes) == (
        "pharmacist-a",
        "A-0001",
        {"calendar": [None, "ics"]},
    )


def test_the_api_calendar_equals_the_cli_json(client: Any, users: Any, patient_a: Any) -> None:
    """GET /api/v1/patients/{id}/calendar is `schedule --format json`."""
    token = api_token(client, "investigator-a")
    response = client.get("/api/v1/patients/A-0001/calendar", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert response.content.decode() == _schedule(patient_a, "json")


def test_the_page_shows_every_administration_course_by_course(
    client: Any, users: Any, patient_a: Any
) -> None:
    """Over all courses, each administration row once, its calculation, the unstated marks,
    and the SCT summary."""
    from minihcvd.web.patients.services import calendar_for_patient

    calendar = calendar_for_patient(patient_a)
    client.force_login(users["nurse", "A"])
    rows = unstated = 0
    for course in calendar.courses:
        page = client.get(
            f"/patients/A-0001/?course={course.phase}-{course.course}"
        ).content.decode()
        mine = [
            a
            for a in calendar.administrations
            if (a.phase, a.course) == (course.phase, course.course)
        ]
        assert page.count('<tr class="') - page.count('<tr class="shown"') == len(mine)
        rows += len(mine)
        unstated += page.count('<tr class="unstated">')
        if mine:
            assert mine[0].calculation.split(" ")[0] in page
    assert rows == len(calendar.administrations)
    assert unstated == sum(not a.stated_in_paper for a in calendar.administrations) > 0
    assert calendar.sct_planning.summary in page.replace("&#x27;", "'")
