"""The course verification state machine, as a hypothesis stateful test: entered → verified →
voided by a change to the doses or the patient's weight → verified again; administrations are
accepted only while verified."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from tests.web.conftest import PASSWORD

from minihcvd.web.audit.context import acting_as
from minihcvd.web.audit.middleware import actor_for
from minihcvd.web.errors import WebInputError

pytestmark = pytest.mark.django_db


def test_course_state_machine(users: Any, patient_a: Any) -> None:
    from minihcvd.web.treatment.courses import (
        adjust_course_dose,
        change_body_size,
        course_view,
        record_administration,
        verify_course,
    )

    nurse, pharmacist = users["nurse", "A"], users["pharmacist", "A"]
    investigator = users["investigator", "A"]
    vincristine_days = [1, 8]

    class CourseMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            # each example in a savepoint rolled back at its end: every run starts "entered"
            self.savepoint = transaction.atomic()
            self.savepoint.__enter__()
            patient_a.refresh_from_db()
            self.expected = "entered"
            self.adjusted = False
            self.given: set[int] = set()

        @rule()
        def verify(self) -> None:
            view = course_view(patient_a, "1")
            with acting_as(actor_for(pharmacist)):
                try:
                    verify_course(
                        user=pharmacist,
                        patient=patient_a,
                        course="1",
                        password=PASSWORD,
                        confirmed=view.to_confirm,
                    )
                except WebInputError as error:
                    assert self.expected == "verified", error.message
                    return
            assert self.expected in ("entered", "voided")
            self.expected = "verified"

        @rule(weight=st.sampled_from([60.0, 70.0, 80.0]))
        def change_weight(self, weight: float) -> None:
            patient_a.refresh_from_db()
            changed = weight != patient_a.weight_kg
            with acting_as(actor_for(nurse)):
                change_body_size(
                    user=nurse,
                    patient=patient_a,
                    version=patient_a.version,
                    height_cm=patient_a.height_cm,
                    weight_kg=weight,
                    reason="weighed again",
                )
            if changed and self.expected == "verified":
                self.expected = "voided"

        @rule()
        def adjust(self) -> None:
            if self.adjusted:
                return
            with acting_as(actor_for(investigator)):
                adjust_course_dose(
                    user=investigator,
                    patient=patient_a,
                    course="1",
                    drug="cyclophosphamide",
                    percent=Decimal(75),
                    reason="cytopenia",
                )
            self.adjusted = True
            if self.expected == "verified":
                self.expected = "voided"

        @rule(day=st.sampled_from(vincristine_days))
        def give(self, day: int) -> None:
            if day in self.given:
                return
            with acting_as(actor_for(nurse)):
                try:
                    record_administration(
                        user=nurse, patient=patient_a, course="1", component="vincristine", day=day
                    )
                except WebInputError:
                    assert self.expected != "verified"
                    return
            assert self.expected == "verified"
            self.given.add(day)

        def teardown(self) -> None:
            transaction.set_rollback(True)
            self.savepoint.__exit__(None, None, None)

        @invariant()
        def state_matches(self) -> None:
            assert course_view(patient_a, "1").state == self.expected

    CourseMachine.TestCase.settings = settings(
        max_examples=15,
        stateful_step_count=8,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    runner = CourseMachine.TestCase("runTest")
    runner.runTest()
