"""Users (one role, one or more sites) and their API tokens. No clinical data here."""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models

from minihcvd.web.audit.models import AuditAction, AuditedModel, AuditedQuerySet
from minihcvd.web.sites.models import Site

__all__ = ["ApiToken", "Role", "User"]


class Role(models.TextChoices):
    INVESTIGATOR = "investigator"
    NURSE = "nurse", "nurse (research nurse / coordinator)"
    PHARMACIST = "pharmacist"
    STATISTICIAN = "statistician"
    MONITOR = "monitor"
    ADMIN = "admin"


class AuditedUserManager(UserManager.from_queryset(AuditedQuerySet)):  # type: ignore[misc]
    """Django's user manager on the audited queryset (bulk writes refused)."""


class User(AuditedModel, AbstractUser):
    """A person using the application: one role, the sites they work for."""

    role = models.CharField(max_length=16, choices=Role.choices)
    sites = models.ManyToManyField(Site, blank=True, related_name="users")
    all_sites = models.BooleanField(
        default=False, help_text="statisticians and monitors only: every site, present and future"
    )

    objects: ClassVar[AuditedUserManager] = AuditedUserManager()  # type: ignore[assignment]

    audit_redacted: ClassVar[tuple[str, ...]] = ("password",)
    audit_ignored: ClassVar[tuple[str, ...]] = ("last_login",)

    def audit_action(self, changes: dict[str, list[Any]]) -> str:
        role_fields = {"role", "all_sites", "is_staff", "is_superuser", "is_active"}
        return AuditAction.ROLE_CHANGE if role_fields & changes.keys() else AuditAction.CHANGE

    def site_codes(self) -> list[str]:
        """The codes of the user's sites ("all" for every site)."""
        if self.all_sites:
            return ["all"]
        return sorted(site.code for site in self.sites.all())


class ApiToken(models.Model):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    token_sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    @staticmethod
    def digest(token: str) -> str:
        return hashlib.sha256(token.encode("utf-8")).hexdigest()
