"""Patients in the API: register, list (site-scoped), one patient, their calendar."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from ninja.responses import Status

from minihcvd.calendar import to_json
from minihcvd.clinical import EligibilityInput
from minihcvd.web.accounts.permissions import Action, allowed, sites_of
from minihcvd.web.errors import PermissionRefused, WebInputError
from minihcvd.web.patients.models import Patient
from minihcvd.web.patients.selectors import get_patient_for_user, patients_for_user
from minihcvd.web.patients.services import (
    RegistrationRequest,
    calendar_for_patient,
    eligibility_json,
    register_patient,
)

router = Router(tags=["patients"])


class EligibilityIn(Schema):
    """The screening answers (the fields of minihcvd.clinical.EligibilityInput; null = unknown)."""

    relapsed_or_refractory: bool | None = None
    precursor_b_all: bool | None = None
    ph_positive: bool | None = None
    cd22_positive: bool | None = None
    ecog: int | None = Field(None, ge=0, le=5)
    ejection_fraction_pct: float | None = Field(None, ge=0, le=100)
    bilirubin_mg_dl: float | None = Field(None, ge=0)
    creatinine_mg_dl: float | None = Field(None, ge=0)
    uncontrolled_infection: bool | None = None
    nyha_class: int | None = Field(None, ge=1, le=4)
    second_active_malignancy: bool | None = None


class RegistrationIn(Schema):
    site: str | None = Field(None, description="site code; optional when the user has one site")
    protocol: str = Field(
        description="original, original-reduced, amended, or a variant the site uploaded"
    )
    start_date: dt.date
    sex: Literal["F", "M"]
    age_years: int = Field(ge=12, le=120)
    height_cm: float
    weight_kg: float
    cd20_pct: float | None = Field(None, ge=0, le=100)
    cns_disease: bool = False
    bsa_formula: Literal["mosteller", "dubois"] = "mosteller"
    eligibility: EligibilityIn


class Criterion(Schema):
    criterion: str
    status: Literal["pass", "fail", "unknown"]
    reason: str


class EligibilityOut(Schema):
    eligible: bool
    status: str
    criteria: list[Criterion]


class PatientOut(Schema):
    study_id: str
    site: str
    protocol: str
    site_protocol: dict[str, str] | None = Field(description="the site's variant, if any")
    start_date: dt.date
    sex: str
    age_years: int
    height_cm: float | None = Field(description="null only for a patient imported without it")
    weight_kg: float | None = Field(description="null only for a patient imported without it")
    bsa_formula: str
    cd20_pct: float | None
    cns_disease: bool | None = Field(description="null when an import did not record it")
    version: int
    eligibility: EligibilityOut


class NotEnrolled(Schema):
    detail: str
    eligibility: EligibilityOut


def _out(patient: Patient) -> dict[str, Any]:
    return {
        "study_id": patient.study_id,
        "site": patient.site.code,
        "protocol": patient.protocol,
        "site_protocol": None
        if patient.site_protocol is None
        else {
            "name": patient.site_protocol.name,
            "file": patient.site_protocol.file_name,
            "sha256": patient.site_protocol.sha256,
        },
        "start_date": patient.start_date,
        "sex": patient.sex,
        "age_years": patient.age_years,
        "height_cm": patient.height_cm,
        "weight_kg": patient.weight_kg,
        "bsa_formula": patient.bsa_formula,
        "cd20_pct": patient.cd20_pct,
        "cns_disease": patient.cns_disease,
        "version": patient.version,
        "eligibility": {
            "eligible": True,
            "status": "eligible",
            "criteria": patient.eligibility_criteria,
        },
    }


def _site(user: Any, code: str | None) -> Any:
    sites = sites_of(user)
    if code is None:
        if sites.count() != 1:
            raise WebInputError("name the site (you work at more than one)", field="site")
        return sites.get()
    site = sites.filter(code=code).first()
    if site is None:
        raise PermissionRefused(f"you may not register patients at site {code}")
    return site


@router.post("/patients", response={201: PatientOut, 422: NotEnrolled})
def create_patient(request: HttpRequest, payload: RegistrationIn) -> Status[dict[str, Any]]:
    """Register a patient: 201 and the study id when eligible; 422 with the criteria (and the
    screening logged) when not."""
    user = request.user
    if not allowed(user, Action.REGISTER_PATIENT):  # type: ignore[arg-type]
        raise PermissionRefused(f"a {getattr(user, 'role', '')} may not register patients")
    outcome = register_patient(
        user=user,  # type: ignore[arg-type]
        request=RegistrationRequest(
            site=_site(user, payload.site),
            protocol=payload.protocol,
            start_date=payload.start_date,
            sex=payload.sex,
            age_years=payload.age_years,
            height_cm=payload.height_cm,
            weight_kg=payload.weight_kg,
            cd20_pct=payload.cd20_pct,
            cns_disease=payload.cns_disease,
            bsa_formula=payload.bsa_formula,
            eligibility=EligibilityInput(**payload.eligibility.dict()),
        ),
    )
    if outcome.patient is None:
        return Status(
            422,
            {
                "detail": f"not enrolled ({outcome.eligibility.status}); "
                "recorded in the screening log",
                "eligibility": eligibility_json(outcome.eligibility),
            },
        )
    return Status(201, _out(outcome.patient))


@router.get("/patients", response=list[PatientOut])
def list_patients(request: HttpRequest) -> list[dict[str, Any]]:
    """The patients of your sites."""
    return [_out(p) for p in patients_for_user(user=request.user)]  # type: ignore[arg-type]


@router.get("/patients/{study_id}", response=PatientOut)
def get_patient(request: HttpRequest, study_id: str) -> dict[str, Any]:
    return _out(get_patient_for_user(user=request.user, study_id=study_id))  # type: ignore[arg-type]


@router.get("/patients/{study_id}/calendar")
def get_calendar(request: HttpRequest, study_id: str) -> HttpResponse:
    """The JSON of ``minihcvd schedule --format json`` for this patient."""
    patient = get_patient_for_user(user=request.user, study_id=study_id)  # type: ignore[arg-type]
    return HttpResponse(to_json(calendar_for_patient(patient)), content_type="application/json")
