"""The patient's data queries: the thread of each, and the step each role may take."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from minihcvd.web.accounts.permissions import Action, allowed
from minihcvd.web.casebook.services import RECORD_KINDS, editable_fields, get_record
from minihcvd.web.errors import ConcurrentChangeError, PermissionRefused, WebInputError
from minihcvd.web.patients.selectors import get_patient_for_user
from minihcvd.web.queries.models import DataQuery
from minihcvd.web.queries.services import (
    answer_query,
    close_query,
    raise_query,
    reopen_query,
    verify_source,
)

if TYPE_CHECKING:
    from minihcvd.web.accounts.models import User
    from minihcvd.web.patients.models import Patient


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
@require_http_methods(["GET", "POST"])
def patient_queries(request: HttpRequest, study_id: str) -> HttpResponse:
    user = _user(request)
    patient = get_patient_for_user(user=user, study_id=study_id)
    if request.method == "POST":
        try:
            _act(request, user, patient)
        except PermissionRefused as error:
            raise PermissionDenied(error.message) from error
        except (WebInputError, ConcurrentChangeError) as error:
            messages.error(request, error.one_line())
        return redirect("patients:queries", patient.study_id)
    kind = request.GET.get("kind", "")
    record_id = request.GET.get("record", "")
    raising = None
    if kind in RECORD_KINDS and record_id and allowed(user, Action.RAISE_QUERY, patient.site):
        raising = {
            "kind": kind,
            "record": get_record(patient=patient, kind=kind, record_id=record_id),
            "fields": editable_fields(kind),
        }
    queries = DataQuery.objects.filter(patient=patient).prefetch_related("messages")
    return render(
        request,
        "queries/patient_queries.html",
        {
            "patient": patient,
            "queries": queries,
            "raising": raising,
            "can_raise": allowed(user, Action.RAISE_QUERY, patient.site),
            "can_answer": allowed(user, Action.ENTER_CLINICAL_DATA, patient.site),
        },
    )


def _act(request: HttpRequest, user: User, patient: Patient) -> None:
    step = request.POST.get("step", "")
    text = request.POST.get("text", "")
    if step == "raise":
        raise_query(
            user=user,
            patient=patient,
            kind=request.POST.get("kind", ""),
            record_id=request.POST.get("record_id", ""),
            field=request.POST.get("field", ""),
            text=text,
        )
        messages.success(request, "query raised")
        return
    query = DataQuery.objects.filter(patient=patient, pk=request.POST.get("query", "")).first()
    if query is None:
        raise Http404("no such query")
    if step == "answer":
        correction = request.POST.get("correction", "").strip() or None
        version = request.POST.get("version", "")
        answer_query(
            user=user,
            query=query,
            text=text,
            correction=correction,
            version=int(version) if version.isdigit() else None,
        )
    elif step == "close":
        close_query(user=user, query=query, text=text)
    elif step == "reopen":
        reopen_query(user=user, query=query, text=text)
    else:
        raise WebInputError(f"unknown step {step!r}", field="step")
    messages.success(request, f"query {step}")


@login_required
@require_POST
def verify(request: HttpRequest, study_id: str, kind: str, record_id: str) -> HttpResponse:
    user = _user(request)
    patient = get_patient_for_user(user=user, study_id=study_id)
    try:
        verify_source(user=user, patient=patient, kind=kind, record_id=record_id)
    except PermissionRefused as error:
        raise PermissionDenied(error.message) from error
    messages.success(request, f"{kind} record marked as verified against the source")
    return redirect("patients:detail", patient.study_id)
