"""The treatment pages: courses as given, administrations entry (as planned in one click, or
the dose given with a reason), the cumulative inotuzumab, the pharmacist's verification page
with its confirmations and signature, and the early start of maintenance."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from tests.web.conftest import PASSWORD

from minihcvd.web.audit.context import acting_as
from minihcvd.web.audit.middleware import actor_for
from minihcvd.web.errors import WebInputError

pytestmark = pytest.mark.django_db

TREATMENT = "/patients/A-0001/treatment/"
VERIFY_1 = "/patients/A-0001/treatment/1/verification/"


def _as(user: Any) -> Any:
    return acting_as(actor_for(user))


def _verify_page(client: Any, users: Any, course: str = "1", who: str = "pharmacist") -> Any:
    from minihcvd.web.patients.models import Patient
    from minihcvd.web.treatment.courses import course_view, treatment_calendar

    patient = Patient.objects.get(study_id="A-0001")
    view = course_view(patient, course, treatment_calendar(patient))
    client.force_login(users[who, "A"])
    return client.post(
        f"/patients/A-0001/treatment/{course}/verification/",
        {"password": PASSWORD, "confirmed": view.to_confirm},
    )


def test_the_verification_page_shows_what_is_checked(
    client: Any, users: Any, patient_a: Any
) -> None:
    client.force_login(users["pharmacist", "A"])
    page = client.get(VERIFY_1).content.decode()
    for shown in (
        "175.0 cm",
        "76.0 kg",
        "m² — ",
        "Mosteller",
        "not stated in the trial paper — confirm",
        "Cumulative inotuzumab given",
        "of 2.7 mg/m²",
        "your password, again",
        "verified the doses of course 1",
        'value="ursodiol"',
    ):
        assert shown in page, shown


def test_verify_on_the_page_then_the_signature_is_shown_everywhere(
    client: Any, users: Any, patient_a: Any
) -> None:
    response = _verify_page(client, users)
    assert response.status_code == 302
    for who in ("pharmacist", "nurse"):
        client.force_login(users[who, "A"])
        for url in (TREATMENT, VERIFY_1, "/patients/A-0001/"):
            page = client.get(url).content.decode()
            assert "Signed by pharmacist-a (pharmacist-a, pharmacist)" in page, (who, url)
            assert "“verified the doses of course 1”" in page and "signature <strong>valid" in page


def test_missing_confirmation_and_wrong_password_are_refused_on_the_page(
    client: Any, users: Any, patient_a: Any
) -> None:
    client.force_login(users["pharmacist", "A"])
    response = client.post(VERIFY_1, {"password": PASSWORD, "confirmed": []})
    assert response.status_code == 422 and "ursodiol" in response.content.decode()
    from minihcvd.web.treatment.courses import course_view

    confirmed = course_view(patient_a, "1").to_confirm
    response = client.post(VERIFY_1, {"password": "wrong", "confirmed": confirmed})
    assert response.status_code == 422
    assert "the password is not yours" in response.content.decode()
    assert course_view(patient_a, "1").state == "entered"


def test_the_pharmacist_who_ordered_cannot_verify_on_the_page(
    client: Any, users: Any, patient_a: Any
) -> None:
    from minihcvd.web.treatment.models import Course

    client.force_login(users["investigator", "A"])
    client.post(
        f"{TREATMENT}1/adjust/",
        {"drug": "vincristine", "percent": "50", "reason": "neuropathy"},
    )
    course = Course.objects.get(patient=patient_a, number=1)
    with _as(users["pharmacist", "A"]):
        course.dose_authors = [*course.dose_authors, "pharmacist-a"]
        course.save(reason="test: the pharmacist ordered a dose")
    client.force_login(users["pharmacist", "A"])
    assert "another pharmacist must verify" in client.get(VERIFY_1).content.decode()
    assert _verify_page(client, users).status_code == 403


def test_a_nurse_gives_doses_as_planned_or_not_with_a_reason(
    client: Any, users: Any, patient_a: Any
) -> None:
    from minihcvd.web.treatment.models import GivenAdministration

    client.force_login(users["nurse", "A"])
    refused = client.post(
        f"{TREATMENT}1/give/", {"component": "vincristine", "day": "1", "as_planned": "1"}
    )
    assert refused.status_code == 422 and "not verified" in refused.content.decode()
    assert "Given as planned" not in client.get(f"{TREATMENT}?course=1").content.decode()
    _verify_page(client, users)
    client.force_login(users["nurse", "A"])
    page = client.get(f"{TREATMENT}?course=1").content.decode()
    assert "Given as planned" in page and 'hx-post="/patients/A-0001/treatment/1/give/"' in page
    done = client.post(
        f"{TREATMENT}1/give/",
        {"component": "inotuzumab-c1-day2", "day": "2", "as_planned": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert done.status_code == 200
    body = done.content.decode()
    assert "recorded as given as planned" in body and "0.6 of 2.7 mg/m²" in body
    no_reason = client.post(
        f"{TREATMENT}1/give/",
        {"component": "vincristine", "day": "1", "as_planned": "0", "dose": "1.5"},
    )
    assert no_reason.status_code == 422 and "needs a reason" in no_reason.content.decode()
    client.post(
        f"{TREATMENT}1/give/",
        {
            "component": "vincristine",
            "day": "1",
            "as_planned": "0",
            "dose": "1.5",
            "reason": "ileus",
            "date": "2025-01-07",
        },
    )
    given = GivenAdministration.objects.get(component="vincristine")
    assert (given.dose, given.as_planned, given.reason) == (1.5, False, "ileus")
    assert given.date == dt.date(2025, 1, 7)
    assert "not as planned: ileus" in client.get(f"{TREATMENT}?course=1").content.decode()


def test_a_dose_past_the_plan_is_refused_until_a_pharmacist_overrides(
    client: Any, users: Any, patient_a: Any
) -> None:
    _verify_page(client, users)
    client.force_login(users["nurse", "A"])
    over = {
        "component": "inotuzumab-c1-day2",
        "day": "2",
        "as_planned": "0",
        "dose": "9",
        "reason": "test",
    }
    refused = client.post(f"{TREATMENT}1/give/", over)
    assert refused.status_code == 422 and "above the planned total" in refused.content.decode()
    assert client.post(f"{TREATMENT}1/override/", {"reason": "x"}).status_code == 403
    client.force_login(users["pharmacist", "A"])
    client.post(f"{TREATMENT}1/override/", {"reason": "approved by the protocol chair"})
    client.force_login(users["nurse", "A"])
    assert client.post(f"{TREATMENT}1/give/", over).status_code == 302
    page = client.get(f"{TREATMENT}?course=1").content.decode()
    assert 'class="cumulative over"' in page and "approved by the protocol chair" in page


def test_a_delay_on_the_page_moves_later_courses(client: Any, users: Any, patient_a: Any) -> None:
    from minihcvd.web.treatment.courses import course_view

    before = course_view(patient_a, "m1").planned_start
    client.force_login(users["nurse", "A"])
    response = client.post(f"{TREATMENT}3/delay/", {"days": "7", "reason": "neutropenia"})
    assert response.status_code == 302
    assert course_view(patient_a, "m1").planned_start == before + dt.timedelta(days=7)
    page = client.get(TREATMENT).content.decode()
    assert "7 days: neutropenia" in page
    assert (before + dt.timedelta(days=7)).isoformat() in page


def test_early_start_of_maintenance(client: Any, users: Any, patient_a: Any) -> None:
    from minihcvd.web.treatment.courses import (
        course_view,
        record_administration,
        start_maintenance_early,
    )

    nurse = users["nurse", "A"]
    m1 = course_view(patient_a, "m1")
    early = m1.planned_start - dt.timedelta(days=60)
    with _as(nurse), pytest.raises(WebInputError, match="not verified"):
        start_maintenance_early(user=nurse, patient=patient_a, start=early, reason="toxicity")
    _verify_page(client, users, "m1")
    with _as(nurse), pytest.raises(WebInputError, match="after the last intensive course"):
        start_maintenance_early(user=nurse, patient=patient_a, start=early, reason="toxicity")
    _verify_page(client, users, "1")
    with _as(nurse):
        record_administration(
            user=nurse, patient=patient_a, course="1", component="vincristine", day=1
        )
        with pytest.raises(WebInputError, match="needs a reason"):
            start_maintenance_early(user=nurse, patient=patient_a, start=early, reason=" ")
        with pytest.raises(WebInputError, match="before that date"):
            start_maintenance_early(
                user=nurse, patient=patient_a, start=m1.planned_start, reason="x"
            )
    client.force_login(nurse)
    response = client.post(
        f"{TREATMENT}m1/early-start/", {"start": early.isoformat(), "reason": "toxicity"}
    )
    assert response.status_code == 302
    view = course_view(patient_a, "m1")
    assert view.record is not None and view.record.actual_start == early
    assert course_view(patient_a, "5").not_given and not course_view(patient_a, "1").not_given
    with _as(nurse):
        given = record_administration(
            user=nurse,
            patient=patient_a,
            course="m1",
            component=view.planned[0].component,
            day=view.planned[0].day,
        )
        assert given.date == early + dt.timedelta(days=view.planned[0].day - 1)
    _verify_page(client, users, "5")
    with _as(nurse), pytest.raises(WebInputError, match="not given: maintenance started early"):
        record_administration(
            user=nurse, patient=patient_a, course="5", component="vincristine", day=1
        )
    page = client.get(TREATMENT).content.decode()
    assert "not given (maintenance started early)" in page and "early: toxicity" in page


def test_another_sites_patient_is_404_on_the_treatment_pages(
    client: Any, users: Any, patient_a: Any
) -> None:
    client.force_login(users["pharmacist", "B"])
    assert client.get(TREATMENT).status_code == 404
    assert client.get(VERIFY_1).status_code == 404
    assert client.post(f"{TREATMENT}1/give/", {}).status_code == 404


def test_the_patient_page_builds_the_package_once(
    client: Any, users: Any, patient_a: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from minihcvd.web.casebook import locking, package, services

    calls: list[int] = []
    original = package.package_for

    def counted(patients: Any) -> Any:
        calls.append(1)
        return original(patients)

    monkeypatch.setattr(services, "package_for", counted)
    monkeypatch.setattr(locking, "package_for", counted)
    client.force_login(users["nurse", "A"])
    assert client.get("/patients/A-0001/").status_code == 200
    assert len(calls) == 1


def test_a_signed_casebook_refuses_a_dose_and_the_signature_covers_the_doses(
    client: Any, users: Any, patient_a: Any
) -> None:
    from minihcvd.web.casebook.locking import casebook_status, sign_casebook, unlock_casebook
    from minihcvd.web.treatment.courses import record_administration

    _verify_page(client, users)
    investigator, nurse = users["investigator", "A"], users["nurse", "A"]
    with _as(investigator):
        sign_casebook(user=investigator, patient=patient_a, password=PASSWORD)
    with _as(nurse), pytest.raises(WebInputError, match="signed and locked"):
        record_administration(
            user=nurse, patient=patient_a, course="1", component="vincristine", day=1
        )
    with _as(investigator):
        unlock_casebook(user=investigator, patient=patient_a, reason="a dose to enter")
        with _as(nurse):
            record_administration(
                user=nurse, patient=patient_a, course="1", component="vincristine", day=1
            )
        sign_casebook(user=investigator, patient=patient_a, password=PASSWORD)
    assert casebook_status(patient_a)["signature"]["status"] == "valid"
    from minihcvd.web.treatment.models import GivenAdministration

    given = GivenAdministration.objects.get()
    with _as(nurse):
        given.reason = "raw change"  # what the signature covers: the dose's package row
        given.dose = 1.0
        given.save(reason="test: changed behind the lock")
    assert casebook_status(patient_a)["signature"]["status"] == "no longer valid"
