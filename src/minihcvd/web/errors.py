"""The web layer's errors: ours (a subclass of :class:`MinihcvdError`), so the CLI prints one line."""

from __future__ import annotations

from minihcvd.errors import MinihcvdError

__all__ = [
    "AuditBypassError",
    "AuditContextMissing",
    "ConcurrentChangeError",
    "DataDirError",
    "PermissionRefused",
    "ReasonRequired",
    "WebInputError",
]


class WebInputError(MinihcvdError):
    """A form, API request or web command got invalid input (``field`` names it)."""


class DataDirError(MinihcvdError):
    """The data folder or its secret key cannot be used."""


class PermissionRefused(MinihcvdError):
    """The user's role may not do this (the API answers 403)."""


class ReasonRequired(WebInputError):
    """A change to an existing clinical record was made without a reason."""


class ConcurrentChangeError(MinihcvdError):
    """The record changed since it was read: nothing is overwritten silently."""


class AuditContextMissing(MinihcvdError):
    """A write was attempted outside an audited context (no known actor)."""


class AuditBypassError(MinihcvdError):
    """A bulk ORM path that would skip the audit trail (update, bulk_create, delete of a queryset)."""
