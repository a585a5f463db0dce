from __future__ import annotations

from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The append-only, hash-chained audit trail every write goes through."""

    name = "minihcvd.web.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from minihcvd.web.audit import signals  # noqa: F401  (login and failed-login entries)
