"""Raising, answering, closing and re-opening data queries; source-data verification.

Monitors raise, close and re-open queries and mark records verified; the site's nurses and
investigators answer, and may correct the field in the same transaction through the
casebook's audited path (``change_record``, with the answer as the reason). Every step is
audited; a step the state machine does not allow is refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction

from minihcvd.web.accounts.permissions import Action, allowed
from minihcvd.web.casebook.services import change_record, editable_fields, get_record
from minihcvd.web.errors import PermissionRefused, WebInputError
from minihcvd.web.queries.models import (
    TRANSITIONS,
    DataQuery,
    QueryMessage,
    QueryStatus,
    SourceVerification,
)

if TYPE_CHECKING:
    from minihcvd.web.accounts.models import User
    from minihcvd.web.patients.models import Patient

__all__ = [
    "answer_query",
    "close_query",
    "open_queries_count",
    "raise_query",
    "reopen_query",
    "verification_of",
    "verify_source",
]


def _need(user: User, action: Action, patient: Patient) -> None:
    if not allowed(user, action, patient.site):
        raise PermissionRefused(f"a {user.role} may not {action.value}")


def _text(text: str) -> str:
    if not text.strip():
        raise WebInputError("the query's text is required", field="text")
    return text.strip()


def _step(query: DataQuery, step: str, user: User, text: str) -> DataQuery:
    new = TRANSITIONS.get((query.status, step))
    if new is None:
        raise WebInputError(f"a {query.status} query cannot be {step}ed", field="status")
    QueryMessage(
        patient=query.patient, query=query, step=step, author=user.username, text=text
    ).save()
    query.status = new
    query.save(reason=f"{step}: {text}")
    return query


def raise_query(
    *, user: User, patient: Patient, kind: str, record_id: str, field: str, text: str
) -> DataQuery:
    """A monitor asks about ``field`` of a record of the patient."""
    _need(user, Action.RAISE_QUERY, patient)
    get_record(patient=patient, kind=kind, record_id=record_id)  # 404 if not the patient's
    if field not in editable_fields(kind):
        raise WebInputError(f"{field!r} is not a field of {kind}", field="field")
    with transaction.atomic():
        query = DataQuery(
            patient=patient,
            record_kind=kind,
            record_id=str(record_id),
            field=field,
            raised_by=user.username,
        )
        query.save()
        QueryMessage(
            patient=patient, query=query, step="raise", author=user.username, text=_text(text)
        ).save()
    return query


def answer_query(
    *,
    user: User,
    query: DataQuery,
    text: str,
    correction: Any = None,
    version: int | None = None,
) -> DataQuery:
    """The site answers; with ``correction`` the field takes that value (audited change of the
    record read at ``version``, the answer as its reason)."""
    _need(user, Action.ENTER_CLINICAL_DATA, query.patient)
    answer = _text(text)
    with transaction.atomic():
        if correction is not None:
            if version is None:
                raise WebInputError("a correction needs the record's version", field="version")
            change_record(
                user=user,
                patient=query.patient,
                kind=query.record_kind,
                record_id=query.record_id,
                version=version,
                reason=f"query answered: {answer}",
                values={query.field: correction},
            )
        return _step(query, "answer", user, answer)


def close_query(*, user: User, query: DataQuery, text: str) -> DataQuery:
    _need(user, Action.RAISE_QUERY, query.patient)
    with transaction.atomic():
        return _step(query, "close", user, _text(text))


def reopen_query(*, user: User, query: DataQuery, text: str) -> DataQuery:
    _need(user, Action.RAISE_QUERY, query.patient)
    with transaction.atomic():
        return _step(query, "reopen", user, _text(text))


def open_queries_count(patients: Any) -> int:
    """Queries not closed on these patients (a casebook with any cannot be signed)."""
    return DataQuery.objects.filter(patient__in=patients).exclude(status=QueryStatus.CLOSED).count()


def verify_source(*, user: User, patient: Patient, kind: str, record_id: str) -> SourceVerification:
    """A monitor marks a record as checked against the source, at its current version."""
    _need(user, Action.VERIFY_SOURCE, patient)
    record = get_record(patient=patient, kind=kind, record_id=record_id)
    mark = SourceVerification(
        patient=patient,
        record_kind=kind,
        record_id=str(record_id),
        record_version=record.version,
        verified_by=user.username,
    )
    mark.save()
    return mark


def verification_of(patient: Patient, kind: str, record: Any) -> str:
    """``verified``, ``changed since verification`` or ``not verified``."""
    mark = (
        SourceVerification.objects.filter(
            patient=patient, record_kind=kind, record_id=str(record.pk)
        )
        .order_by("-verified_at")
        .first()
    )
    if mark is None:
        return "not verified"
    if mark.record_version != record.version:
        return "changed since verification"
    return f"verified by {mark.verified_by}"
