"""The dashboard (the rule for every role; the trial's numbers for investigators,
statisticians and monitors), the full analysis (statisticians) and the admin's decision."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from minihcvd.web.accounts.permissions import Action, allowed
from minihcvd.web.audit.models import AuditAction
from minihcvd.web.audit.services import record_event
from minihcvd.web.errors import PermissionRefused, WebInputError
from minihcvd.web.oversight.plots import image_source, screening_reasons
from minihcvd.web.oversight.services import (
    analysis_of,
    evaluate_rule,
    package_of,
    record_decision,
)
from minihcvd.web.patients.selectors import patients_for_user, screening_log_for_user

if TYPE_CHECKING:
    from minihcvd.web.accounts.models import User


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    context: dict[str, object] = {
        "rule": evaluate_rule(recent=True),
        "can_decide": allowed(user, Action.MANAGE_USERS_AND_SITES),
        "can_analyze": allowed(user, Action.RUN_FULL_ANALYSIS),
    }
    if allowed(user, Action.VIEW_DASHBOARD):
        patients = list(patients_for_user(user=user).order_by("site__code", "sequence"))
        analysis, computed = analysis_of(patients)
        context.update(
            patients=patients,
            document=None if analysis is None else analysis.document,
            survival_src=None
            if analysis is None or analysis.survival_svg is None
            else image_source(analysis.survival_svg),
            enrollment_src=None if analysis is None else image_source(analysis.enrollment_svg),
            screening=screening_reasons(list(screening_log_for_user(user=user))),
            by_site=_by_site(patients),
            computed_at=dt.datetime.fromtimestamp(computed, dt.UTC),
        )
    return render(request, "oversight/dashboard.html", context)


def _by_site(patients: list) -> list[tuple[str, str, int]]:  # type: ignore[type-arg]
    counts: dict[tuple[str, str], int] = {}
    for patient in patients:
        key = (patient.site.code, patient.protocol)
        counts[key] = counts.get(key, 0) + 1
    return [(site, protocol, n) for (site, protocol), n in sorted(counts.items())]


def _reports_dir() -> Path:
    return Path(settings.DATA_DIR) / "reports"


@login_required
@require_POST
def run_full_analysis(request: HttpRequest) -> HttpResponse:
    """``minihcvd analyze`` on the current data of the statistician's sites; audited."""
    from minihcvd.report import write_report
    from minihcvd.stats.analysis import AnalysisOptions, analyze_package

    user = _user(request)
    if not allowed(user, Action.RUN_FULL_ANALYSIS):
        raise PermissionDenied("only statisticians run the full analysis")
    patients = list(patients_for_user(user=user).order_by("site__code", "sequence"))
    if not patients:
        messages.error(request, "no patients in your sites to analyse")
        return redirect("oversight:dashboard")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    results = analyze_package(package_of(patients), AnalysisOptions())
    write_report(results, _reports_dir() / stamp)
    record_event(
        action=AuditAction.EXPORT,
        details={"full analysis": [None, f"{len(patients)} patients, report {stamp}"]},
    )
    return redirect("oversight:report", stamp)


@login_required
def full_report(request: HttpRequest, stamp: str) -> FileResponse:
    if not allowed(_user(request), Action.RUN_FULL_ANALYSIS):
        raise PermissionDenied("only statisticians open the full analysis")
    if not stamp.replace("T", "").replace("Z", "").isdigit():
        raise Http404("no such report")
    path = _reports_dir() / stamp / "report.html"
    if not path.is_file():
        raise Http404("no such report")
    return FileResponse(path.open("rb"), content_type="text/html; charset=utf-8")


@login_required
@require_POST
def decide(request: HttpRequest) -> HttpResponse:
    try:
        record_decision(
            user=_user(request),
            decision=request.POST.get("decision", ""),
            reason=request.POST.get("reason", ""),
        )
    except PermissionRefused as error:
        raise PermissionDenied(error.message) from error
    except WebInputError as error:
        messages.error(request, error.one_line())
    else:
        messages.success(request, "decision recorded")
    return redirect("oversight:dashboard")
