"""The permission matrix of docs/web.md, cell by cell, through the pages and through the API.

Each row: role, action, whose patient (own site, other site), expected page status, expected
API status. A patient of another site is a 404 everywhere; a role without the action is a 403
(pages) or 403 (API); admins see no clinical data.
"""

from __future__ import annotations

from typing import Any

import pytest
from tests.web.conftest import ELIGIBLE, MARROW_IN_CR, PASSWORD, PATIENT, api_token

pytestmark = pytest.mark.django_db

ROLES = ("investigator", "nurse", "pharmacist", "statistician", "monitor")
VIEWERS = set(ROLES)
REGISTRARS = {"investigator", "nurse"}
AUDIT_READERS = {"investigator", "nurse", "pharmacist", "monitor"}
SCREENING_READERS = {"investigator", "nurse", "statistician", "monitor"}
EXPORTERS = {"investigator", "statistician"}
TREATMENT_RECORDERS = {"investigator", "nurse"}
VERIFIERS = {"pharmacist"}


def _matrix() -> list[tuple[str, str, str, int | None, int | None]]:
    rows: list[tuple[str, str, str, int | None, int | None]] = []
    for role in (*ROLES, "admin"):
        for where in ("own", "other"):
            sees = role in VIEWERS and where == "own"
            record = 200 if sees else 404  # an admin has no site: every record is another's
            rows.append((role, "view patient", where, record, record))
            rows.append((role, "download calendar", where, record, record))
            audit = 200 if sees and role in AUDIT_READERS else (403 if sees else 404)
            rows.append((role, "view audit trail", where, audit, audit))
            # API only; an unverified course is a 422 for those who may record (it got past
            # the permission check), a verification by a pharmacist is a 201
            record = 422 if sees and role in TREATMENT_RECORDERS else (403 if sees else 404)
            rows.append((role, "record administration", where, None, record))
            verify = 201 if sees and role in VERIFIERS else (403 if sees else 404)
            rows.append((role, "verify course", where, None, verify))
        rows.append((role, "list patients", "own", 200 if role in VIEWERS else 403, 200))
        rows.append(
            (
                role,
                "register patient",
                "own",
                200 if role in REGISTRARS else 403,
                201 if role in REGISTRARS else 403,
            )
        )
        rows.append((role, "register patient", "other", 200 if role in REGISTRARS else 403, 403))
        rows.append(
            (role, "view screening log", "own", 200 if role in SCREENING_READERS else 403, None)
        )
        rows.append((role, "administration", "own", 200 if role == "admin" else 302, None))
        for where in ("own", "other"):
            sees = role in VIEWERS and where == "own"
            enter = (201 if role in REGISTRARS else 403) if sees else 404
            form = (200 if role in REGISTRARS else 403) if sees else 404
            rows.append((role, "enter clinical data", where, form, enter))
        rows.append((role, "export data package", "own", None, 200 if role in EXPORTERS else 403))
    return rows


MATRIX = _matrix()


@pytest.mark.parametrize(
    ("role", "action", "where", "page", "api"),
    MATRIX,
    ids=[f"{r}-{a}-{w}".replace(" ", "_") for r, a, w, _, _ in MATRIX],
)
def test_permission(
    client: Any,
    users: Any,
    patient_a: Any,
    patient_b: Any,
    role: str,
    action: str,
    where: str,
    page: int | None,
    api: int | None,
) -> None:
    """One cell of the matrix: the page's and the API's status for a user of site A."""
    user = users[role, None] if role == "admin" else users[role, "A"]
    patient = patient_a if where == "own" else patient_b
    client.force_login(user)
    token = api_token(client, user.username)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    sid = patient.study_id
    pages = {
        "view patient": f"/patients/{sid}/",
        "download calendar": f"/patients/{sid}/calendar.ics",
        "view audit trail": f"/patients/{sid}/history/",
        "list patients": "/patients/",
        "register patient": "/patients/register/",
        "view screening log": "/patients/screening/",
        "administration": "/admin/",
        "enter clinical data": f"/patients/{sid}/casebook/assessments/new/",
    }
    if page is not None:
        assert client.get(pages[action]).status_code == page
    if api is None:
        return
    course = f"/api/v1/patients/{sid}/courses/1"
    if action == "record administration":
        body = {"component": "vincristine", "day": 1}
        response = client.post(
            f"{course}/administrations", body, content_type="application/json", **bearer
        )
    elif action == "verify course":
        from minihcvd.web.treatment.courses import course_view

        body = {"password": PASSWORD, "confirmed": course_view(patient, "1").to_confirm}
        response = client.post(
            f"{course}/verification", body, content_type="application/json", **bearer
        )
    elif action == "register patient":
        body = {**PATIENT, "site": "A" if where == "own" else "B", "eligibility": ELIGIBLE}
        response = client.post("/api/v1/patients", body, content_type="application/json", **bearer)
    elif action == "enter clinical data":
        response = client.post(
            f"/api/v1/patients/{sid}/assessments",
            MARROW_IN_CR,
            content_type="application/json",
            **bearer,
        )
    else:
        paths = {
            "view patient": f"/api/v1/patients/{sid}",
            "download calendar": f"/api/v1/patients/{sid}/calendar",
            "view audit trail": f"/api/v1/audit?study_id={sid}",
            "list patients": "/api/v1/patients",
            "export data package": "/api/v1/export",
        }
        response = client.get(paths[action], **bearer)
    assert response.status_code == api, response.content[:300]


@pytest.mark.parametrize("role", (*ROLES, "admin"))
def test_lists_and_counts_show_only_own_sites(
    client: Any, users: Any, patient_a: Any, patient_b: Any, role: str
) -> None:
    """The list (page and API), its count and the search never show site B's patient."""
    user = users[role, None] if role == "admin" else users[role, "A"]
    token = api_token(client, user.username)
    listed = client.get("/api/v1/patients", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    expected = [] if role == "admin" else ["A-0001"]
    assert [p["study_id"] for p in listed] == expected
    if role != "admin":
        client.force_login(user)
        found = client.get("/patients/", {"q": "B-0001"})
        assert list(found.context["patients"]) == [] and found.context["total"] == 0
        assert 'href="/patients/B-0001/"' not in found.content.decode()


@pytest.mark.parametrize("role", ["statistician", "monitor"])
def test_all_sites_users_see_every_site(
    client: Any, users: Any, patient_a: Any, patient_b: Any, role: str
) -> None:
    """Statisticians and monitors given all sites see both sites' patients."""
    token = api_token(client, f"{role}-all")
    listed = client.get("/api/v1/patients", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert sorted(p["study_id"] for p in listed) == ["A-0001", "B-0001"]


def test_the_api_needs_a_token(client: Any, patient_a: Any) -> None:
    """No token, or a made-up one, is a 401."""
    assert client.get("/api/v1/patients").status_code == 401
    wrong = client.get("/api/v1/patients", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert wrong.status_code == 401


def test_pages_need_a_login(client: Any, patient_a: Any) -> None:
    """Anonymous visitors are sent to the login page."""
    response = client.get("/patients/A-0001/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
