"""No lost writes: 20 writers on one record through a running server (gunicorn, 2 workers), on
SQLite or on PostgreSQL (the session's database).

Every PATCH either lands (200, the version goes up by one) or gets 409; the audit trail holds
exactly the writes that landed, and the record holds the last of them.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from tests.web.servers import RunningServer, fresh_database, serve_demo

pytestmark = pytest.mark.slow
WRITERS = 20


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with fresh_database() as url, serve_demo(tmp_path_factory.mktemp("race") / "data", url) as s:
        yield s


def _call(server: RunningServer, method: str, path: str, body: Any = None, token: str = "") -> Any:
    request = urllib.request.Request(
        f"{server.url}/api/v1{path}",
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def _token(server: RunningServer) -> str:
    status, body = _call(
        server,
        "POST",
        "/token",
        {"username": "nurse-a", "password": server.passwords["nurse-a"]},
    )
    assert status == 200
    return str(body["token"])


def _new_visit(server: RunningServer, token: str) -> dict[str, Any]:
    # A-0001 of the demo: a visit on its start date is valid whatever its outcomes
    status, patient = _call(server, "GET", "/patients/A-0001", token=token)
    assert status == 200
    status, made = _call(
        server, "POST", "/patients/A-0001/followups", {"visit_date": patient["start_date"]}, token
    )
    assert status == 201, made
    return dict(made)


def _landed_in_audit(server: RunningServer, token: str, record_id: str) -> list[str]:
    status, entries = _call(server, "GET", "/audit?study_id=A-0001", token=token)
    assert status == 200
    return [e["reason"] for e in entries if e["record_id"] == record_id and e["action"] == "change"]


def test_twenty_writers_from_one_version_one_lands(server: RunningServer) -> None:
    """All read version v: exactly one write lands, 19 get 409, nothing else changes."""
    token = _token(server)
    made = _new_visit(server, token)
    results = _race_dates(server, token, made)
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [409] * (WRITERS - 1)
    landed = [i for i, (status, _) in enumerate(results) if status == 200]
    assert _landed_in_audit(server, token, made["id"]) == [f"writer {landed[0]}"]
    final = _call(server, "GET", f"/patients/A-0001/followups/{made['id']}", token=token)[1]
    assert final["version"] == made["version"] + 1


def _race_dates(server: RunningServer, token: str, made: dict[str, Any]) -> list[Any]:
    """Each writer moves the visit by its own number of days from the same version."""
    start = threading.Barrier(WRITERS)
    results: list[Any] = [None] * WRITERS
    path = f"/patients/A-0001/followups/{made['id']}"
    base = made["values"]["visit_date"]

    def write(i: int) -> None:
        import datetime as dt

        day = (dt.date.fromisoformat(base) + dt.timedelta(days=i + 1)).isoformat()
        start.wait()
        results[i] = _call(
            server,
            "PATCH",
            path,
            {"version": made["version"], "reason": f"writer {i}", "values": {"visit_date": day}},
            token,
        )

    threads = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_writers_that_reread_land_or_get_409_and_none_is_lost(server: RunningServer) -> None:
    """Each writer reads the current version first: every 200 is in the audit trail once, the
    version rose by exactly the number of 200s, and every other answer is a 409."""
    token = _token(server)
    made = _new_visit(server, token)
    path = f"/patients/A-0001/followups/{made['id']}"
    results = _race_dates_reread(server, token, path, made)
    landed = sorted(i for i, (status, _) in enumerate(results) if status == 200)
    assert landed and all(status in (200, 409) for status, _ in results)
    assert sorted(_landed_in_audit(server, token, made["id"])) == sorted(
        f"writer {i}" for i in landed
    )
    final = _call(server, "GET", path, token=token)[1]
    assert final["version"] == made["version"] + len(landed)


def _race_dates_reread(
    server: RunningServer, token: str, path: str, made: dict[str, Any]
) -> list[Any]:
    import datetime as dt

    start = threading.Barrier(WRITERS)
    results: list[Any] = [None] * WRITERS
    base = dt.date.fromisoformat(made["values"]["visit_date"])

    def write(i: int) -> None:
        start.wait()
        version = _call(server, "GET", path, token=token)[1]["version"]
        day = (base + dt.timedelta(days=i + 1)).isoformat()
        results[i] = _call(
            server,
            "PATCH",
            path,
            {"version": version, "reason": f"writer {i}", "values": {"visit_date": day}},
            token,
        )

    threads = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
