"""The dashboard and the live stopping rule: the core's numbers on the live data, the rule
equal to `minihcvd monitor check` on the exported package, a poor trial trips it, the
investigators and statisticians are told once, registrations wait for an admin's decision."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from tests.web.conftest import api_token, registration, setting_up
from typer.testing import CliRunner

from minihcvd.cli import app
from minihcvd.cohort import synthesize
from minihcvd.cohort.outcomes import OutcomeModel
from minihcvd.trialdata import write_package
from minihcvd.web.audit.models import AuditEntry

pytestmark = pytest.mark.django_db
POOR = OutcomeModel(
    baseline_hazard_per_day=8e-3,
    post_relapse_median_months=2.0,
    post_relapse_long_term_share=0.0,
    no_response_median_months=1.5,
    no_response_long_term_share=0.0,
    long_term_hazard_per_day=2e-3,
)


def _load(site: str, tmp_path: Path, model: OutcomeModel | None = None, n: int = 40) -> None:
    from minihcvd.web.casebook.importer import import_package

    folder = tmp_path / f"package-{site}"
    write_package(synthesize(5, n, administrations=False, model=model), folder)
    with setting_up():
        import_package(folder, site_code=site)


def _bearer(client: Any, username: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token(client, username)}"}


def test_the_rule_equals_monitor_check_on_the_exported_package(
    client: Any, users: Any, tmp_path: Path
) -> None:
    _load("A", tmp_path)
    _load("B", tmp_path, POOR, n=15)
    live = client.get("/api/v1/monitoring", **_bearer(client, "nurse-a")).json()
    exported = client.get("/api/v1/export", **_bearer(client, "statistician-all"))
    with zipfile.ZipFile(io.BytesIO(exported.content)) as archive:
        archive.extractall(tmp_path / "export")
    result = CliRunner().invoke(
        app,
        ["monitor", "check", str(tmp_path / "export" / "trial-package"), "--as-of", live["as_of"]],
    )
    line = result.stdout.splitlines()[-1]
    found = re.search(r"(\d+) patients, (\d+) deaths, ([\d.]+) patient-months; Pr = ([\d.]+)", line)
    assert found is not None, result.stdout
    assert (
        (int(found[1]), int(found[2])) == (live["patients"], live["deaths"]) == (55, live["deaths"])
    )
    assert float(found[3]) == pytest.approx(live["exposure_months"], abs=0.05)
    assert float(found[4]) == pytest.approx(live["probability_experimental_better"], abs=5e-5)
    assert (result.exit_code == 1) == live["stop"]


def test_a_poor_trial_trips_the_rule_and_holds_registrations(
    client: Any,
    users: Any,
    sites: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Every role sees "stop"; investigators and statisticians get one mail; an eligible
    registration is held until an admin decides to continue."""
    from minihcvd.web.audit.context import acting_as
    from minihcvd.web.audit.middleware import actor_for
    from minihcvd.web.patients.services import register_patient

    for user in users.values():
        user.email = f"{user.username}@example.org"
        with setting_up():
            user.save()
    with django_capture_on_commit_callbacks(execute=True):
        _load("A", tmp_path, POOR)
    rule = client.get("/api/v1/monitoring", **_bearer(client, "pharmacist-a")).json()
    assert rule["stop"] and rule["registrations_held"]
    assert len(mail.outbox) == 1
    told = set(mail.outbox[0].to)
    assert "investigator-a@example.org" in told and "statistician-all@example.org" in told
    assert "nurse-a@example.org" not in told
    client.force_login(users["pharmacist", "A"])
    assert "New registrations are held" in client.get("/patients/").content.decode()
    nurse = users["nurse", "A"]
    from minihcvd.web.errors import WebInputError

    with acting_as(actor_for(nurse)), pytest.raises(WebInputError, match="registration held"):
        register_patient(user=nurse, request=registration(sites["A"]))
    client.force_login(users["admin", None])
    page = client.post("/dashboard/decision/", {"decision": "continue", "reason": "DSMB: continue"})
    assert page.status_code == 302
    with acting_as(actor_for(nurse)):
        outcome = register_patient(user=nurse, request=registration(sites["A"]))
    assert outcome.patient is not None
    with django_capture_on_commit_callbacks(execute=True):  # the same stop: no second mail
        from minihcvd.web.casebook.models import FollowUp

        with setting_up():
            FollowUp(patient=outcome.patient, visit_date=outcome.patient.start_date).save()
    assert len(mail.outbox) == 1


def test_only_an_admin_records_the_decision(client: Any, users: Any, tmp_path: Path) -> None:
    _load("A", tmp_path, POOR)
    client.force_login(users["investigator", "A"])
    refused = client.post("/dashboard/decision/", {"decision": "continue", "reason": "mine"})
    assert refused.status_code == 403
    from minihcvd.web.oversight.models import StopDecision

    assert not StopDecision.objects.exists()


def test_the_dashboard_shows_the_cores_tables_to_its_roles(
    client: Any, users: Any, tmp_path: Path
) -> None:
    _load("A", tmp_path)
    client.force_login(users["statistician", "A"])
    page = client.get("/dashboard/").content.decode()
    assert "Response (Table 2)" in page and "Adverse events (Table 3)" in page
    assert page.count('<img class="figure" src="data:image/svg+xml;base64,') == 2  # not inline:
    assert "<svg" not in page and "SOS:" in page  # the CSP would strip an inline SVG's styles
    from minihcvd.stats.analysis import AnalysisOptions, analyze_package
    from minihcvd.web.oversight.services import package_of
    from minihcvd.web.patients.models import Patient

    document = analyze_package(
        package_of(list(Patient.objects.order_by("sequence"))), AnalysisOptions()
    ).to_json_dict()
    cr = document["response"]["rows"][0]
    assert f"{cr['overall']['count']}/{cr['overall']['denominator']}" in page
    client.force_login(users["nurse", "A"])
    nurse_page = client.get("/dashboard/").content.decode()
    assert "Stopping rule" in nurse_page and "Response (Table 2)" not in nurse_page


def test_the_full_analysis_is_served_and_audited(client: Any, users: Any, tmp_path: Path) -> None:
    _load("A", tmp_path, n=30)
    client.force_login(users["statistician", "A"])
    response = client.post("/dashboard/analysis/")
    assert response.status_code == 302
    report = client.get(response["Location"])
    assert report.status_code == 200
    assert b"<html" in b"".join(report.streaming_content)[:2000].lower()
    entry = AuditEntry.objects.filter(action="export").last()
    assert entry is not None and "full analysis" in entry.changes
    client.force_login(users["investigator", "A"])
    assert client.post("/dashboard/analysis/").status_code == 403


def test_the_design_is_set_by_an_admin_versioned_and_audited(users: Any, tmp_path: Path) -> None:
    from minihcvd.monitoring.design_file import default_design_path
    from minihcvd.web.errors import PermissionRefused
    from minihcvd.web.oversight.services import current_design, set_design

    text = default_design_path().read_text().replace("p_lower = 0.171", "p_lower = 0.2")
    assert "p_lower = 0.2" in text
    with setting_up(), pytest.raises(PermissionRefused):
        set_design(user=users["statistician", "A"], toml_text=text, reason="x", set_by="s")
    with setting_up():
        set_design(user=users["admin", None], toml_text=text, reason="DSMB", set_by="admin")
    design, source = current_design()
    assert design.p_lower == 0.2 and "set by admin" in source
    assert AuditEntry.objects.filter(record_model="oversight.trialdesign").count() == 1
    from minihcvd.errors import MinihcvdError

    with setting_up(), pytest.raises(MinihcvdError):
        set_design(user=users["admin", None], toml_text="rule = 1", reason="x", set_by="admin")
