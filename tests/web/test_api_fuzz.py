"""The OpenAPI schema fuzzed with schemathesis: every operation, as a site A nurse (Bearer token)
and without a token, with valid and invalid inputs. No input gives a 500, and every 4xx answer
is a JSON body with a ``detail``.

Bounded so that it runs in seconds: a fixed seed, deterministic generation, a few examples per
operation, no deadline (the machine is shared), and no stateful phase.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from tests.web.conftest import api_token

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

FUZZ_CONFIG: dict[str, Any] = {
    "seed": 20_140_101,
    "generation": {"mode": "all", "max-examples": 3, "deterministic": True},
    "phases": {"stateful": {"enabled": False}},
}


def error_body_is_json(ctx: Any, response: Any, case: Any) -> bool | None:
    """A 4xx answer is ``application/json`` with a ``detail`` (a message or a list of fields)."""
    if not 400 <= response.status_code < 500:
        return None
    content_type = response.headers.get("content-type", [""])[0]  # lowercase keys, list values
    assert content_type.startswith("application/json"), (
        f"{response.status_code} with Content-Type {content_type!r}: {response.text[:200]!r}"
    )
    body = json.loads(response.text)
    assert isinstance(body, dict) and "detail" in body, f"no detail in {body!r}"
    return True


_HANDLER = WSGIHandler()


def application(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """Django's WSGI handler as its test client runs it: the end of a request does not close
    the database connection, which on PostgreSQL holds the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = _HANDLER(environ, start_response)
        body = b"".join(response)
        response.close()  # sends request_finished
        return [body]
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# The schema as the application serves it, called in this process (no server).
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", application, config=SchemathesisConfig.from_dict(FUZZ_CONFIG)
)


@pytest.fixture
def nurse_headers(client: Any, patient_a: Any, patient_b: Any) -> dict[str, str]:
    """A site A nurse's token, with a patient at site A and one at site B."""
    return {"Authorization": f"Bearer {api_token(client, 'nurse-a')}"}


FUZZ_SETTINGS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@schema.parametrize()
@FUZZ_SETTINGS
def test_as_a_nurse_no_input_gives_a_500_and_every_4xx_is_json(
    case: Any, nurse_headers: dict[str, str], patient_a: Any
) -> None:
    if case.path_parameters and "study_id" in case.path_parameters:
        case.path_parameters["study_id"] = patient_a.study_id  # her patient: past the 404
    case.call_and_validate(
        headers=nurse_headers, checks=[not_a_server_error, error_body_is_json]
    )


@schema.parametrize()
@FUZZ_SETTINGS
def test_without_a_token_no_input_gives_a_500_and_every_4xx_is_json(
    case: Any, users: Any
) -> None:
    case.headers = {
        name: value for name, value in (case.headers or {}).items()
        if name.lower() != "authorization"
    }
    case.call_and_validate(checks=[not_a_server_error, error_body_is_json])


@pytest.mark.parametrize("method", ["get", "patch"])
def test_a_record_id_that_is_not_a_uuid_is_a_json_404(
    client: Any, nurse_headers: dict[str, str], patient_a: Any, method: str
) -> None:
    """Found by the fuzzing: ``/assessments/0`` was a 500 (Django's UUID ValidationError)."""
    body = {"version": 0, "reason": "typo", "values": {}}
    response = getattr(client, method)(
        f"/api/v1/patients/{patient_a.study_id}/assessments/0",
        body,
        content_type="application/json",
        headers=nurse_headers,
    )
    assert response.status_code == 404 and "detail" in response.json()


def test_a_method_an_endpoint_does_not_have_is_a_json_405(
    client: Any, nurse_headers: dict[str, str]
) -> None:
    """Found by the fuzzing: ninja's 405 was plain text; the Allow header stays."""
    response = client.delete("/api/v1/patients", headers=nurse_headers)
    assert response.status_code == 405 and response["Allow"]
    assert response.json() == {"detail": "Method Not Allowed"}


def test_an_unknown_api_path_is_a_json_404(client: Any) -> None:
    response = client.get("/api/v1/no-such-endpoint")
    assert response.status_code == 404 and response.json() == {"detail": "Not Found"}


@pytest.mark.parametrize("step", ["answer", "close", "reopen"])
def test_a_query_id_that_is_not_a_uuid_is_a_json_404(
    client: Any, nurse_headers: dict[str, str], step: str
) -> None:
    """Found by the fuzzing: ``/queries/0/answer`` (and close, reopen) was a 500."""
    response = client.post(
        f"/api/v1/queries/0/{step}",
        {"text": "checked"},
        content_type="application/json",
        headers=nurse_headers,
    )
    assert response.status_code == 404 and "detail" in response.json()
