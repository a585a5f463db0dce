"""A participating hospital: its code (the prefix of its study ids) and its active protocol."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models

from minihcvd.web.audit.models import AuditedModel

__all__ = ["PROTOCOL_CHOICES", "Site"]

#: the shipped protocol versions (src/minihcvd/protocol/data); a site registers on one of them
PROTOCOL_CHOICES = [
    ("original", "original (paper's first protocol)"),
    ("original-reduced", "original-reduced (inotuzumab reduced)"),
    ("amended", "amended (fractionated inotuzumab, blinatumomab)"),
]


class Site(AuditedModel):
    """A hospital of the trial. Users and patients belong to sites; scoping follows them."""

    code = models.CharField(
        max_length=8,
        unique=True,
        validators=[RegexValidator(r"^[A-Z][A-Z0-9]{0,7}$", "1-8 capital letters or digits")],
        help_text="prefix of the site's study ids, e.g. A → A-0001",
    )
    name = models.CharField(max_length=200)
    active_protocol = models.CharField(max_length=32, choices=PROTOCOL_CHOICES, default="amended")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    def audit_site_code(self) -> str:
        return self.code
