"""Casebook pages: enter or change a record (a form per kind), export the data package.

Thin: the form parses, ``casebook.services`` checks and writes, errors of the rules come back
on their fields; a stale version shows the record as it is now beside what was entered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from minihcvd.web.accounts.permissions import Action, allowed
from minihcvd.web.casebook.services import (
    RECORD_KINDS,
    CasebookInvalid,
    add_record,
    change_record,
    editable_fields,
    export_package_zip,
    get_record,
)
from minihcvd.web.errors import ConcurrentChangeError, WebInputError
from minihcvd.web.patients.selectors import get_patient_for_user, patients_for_user

if TYPE_CHECKING:
    from minihcvd.web.accounts.models import User


class _DateInput(forms.DateInput):
    input_type = "date"


def _form_class(kind: str) -> type[forms.ModelForm[Any]]:
    if kind not in RECORD_KINDS:
        raise WebInputError(f"unknown record kind {kind!r}", field="kind")
    model = RECORD_KINDS[kind]
    names = editable_fields(kind)
    widgets: dict[str, type[forms.Widget] | forms.Widget] = {
        n: _DateInput() for n in names if n.endswith("_date")
    }
    return forms.modelform_factory(model, fields=names, widgets=widgets)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _show_errors(form: forms.BaseForm, error: CasebookInvalid) -> None:
    for field, message in error.errors:
        form.add_error(field if field in form.fields else None, message)


@login_required
@require_http_methods(["GET", "POST"])
def new_record(request: HttpRequest, study_id: str, kind: str) -> HttpResponse:
    user = _user(request)
    patient = get_patient_for_user(user=user, study_id=study_id)
    if not allowed(user, Action.ENTER_CLINICAL_DATA, patient.site):
        raise PermissionDenied("your role does not enter clinical data")
    form = _form_class(kind)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            add_record(user=user, patient=patient, kind=kind, values=form.cleaned_data)
        except CasebookInvalid as error:
            _show_errors(form, error)
        except WebInputError as error:  # e.g. the casebook is signed and locked
            form.add_error(None, error.message)
        else:
            messages.success(request, f"{kind} recorded for {patient.study_id}")
            return redirect("patients:detail", patient.study_id)
    return render(
        request, "casebook/record_form.html", {"patient": patient, "kind": kind, "form": form}
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit_record(request: HttpRequest, study_id: str, kind: str, record_id: str) -> HttpResponse:
    user = _user(request)
    patient = get_patient_for_user(user=user, study_id=study_id)
    if not allowed(user, Action.ENTER_CLINICAL_DATA, patient.site):
        raise PermissionDenied("your role does not enter clinical data")
    record = get_record(patient=patient, kind=kind, record_id=record_id)
    form_class = _form_class(kind)
    form = form_class(request.POST or None, instance=None if request.POST else record)
    version = int(request.POST.get("version", record.version))
    reason = request.POST.get("reason", "")
    stale = None
    if request.method == "POST" and form.is_valid():
        try:
            change_record(
                user=user,
                patient=patient,
                kind=kind,
                record_id=record_id,
                version=version,
                reason=reason,
                values=form.cleaned_data,
            )
        except CasebookInvalid as error:
            _show_errors(form, error)
        except ConcurrentChangeError as error:
            stale = {"message": error.message, "current": record.audit_values()}
        except WebInputError as error:  # no reason, or the casebook is signed and locked
            form.add_error(None, error.message)
        else:
            messages.success(request, f"{kind} changed for {patient.study_id}")
            return redirect("patients:detail", patient.study_id)
    return render(
        request,
        "casebook/record_form.html",
        {
            "patient": patient,
            "kind": kind,
            "form": form,
            "record": record,
            "version": version,
            "reason": reason,
            "stale": stale,
        },
        status=409 if stale else 200,
    )


@login_required
def export_package(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not allowed(user, Action.EXPORT_PACKAGE):
        raise PermissionDenied("your role does not export the trial data package")
    patients = list(patients_for_user(user=user).order_by("site__code", "sequence"))
    response = HttpResponse(
        export_package_zip(user=user, patients=patients), content_type="application/zip"
    )
    response["Content-Disposition"] = 'attachment; filename="trial-package.zip"'
    return response


@login_required
@require_http_methods(["POST"])
def sign_or_unlock(request: HttpRequest, study_id: str, step: str) -> HttpResponse:
    """The investigator signs (password again) or unlocks (reason) the patient's casebook."""
    from minihcvd.web.casebook.locking import sign_casebook, unlock_casebook
    from minihcvd.web.errors import PermissionRefused

    user = _user(request)
    patient = get_patient_for_user(user=user, study_id=study_id)
    try:
        if step == "sign":
            sign_casebook(user=user, patient=patient, password=request.POST.get("password", ""))
            messages.success(request, f"casebook of {patient.study_id} signed and locked")
        elif step == "unlock":
            unlock_casebook(user=user, patient=patient, reason=request.POST.get("reason", ""))
            messages.success(request, f"casebook of {patient.study_id} unlocked")
        else:
            raise WebInputError(f"unknown step {step!r}", field="step")
    except PermissionRefused as error:
        raise PermissionDenied(error.message) from error
    except WebInputError as error:
        messages.error(request, error.one_line())
    return redirect("patients:detail", patient.study_id)
