"""Every 4xx answer of the JSON API is JSON: ``{"detail": "<reason>"}``.

django-ninja answers a method an endpoint does not have with a plain-text 405, and Django's
own 404 for an unknown ``/api/…`` path is HTML; this middleware gives those (and any other
non-JSON 4xx under ``/api/``) the API's error shape, keeping the status and headers such as
``Allow``. Pages are left as they are.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

__all__ = ["API_PATH_PREFIX", "JsonApiErrorsMiddleware"]

API_PATH_PREFIX = "/api/"


class JsonApiErrorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith(API_PATH_PREFIX)
            and 400 <= response.status_code < 500
            and not response.streaming
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            response.content = json.dumps({"detail": response.reason_phrase}).encode()
            response["Content-Type"] = "application/json; charset=utf-8"
        return response
