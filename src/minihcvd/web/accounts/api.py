"""``POST /api/v1/token``: a bearer token for a username and password (login-throttled)."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status

from minihcvd.web.accounts.services import issue_api_token
from minihcvd.web.audit.context import acting_as
from minihcvd.web.audit.middleware import actor_for
from minihcvd.web.audit.models import AuditAction
from minihcvd.web.audit.services import record_event

router = Router(tags=["authentication"])


class Credentials(Schema):
    username: str
    password: str


class Token(Schema):
    token: str


class Problem(Schema):
    detail: str


@router.post("/token", auth=None, response={200: Token, 401: Problem, 429: Problem})
def token(request: HttpRequest, credentials: Credentials) -> Status[dict[str, str]]:
    """A token valid for 8 hours. Five failures lock the username for 15 minutes (429)."""
    user = authenticate(request, username=credentials.username, password=credentials.password)
    if getattr(request, "axes_locked_out", False):
        return Status(429, {"detail": "too many failed logins; try again in 15 minutes"})
    if user is None:
        return Status(401, {"detail": "unknown username or wrong password"})
    with acting_as(actor_for(user)):
        record_event(action=AuditAction.LOGIN, details={"via": [None, "API token"]})
        return Status(200, {"token": issue_api_token(user=user)})  # type: ignore[arg-type]
