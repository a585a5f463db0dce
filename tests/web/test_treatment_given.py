"""Treatment as given: verification by an independent pharmacist with an e-signature, voiding on
change, administrations only after verification, cumulative inotuzumab, the API."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from tests.web.conftest import PASSWORD, api_token

from minihcvd.web.audit.context import acting_as
from minihcvd.web.audit.middleware import actor_for
from minihcvd.web.audit.models import AuditEntry
from minihcvd.web.errors import PermissionRefused, WebInputError

pytestmark = pytest.mark.django_db


def _as(user: Any) -> Any:
    return acting_as(actor_for(user))


def _verify(users: dict[str, Any], patient: Any, course: str = "1", who: str = "pharmacist") -> Any:
    from minihcvd.web.treatment.courses import course_view, verify_course

    view = course_view(patient, course)
    with _as(users[who, "A"]):
        return verify_course(
            user=users[who, "A"],
            patient=patient,
            course=course,
            password=PASSWORD,
            confirmed=view.to_confirm,
        )


def test_a_course_cannot_start_before_verification(users: Any, patient_a: Any) -> None:
    from minihcvd.web.treatment.courses import record_administration

    with _as(users["nurse", "A"]), pytest.raises(WebInputError, match="not verified"):
        record_administration(
            user=users["nurse", "A"], patient=patient_a, course="1", component="vincristine", day=1
        )


def test_verify_then_record_as_planned(users: Any, patient_a: Any) -> None:
    from minihcvd.web.treatment.courses import course_view, record_administration

    signature = _verify(users, patient_a)
    assert signature.meaning == "verified the doses of course 1"
    assert signature.printed_name == "pharmacist-a"
    assert len(signature.content_sha256) == 64
    with _as(users["nurse", "A"]):
        given = record_administration(
            user=users["nurse", "A"], patient=patient_a, course="1", component="vincristine", day=1
        )
    assert given.dose == 2.0 and given.as_planned
    view = course_view(patient_a, "1")
    assert view.state == "verified" and view.signature_status == "valid"
    assert view.record is not None and view.record.actual_start == patient_a.start_date


def test_every_unstated_dose_needs_confirmation(users: Any, patient_a: Any) -> None:
    from minihcvd.web.treatment.courses import course_view, verify_course

    view = course_view(patient_a, "1")
    assert "ursodiol" in view.to_confirm and "vincristine" not in view.to_confirm
    with _as(users["pharmacist", "A"]), pytest.raises(WebInputError, match="ursodiol"):
        verify_course(
            user=users["pharmacist", "A"],
            patient=patient_a,
            course="1",
            password=PASSWORD,
            confirmed=view.to_confirm[:-1] if view.to_confirm[-1] == "ursodiol" else ["x"],
        )


def test_blinatumomab_under_45_kg_needs_confirmation(users: Any, patient_a: Any) -> None:
    from minihcvd.web.treatment.courses import course_view, needs_confirmation

    rows = course_view(patient_a, "5").planned
    blin = next(a for a in rows if a.drug == "blinatumomab" and a.stated_in_paper)
    assert not needs_confirmation(blin, 76.0)
    assert needs_confirmation(blin, 44.0)


def test_the_verifier_is_an_independent_pharmacist(users: Any, patient_a: Any) -> None:
    from minihcvd.web.treatment.courses import adjust_course_dose

    with pytest.raises(PermissionRefused):
        _verify(users, patient_a, who="nurse")
    with _as(users["investigator", "A"]):
        adjust_course_dose(
            user=users["investigator", "A"],
            patient=patient_a,
            course="1",
            drug="vincristine",
            percent=Decimal(50),
            reason="neuropathy",
        )
    # a pharmacist who ordered the course's doses may not verify them
    patient_a.refresh_from_db()
    from minihcvd.web.treatment.models import Course

    course = Course.objects.get(patient=patient_a, number=1)
    with _as(users["pharmacist", "A"]):
        course.dose_authors = [*course.dose_authors, "pharmacist-a"]
        course.save(reason="test: the pharmacist ordered a dose")
    with pytest.raises(PermissionRefused, match="did not enter or order"):
        _verify(users, patient_a)


def test_a_wrong_password_is_refused_and_audited(users: Any, patient_a: Any) -> None:
    from minihcvd.web.signatures.services import SignatureRefused
    from minihcvd.web.treatment.courses import course_view, verify_course

    view = course_view(patient_a, "1")
    with _as(users["pharmacist", "A"]), pytest.raises(SignatureRefused):
        verify_course(
            user=users["pharmacist", "A"],
            patient=patient_a,
            course="1",
            password="wrong",
            confirmed=view.to_confirm,
        )
    entry = AuditEntry.objects.filter(action="signature").get()
    assert entry.username == "pharmacist-a" and entry.study_id == patient_a.study_id
    assert course_view(patient_a, "1").state == "entered"


def test_dose_adjustment_and_weight_change_void_the_verification(
    users: Any, patient_a: Any
) -> None:
    from minihcvd.web.treatment.courses import (
        adjust_course_dose,
        change_body_size,
        course_view,
        record_administration,
    )

    _verify(users, patient_a)
    with _as(users["investigator", "A"]):
        adjust_course_dose(
            user=users["investigator", "A"],
            patient=patient_a,
            course="1",
            drug="vincristine",
            percent=Decimal(50),
            reason="neuropathy",
        )
    view = course_view(patient_a, "1")
    assert view.state == "voided" and view.signature_status == "no longer valid"
    with _as(users["nurse", "A"]), pytest.raises(WebInputError, match="not verified"):
        record_administration(
            user=users["nurse", "A"], patient=patient_a, course="1", component="vincristine", day=1
        )
    _verify(users, patient_a)
    assert course_view(patient_a, "1").state == "verified"
    patient_a.refresh_from_db()
    with _as(users["nurse", "A"]):
        change_body_size(
            user=users["nurse", "A"],
            patient=patient_a,
            version=patient_a.version,
            height_cm=175.0,
            weight_kg=70.0,
            reason="weighed again",
        )
    assert course_view(patient_a, "1").state == "voided"


def test_a_delay_moves_every_later_course(users: Any, patient_a: Any) -> None:
    from minihcvd.web.treatment.courses import course_view, delay_course

    before = [course_view(patient_a, c).planned_start for c in ("2", "3", "m1")]
    with _as(users["nurse", "A"]):
        delay_course(
            user=users["nurse", "A"], patient=patient_a, course="2", days=7, reason="neutropenia"
        )
    after = [course_view(patient_a, c).planned_start for c in ("2", "3", "m1")]
    assert [(b - a).days for a, b in zip(before, after, strict=True)] == [7, 7, 7]


def test_cumulative_inotuzumab_past_the_plan_needs_an_override(users: Any, patient_a: Any) -> None:
    from minihcvd.web.treatment.courses import (
        course_view,
        override_cumulative,
        record_administration,
    )

    _verify(users, patient_a)
    nurse = users["nurse", "A"]
    with _as(nurse):
        given = record_administration(
            user=nurse, patient=patient_a, course="1", component="inotuzumab-c1-day2", day=2
        )
    assert given.inotuzumab_mg_per_m2 == Decimal("0.6000")
    assert course_view(patient_a, "1").inotuzumab_given_mg_per_m2 == Decimal("0.6")
    # 1.15 mg planned = 0.6 mg/m2: 5.5 mg ≈ 2.87 mg/m2 takes 0.6 past the planned 2.7
    with _as(nurse), pytest.raises(WebInputError, match="above the planned total"):
        record_administration(
            user=nurse,
            patient=patient_a,
            course="1",
            component="inotuzumab-c1-day8",
            day=8,
            as_planned=False,
            dose=5.5,
            reason="test",
        )
    with _as(users["pharmacist", "A"]):
        override_cumulative(
            user=users["pharmacist", "A"],
            patient=patient_a,
            course="1",
            reason="protocol chair approved",
        )
    with _as(nurse):
        given = record_administration(
            user=nurse,
            patient=patient_a,
            course="1",
            component="inotuzumab-c1-day8",
            day=8,
            as_planned=False,
            dose=5.5,
            reason="test",
        )
    assert course_view(patient_a, "1").inotuzumab_given_mg_per_m2 > Decimal("2.7")


def _bearer(client: Any, username: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token(client, username)}"}


def test_api_verification_administration_patch(
    client: Any, users: Any, patient_a: Any, patient_b: Any
) -> None:
    from minihcvd.web.treatment.courses import course_view

    base = f"/api/v1/patients/{patient_a.study_id}/courses/1"
    confirm = course_view(patient_a, "1").to_confirm
    body = {"password": PASSWORD, "confirmed": confirm}
    nurse, pharmacist = _bearer(client, "nurse-a"), _bearer(client, "pharmacist-a")
    given = {"component": "vincristine", "day": 1}
    assert (
        client.post(
            f"{base}/administrations", given, content_type="application/json", **nurse
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"{base}/verification", body, content_type="application/json", **nurse
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"{base}/verification",
            {"password": PASSWORD},
            content_type="application/json",
            **pharmacist,
        ).status_code
        == 422
    )
    response = client.post(
        f"{base}/verification", body, content_type="application/json", **pharmacist
    )
    assert response.status_code == 201, response.content
    assert response.json()["meaning"] == "verified the doses of course 1"
    other = f"/api/v1/patients/{patient_b.study_id}/courses/1/administrations"
    assert client.post(other, given, content_type="application/json", **nurse).status_code == 404
    assert (
        client.post(
            f"{base}/administrations", given, content_type="application/json", **pharmacist
        ).status_code
        == 403
    )
    response = client.post(
        f"{base}/administrations", given, content_type="application/json", **nurse
    )
    assert response.status_code == 201, response.content
    record = response.json()
    url = f"{base}/administrations/{record['id']}"
    patch = {"version": record["version"], "reason": "given 1 mg", "dose": 1.0}
    first = client.patch(url, patch, content_type="application/json", **nurse)
    assert first.status_code == 200 and first.json()["dose"] == 1.0
    stale = client.patch(url, patch, content_type="application/json", **nurse)
    assert stale.status_code == 409


def test_the_signed_body_size_is_the_one_the_doses_were_computed_from(
    users: Any, patient_a: Any
) -> None:
    """A course record whose patient instance holds another weight than the calendar (a stale
    copy) must not sign that weight beside doses computed from the calendar's."""
    from minihcvd.web.treatment.courses import (
        course_view,
        treatment_calendar,
        verification_content,
    )

    _verify(users, patient_a)
    record = course_view(patient_a, "1").record
    calendar = treatment_calendar(patient_a)
    record.patient.weight_kg = calendar.weight_kg + 6.0  # a stale copy, not saved
    content = verification_content(record, calendar)
    assert (content["height_cm"], content["weight_kg"]) == (
        calendar.height_cm,
        calendar.weight_kg,
    )
    assert f"{calendar.weight_kg:g} kg" in content["bsa_calculation"]
