"""Data queries (REDCap's data resolution workflow, OpenClinica's discrepancy notes) and
source-data verification marks, on a field of a casebook record.

A query's life is a small state machine (:data:`TRANSITIONS`): a monitor opens it, the site
answers (or corrects the field through the casebook's audited path), the monitor closes or
re-opens it. Every step is a message in the query's thread.
"""

from __future__ import annotations

from typing import Final

from django.db import models

from minihcvd.web.casebook.models import PatientRecord

__all__ = ["TRANSITIONS", "DataQuery", "QueryMessage", "QueryStatus", "SourceVerification"]


class QueryStatus(models.TextChoices):
    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"


#: (status, step) -> new status; a step not listed for a status is refused
TRANSITIONS: Final[dict[tuple[str, str], str]] = {
    (QueryStatus.OPEN, "answer"): QueryStatus.ANSWERED,
    (QueryStatus.ANSWERED, "answer"): QueryStatus.ANSWERED,
    (QueryStatus.ANSWERED, "close"): QueryStatus.CLOSED,
    (QueryStatus.OPEN, "close"): QueryStatus.CLOSED,
    (QueryStatus.ANSWERED, "reopen"): QueryStatus.OPEN,
    (QueryStatus.CLOSED, "reopen"): QueryStatus.OPEN,
}


class DataQuery(PatientRecord):
    """A question on one field of one record."""

    record_kind = models.CharField(max_length=32, help_text="casebook kind, e.g. assessments")
    record_id = models.CharField(max_length=64)
    field = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=QueryStatus.choices, default="open")
    raised_by = models.CharField(max_length=150)
    raised_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-raised_at"]


class QueryMessage(PatientRecord):
    """One step of a query's thread: who, when, what was said, which step."""

    query = models.ForeignKey(DataQuery, on_delete=models.PROTECT, related_name="messages")
    step = models.CharField(max_length=16, help_text="raise, answer, close or reopen")
    author = models.CharField(max_length=150)
    text = models.TextField()
    written_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["written_at", "id"]


class SourceVerification(PatientRecord):
    """A monitor checked a record against the source documents (at that record version)."""

    record_kind = models.CharField(max_length=32)
    record_id = models.CharField(max_length=64)
    record_version = models.PositiveIntegerField()
    verified_by = models.CharField(max_length=150)
    verified_at = models.DateTimeField(auto_now_add=True)
