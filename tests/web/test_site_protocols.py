"""A site's protocol variant: uploaded through the core's validation, chosen at registration,
and the patient's calendar (with its DEVIATION marks) equal to `minihcvd schedule --protocol
FILE` for the same file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.web.conftest import ELIGIBLE, PATIENT, api_token, setting_up
from typer.testing import CliRunner

from minihcvd.cli import app
from minihcvd.errors import ProtocolError
from minihcvd.web.errors import WebInputError

pytestmark = pytest.mark.django_db
VARIANT = (
    "extends: amended\nname: amended-site-a\ncomponent_overrides:\n"
    '  vincristine: {dose: 1.5, source: "Site A SOP 7 (2025): vincristine 1.5 mg"}\n'
)


def _upload(site: Any, tmp_path: Path, text: str = VARIANT) -> Any:
    from minihcvd.web.sites.services import add_site_protocol

    path = tmp_path / "site-a.yaml"
    path.write_text(text, encoding="utf-8")
    with setting_up():
        return add_site_protocol(site=site, path=path, reason="SOP 7", uploaded_by="admin")


def test_a_deviation_without_the_sites_source_is_refused(sites: Any, tmp_path: Path) -> None:
    with pytest.raises(ProtocolError, match="source"):
        _upload(
            sites["A"],
            tmp_path,
            VARIANT.replace(', source: "Site A SOP 7 (2025): vincristine 1.5 mg"', ""),
        )
    with pytest.raises(WebInputError, match="own name"):
        _upload(sites["A"], tmp_path, VARIANT.replace("amended-site-a", "amended"))


def test_a_patient_on_the_variant_has_the_clis_calendar(
    client: Any, users: Any, sites: Any, tmp_path: Path
) -> None:
    variant = _upload(sites["A"], tmp_path)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {api_token(client, 'nurse-a')}"}
    body = {**PATIENT, "site": "A", "protocol": "amended-site-a", "eligibility": ELIGIBLE}
    made = client.post("/api/v1/patients", body, content_type="application/json", **bearer)
    assert made.status_code == 201, made.content
    out = made.json()
    assert out["protocol"] == "amended" and out["site_protocol"]["sha256"] == variant.sha256
    web = client.get(f"/api/v1/patients/{out['study_id']}/calendar", **bearer).content.decode()
    cli = CliRunner().invoke(
        app,
        [
            "schedule",
            "--protocol",
            str(tmp_path / "site-a.yaml"),
            "--height-cm",
            str(PATIENT["height_cm"]),
            "--weight-kg",
            str(PATIENT["weight_kg"]),
            "--start",
            PATIENT["start_date"],
            "--cd20-pct",
            str(PATIENT["cd20_pct"]),
            "--format",
            "json",
        ],
    )
    assert cli.exit_code == 0, cli.output
    assert web == cli.stdout
    assert "DEVIATION" in web and '"dose": 1.5' in web


def test_site_b_cannot_register_on_site_as_variant(
    client: Any, users: Any, sites: Any, tmp_path: Path
) -> None:
    _upload(sites["A"], tmp_path)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {api_token(client, 'nurse-b')}"}
    body = {**PATIENT, "site": "B", "protocol": "amended-site-a", "eligibility": ELIGIBLE}
    refused = client.post("/api/v1/patients", body, content_type="application/json", **bearer)
    assert refused.status_code == 422
    assert "at site B" in refused.json()["detail"][0]["msg"]


def test_the_registration_form_offers_the_sites_variants(
    client: Any, users: Any, sites: Any, tmp_path: Path
) -> None:
    _upload(sites["A"], tmp_path)
    client.force_login(users["nurse", "A"])
    assert (
        "amended-site-a (site A&#x27;s variant)"
        in client.get("/patients/register/").content.decode()
    )
    client.force_login(users["nurse", "B"])
    assert "amended-site-a" not in client.get("/patients/register/").content.decode()
