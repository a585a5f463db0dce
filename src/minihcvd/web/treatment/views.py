"""Treatment pages: a patient's courses as given, the administrations entry, the pharmacist's
verification with an electronic signature, and the calendar downloads.

Thin: each view parses the form, calls the service the API calls
(:mod:`minihcvd.web.treatment.courses`), renders. A refusal of a service (a dose past the
plan, a course not verified, a wrong password…) comes back on the page with status 422.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from minihcvd.errors import MinihcvdError
from minihcvd.web.accounts.permissions import Action, allowed
from minihcvd.web.errors import PermissionRefused
from minihcvd.web.patients.selectors import get_patient_for_user
from minihcvd.web.signatures.services import signature_status, signatures_of
from minihcvd.web.treatment.courses import (
    CourseView,
    adjust_course_dose,
    course_view,
    course_views,
    delay_course,
    override_cumulative,
    record_administration,
    start_maintenance_early,
    treatment_calendar,
    verification_content,
    verify_course,
)
from minihcvd.web.treatment.services import CALENDAR_FORMATS, export_calendar

if TYPE_CHECKING:
    from minihcvd.web.accounts.models import User
    from minihcvd.web.patients.models import Patient


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
def calendar_download(request: HttpRequest, study_id: str, output_format: str) -> HttpResponse:
    if output_format not in CALENDAR_FORMATS:
        raise Http404(f"no calendar format {output_format}")
    patient = get_patient_for_user(user=request.user, study_id=study_id)  # type: ignore[arg-type]
    download = export_calendar(patient=patient, output_format=output_format)
    response = HttpResponse(download.content, content_type=download.content_type)
    response["Content-Disposition"] = f'attachment; filename="{download.filename}"'
    return response


def _given_by_key(view: CourseView) -> list[dict[str, Any]]:
    """Each planned administration of the course with what was given of it (if anything)."""
    given = {(g.component, g.day): g for g in view.given if g.component}
    imported = {(g.drug, g.route, g.day): g for g in view.given if not g.component}
    return [
        {
            "plan": a,
            "given": given.get((a.component, a.day)) or imported.get((a.drug, a.route, a.day)),
        }
        for a in view.planned
    ]


def _treatment_page(
    request: HttpRequest,
    patient: Patient,
    chosen: str,
    *,
    error: str = "",
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    try:
        calendar = treatment_calendar(patient)
        views = course_views(patient, calendar)
    except MinihcvdError as problem:  # an imported patient without height and weight
        return render(
            request,
            "treatment/treatment.html",
            {"patient": patient, "calendar_missing": problem.message},
        )
    view = next((v for v in views if v.name == chosen), views[0])
    return render(
        request,
        "treatment/treatment.html",
        {
            "patient": patient,
            "calendar": calendar,
            "courses": views,
            "view": view,
            "rows": _given_by_key(view),
            "adjustable_drugs": sorted({a.drug for a in view.planned}),
            "error": error,
            "notice": notice,
            "can_record": allowed(user, Action.RECORD_TREATMENT, patient.site),
            "can_verify": allowed(user, Action.VERIFY_DOSES, patient.site),
            "today": dt.date.today(),
        },
        status=status,
    )


@login_required
def treatment_page(request: HttpRequest, study_id: str) -> HttpResponse:
    patient = get_patient_for_user(user=_user(request), study_id=study_id)
    return _treatment_page(request, patient, request.GET.get("course", ""))


def _date(text: str, field: str) -> dt.date | None:
    if not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise MinihcvdError(f"expected a date YYYY-MM-DD, found {text!r}", field=field) from None


def _number(text: str, field: str) -> Decimal:
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        raise MinihcvdError(f"expected a number, found {text!r}", field=field) from None


def _apply_step(user: User, patient: Patient, course: str, step: str, data: Any) -> str:
    """Call the service of ``step``; the message to show when it has been done."""
    reason = data.get("reason", "")
    if step == "give":
        as_planned = data.get("as_planned") == "1"
        dose = None if as_planned else float(_number(data.get("dose", ""), "dose"))
        given = record_administration(
            user=user,
            patient=patient,
            course=course,
            component=data.get("component", ""),
            day=int(_number(data.get("day", "0"), "day")),
            as_planned=as_planned,
            dose=dose,
            date=_date(data.get("date", ""), "date"),
            reason=reason,
        )
        how = "as planned" if given.as_planned else f"{given.dose:g} {given.unit} ({reason})"
        return f"{given.drug} day {given.day} recorded as given {how}"
    if step == "delay":
        days = int(_number(data.get("days", ""), "days"))
        delay_course(user=user, patient=patient, course=course, days=days, reason=reason)
        return f"course {course} delayed {days} days; every later course moves with it"
    if step == "adjust":
        percent = _number(data.get("percent", ""), "percent")
        adjust_course_dose(
            user=user,
            patient=patient,
            course=course,
            drug=data.get("drug", ""),
            percent=percent,
            reason=reason,
        )
        return f"{data.get('drug')} at {percent} % in course {course}: verify the course again"
    if step == "override":
        override_cumulative(user=user, patient=patient, course=course, reason=reason)
        return f"inotuzumab past the planned total allowed in course {course}"
    if step == "early-start":
        start = _date(data.get("start", ""), "start")
        if start is None:
            raise MinihcvdError("give the date maintenance starts", field="start")
        start_maintenance_early(user=user, patient=patient, start=start, reason=reason)
        return f"maintenance started early on {start.isoformat()}"
    raise Http404(f"no treatment step {step}")


@login_required
@require_POST
def treatment_step(request: HttpRequest, study_id: str, course: str, step: str) -> HttpResponse:
    """One write of the treatment page: a dose given, a delay, an adjustment, an override, the
    early start of maintenance. Without htmx it redirects back; with htmx it renders the page
    (the client swaps in its #treatment part)."""
    user = _user(request)
    patient = get_patient_for_user(user=user, study_id=study_id)
    try:
        done = _apply_step(user, patient, course, step, request.POST)
    except PermissionRefused as refused:
        return _treatment_page(request, patient, course, error=refused.message, status=403)
    except MinihcvdError as problem:
        return _treatment_page(request, patient, course, error=problem.message, status=422)
    if getattr(request, "htmx", False):
        return _treatment_page(request, patient, course, notice=done)
    messages.success(request, done)
    return redirect(f"{reverse('patients:treatment', args=[patient.study_id])}?course={course}")


def _verification_context(user: User, patient: Patient, course: str) -> dict[str, Any]:
    calendar = treatment_calendar(patient)
    view = course_view(patient, course, calendar)
    record = view.record
    history = []
    if record is not None:
        content = verification_content(record, calendar)
        history = [(s, signature_status(s, content)) for s in signatures_of(record)]
    authors = [] if record is None else record.dose_authors
    return {
        "patient": patient,
        "calendar": calendar,
        "view": view,
        "rows": _given_by_key(view),
        "adjustments": [] if record is None else list(record.adjustments.all()),
        "history": history,
        "can_verify": allowed(user, Action.VERIFY_DOSES, patient.site),
        "not_independent": user.username in authors or user.username == patient.registered_by,
        "authors": authors,
    }


@login_required
@require_http_methods(["GET", "POST"])
def verification_page(request: HttpRequest, study_id: str, course: str) -> HttpResponse:
    """The pharmacist's independent double check of one course, signed with the password."""
    user = _user(request)
    patient = get_patient_for_user(user=user, study_id=study_id)
    error, status = "", 200
    if request.method == "POST":
        if not allowed(user, Action.VERIFY_DOSES, patient.site):
            raise PermissionDenied("only a pharmacist of the site verifies doses")
        try:
            verify_course(
                user=user,
                patient=patient,
                course=course,
                password=request.POST.get("password", ""),
                confirmed=request.POST.getlist("confirmed"),
            )
        except PermissionRefused as refused:
            error, status = refused.message, 403
        except MinihcvdError as problem:
            error, status = problem.message, 422
        else:
            messages.success(request, f"course {course} verified and signed")
            return redirect("patients:verification", patient.study_id, course)
    try:
        context = _verification_context(user, patient, course)
    except MinihcvdError as problem:
        raise Http404(problem.message) from None
    context["error"] = error
    return render(request, "treatment/verify.html", context, status=status)
