"""The cumulative inotuzumab total and the refusal of a dose that would exceed it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minihcvd.dosing import CumulativeDose
from minihcvd.errors import DosingError


class TestCumulativeDose:
    def test_adds_up_to_planned(self) -> None:
        """Original schedule: 1.8 + 3 x 1.3 = 5.7 mg/m2, exactly the planned total."""
        total = CumulativeDose("inotuzumab ozogamicin", Decimal("5.7"))
        for dose in ("1.8", "1.3", "1.3", "1.3"):
            total.add(Decimal(dose), where="test")
        assert (total.total_mg_per_m2, total.remaining_mg_per_m2, total.count) == (
            Decimal("5.7"), Decimal(0), 4,
        )

    def test_refuses_overshoot(self) -> None:
        """A fifth 1.3 mg/m2 dose would reach 7.0 of 5.7 mg/m2 and is refused."""
        total = CumulativeDose("inotuzumab ozogamicin", Decimal("5.7"))
        for dose in ("1.8", "1.3", "1.3", "1.3"):
            total.add(Decimal(dose), where="test")
        with pytest.raises(DosingError) as caught:
            total.add(Decimal("1.3"), where="intensive course 5 day 3")
        assert caught.value.one_line() == (
            "field 'inotuzumab ozogamicin': intensive course 5 day 3: 1.3 mg/m2 would bring the"
            " cumulative inotuzumab ozogamicin dose to 7 mg/m2, above the planned total of"
            " 5.7 mg/m2; dose refused"
        )
        assert total.total_mg_per_m2 == Decimal("5.7")

    def test_refuses_negative(self) -> None:
        """A negative dose is an input error."""
        with pytest.raises(DosingError, match="expected a dose of 0 mg/m2 or more"):
            CumulativeDose("x", Decimal(1)).add(Decimal(-1), where="t")

    def test_planned_total_positive(self) -> None:
        """A zero planned total makes no sense."""
        with pytest.raises(DosingError, match="positive planned total"):
            CumulativeDose("x", Decimal(0))

    @given(st.lists(st.decimals(min_value=0, max_value=2, places=2), max_size=12))
    def test_total_never_exceeds_plan(self, doses: list[Decimal]) -> None:
        """Whatever is offered, a dose is refused exactly when it would pass the plan, and the
        total is the sum of the accepted doses (refusing everything would not pass)."""
        total = CumulativeDose("x", Decimal("2.7"))
        accepted: list[Decimal] = []
        for dose in doses:
            fits = sum(accepted, Decimal(0)) + dose <= Decimal("2.7")
            refused = False
            try:
                total.add(dose, where="t")
            except DosingError:
                refused = True
            assert refused is not fits
            if fits:
                accepted.append(dose)
        assert total.total_mg_per_m2 == sum(accepted, Decimal(0)) <= Decimal("2.7")
        assert total.count == len(accepted)
