"""The casebook in the API: enter and change records, and export the trial data package.

``POST /patients/{study_id}/{kind}`` with the record's fields, ``PATCH
/patients/{study_id}/{kind}/{record_id}`` with ``version``, ``reason`` and the changed fields;
kinds: assessments, adverse-events, transplant, blinatumomab, followups, death, off-study.
422 names each field (``detail[].loc``), 403 a role that may not, 404 another site's patient,
409 a stale version. ``GET /export`` is the package as a zip.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from ninja.responses import Status

from minihcvd.web.casebook.services import (
    add_record,
    change_record,
    export_package_zip,
    get_record,
)
from minihcvd.web.patients.selectors import get_patient_for_user, patients_for_user

router = Router(tags=["casebook"])


class AssessmentIn(Schema):
    assessment_date: dt.date
    bm_blasts_pct: float | None = Field(None, ge=0, le=100)
    anc_10e9_per_l: float | None = Field(None, ge=0)
    platelets_10e9_per_l: float | None = Field(None, ge=0)
    extramedullary_disease: bool | None = None
    blasts_due_to_recovery: bool | None = None
    mrd_flow_level: float | None = Field(None, ge=0, le=1)
    mrd_ngs_level: float | None = Field(None, ge=0, le=1)


class AdverseEventIn(Schema):
    term: str = Field(min_length=1, max_length=200)
    onset_date: dt.date
    grade: int = Field(ge=1, le=5)
    ctcae_version: str
    hematologic: bool | None = None
    treatment_related: bool | None = None


class TransplantIn(Schema):
    sct_date: dt.date
    donor_type: Literal["matched related", "matched unrelated", "haploidentical", "cord", ""] = ""


class BlinatumomabIn(Schema):
    blinatumomab_date: dt.date


class FollowUpIn(Schema):
    visit_date: dt.date


class DeathIn(Schema):
    death_date: dt.date
    cause: str = Field("", max_length=200)


class OffStudyIn(Schema):
    off_study_date: dt.date
    reason: str = Field(min_length=1, max_length=200)


class Change(Schema):
    version: int = Field(ge=0, description="the version the change started from")
    reason: str = Field(min_length=1, description="why the record changes")
    values: dict[str, Any] = Field(description="the changed fields and their new values")


class RecordOut(Schema):
    id: str
    kind: str
    version: int
    values: dict[str, Any]


_INPUTS: dict[str, type[Schema]] = {
    "assessments": AssessmentIn,
    "adverse-events": AdverseEventIn,
    "transplant": TransplantIn,
    "blinatumomab": BlinatumomabIn,
    "followups": FollowUpIn,
    "death": DeathIn,
    "off-study": OffStudyIn,
}


def _out(kind: str, record: Any) -> dict[str, Any]:
    values = record.audit_values()
    values.pop("id", None)
    values.pop("patient_id", None)
    return {"id": str(record.pk), "kind": kind, "version": record.version, "values": values}


def _post(kind: str, schema: type[Schema]) -> None:
    def create(request: HttpRequest, study_id: str, payload: Any) -> Any:
        patient = get_patient_for_user(user=request.user, study_id=study_id)  # type: ignore[arg-type]
        record = add_record(
            user=request.user,  # type: ignore[arg-type]
            patient=patient,
            kind=kind,
            values=payload.dict(),
        )
        return Status(201, _out(kind, record))

    create.__annotations__["payload"] = schema
    router.post(
        f"/patients/{{study_id}}/{kind}",
        response={201: RecordOut},
        operation_id=f"add_{kind.replace('-', '_')}",
        summary=f"Enter a {kind} record",
    )(create)

    def patch(request: HttpRequest, study_id: str, record_id: str, payload: Change) -> Any:
        patient = get_patient_for_user(user=request.user, study_id=study_id)  # type: ignore[arg-type]
        record = change_record(
            user=request.user,  # type: ignore[arg-type]
            patient=patient,
            kind=kind,
            record_id=record_id,
            version=payload.version,
            reason=payload.reason,
            values=payload.values,
        )
        return _out(kind, record)

    def read(request: HttpRequest, study_id: str, record_id: str) -> Any:
        patient = get_patient_for_user(user=request.user, study_id=study_id)  # type: ignore[arg-type]
        return _out(kind, get_record(patient=patient, kind=kind, record_id=record_id))

    router.get(
        f"/patients/{{study_id}}/{kind}/{{record_id}}",
        response=RecordOut,
        operation_id=f"get_{kind.replace('-', '_')}",
        summary=f"A {kind} record with its version",
    )(read)

    router.patch(
        f"/patients/{{study_id}}/{kind}/{{record_id}}",
        response=RecordOut,
        operation_id=f"change_{kind.replace('-', '_')}",
        summary=f"Change a {kind} record (with the version it was read at)",
    )(patch)


for _kind_name, _schema in _INPUTS.items():
    _post(_kind_name, _schema)


@router.get("/export", summary="The trial data package of your sites (zip)")
def export(request: HttpRequest) -> HttpResponse:
    patients = list(patients_for_user(user=request.user).order_by("site__code", "sequence"))  # type: ignore[arg-type]
    content = export_package_zip(user=request.user, patients=patients)  # type: ignore[arg-type]
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="trial-package.zip"'
    return response


class SignIn(Schema):
    password: str = Field(min_length=1, description="the signer's password, asked again")


class UnlockIn(Schema):
    reason: str = Field(min_length=1)


class CasebookOut(Schema):
    state: str
    version: int
    signature: dict[str, Any] | None


@router.get("/patients/{study_id}/casebook", response=CasebookOut)
def casebook_state(request: HttpRequest, study_id: str) -> Any:
    from minihcvd.web.casebook.locking import casebook_status

    patient = get_patient_for_user(user=request.user, study_id=study_id)  # type: ignore[arg-type]
    return casebook_status(patient)


@router.post("/patients/{study_id}/casebook/signature", response=CasebookOut)
def sign(request: HttpRequest, study_id: str, payload: SignIn) -> Any:
    from minihcvd.web.casebook.locking import casebook_status, sign_casebook

    patient = get_patient_for_user(user=request.user, study_id=study_id)  # type: ignore[arg-type]
    sign_casebook(user=request.user, patient=patient, password=payload.password)  # type: ignore[arg-type]
    return casebook_status(patient)


@router.post("/patients/{study_id}/casebook/unlock", response=CasebookOut)
def unlock(request: HttpRequest, study_id: str, payload: UnlockIn) -> Any:
    from minihcvd.web.casebook.locking import casebook_status, unlock_casebook
    from minihcvd.web.patients.models import Patient

    user = request.user
    if getattr(user, "role", "") == "admin":  # admins see no clinical data but may unlock
        patient = Patient.objects.filter(study_id=study_id).first()
        if patient is None:
            raise Http404(f"no patient {study_id}")
    else:
        patient = get_patient_for_user(user=user, study_id=study_id)  # type: ignore[arg-type]
    unlock_casebook(user=user, patient=patient, reason=payload.reason)  # type: ignore[arg-type]
    return casebook_status(patient)
