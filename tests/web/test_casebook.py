"""The casebook: entry checked by the package rules, changes with versions, export and import.

Round trip: a package imported into an empty site and exported again gives the files the core
writes for that package (``write_package(read_package(...))``), with the site's study ids in
place of the package's patient ids; a second round trip gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from tests.web.conftest import MARROW_IN_CR, api_token, setting_up

from minihcvd.cohort import synthesize
from minihcvd.trialdata import read_package, validate_package, write_package
from minihcvd.web.audit.models import AuditEntry
from minihcvd.web.casebook.models import AdverseEvent, Death, MarrowAssessment
from minihcvd.web.casebook.services import casebook_view
from minihcvd.web.treatment.models import GivenAdministration

pytestmark = pytest.mark.django_db
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "trial-package"
MARROW = {**MARROW_IN_CR, "mrd_flow_level": 0.00005}


def _bearer(client: Any, username: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token(client, username)}"}


def _post(client: Any, bearer: dict[str, str], path: str, body: dict[str, Any]) -> Any:
    return client.post(f"/api/v1{path}", body, content_type="application/json", **bearer)


def _patch(client: Any, bearer: dict[str, str], path: str, body: dict[str, Any]) -> Any:
    return client.patch(f"/api/v1{path}", body, content_type="application/json", **bearer)


def _errors(response: Any) -> dict[str, str]:
    return {d["loc"][-1]: d["msg"] for d in response.json()["detail"]}


class TestEntry:
    def test_a_marrow_in_cr_shows_the_cores_response_and_mrd(
        self, client: Any, users: Any, patient_a: Any
    ) -> None:
        bearer = _bearer(client, "nurse-a")
        response = _post(client, bearer, "/patients/A-0001/assessments", MARROW)
        assert response.status_code == 201, response.content
        view = casebook_view(patient_a)
        assert [m.response for m in view.marrows] == ["CR"]
        assert view.marrows[0].mrd == "flow negative (5e-05)"
        assert view.outcomes["best_response"] == "CR"
        assert view.outcomes["source"] == "assessments"
        client.force_login(users["nurse", "A"])
        page = client.get("/patients/A-0001/")
        assert "<strong>CR</strong>" in page.content.decode()

    def test_a_death_before_the_start_is_refused_on_its_field(
        self, client: Any, users: Any, patient_a: Any
    ) -> None:
        bearer = _bearer(client, "investigator-a")
        before = AuditEntry.objects.count()
        response = _post(client, bearer, "/patients/A-0001/death", {"death_date": "2024-12-01"})
        assert response.status_code == 422
        assert "death_date" in _errors(response)
        assert not Death.objects.exists()
        assert AuditEntry.objects.count() == before

    def test_a_follow_up_after_the_death_is_refused(
        self, client: Any, users: Any, patient_a: Any
    ) -> None:
        bearer = _bearer(client, "nurse-a")
        assert (
            _post(
                client, bearer, "/patients/A-0001/death", {"death_date": "2025-06-01"}
            ).status_code
            == 201
        )
        response = _post(client, bearer, "/patients/A-0001/followups", {"visit_date": "2025-07-01"})
        assert response.status_code == 422
        assert "visit_date" in _errors(response) or "death_date" in _errors(response)

    def test_a_grade_5_event_needs_the_death_record(
        self, client: Any, users: Any, patient_a: Any
    ) -> None:
        bearer = _bearer(client, "nurse-a")
        event = {
            "term": "Sepsis",
            "onset_date": "2025-02-01",
            "grade": 5,
            "ctcae_version": "4.03",
            "hematologic": False,
            "treatment_related": False,
        }
        response = _post(client, bearer, "/patients/A-0001/adverse-events", event)
        assert response.status_code == 422 and "death record" in _errors(response)["grade"]
        _post(
            client,
            bearer,
            "/patients/A-0001/death",
            {"death_date": "2025-02-10", "cause": "sepsis"},
        )
        assert _post(client, bearer, "/patients/A-0001/adverse-events", event).status_code == 201

    def test_a_second_transplant_is_refused(self, client: Any, users: Any, patient_a: Any) -> None:
        bearer = _bearer(client, "nurse-a")
        body = {"sct_date": "2025-05-01", "donor_type": "haploidentical"}
        assert _post(client, bearer, "/patients/A-0001/transplant", body).status_code == 201
        again = _post(client, bearer, "/patients/A-0001/transplant", body)
        assert again.status_code == 422 and "already recorded" in _errors(again)["record"]

    def test_invalid_fields_are_named(self, client: Any, users: Any, patient_a: Any) -> None:
        bearer = _bearer(client, "nurse-a")
        response = _post(
            client, bearer, "/patients/A-0001/assessments", {**MARROW, "bm_blasts_pct": 140}
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"][-1] == "bm_blasts_pct"


class TestChanges:
    def _marrow(self, client: Any, bearer: dict[str, str]) -> dict[str, Any]:
        response = _post(client, bearer, "/patients/A-0001/assessments", MARROW)
        assert response.status_code == 201
        return dict(response.json())

    def test_a_change_needs_a_reason_and_is_audited(
        self, client: Any, users: Any, patient_a: Any
    ) -> None:
        bearer = _bearer(client, "nurse-a")
        made = self._marrow(client, bearer)
        path = f"/patients/A-0001/assessments/{made['id']}"
        no_reason = _patch(
            client, bearer, path, {"version": made["version"], "reason": "", "values": {}}
        )
        assert no_reason.status_code == 422
        changed = _patch(
            client,
            bearer,
            path,
            {
                "version": made["version"],
                "reason": "transcription error",
                "values": {"bm_blasts_pct": 8},
            },
        )
        assert changed.status_code == 200, changed.content
        assert changed.json()["version"] == made["version"] + 1
        entry = AuditEntry.objects.filter(record_model="casebook.marrowassessment").last()
        assert entry is not None and entry.reason == "transcription error"
        assert entry.changes == {"bm_blasts_pct": [2.0, 8.0]}
        assert [m.response for m in casebook_view(patient_a).marrows] == ["NR"]

    def test_a_stale_version_is_409_and_changes_nothing(
        self, client: Any, users: Any, patient_a: Any
    ) -> None:
        bearer = _bearer(client, "nurse-a")
        made = self._marrow(client, bearer)
        path = f"/patients/A-0001/assessments/{made['id']}"
        first = {"version": made["version"], "reason": "first", "values": {"bm_blasts_pct": 3}}
        second = {"version": made["version"], "reason": "second", "values": {"bm_blasts_pct": 4}}
        assert _patch(client, bearer, path, first).status_code == 200
        stale = _patch(client, bearer, path, second)
        assert stale.status_code == 409
        assert MarrowAssessment.objects.get().bm_blasts_pct == 3.0

    def test_the_page_shows_a_stale_edit_beside_the_record(
        self, client: Any, users: Any, patient_a: Any
    ) -> None:
        bearer = _bearer(client, "nurse-a")
        made = self._marrow(client, bearer)
        path = f"/patients/A-0001/assessments/{made['id']}"
        _patch(
            client,
            bearer,
            path,
            {"version": made["version"], "reason": "x", "values": {"bm_blasts_pct": 3}},
        )
        client.force_login(users["nurse", "A"])
        form = {
            **MARROW,
            "bm_blasts_pct": 4,
            "version": made["version"],
            "reason": "mine",
            "extramedullary_disease": "false",
        }
        form = {k: ("" if v is None else v) for k, v in form.items()}
        response = client.post(f"/patients/A-0001/casebook/assessments/{made['id']}/edit/", form)
        assert response.status_code == 409
        assert "changed by someone else" in response.content.decode()
        assert MarrowAssessment.objects.get().bm_blasts_pct == 3.0


def _canonical(source: Path, folder: Path) -> Path:
    """The files the core writes for the package in ``source``."""
    write_package(read_package(source), folder)
    return folder


def _import(site_code: str, source: Path) -> None:
    from minihcvd.web.casebook.importer import import_package

    with setting_up():
        import_package(source, site_code=site_code)


def _export(client: Any, username: str, into: Path) -> Path:
    response = client.get("/api/v1/export", **_bearer(client, username))
    assert response.status_code == 200, response.content[:300]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        archive.extractall(into)
    return into / "trial-package"


def _with_study_ids(folder: Path, site: str) -> dict[str, str]:
    """The package's files with P-ids replaced by the study ids import gives (file order)."""
    ids = pd.read_csv(folder / "patients.csv", dtype=str)["patient_id"].tolist()
    mapping = {old: f"{site}-{n:04d}" for n, old in enumerate(ids, start=1)}
    texts = {}
    for path in sorted(folder.glob("*.csv")):
        lines = path.read_text().splitlines(keepends=True)
        out = [lines[0]]
        for line in lines[1:]:
            first, rest = line.split(",", 1)
            out.append(f"{mapping[first]},{rest}")
        texts[path.name] = "".join(out)
    return texts


@pytest.mark.parametrize("source", ["example", "virtual cohort"])
def test_import_then_export_gives_the_same_package(
    client: Any, users: Any, tmp_path: Path, source: str
) -> None:
    """Import → export equals the source (core-written, study ids); nothing else is added."""
    if source == "example":
        package_dir = EXAMPLE
    else:
        package_dir = tmp_path / "cohort"
        write_package(synthesize(11, 40), package_dir)
    _import("A", package_dir)
    exported = _export(client, "statistician-a", tmp_path / "export")
    assert validate_package(exported) == []
    expected = _with_study_ids(_canonical(package_dir, tmp_path / "canonical"), "A")
    got = {p.name: p.read_text() for p in sorted(exported.glob("*.csv"))}
    assert "administrations.csv" in got
    assert got == expected
    if source == "example":  # the doses given, byte for byte as the package has them
        source_ids = _with_study_ids(EXAMPLE, "A")["administrations.csv"]
        assert (exported / "administrations.csv").read_bytes() == source_ids.encode()


def test_a_second_round_trip_gives_the_same_bytes(client: Any, users: Any, tmp_path: Path) -> None:
    _import("A", EXAMPLE)
    first = _export(client, "statistician-a", tmp_path / "one")
    _import("B", first)
    second = _export(client, "statistician-b", tmp_path / "two")
    for path in first.glob("*.csv"):
        assert (second / path.name).read_text() == path.read_text().replace("A-", "B-")


def test_the_import_is_audited_and_whole(users: Any, tmp_path: Path) -> None:
    """Every imported row has its audit entry; a bad package writes nothing."""
    _import("A", EXAMPLE)
    assert MarrowAssessment.objects.count() == 9 and AdverseEvent.objects.count() == 9
    audited = AuditEntry.objects.filter(record_model="casebook.marrowassessment", action="create")
    assert audited.count() == 9
    given = AuditEntry.objects.filter(record_model="treatment.givenadministration")
    assert given.filter(action="create").count() == GivenAdministration.objects.count() == 9
    bad = tmp_path / "bad"
    write_package(read_package(EXAMPLE), bad)
    text = (bad / "patients.csv").read_text().replace(",34.0,M,", ",34.5,M,")
    (bad / "patients.csv").write_text(text)
    from minihcvd.web.errors import WebInputError

    before = AuditEntry.objects.count()
    with pytest.raises(WebInputError, match="whole years"):
        _import("B", bad)
    assert AuditEntry.objects.count() == before


def test_import_refuses_a_site_with_patients(users: Any, patient_a: Any) -> None:
    from minihcvd.web.errors import WebInputError

    with pytest.raises(WebInputError, match="already has patients"):
        _import("A", EXAMPLE)


def test_the_export_is_recorded_and_site_scoped(client: Any, users: Any, tmp_path: Path) -> None:
    _import("A", EXAMPLE)
    exported = _export(client, "investigator-a", tmp_path / "a")
    assert pd.read_csv(exported / "patients.csv")["patient_id"].str.startswith("A-").all()
    entry = AuditEntry.objects.filter(action="export").last()
    assert entry is not None and entry.username == "investigator-a"
    refused = client.get("/api/v1/export", **_bearer(client, "investigator-b"))
    assert refused.status_code == 422  # site B has no patients; site A's are not theirs


def test_an_imported_patient_without_body_size_has_no_calendar(client: Any, users: Any) -> None:
    _import("A", EXAMPLE)
    client.force_login(users["nurse", "A"])
    page = client.get("/patients/A-0001/").content.decode()
    assert "No calendar" in page and "no height and weight recorded" in page
    assert (
        client.get("/api/v1/patients/A-0001/calendar", **_bearer(client, "nurse-a")).status_code
        == 422
    )


def test_a_marrow_for_an_imported_patient_updates_the_stated_outcomes(
    client: Any, users: Any
) -> None:
    """Imported patients have stated outcomes; a new marrow moves them by the core's rules."""
    from minihcvd.web.casebook.models import StatedOutcome
    from minihcvd.web.patients.models import Patient

    _import("A", EXAMPLE)
    patient = Patient.objects.get(study_id="A-0001")  # P001: CR stated, and its marrows
    stated = StatedOutcome.objects.get(patient=patient)
    first = MarrowAssessment.objects.filter(patient=patient).order_by("assessment_date").first()
    assert first is not None
    earlier = {
        "assessment_date": (first.assessment_date - pd.Timedelta(days=7)).isoformat(),
        "bm_blasts_pct": 1,
        "anc_10e9_per_l": 2.0,
        "platelets_10e9_per_l": 150,
        "extramedullary_disease": False,
    }
    response = _post(client, _bearer(client, "nurse-a"), "/patients/A-0001/assessments", earlier)
    assert response.status_code == 201, response.content
    stated.refresh_from_db()
    assert (stated.best_response, stated.response_date) == (
        "CR",
        dt.date.fromisoformat(earlier["assessment_date"]),
    )
    entry = AuditEntry.objects.filter(record_model="casebook.statedoutcome").last()
    assert entry is not None and "derived from the marrow" in entry.reason
