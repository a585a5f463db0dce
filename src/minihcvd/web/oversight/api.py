"""The stopping rule in the API: ``GET /monitoring`` (every signed-in role)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from minihcvd.web.oversight.services import evaluate_rule

router = Router(tags=["oversight"])


@router.get("/monitoring", summary="The stopping rule on the current data (minihcvd monitor check)")
def monitoring(request: HttpRequest) -> dict[str, Any]:
    return evaluate_rule().to_json_dict()
