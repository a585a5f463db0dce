"""Treatment as given in the API: administrations, verification, corrections (with version)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema
from ninja.responses import Status

from minihcvd.web.patients.selectors import get_patient_for_user
from minihcvd.web.treatment.courses import (
    change_administration,
    record_administration,
    verify_course,
)
from minihcvd.web.treatment.models import GivenAdministration

router = Router(tags=["treatment"])


class AdministrationIn(Schema):
    component: str
    day: int
    as_planned: bool = True
    dose: float | None = None
    date: dt.date | None = None
    reason: str = ""


class AdministrationPatch(Schema):
    version: int
    reason: str
    dose: float | None = None
    date: dt.date | None = None


class AdministrationOut(Schema):
    id: str
    component: str
    day: int
    drug: str
    route: str
    unit: str
    date: dt.date
    dose: float
    planned_dose: float
    as_planned: bool
    reason: str
    inotuzumab_mg_per_m2: float | None
    version: int


class VerificationIn(Schema):
    password: str
    confirmed: list[str] = Field(default_factory=list)


class SignatureOut(Schema):
    signer: str
    printed_name: str
    signed_at: dt.datetime
    meaning: str
    content_sha256: str


def _out(given: GivenAdministration) -> dict[str, Any]:
    return {
        "id": str(given.pk),
        "component": given.component,
        "day": given.day,
        "drug": given.drug,
        "route": given.route,
        "unit": given.unit,
        "date": given.date,
        "dose": given.dose,
        "planned_dose": given.planned_dose,
        "as_planned": given.as_planned,
        "reason": given.reason,
        "inotuzumab_mg_per_m2": None
        if given.inotuzumab_mg_per_m2 is None
        else float(given.inotuzumab_mg_per_m2),
        "version": given.version,
    }


@router.post(
    "/patients/{study_id}/courses/{course}/administrations", response={201: AdministrationOut}
)
def post_administration(
    request: HttpRequest, study_id: str, course: str, payload: AdministrationIn
) -> Status[dict[str, Any]]:
    """Record a planned administration as given (the course must be verified)."""
    patient = get_patient_for_user(user=request.user, study_id=study_id)  # type: ignore[arg-type]
    given = record_administration(
        user=request.user,  # type: ignore[arg-type]
        patient=patient,
        course=course,
        component=payload.component,
        day=payload.day,
        as_planned=payload.as_planned,
        dose=payload.dose,
        date=payload.date,
        reason=payload.reason,
    )
    return Status(201, _out(given))


@router.patch(
    "/patients/{study_id}/courses/{course}/administrations/{administration_id}",
    response=AdministrationOut,
)
def patch_administration(
    request: HttpRequest,
    study_id: str,
    course: str,
    administration_id: str,
    payload: AdministrationPatch,
) -> dict[str, Any]:
    """Correct an administration; ``version`` is the one you read (409 if it has changed)."""
    patient = get_patient_for_user(user=request.user, study_id=study_id)  # type: ignore[arg-type]
    given = next(
        (
            g
            for g in GivenAdministration.objects.filter(course__patient=patient)
            if str(g.pk) == administration_id and g.course.name == course
        ),
        None,
    )
    if given is None:
        raise Http404("no such administration")
    changed = change_administration(
        user=request.user,  # type: ignore[arg-type]
        administration=given,
        version=payload.version,
        reason=payload.reason,
        dose=payload.dose,
        date=payload.date,
    )
    return _out(changed)


@router.post("/patients/{study_id}/courses/{course}/verification", response={201: SignatureOut})
def post_verification(
    request: HttpRequest, study_id: str, course: str, payload: VerificationIn
) -> Status[dict[str, Any]]:
    """A pharmacist verifies and signs the course's doses (password asked again)."""
    patient = get_patient_for_user(user=request.user, study_id=study_id)  # type: ignore[arg-type]
    signature = verify_course(
        user=request.user,  # type: ignore[arg-type]
        patient=patient,
        course=course,
        password=payload.password,
        confirmed=payload.confirmed,
    )
    return Status(
        201,
        {
            "signer": signature.signer_username,
            "printed_name": signature.printed_name,
            "signed_at": signature.signed_at,
            "meaning": signature.meaning,
            "content_sha256": signature.content_sha256,
        },
    )
