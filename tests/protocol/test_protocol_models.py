"""The protocol data model: number lists, provenance rules and whole-protocol consistency."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from minihcvd.protocol import Component, Protocol, load_protocol
from minihcvd.protocol.models import parse_number_spec


def _component(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "vincristine",
        "drug": "vincristine",
        "route": "IV",
        "phase": "intensive",
        "courses": "1,3",
        "days": "1,8",
        "dose": 2,
        "unit": "mg",
        "source": "paper",
    }
    return {**base, **changes}


class TestParseNumberSpec:
    def test_ranges_and_singles(self) -> None:
        """Ranges expand inclusively and the result is sorted."""
        assert parse_number_spec("11-14,1-4") == (1, 2, 3, 4, 11, 12, 13, 14)

    def test_a_plain_integer(self) -> None:
        """A YAML integer is one number."""
        assert parse_number_spec(3) == (3,)

    @pytest.mark.parametrize("spec", ["0", "4-2", "1,,2", "a", "1-", "2,2", True, 1.5])
    def test_rejects_malformed(self, spec: object) -> None:
        """Zero, downward ranges, blanks, words, repeats and non-integers are refused."""
        with pytest.raises(ValueError):
            parse_number_spec(spec)


class TestComponent:
    def test_valid_component(self) -> None:
        """A flat-dose component validates and expands its days and courses."""
        component = Component.model_validate(_component())
        assert (component.courses, component.days) == ((1, 3), (1, 8))

    def test_extra_field_forbidden(self) -> None:
        """A misspelt field is an error, not silently ignored."""
        with pytest.raises(ValidationError, match="dosee"):
            Component.model_validate(_component(dosee=2))

    def test_strict_types(self) -> None:
        """A dose written as a string is refused (strict mode)."""
        with pytest.raises(ValidationError, match="valid number"):
            Component.model_validate(_component(dose="2"))

    def test_unstated_needs_detail(self) -> None:
        """stated_in_paper: false must say what is to be confirmed."""
        with pytest.raises(ValidationError, match="unstated_detail must say"):
            Component.model_validate(_component(stated_in_paper=False))

    def test_detail_only_when_unstated(self) -> None:
        """A detail on a stated value is a contradiction."""
        with pytest.raises(ValidationError, match="only allowed"):
            Component.model_validate(_component(unstated_detail="x"))

    def test_ommaya_dose_only_intrathecal(self) -> None:
        """An Ommaya dose on an IV drug is refused."""
        with pytest.raises(ValidationError, match="intrathecal"):
            Component.model_validate(_component(dose_via_ommaya=1))

    def test_low_weight_only_for_flat_infusions(self) -> None:
        """The label's low-weight BSA dose applies to mcg/day infusions only."""
        low = {"below_weight_kg": 45, "dose": 5, "unit": "mcg/m2/day", "source": "label"}
        with pytest.raises(ValidationError, match="mcg/day"):
            Component.model_validate(_component(low_weight=low))


    def test_low_weight_unit_matches_the_infusion(self) -> None:
        """A low-weight dose in mg/m2 for an infusion in mcg/day would come out in mg (1000
        times the intended amount, read as mcg): refused."""
        low = {"below_weight_kg": 45, "dose": 5, "unit": "mg/m2", "source": "label"}
        with pytest.raises(ValidationError, match=r"low_weight\.unit must be mcg/m2/day"):
            Component.model_validate(_component(unit="mcg/day", low_weight=low))

    def test_ommaya_dose_needs_flat_mg(self) -> None:
        """An Ommaya dose on a per-m2 IT dose would be silently ignored: refused."""
        with pytest.raises(ValidationError, match="dose_via_ommaya needs a flat dose in mg"):
            Component.model_validate(
                _component(route="IT", unit="mg/m2", dose_via_ommaya=6)
            )


class TestProtocol:
    def _raw(self) -> dict[str, Any]:
        return load_protocol("original").model_dump()

    def test_round_trip(self) -> None:
        """A dumped protocol validates back to an equal protocol."""
        assert Protocol.model_validate(self._raw()) == load_protocol("original")

    def test_courses_numbered_within_phase(self) -> None:
        """8 intensive courses then 39 POMP courses (3 years of 28 days), each numbered from 1."""
        courses = load_protocol("original").courses
        assert [(c.phase, c.number) for c in courses[7:9]] == [
            ("intensive", 8),
            ("maintenance", 1),
        ]
        assert len(courses) == 47

    def test_planned_total_must_match_components(self) -> None:
        """The stated inotuzumab total is checked against the doses listed."""
        raw = self._raw()
        raw["inotuzumab_planned_total_mg_per_m2"] = 5.0
        with pytest.raises(ValidationError, match=r"add up to 5\.7 mg/m2"):
            Protocol.model_validate(raw)

    def test_component_day_beyond_course(self) -> None:
        """A day after the end of its course is refused."""
        raw = self._raw()
        raw["components"][0]["days"] = (29,)
        with pytest.raises(ValidationError, match="day 29 is beyond the 28 days"):
            Protocol.model_validate(raw)

    def test_component_course_missing(self) -> None:
        """A component in a course the phase does not have is refused."""
        raw = self._raw()
        raw["components"][0]["courses"] = (9,)
        with pytest.raises(ValidationError, match="intensive phase has no course 9"):
            Protocol.model_validate(raw)

    def test_duplicate_component_ids(self) -> None:
        """Component ids are unique (overrides address them)."""
        raw = self._raw()
        raw["components"][1]["id"] = raw["components"][0]["id"]
        with pytest.raises(ValidationError, match="cyclophosphamide twice"):
            Protocol.model_validate(raw)

    def test_triple_it_course_must_exist(self) -> None:
        """Triple IT must point at an intensive course of the protocol."""
        raw = self._raw()
        raw["cns_disease_therapy"]["course"] = 9
        with pytest.raises(ValidationError, match="course 9 is not an intensive course"):
            Protocol.model_validate(raw)

    def test_inotuzumab_must_be_per_m2(self) -> None:
        """A flat inotuzumab dose would escape the mg/m2 cumulative limit: refused."""
        raw = self._raw()
        for component in raw["components"]:
            if component["id"] == "inotuzumab-c1":
                component["unit"] = "mg"
        with pytest.raises(ValidationError, match="inotuzumab ozogamicin IV must be dosed in"):
            Protocol.model_validate(raw)

    def test_course_lookup(self) -> None:
        """course() finds a course by phase and number, or returns None."""
        plan = load_protocol("amended")
        found = plan.course("maintenance", 4)
        assert found is not None and found.group.length_days == 42
        assert plan.course("maintenance", 17) is None
