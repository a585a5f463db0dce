"""Data queries and source-data verification: who may take which step, corrections through
the casebook's audited path, the query state machine (Hypothesis stateful test against a
model of it), and a verification voided by a later change."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from tests.web.conftest import MARROW_IN_CR, api_token

from minihcvd.web.audit.models import AuditEntry
from minihcvd.web.errors import PermissionRefused, WebInputError

pytestmark = pytest.mark.django_db


def _bearer(client: Any, username: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token(client, username)}"}


def _post(client: Any, bearer: dict[str, str], path: str, body: dict[str, Any]) -> Any:
    return client.post(f"/api/v1{path}", body, content_type="application/json", **bearer)


@pytest.fixture
def marrow(client: Any, users: Any, patient_a: Any) -> dict[str, Any]:
    made = _post(client, _bearer(client, "nurse-a"), "/patients/A-0001/assessments", MARROW_IN_CR)
    assert made.status_code == 201
    return dict(made.json())


def test_a_monitor_raises_the_nurse_corrects_the_monitor_closes(
    client: Any, users: Any, marrow: dict[str, Any]
) -> None:
    monitor, nurse = _bearer(client, "monitor-a"), _bearer(client, "nurse-a")
    raised = _post(
        client,
        monitor,
        "/patients/A-0001/queries",
        {
            "kind": "assessments",
            "record_id": marrow["id"],
            "field": "bm_blasts_pct",
            "text": "source says 12%",
        },
    )
    assert raised.status_code == 201, raised.content
    query = raised.json()["id"]
    open_list = client.get("/api/v1/queries?status=open", **nurse).json()
    assert [q["id"] for q in open_list] == [query]
    answered = _post(
        client,
        nurse,
        f"/queries/{query}/answer",
        {"text": "transcription error", "correction": 12, "version": marrow["version"]},
    )
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    record = client.get(f"/api/v1/patients/A-0001/assessments/{marrow['id']}", **nurse).json()
    assert record["values"]["bm_blasts_pct"] == 12.0
    change = AuditEntry.objects.filter(record_model="casebook.marrowassessment").last()
    assert change is not None and change.reason == "query answered: transcription error"
    assert _post(client, nurse, f"/queries/{query}/close", {"text": "ok"}).status_code == 403
    closed = _post(client, monitor, f"/queries/{query}/close", {"text": "agreed"})
    assert closed.json()["status"] == "closed"
    assert [m["step"] for m in closed.json()["messages"]] == ["raise", "answer", "close"]


def test_only_monitors_raise_and_other_sites_see_nothing(
    client: Any, users: Any, marrow: dict[str, Any]
) -> None:
    body = {"kind": "assessments", "record_id": marrow["id"], "field": "bm_blasts_pct", "text": "?"}
    for username, status in (("nurse-a", 403), ("pharmacist-a", 403), ("monitor-b", 404)):
        assert (
            _post(client, _bearer(client, username), "/patients/A-0001/queries", body).status_code
            == status
        )
    bad = _post(
        client, _bearer(client, "monitor-a"), "/patients/A-0001/queries", {**body, "field": "x"}
    )
    assert bad.status_code == 422


def test_a_verification_is_voided_by_a_later_change(
    client: Any, users: Any, marrow: dict[str, Any]
) -> None:
    from minihcvd.web.casebook.models import MarrowAssessment
    from minihcvd.web.queries.services import verification_of

    path = f"/patients/A-0001/assessments/{marrow['id']}/source-verification"
    assert _post(client, _bearer(client, "nurse-a"), path, {}).status_code == 403
    assert _post(client, _bearer(client, "monitor-a"), path, {}).status_code == 201
    record = MarrowAssessment.objects.get()
    patient = record.patient
    assert verification_of(patient, "assessments", record) == "verified by monitor-a"
    client.patch(
        f"/api/v1/patients/A-0001/assessments/{marrow['id']}",
        {"version": marrow["version"], "reason": "fix", "values": {"bm_blasts_pct": 3}},
        content_type="application/json",
        **_bearer(client, "nurse-a"),
    )
    record.refresh_from_db()
    assert verification_of(patient, "assessments", record) == "changed since verification"


def test_the_patient_page_shows_queries_and_verification(
    client: Any, users: Any, marrow: dict[str, Any]
) -> None:
    client.force_login(users["monitor", "A"])
    page = client.get("/patients/A-0001/").content.decode()
    assert "data queries: 0 open" in page and "not verified" in page
    form = client.get(f"/patients/A-0001/queries/?kind=assessments&record={marrow['id']}")
    assert "Raise the query" in form.content.decode()
    client.post(
        "/patients/A-0001/queries/",
        {
            "step": "raise",
            "kind": "assessments",
            "record_id": marrow["id"],
            "field": "anc_10e9_per_l",
            "text": "unit?",
        },
    )
    assert "data queries: 1 open" in client.get("/patients/A-0001/").content.decode()


class QueryLife(RuleBasedStateMachine):
    """Random steps by a monitor and a nurse; the query follows the model of the workflow,
    every refused step changes nothing, and the thread has one message per step taken."""

    def __init__(self) -> None:
        super().__init__()
        self.status = "open"
        self.steps = 1

    @initialize()
    def start(self) -> None:
        from minihcvd.web.audit.context import acting_as
        from minihcvd.web.audit.middleware import actor_for
        from minihcvd.web.casebook.models import MarrowAssessment
        from minihcvd.web.queries.services import raise_query

        record = MarrowAssessment.objects.first()
        assert record is not None
        self.users = MACHINE_USERS
        with acting_as(actor_for(self.users["monitor"])):
            self.query = raise_query(
                user=self.users["monitor"],
                patient=record.patient,
                kind="assessments",
                record_id=str(record.pk),
                field="bm_blasts_pct",
                text="check",
            )

    @rule(
        step=st.sampled_from(["answer", "close", "reopen"]),
        who=st.sampled_from(["monitor", "nurse"]),
    )
    def take(self, step: str, who: str) -> None:
        from minihcvd.web.audit.context import acting_as
        from minihcvd.web.audit.middleware import actor_for
        from minihcvd.web.queries.models import TRANSITIONS
        from minihcvd.web.queries.services import answer_query, close_query, reopen_query

        user = self.users[who]
        allowed_role = (step == "answer") == (who == "nurse")
        expected = TRANSITIONS.get((self.status, step)) if allowed_role else None
        function = {"answer": answer_query, "close": close_query, "reopen": reopen_query}[step]
        self.query.refresh_from_db()
        with acting_as(actor_for(user)):
            try:
                function(user=user, query=self.query, text=f"{who} {step}")
            except (PermissionRefused, WebInputError):
                assert expected is None
                return
        assert expected is not None
        self.status = expected
        self.steps += 1

    @invariant()
    def matches_the_model(self) -> None:
        if not hasattr(self, "query"):
            return
        self.query.refresh_from_db()
        assert self.query.status == self.status
        assert self.query.messages.count() == self.steps


MACHINE_USERS: dict[str, Any] = {}


def test_the_query_state_machine(users: Any, marrow: dict[str, Any]) -> None:
    MACHINE_USERS.update(monitor=users["monitor", "A"], nurse=users["nurse", "A"])
    machine = settings(
        max_examples=15,
        stateful_step_count=12,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )(QueryLife)
    machine.TestCase().runTest()
