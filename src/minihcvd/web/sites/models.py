"""A participating hospital: its code (the prefix of its study ids) and its active protocol."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models

from minihcvd.web.audit.models import AuditedModel

__all__ = ["PROTOCOL_CHOICES", "Site", "SiteProtocol"]

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
    active_protocol = models.CharField(
        max_length=64,
        default="amended",
        help_text="a shipped version, or the name of a variant the site uploaded",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    def audit_site_code(self) -> str:
        return self.code


class SiteProtocol(AuditedModel):
    """A site's variant of a shipped protocol (a YAML file of docs/protocols.md, validated by
    the core on upload). Each upload is a new row; a patient keeps the exact one they were
    registered on."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="protocols")
    name = models.CharField(max_length=64, help_text="the file's protocol name")
    base = models.CharField(max_length=32, choices=PROTOCOL_CHOICES, help_text="what it extends")
    file_name = models.CharField(max_length=200, help_text="as uploaded (named in its marks)")
    yaml_text = models.TextField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.CharField(max_length=150)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=300)

    class Meta:
        ordering = ["site__code", "name", "-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.site.code}: {self.name} ({self.file_name}, {self.sha256[:12]})"

    def audit_site_code(self) -> str:
        return self.site.code
