"""Data queries and source-data verification in the API (site-scoped; 404 outside)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema
from ninja.responses import Status

from minihcvd.web.patients.selectors import get_patient_for_user, patients_for_user
from minihcvd.web.queries.models import DataQuery
from minihcvd.web.queries.services import (
    answer_query,
    close_query,
    raise_query,
    reopen_query,
    verify_source,
)

router = Router(tags=["queries"])


class QueryIn(Schema):
    kind: str = Field(description="casebook kind: assessments, adverse-events, …")
    record_id: str
    field: str
    text: str = Field(min_length=1)


class StepIn(Schema):
    text: str = Field(min_length=1)


class AnswerIn(StepIn):
    correction: Any = Field(None, description="the field's corrected value, if any")
    version: int | None = Field(None, description="the record's version, with a correction")


class MessageOut(Schema):
    step: str
    author: str
    text: str
    written_at: dt.datetime


class QueryOut(Schema):
    id: str
    study_id: str
    kind: str
    record_id: str
    field: str
    status: str
    raised_by: str
    raised_at: dt.datetime
    messages: list[MessageOut]


def _out(query: DataQuery) -> dict[str, Any]:
    return {
        "id": str(query.pk),
        "study_id": query.patient.study_id,
        "kind": query.record_kind,
        "record_id": query.record_id,
        "field": query.field,
        "status": query.status,
        "raised_by": query.raised_by,
        "raised_at": query.raised_at,
        "messages": [
            {"step": m.step, "author": m.author, "text": m.text, "written_at": m.written_at}
            for m in query.messages.all()
        ],
    }


def _query(request: HttpRequest, query_id: str) -> DataQuery:
    found: DataQuery | None = (
        DataQuery.objects.filter(patient__in=patients_for_user(user=request.user), pk=query_id)  # type: ignore[arg-type]
        .select_related("patient__site")
        .first()
    )
    if found is None:
        raise Http404(f"no query {query_id}")
    return found


@router.post("/patients/{study_id}/queries", response={201: QueryOut})
def raise_(request: HttpRequest, study_id: str, payload: QueryIn) -> Any:
    patient = get_patient_for_user(user=request.user, study_id=study_id)  # type: ignore[arg-type]
    query = raise_query(
        user=request.user,  # type: ignore[arg-type]
        patient=patient,
        kind=payload.kind,
        record_id=payload.record_id,
        field=payload.field,
        text=payload.text,
    )
    return Status(201, _out(query))


@router.get("/queries", response=list[QueryOut])
def list_queries(request: HttpRequest, status: str | None = None) -> Any:
    queries = DataQuery.objects.filter(
        patient__in=patients_for_user(user=request.user)  # type: ignore[arg-type]
    ).select_related("patient__site")
    if status:
        queries = queries.filter(status=status)
    return [_out(q) for q in queries.prefetch_related("messages")]


@router.post("/queries/{query_id}/answer", response=QueryOut)
def answer(request: HttpRequest, query_id: str, payload: AnswerIn) -> Any:
    query = answer_query(
        user=request.user,  # type: ignore[arg-type]
        query=_query(request, query_id),
        text=payload.text,
        correction=payload.correction,
        version=payload.version,
    )
    return _out(query)


@router.post("/queries/{query_id}/close", response=QueryOut)
def close(request: HttpRequest, query_id: str, payload: StepIn) -> Any:
    return _out(close_query(user=request.user, query=_query(request, query_id), text=payload.text))  # type: ignore[arg-type]


@router.post("/queries/{query_id}/reopen", response=QueryOut)
def reopen(request: HttpRequest, query_id: str, payload: StepIn) -> Any:
    return _out(reopen_query(user=request.user, query=_query(request, query_id), text=payload.text))  # type: ignore[arg-type]


@router.post("/patients/{study_id}/{kind}/{record_id}/source-verification", response={201: dict})
def verify(request: HttpRequest, study_id: str, kind: str, record_id: str) -> Any:
    patient = get_patient_for_user(user=request.user, study_id=study_id)  # type: ignore[arg-type]
    mark = verify_source(user=request.user, patient=patient, kind=kind, record_id=record_id)  # type: ignore[arg-type]
    return Status(201, {"record_version": mark.record_version, "verified_by": mark.verified_by})
