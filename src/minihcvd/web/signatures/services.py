"""Signing a record (21 CFR 11.200: the password is asked again at every signing) and checking
a signature against the record's current content.

``content`` is the exact content the signer saw, as JSON values; its SHA-256 (canonical JSON,
the audit trail's own hashing) is stored. :func:`signature_status` recomputes it from the
record's content now: any change to what was signed makes the signature "no longer valid".
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any, Literal

from django.db import models
from django.utils import timezone

from minihcvd.web.audit.models import AuditAction
from minihcvd.web.audit.services import entry_content_hash, record_event
from minihcvd.web.errors import WebInputError
from minihcvd.web.signatures.models import Signature

if TYPE_CHECKING:
    from minihcvd.web.accounts.models import User

__all__ = [
    "SignatureRefused",
    "SignatureStatus",
    "confirm_password",
    "content_sha256",
    "sign",
    "signature_status",
    "signatures_of",
]

SignatureStatus = Literal["valid", "no longer valid"]


class SignatureRefused(WebInputError):
    """The password given at signing was not the signer's."""


def content_sha256(content: dict[str, Any]) -> str:
    """SHA-256 of ``content`` as canonical JSON (sorted keys, no spaces)."""
    return entry_content_hash(json.loads(json.dumps(content, default=str)))


def _record_fields(record: models.Model) -> tuple[str, str, str, str]:
    site = getattr(record, "audit_site_code", lambda: "")()
    study = getattr(record, "audit_study_id", lambda: "")()
    return record._meta.label_lower, str(record.pk), site, study


def confirm_password(*, user: User, password: str, meaning: str, record: models.Model) -> None:
    """Refuse (and audit as a "signature" event) a password that is not ``user``'s.

    A caller that signs inside its own transaction calls this first, outside it, so that the
    refusal's audit entry is committed even though the caller's work is not.
    """
    if user.is_active and user.check_password(password):
        return
    model, record_id, site, study = _record_fields(record)
    record_event(
        action=AuditAction.SIGNATURE,
        site_code=site,
        study_id=study,
        details={
            "refused": [None, "wrong password"],
            "meaning": [None, meaning],
            "record": [None, f"{model} {record_id}"],
        },
        reason="signature refused: wrong password",
    )
    raise SignatureRefused("the password is not yours; nothing was signed", field="password")


def sign(
    *, user: User, password: str, meaning: str, record: models.Model, content: dict[str, Any]
) -> Signature:
    """Sign ``content`` of ``record`` as ``user`` after asking for ``password`` again.

    A wrong password is refused (:class:`SignatureRefused`, field ``password``) and audited
    (:func:`confirm_password`). The signature itself is audited as its record's creation.
    """
    if not meaning.strip():
        raise WebInputError("a signature needs its meaning", field="meaning")
    confirm_password(user=user, password=password, meaning=meaning, record=record)
    model, record_id, site, study = _record_fields(record)
    signature = Signature(
        signer=user,
        signer_username=user.username,
        printed_name=user.get_full_name().strip() or user.username,
        signer_role=user.role,
        signed_at=timezone.now().astimezone(dt.UTC),
        meaning=meaning,
        record_model=model,
        record_id=record_id,
        content_sha256=content_sha256(content),
        site_code=site,
        study_id=study,
    )
    signature.save()
    return signature


def signature_status(signature: Signature, content: dict[str, Any]) -> SignatureStatus:
    """ "valid" if ``content`` (the record's content now) is exactly what was signed."""
    return "valid" if content_sha256(content) == signature.content_sha256 else "no longer valid"


def signatures_of(record: models.Model) -> models.QuerySet[Signature]:
    """Every signature of ``record``, oldest first."""
    return Signature.objects.filter(
        record_model=record._meta.label_lower, record_id=str(record.pk)
    ).select_related("signer")
