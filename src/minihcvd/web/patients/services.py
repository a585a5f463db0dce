"""Registering a patient: eligibility by the core's rules, then enrolment or the screening log.

The same functions serve the form, its live eligibility panel (htmx) and the API, so a rule or
a range is checked in one place: the criteria by :func:`minihcvd.clinical.assess_eligibility`,
the body size, dates and doses by :func:`minihcvd.calendar.build_calendar` (which the calendar
page then shows). Only an eligible patient is enrolled; any other screening is logged.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Max

from minihcvd.calendar import CourseDelay, DoseAdjustment, TreatmentCalendar, build_calendar
from minihcvd.clinical import EligibilityInput, EligibilityResult, assess_eligibility
from minihcvd.web.accounts.permissions import Action, allowed
from minihcvd.web.errors import PermissionRefused, WebInputError
from minihcvd.web.patients.models import Patient, ScreeningEntry
from minihcvd.web.sites.models import PROTOCOL_CHOICES, Site, SiteProtocol
from minihcvd.web.sites.services import load_site_protocol, site_protocol_named

if TYPE_CHECKING:
    from minihcvd.protocol import Protocol
    from minihcvd.web.accounts.models import User

__all__ = [
    "AGE_RANGE_YEARS",
    "RegistrationOutcome",
    "RegistrationRequest",
    "assess_registration",
    "calendar_for_patient",
    "eligibility_json",
    "patient_data_version",
    "register_patient",
]

#: a plausibility check of the input, not a criterion: the paper states no age limit (its
#: patients were 17-87 years old, Table 1), so eligibility does not judge age
AGE_RANGE_YEARS = (12, 120)
PROTOCOLS = tuple(name for name, _ in PROTOCOL_CHOICES)


@dataclass(frozen=True)
class RegistrationRequest:
    """What a registration asks for, parsed from a form or a JSON body."""

    site: Site
    protocol: str
    start_date: dt.date
    sex: str
    age_years: int
    height_cm: float
    weight_kg: float
    cd20_pct: float | None
    cns_disease: bool
    eligibility: EligibilityInput
    bsa_formula: str = "mosteller"


@dataclass(frozen=True)
class RegistrationOutcome:
    """The judged eligibility and either the enrolled patient or the screening-log entry."""

    eligibility: EligibilityResult
    patient: Patient | None
    screening_entry: ScreeningEntry | None


def eligibility_json(result: EligibilityResult) -> dict[str, Any]:
    """The API's ``eligibility`` object: eligible, and each criterion with status and reason."""
    return {
        "eligible": result.status == "eligible",
        "status": result.status,
        "criteria": [dataclasses.asdict(criterion) for criterion in result.criteria],
    }


def resolve_protocol(site: Site, name: str) -> tuple[str, SiteProtocol | None]:
    """(shipped version, the site's variant or None) for a protocol name chosen at ``site``:
    a shipped version, or a variant the site uploaded (``minihcvd web siteprotocol``)."""
    if name in PROTOCOLS:
        return name, None
    variant = site_protocol_named(site, name)
    if variant is None:
        names = [*PROTOCOLS, *sorted({v.name for v in site.protocols.all()})]
        raise WebInputError(
            f"expected one of {', '.join(names)} at site {site.code}, found {name!r}",
            field="protocol",
        )
    return variant.base, variant


def _protocol_for_calendar(base: str, variant: SiteProtocol | None) -> Protocol | str:
    return base if variant is None else load_site_protocol(variant)


def _check(request: RegistrationRequest) -> None:
    if request.sex not in ("F", "M"):
        raise WebInputError(f"expected F or M, found {request.sex!r}", field="sex")
    low, high = AGE_RANGE_YEARS
    if not low <= request.age_years <= high:
        raise WebInputError(
            f"expected an age of {low}-{high} years, found {request.age_years}",
            field="age_years",
        )
    if request.cd20_pct is not None and not (
        math.isfinite(request.cd20_pct) and 0 <= request.cd20_pct <= 100
    ):
        raise WebInputError(
            f"expected 0-100 % (blank if unknown), found {request.cd20_pct}", field="cd20_pct"
        )


def patient_data_version(patient: Patient) -> str:
    """Names the patient's recorded data as it is now: the last audited change of any record
    of theirs (with the package's version, which carries the protocol files). Keys of cached
    calendars, so a change is never served stale."""
    from minihcvd import __version__
    from minihcvd.web.audit.models import AuditEntry
    from minihcvd.web.audit.services import last_entry_hash

    changes = AuditEntry.objects.filter(study_id=patient.study_id).exclude(record_model="")
    return f"{patient.pk}:{last_entry_hash(changes)}:{__version__}"


def calendar_for_patient(
    patient: Patient,
    *,
    delays: Sequence[CourseDelay] = (),
    adjustments: Sequence[DoseAdjustment] = (),
) -> TreatmentCalendar:
    """The patient's calendar, built by the core exactly as ``minihcvd schedule`` builds it
    (with ``--delay`` / ``--adjust`` when the treatment as given has delays or adjustments)."""
    if patient.height_cm is None or patient.weight_kg is None:
        raise WebInputError(
            f"{patient.study_id} has no height and weight recorded (imported without them): "
            "the doses cannot be calculated",
            field="height_cm",
        )
    if patient.cns_disease is None:
        raise WebInputError(
            f"{patient.study_id} has no CNS status recorded (imported without it): the "
            "intrathecal schedule depends on it",
            field="cns_disease",
        )
    return build_calendar(
        _protocol_for_calendar(patient.protocol, patient.site_protocol),
        height_cm=patient.height_cm,
        weight_kg=patient.weight_kg,
        start=patient.start_date,
        cd20_pct=patient.cd20_pct,
        cns_disease=patient.cns_disease,
        bsa_formula=patient.bsa_formula,
        delays=delays,
        adjustments=adjustments,
    )


def assess_registration(request: RegistrationRequest) -> EligibilityResult:
    """Check the inputs (one field-named error) and judge eligibility; writes nothing."""
    _check(request)
    build_calendar(
        _protocol_for_calendar(*resolve_protocol(request.site, request.protocol)),
        height_cm=request.height_cm,
        weight_kg=request.weight_kg,
        start=request.start_date,
        cd20_pct=request.cd20_pct,
        cns_disease=request.cns_disease,
        bsa_formula=request.bsa_formula,
    )
    return assess_eligibility(request.eligibility)


def register_patient(*, user: User, request: RegistrationRequest) -> RegistrationOutcome:
    """Enrol an eligible patient with the next study id of the site; log any other screening.

    Raises :class:`PermissionRefused` for a role that may not register at this site and
    :class:`WebInputError` (naming the field) for invalid input, before anything is written.
    """
    if not allowed(user, Action.REGISTER_PATIENT, request.site):
        raise PermissionRefused(
            f"a {user.role} may not register patients at site {request.site.code}"
        )
    result = assess_registration(request)
    if result.status == "eligible":
        from minihcvd.web.oversight.services import registrations_held

        held = registrations_held()
        if held is not None:
            raise WebInputError(f"registration held: {held}", field="registration")
    criteria = [dataclasses.asdict(criterion) for criterion in result.criteria]
    base, variant = resolve_protocol(request.site, request.protocol)
    with transaction.atomic():
        site = Site.objects.select_for_update().get(pk=request.site.pk)  # one number at a time
        if result.status != "eligible":
            entry = ScreeningEntry(
                site=site,
                screened_by=user.username,
                protocol=base,
                outcome=result.status,
                reasons=[c for c in criteria if c["status"] != "pass"],
            )
            entry.save()
            return RegistrationOutcome(result, None, entry)
        last = site.patients.aggregate(last=Max("sequence"))["last"] or 0
        patient = Patient(
            study_id=f"{site.code}-{last + 1:04d}",
            site=site,
            sequence=last + 1,
            protocol=base,
            site_protocol=variant,
            start_date=request.start_date,
            sex=request.sex,
            age_years=request.age_years,
            height_cm=request.height_cm,
            weight_kg=request.weight_kg,
            bsa_formula=request.bsa_formula,
            cd20_pct=request.cd20_pct,
            cns_disease=request.cns_disease,
            eligibility_inputs=dataclasses.asdict(request.eligibility),
            eligibility_criteria=criteria,
            registered_by=user.username,
        )
        patient.save()
        return RegistrationOutcome(result, patient, None)
