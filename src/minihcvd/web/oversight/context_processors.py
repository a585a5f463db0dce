"""Every page says so when the stopping rule says stop (or the trial was stopped)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def stopping_rule(request: HttpRequest) -> dict[str, Any]:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    from minihcvd.web.oversight.services import registrations_held

    return {"rule_hold": registrations_held(recent=True)}
