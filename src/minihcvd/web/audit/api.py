"""``GET /api/v1/audit?study_id=…``: a patient's audit entries (site-scoped)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from minihcvd.web.accounts.permissions import Action, allowed
from minihcvd.web.audit.models import AuditEntry
from minihcvd.web.errors import PermissionRefused
from minihcvd.web.patients.selectors import get_patient_for_user

router = Router(tags=["audit"])


class AuditEntryOut(Schema):
    sequence: int
    timestamp: dt.datetime
    user_id: int | None
    username: str
    site_code: str
    action: str
    record_model: str
    record_id: str
    record_version: int | None
    study_id: str
    changes: dict[str, Any]
    reason: str
    previous_hash: str
    entry_hash: str


@router.get("/audit", response=list[AuditEntryOut])
def audit_entries(request: HttpRequest, study_id: str) -> Any:
    """Every entry of the patient ``study_id`` in sequence order."""
    patient = get_patient_for_user(user=request.user, study_id=study_id)  # type: ignore[arg-type]
    if not allowed(request.user, Action.VIEW_AUDIT_TRAIL, patient.site):  # type: ignore[arg-type]
        raise PermissionRefused("your role does not review audit trails")
    return AuditEntry.objects.filter(study_id=patient.study_id).order_by("sequence")
