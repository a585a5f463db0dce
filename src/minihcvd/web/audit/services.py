"""Appending to the audit trail and checking its hash chain (the only writer of AuditEntry).

Each entry's hash covers its content and the previous entry's hash, so changing, removing or
reordering any entry breaks every hash after it. Appends are serialised (an advisory lock on
PostgreSQL; SQLite's IMMEDIATE transactions are already one writer at a time) and the sequence
number is unique, so concurrent writers can never fork the chain.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.utils import timezone

from minihcvd.web.audit.context import current_actor
from minihcvd.web.audit.models import AuditEntry

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from minihcvd.web.audit.models import AuditedModel

__all__ = [
    "GENESIS_HASH",
    "ChainBreak",
    "append_entry",
    "entry_content_hash",
    "json_value",
    "last_entry_hash",
    "record_event",
    "verify_chain",
]

GENESIS_HASH = "0" * 64
_CHAIN_LOCK_KEY = 0x6D696E69_68637664 & 0x7FFF_FFFF_FFFF_FFFF  # "minihcvd"


def json_value(value: Any) -> Any:
    """A field value as JSON keeps it (dates ISO 8601, decimals and UUIDs as text)."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


def entry_content_hash(fields: dict[str, Any]) -> str:
    """SHA-256 of an entry's content (canonical JSON: sorted keys, no spaces)."""
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _content(entry: AuditEntry) -> dict[str, Any]:
    return {
        "sequence": entry.sequence,
        "timestamp": json_value(entry.timestamp),
        "user_id": entry.user_id,
        "username": entry.username,
        "site_code": entry.site_code,
        "action": entry.action,
        "record_model": entry.record_model,
        "record_id": entry.record_id,
        "record_version": entry.record_version,
        "study_id": entry.study_id,
        "changes": entry.changes,
        "reason": entry.reason,
        "previous_hash": entry.previous_hash,
    }


def _append(**fields: Any) -> AuditEntry:
    actor = current_actor()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
        last = AuditEntry.objects.order_by("-sequence").only("sequence", "entry_hash").first()
        entry = AuditEntry(
            sequence=1 if last is None else last.sequence + 1,
            # stored to the microsecond on both databases, so the hash reads back the same
            timestamp=timezone.now().astimezone(dt.UTC),
            user_id=actor.user_id,
            username=actor.username,
            previous_hash=GENESIS_HASH if last is None else last.entry_hash,
            **fields,
        )
        entry.changes = json.loads(json.dumps(entry.changes))  # as the database returns it
        entry.entry_hash = entry_content_hash(_content(entry))
        entry.save()
        return entry


def append_entry(
    *, action: str, record: AuditedModel, changes: dict[str, list[Any]], reason: str
) -> AuditEntry:
    """Record a change to ``record`` (called by :class:`AuditedModel` inside its transaction)."""
    redacted = {
        name: ["(set)" if old is not None else None, "(changed)" if new is not None else None]
        if name in record.audit_redacted
        else [old, new]
        for name, (old, new) in changes.items()
    }
    return _append(
        action=action,
        site_code=record.audit_site_code(),
        record_model=record._meta.label_lower,
        record_id=str(record.pk),
        record_version=record.version,
        study_id=record.audit_study_id(),
        changes=redacted,
        reason=reason,
    )


def last_entry_hash(entries: QuerySet[AuditEntry]) -> str:
    """The hash of the newest of ``entries``: names the data they record as it is now, unique
    to this history (a restored or another database never shares it); cache keys use it."""
    last = entries.order_by("-sequence").values_list("entry_hash", flat=True).first()
    return str(last or "empty")


def record_event(
    *,
    action: str,
    site_code: str = "",
    study_id: str = "",
    details: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEntry:
    """Record an event that changes no record (login, failed login, export)."""
    return _append(
        action=action,
        site_code=site_code,
        record_model="",
        record_id="",
        record_version=None,
        study_id=study_id,
        changes=details or {},
        reason=reason,
    )


@dataclass(frozen=True)
class ChainBreak:
    """The first entry whose stored hashes do not match the recomputed chain."""

    sequence: int
    problem: str


def verify_chain(entries: Iterable[AuditEntry] | None = None) -> tuple[int, ChainBreak | None]:
    """Recompute the chain: (entries checked, the first break or ``None``)."""
    rows = AuditEntry.objects.order_by("sequence").iterator() if entries is None else entries
    previous_hash = GENESIS_HASH
    expected_sequence = 1
    checked = 0
    for entry in rows:
        if entry.sequence != expected_sequence:
            return checked, ChainBreak(
                entry.sequence, f"expected entry #{expected_sequence} (an entry is missing)"
            )
        if entry.previous_hash != previous_hash:
            return checked, ChainBreak(
                entry.sequence, "its previous-entry hash does not match the entry before it"
            )
        if entry_content_hash(_content(entry)) != entry.entry_hash:
            return checked, ChainBreak(entry.sequence, "its content does not match its hash")
        previous_hash = entry.entry_hash
        expected_sequence += 1
        checked += 1
    return checked, None
