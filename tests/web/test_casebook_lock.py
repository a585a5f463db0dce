"""Signing and locking a casebook: the password again, no open queries, no change while
signed, unlocking with a reason voids the signature; the states as a Hypothesis state machine."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from tests.web.conftest import PASSWORD, api_token

from minihcvd.web.errors import PermissionRefused, WebInputError

pytestmark = pytest.mark.django_db
VISIT = {"visit_date": "2025-03-03"}


def _bearer(client: Any, username: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token(client, username)}"}


def _post(client: Any, bearer: dict[str, str], path: str, body: dict[str, Any]) -> Any:
    return client.post(f"/api/v1{path}", body, content_type="application/json", **bearer)


def test_sign_lock_refuse_unlock(client: Any, users: Any, patient_a: Any) -> None:
    investigator, nurse = _bearer(client, "investigator-a"), _bearer(client, "nurse-a")
    assert _post(client, nurse, "/patients/A-0001/followups", VISIT).status_code == 201
    wrong = _post(client, investigator, "/patients/A-0001/casebook/signature", {"password": "x"})
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["loc"][-1] == "password"
    assert (
        _post(
            client, nurse, "/patients/A-0001/casebook/signature", {"password": PASSWORD}
        ).status_code
        == 403
    )
    signed = _post(
        client, investigator, "/patients/A-0001/casebook/signature", {"password": PASSWORD}
    )
    assert signed.status_code == 200, signed.content
    state = signed.json()
    assert state["state"] == "signed" and state["signature"]["status"] == "valid"
    assert state["signature"]["meaning"] == "signed the casebook of A-0001"
    refused = _post(client, nurse, "/patients/A-0001/followups", {"visit_date": "2025-04-01"})
    assert refused.status_code == 422 and "signed and locked" in refused.json()["detail"][0]["msg"]
    assert (
        _post(client, investigator, "/patients/A-0001/casebook/unlock", {"reason": ""}).status_code
        == 422
    )
    unlocked = _post(
        client, _bearer(client, "admin"), "/patients/A-0001/casebook/unlock", {"reason": "late lab"}
    )
    assert unlocked.status_code == 200 and unlocked.json() == {
        **unlocked.json(),
        "state": "open",
        "signature": None,
    }
    assert (
        _post(client, nurse, "/patients/A-0001/followups", {"visit_date": "2025-04-01"}).status_code
        == 201
    )


def test_an_altered_casebook_shows_as_no_longer_signed(
    client: Any, users: Any, patient_a: Any
) -> None:
    """The signature covers the package's content: changed behind the lock, it no longer holds."""
    from minihcvd.web.casebook.locking import casebook_status
    from minihcvd.web.casebook.models import FollowUp

    nurse = _bearer(client, "nurse-a")
    _post(client, nurse, "/patients/A-0001/followups", VISIT)
    _post(
        client,
        _bearer(client, "investigator-a"),
        "/patients/A-0001/casebook/signature",
        {"password": PASSWORD},
    )
    visit = FollowUp.objects.get(patient=patient_a)
    visit.visit_date = visit.visit_date.replace(day=4)  # not through the casebook's services
    from tests.web.conftest import setting_up

    with setting_up():
        visit.save(reason="behind the lock")
    assert casebook_status(patient_a)["signature"]["status"] == "no longer valid"


def test_open_queries_block_signing(client: Any, users: Any, patient_a: Any) -> None:
    made = _post(client, _bearer(client, "nurse-a"), "/patients/A-0001/followups", VISIT).json()
    _post(
        client,
        _bearer(client, "monitor-a"),
        "/patients/A-0001/queries",
        {"kind": "followups", "record_id": made["id"], "field": "visit_date", "text": "source?"},
    )
    refused = _post(
        client,
        _bearer(client, "investigator-a"),
        "/patients/A-0001/casebook/signature",
        {"password": PASSWORD},
    )
    assert refused.status_code == 422 and "still open" in refused.json()["detail"][0]["msg"]


class CasebookLife(RuleBasedStateMachine):
    """Random signs, unlocks and writes by an investigator; the casebook follows the model:
    writes land only while open, signing only from open, unlocking only from signed."""

    def __init__(self) -> None:
        super().__init__()
        self.state = "open"
        self.visits = 0

    @initialize()
    def start(self) -> None:
        from minihcvd.web.audit.context import acting_as
        from minihcvd.web.audit.middleware import actor_for
        from minihcvd.web.casebook.locking import unlock_casebook

        self.user = MACHINE["investigator"]
        self.patient = MACHINE["patient"]
        with acting_as(actor_for(self.user)), contextlib.suppress(WebInputError):
            unlock_casebook(user=self.user, patient=self.patient, reason="next example")
        from minihcvd.web.casebook.models import FollowUp

        self.visits = FollowUp.objects.filter(patient=self.patient).count()

    @rule(step=st.sampled_from(["sign", "unlock", "write"]))
    def take(self, step: str) -> None:
        from minihcvd.web.audit.context import acting_as
        from minihcvd.web.audit.middleware import actor_for
        from minihcvd.web.casebook.locking import TRANSITIONS, sign_casebook, unlock_casebook
        from minihcvd.web.casebook.services import add_record

        with acting_as(actor_for(self.user)):
            try:
                if step == "sign":
                    sign_casebook(user=self.user, patient=self.patient, password=PASSWORD)
                elif step == "unlock":
                    unlock_casebook(user=self.user, patient=self.patient, reason="check")
                else:
                    add_record(
                        user=self.user,
                        patient=self.patient,
                        kind="followups",
                        values={"visit_date": self.patient.start_date},
                    )
            except (WebInputError, PermissionRefused):
                assert (step == "write" and self.state == "signed") or (
                    step != "write" and (self.state, step) not in TRANSITIONS
                )
                return
        if step == "write":
            assert self.state == "open"
            self.visits += 1
        else:
            self.state = TRANSITIONS[self.state, step]

    @invariant()
    def matches_the_model(self) -> None:
        if not hasattr(self, "patient"):
            return
        from minihcvd.web.casebook.locking import casebook_status
        from minihcvd.web.casebook.models import FollowUp

        status = casebook_status(self.patient)
        assert status["state"] == self.state
        assert (status["signature"] is not None) == (self.state == "signed")
        assert FollowUp.objects.filter(patient=self.patient).count() == self.visits


MACHINE: dict[str, Any] = {}


def test_the_casebook_state_machine(users: Any, patient_a: Any) -> None:
    MACHINE.update(investigator=users["investigator", "A"], patient=patient_a)
    machine = settings(
        max_examples=8,
        stateful_step_count=8,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )(CasebookLife)
    machine.TestCase().runTest()


def test_the_form_says_the_casebook_is_locked(client: Any, users: Any, patient_a: Any) -> None:
    _post(
        client,
        _bearer(client, "investigator-a"),
        "/patients/A-0001/casebook/signature",
        {"password": PASSWORD},
    )
    client.force_login(users["nurse", "A"])
    page = client.post("/patients/A-0001/casebook/followups/new/", VISIT)
    assert page.status_code == 200 and "signed and locked" in page.content.decode()
