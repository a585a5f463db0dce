"""The JSON API (django-ninja) at /api/v1: OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs.

Authentication: ``POST /api/v1/token`` then ``Authorization: Bearer <token>``. Errors: 401 bad
or missing token, 403 a role that may not, 404 anything outside the user's sites, 422 invalid
input naming each field (``detail[].loc``), 429 too many failed logins.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.security import HttpBearer

from minihcvd.errors import MinihcvdError
from minihcvd.web.accounts.services import user_for_api_token
from minihcvd.web.audit.context import set_actor_for_this_request
from minihcvd.web.audit.middleware import actor_for
from minihcvd.web.errors import ConcurrentChangeError, PermissionRefused

__all__ = ["api"]


class BearerToken(HttpBearer):
    """A token from ``POST /api/v1/token``; its user acts for the rest of the request."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_api_token(token)
        if user is None:
            return None
        request.user = user
        set_actor_for_this_request(actor_for(user))
        return user


api = NinjaAPI(
    title="minihcvd trial API",
    version="1",
    description=__doc__ or "",
    auth=BearerToken(),
    urls_namespace="api",
)


@api.exception_handler(PermissionRefused)
def _refused(request: HttpRequest, error: PermissionRefused) -> HttpResponse:
    return api.create_response(request, {"detail": error.message}, status=403)


@api.exception_handler(ConcurrentChangeError)
def _stale(request: HttpRequest, error: ConcurrentChangeError) -> HttpResponse:
    return api.create_response(request, {"detail": error.message}, status=409)


@api.exception_handler(MinihcvdError)
def _invalid(request: HttpRequest, error: MinihcvdError) -> HttpResponse:
    location = ["body", error.field] if error.field else ["body"]
    detail = [{"loc": location, "msg": error.message, "type": "value_error"}]
    return api.create_response(request, {"detail": detail}, status=422)


def _invalid_record(request: HttpRequest, error: Any) -> HttpResponse:
    detail = [
        {"loc": ["body", field], "msg": message, "type": "value_error"}
        for field, message in error.errors
    ]
    return api.create_response(request, {"detail": detail}, status=422)


def _routers() -> None:
    from minihcvd.web.accounts.api import router as accounts_router
    from minihcvd.web.audit.api import router as audit_router
    from minihcvd.web.casebook.api import router as casebook_router
    from minihcvd.web.casebook.services import CasebookInvalid
    from minihcvd.web.oversight.api import router as oversight_router
    from minihcvd.web.patients.api import router as patients_router
    from minihcvd.web.queries.api import router as queries_router
    from minihcvd.web.treatment.api import router as treatment_router

    api.add_router("", accounts_router)
    api.add_router("", patients_router)
    api.add_router("", audit_router)
    api.add_router("", casebook_router)
    api.add_router("", oversight_router)
    api.add_router("", queries_router)
    api.add_exception_handler(CasebookInvalid, _invalid_record)
    api.add_router("", treatment_router)


_routers()
