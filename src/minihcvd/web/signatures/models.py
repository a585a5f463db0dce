"""An electronic signature (21 CFR 11.50): who signed, their printed name, when (UTC), what the
signature means, and the SHA-256 of the exact content signed (11.70: the signature is linked to
its record, so an altered record shows as no longer signed)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from minihcvd.web.audit.models import ClinicalRecord

__all__ = ["Signature"]


class Signature(ClinicalRecord):
    """One signing of one record's content; never changed afterwards."""

    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signatures"
    )
    signer_username = models.CharField(max_length=150)
    printed_name = models.CharField(max_length=300)
    signer_role = models.CharField(max_length=16)
    signed_at = models.DateTimeField(help_text="UTC")
    meaning = models.CharField(max_length=300, help_text='e.g. "verified the doses of course 3"')
    record_model = models.CharField(max_length=64)
    record_id = models.CharField(max_length=64)
    content_sha256 = models.CharField(max_length=64)
    site_code = models.CharField(max_length=16, blank=True)
    study_id = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["signed_at"]
        indexes = [models.Index(fields=["record_model", "record_id"])]

    def __str__(self) -> str:
        when = f"{self.signed_at:%Y-%m-%d %H:%M} UTC"
        return f"{self.printed_name} ({self.signer_username}), {when}: {self.meaning}"

    def audit_site_code(self) -> str:
        return self.site_code

    def audit_study_id(self) -> str:
        return self.study_id
