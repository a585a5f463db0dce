"""Patient pages: list and search, registration with live eligibility, the screening log.

Thin: parse the form, call one service or selector, render. Errors of the core (a body size
out of range, an impossible lab value) come back as the form field's error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from minihcvd.clinical import assess_eligibility
from minihcvd.errors import MinihcvdError
from minihcvd.web.accounts.permissions import Action, allowed, sites_of
from minihcvd.web.audit.models import AuditEntry
from minihcvd.web.casebook.locking import casebook_status
from minihcvd.web.casebook.services import casebook_view
from minihcvd.web.patients.forms import ELIGIBILITY_LABELS, RegistrationForm
from minihcvd.web.patients.selectors import (
    get_patient_for_user,
    patients_for_user,
    screening_log_for_user,
)
from minihcvd.web.patients.services import register_patient
from minihcvd.web.queries.services import open_queries_count, verification_of
from minihcvd.web.treatment.courses import course_views, treatment_calendar

if TYPE_CHECKING:
    from minihcvd.clinical import EligibilityResult
    from minihcvd.web.accounts.models import User

PAGE_SIZE = 200


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
def patient_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not allowed(user, Action.VIEW_PATIENTS):
        raise PermissionDenied("your role sees no patient records")
    query = request.GET.get("q", "").strip()
    patients = patients_for_user(user=user)
    if query:
        patients = patients.filter(study_id__icontains=query)
    total = patients.count()
    return render(
        request,
        "patients/list.html",
        {
            "patients": patients[:PAGE_SIZE],
            "total": total,
            "query": query,
            "sites": sites_of(user),
            "can_register": allowed(user, Action.REGISTER_PATIENT),
            "can_export": allowed(user, Action.EXPORT_PACKAGE),
        },
    )


def _registration_sites(user: User) -> object:
    if not allowed(user, Action.REGISTER_PATIENT):
        raise PermissionDenied("your role may not register patients")
    return sites_of(user)


def _form_error(form: RegistrationForm, error: MinihcvdError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


@login_required
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    sites = _registration_sites(user)
    form = RegistrationForm(request.POST or None, sites=sites)
    result: EligibilityResult | None = None
    if request.method == "POST" and form.is_valid():
        try:
            outcome = register_patient(user=user, request=form.to_request())
        except MinihcvdError as error:
            _form_error(form, error)
        else:
            if outcome.patient is not None:
                messages.success(request, f"{outcome.patient.study_id} enrolled.")
                return redirect("patients:detail", study_id=outcome.patient.study_id)
            result = outcome.eligibility
            messages.warning(
                request,
                "Not enrolled: the screening is recorded in the site's screening log "
                f"({result.status}).",
            )
    return render(
        request,
        "patients/register.html",
        {"form": form, "result": result, "labels": ELIGIBILITY_LABELS},
        status=422 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def eligibility_panel(request: HttpRequest) -> HttpResponse:
    """The live pass / fail / unknown panel of the registration form (htmx)."""
    form = RegistrationForm(request.POST, sites=_registration_sites(_user(request)))
    form.is_valid()  # partial input is normal here: unknown answers stay unknown
    error = None
    try:
        result: EligibilityResult | None = assess_eligibility(form.eligibility_input())
    except MinihcvdError as problem:
        result, error = (
            None,
            f"{ELIGIBILITY_LABELS.get(problem.field or '', '')}: {problem.message}",
        )
    return render(request, "patients/_eligibility.html", {"result": result, "error": error})


def _course_shown(request: HttpRequest, calendar: Any) -> tuple[Any, tuple[list[Any], list[Any]]]:
    """The course the page shows (``?course=intensive-1``; by default the first), with its
    administrations and holds: a course is what a pharmacist checks at a time, and the whole
    calendar (hundreds of administrations) is in the downloads."""
    wanted = request.GET.get("course", "")
    chosen = next(
        (c for c in calendar.courses if f"{c.phase}-{c.course}" == wanted), calendar.courses[0]
    )
    key = (chosen.phase, chosen.course)
    return chosen, (
        [a for a in calendar.administrations if (a.phase, a.course) == key],
        [h for h in calendar.holds if (h.phase, h.course) == key],
    )


@login_required
def patient_detail(request: HttpRequest, study_id: str) -> HttpResponse:
    user = _user(request)
    patient = get_patient_for_user(user=user, study_id=study_id)
    casebook = casebook_view(patient)
    calendar = calendar_missing = None
    course = shown = None
    treatment: dict[tuple[str, int], Any] = {}
    try:
        calendar = treatment_calendar(patient)  # with the delays and adjustments as given
    except MinihcvdError as error:  # an imported patient without height and weight
        calendar_missing = error.message
    else:
        course, shown = _course_shown(request, calendar)
        treatment = {(v.phase, v.number): v for v in course_views(patient, calendar)}
    return render(
        request,
        "patients/detail.html",
        {
            "patient": patient,
            "calendar": calendar,
            "calendar_missing": calendar_missing,
            "course": course,
            "course_rows": [(c, treatment.get((c.phase, c.course))) for c in calendar.courses]
            if calendar
            else [],
            "course_treatment": treatment.get((course.phase, course.course)) if course else None,
            "administrations": shown[0] if shown else [],
            "holds": shown[1] if shown else [],
            "casebook": casebook,
            "sdv": {
                str(row.record.pk): verification_of(patient, kind, row.record)
                for kind, rows in (
                    ("assessments", casebook.marrows),
                    ("adverse-events", casebook.events),
                )
                for row in rows
            },
            "open_queries": open_queries_count([patient]),
            "lock": casebook_status(patient, casebook.package),  # one package build
            "can_sign": allowed(user, Action.SIGN_CASEBOOK, patient.site),
            "can_monitor": allowed(user, Action.RAISE_QUERY, patient.site),
            "labels": ELIGIBILITY_LABELS,
            "can_view_audit": allowed(user, Action.VIEW_AUDIT_TRAIL, patient.site),
            "can_enter": allowed(user, Action.ENTER_CLINICAL_DATA, patient.site),
        },
    )


@login_required
def patient_history(request: HttpRequest, study_id: str) -> HttpResponse:
    user = _user(request)
    patient = get_patient_for_user(user=user, study_id=study_id)
    if not allowed(user, Action.VIEW_AUDIT_TRAIL, patient.site):
        raise PermissionDenied("your role does not review audit trails")
    entries = AuditEntry.objects.filter(study_id=patient.study_id).order_by("sequence")
    return render(request, "patients/history.html", {"patient": patient, "entries": entries})


@login_required
def screening_log(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not allowed(user, Action.VIEW_SCREENING_LOG):
        raise PermissionDenied("your role does not see the screening log")
    return render(
        request, "patients/screening.html", {"entries": screening_log_for_user(user=user)[:500]}
    )


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    if getattr(request.user, "role", "") == "admin":
        return redirect("admin:index")
    return redirect("patients:list")
