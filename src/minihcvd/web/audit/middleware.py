"""Sets the audit actor from the signed-in user for the length of one request."""

from __future__ import annotations

import contextvars
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from minihcvd.web.audit.context import Actor, set_actor_for_this_request

__all__ = ["AuditActorMiddleware", "actor_for"]


def actor_for(user: object) -> Actor:
    """The audit actor for a Django user (a user id and username)."""
    return Actor(user_id=getattr(user, "pk", None), username=str(getattr(user, "username", "")))


class AuditActorMiddleware:
    """Each request runs in a context of its own: a signed-in user writes as themself, an API
    token names its user inside it, and nothing carries over to the next request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return contextvars.Context().run(self._handle, request)

    def _handle(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            set_actor_for_this_request(actor_for(user))
        return self.get_response(request)
