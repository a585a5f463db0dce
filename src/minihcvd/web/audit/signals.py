"""Logins and failed logins in the audit trail (pages and API alike)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from minihcvd.web.audit.context import acting_as
from minihcvd.web.audit.middleware import actor_for
from minihcvd.web.audit.models import AuditAction
from minihcvd.web.audit.services import record_event
from minihcvd.web.audit.context import Actor


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    with acting_as(actor_for(user)):
        record_event(action=AuditAction.LOGIN, details=_where(request))


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None,
                  **kwargs: Any) -> None:
    username = str(credentials.get("username", ""))[:150]
    with acting_as(Actor(user_id=None, username=username)):
        record_event(action=AuditAction.FAILED_LOGIN, details=_where(request))


def _where(request: Any) -> dict[str, Any]:
    if request is None:
        return {}
    return {"address": [None, request.META.get("REMOTE_ADDR", "")]}
