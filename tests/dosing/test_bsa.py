"""Body surface area: Mosteller and DuBois, range checks, the optional cap."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minihcvd.dosing import body_size, body_size_warnings, body_surface_area_m2, round_half_up
from minihcvd.errors import DosingError

heights = st.floats(min_value=100, max_value=250)
weights = st.floats(min_value=20, max_value=350)


class TestBodySurfaceArea:
    @pytest.mark.parametrize(
        ("height_cm", "weight_kg", "formula", "expected"),
        [
            (180, 80, "mosteller", 2.00),  # sqrt(180 * 80 / 3600) = sqrt(4)
            (175, 76, "mosteller", 1.92),  # sqrt(3.6944) = 1.9221
            (150, 40, "mosteller", 1.29),  # sqrt(1.6667) = 1.2910
            (175, 76, "dubois", 1.91),  # 0.007184 * 42.29 * 6.300 = 1.914
            (180, 80, "dubois", 2.00),  # 0.007184 * 43.04 * 6.456 = 1.996
        ],
    )
    def test_hand_checked_values(
        self, height_cm: float, weight_kg: float, formula: str, expected: float
    ) -> None:
        """Values worked out by hand, rounded to 0.01 m2."""
        assert body_surface_area_m2(height_cm, weight_kg, formula) == expected

    def test_mosteller_is_default(self) -> None:
        """Without a formula, Mosteller is used."""
        assert body_size(175, 76).formula == "mosteller"

    @given(heights, weights)
    def test_mosteller_matches_its_formula(self, height_cm: float, weight_kg: float) -> None:
        """The BSA is sqrt(height x weight / 3600) to the nearest 0.01 m2."""
        bsa = body_surface_area_m2(height_cm, weight_kg)
        assert abs(bsa - math.sqrt(height_cm * weight_kg / 3600)) <= 0.005 + 1e-12

    @given(heights, weights, st.floats(min_value=0, max_value=50))
    def test_monotone_in_weight(self, height_cm: float, weight_kg: float, more: float) -> None:
        """More weight never gives a smaller BSA (either formula)."""
        heavier = min(weight_kg + more, 350)
        for formula in ("mosteller", "dubois"):
            assert body_surface_area_m2(height_cm, heavier, formula) >= body_surface_area_m2(
                height_cm, weight_kg, formula
            )

    @given(heights, weights, st.floats(min_value=0, max_value=30))
    def test_monotone_in_height(self, height_cm: float, weight_kg: float, more: float) -> None:
        """Taller never gives a smaller BSA (either formula)."""
        taller = min(height_cm + more, 250)
        for formula in ("mosteller", "dubois"):
            assert body_surface_area_m2(taller, weight_kg, formula) >= body_surface_area_m2(
                height_cm, weight_kg, formula
            )

    @given(heights, weights)
    def test_dubois_matches_its_formula(self, height_cm: float, weight_kg: float) -> None:
        """DuBois: 0.007184 x height^0.725 x weight^0.425, to the nearest 0.01 m2."""
        exact = 0.007184 * height_cm**0.725 * weight_kg**0.425
        assert abs(body_surface_area_m2(height_cm, weight_kg, "dubois") - exact) <= 0.005 + 1e-12

    @pytest.mark.parametrize(
        ("height_cm", "weight_kg", "field", "message"),
        [
            (99, 70, "height_cm", "expected 100-250 cm, found 99; check the unit"),
            (251, 70, "height_cm", "expected 100-250 cm, found 251; check the unit"),
            (170, 19.5, "weight_kg", "expected 20-350 kg, found 19.5; check the unit"),
            (170, 351, "weight_kg", "expected 20-350 kg, found 351; check the unit"),
            (math.nan, 70, "height_cm", "expected a number of cm, found nan"),
        ],
    )
    def test_out_of_range(
        self, height_cm: float, weight_kg: float, field: str, message: str
    ) -> None:
        """Implausible body sizes are refused with the field named."""
        with pytest.raises(DosingError) as caught:
            body_size(height_cm, weight_kg)
        assert (caught.value.field, caught.value.message) == (field, message)

    def test_unknown_formula(self) -> None:
        """Only Mosteller and DuBois are known."""
        with pytest.raises(DosingError, match="field 'bsa_formula': expected one of mosteller"):
            body_size(170, 70, "haycock")


class TestBodySize:
    def test_no_cap_by_default(self) -> None:
        """Actual weight, uncapped: a large patient gets the full BSA (ASCO)."""
        body = body_size(190, 120)
        assert (body.bsa_m2, body.bsa_label) == (Decimal("2.52"), "2.52 m2 (Mosteller)")

    def test_cap_applies_when_lower(self) -> None:
        """A cap below the calculated BSA replaces it, visibly."""
        body = body_size(190, 120, bsa_cap_m2=2.0)
        assert body.bsa_m2 == Decimal("2.00")
        assert body.bsa_label == "2.00 m2 (Mosteller 2.52 m2, capped)"

    def test_cap_above_bsa_changes_nothing(self) -> None:
        """A cap above the calculated BSA has no effect."""
        assert body_size(175, 76, bsa_cap_m2=2.0).bsa_label == "1.92 m2 (Mosteller)"

    def test_cap_out_of_range(self) -> None:
        """A cap outside 1-3 m2 is refused."""
        with pytest.raises(DosingError, match=r"field 'bsa_cap_m2': expected 1-3 m2, found 0\.2"):
            body_size(175, 76, bsa_cap_m2=0.2)

    @given(heights, weights, st.floats(min_value=1, max_value=3))
    def test_capped_bsa_is_the_minimum(
        self, height_cm: float, weight_kg: float, cap: float
    ) -> None:
        """The dosing BSA is the smaller of the calculated BSA and the cap."""
        body = body_size(height_cm, weight_kg, bsa_cap_m2=cap)
        assert body.bsa_m2 == min(body.bsa_calculated_m2, round_half_up(Decimal(str(cap))))


class TestBsaCalculation:
    @pytest.mark.parametrize(
        ("height_cm", "weight_kg", "formula", "cap", "text"),
        [
            (175, 76, "mosteller", None,
             "BSA Mosteller √(175 cm × 76 kg / 3600) = 1.9221 → 1.92 m2"),
            (175, 76, "dubois", None,
             "BSA DuBois 0.007184 × 175 cm^0.725 × 76 kg^0.425 = 1.9139 → 1.91 m2"),
            (190, 120, "mosteller", 2.0,
             "BSA Mosteller √(190 cm × 120 kg / 3600) = 2.5166 → 2.52 m2, capped at 2.00 m2"
             " for dosing"),
        ],
    )
    def test_rounding_and_cap_written_out(
        self, height_cm: float, weight_kg: float, formula: str, cap: float | None, text: str
    ) -> None:
        """The BSA's rounding to 0.01 m2 (and any cap) is shown, not hidden."""
        assert body_size(height_cm, weight_kg, formula, cap).bsa_calculation == text


class TestRoundHalfUp:
    def test_half_rounds_up(self) -> None:
        """0.005 rounds up (a pharmacist's rounding, not banker's)."""
        assert round_half_up(Decimal("2.345")) == Decimal("2.35")
        assert round_half_up(Decimal("0.125")) == Decimal("0.13")


class TestBodySizeWarnings:
    """Implausible adult body sizes warn (the calendar is still made); plausible ones do not."""

    def test_the_issues_patient(self) -> None:
        """250 cm / 350 kg: BSA √(250 × 350 / 3600) = 4.93 m2; three warnings, the last with
        how to cap the BSA."""
        warnings = body_size_warnings(body_size(250, 350))
        assert len(warnings) == 3
        assert warnings[0].startswith("height 250 cm is outside the plausible adult range")
        assert warnings[1].startswith("weight 350 kg is outside the plausible adult range")
        assert warnings[2].startswith("BSA 4.93 m2 is above 2.5 m2")
        assert "--bsa-cap-m2" in warnings[2]

    def test_a_cap_removes_the_bsa_warning_only(self) -> None:
        """Capped at 2.0 m2 for dosing, only the measurements are questioned."""
        warnings = body_size_warnings(body_size(250, 350, bsa_cap_m2=2.0))
        assert [w.split(" ")[0] for w in warnings] == ["height", "weight"]

    def test_bsa_just_above(self) -> None:
        """190 cm / 120 kg gives 2.51 m2 (√(190 × 120 / 3600) = 2.5166): warned; 2.5 is not."""
        assert len(body_size_warnings(body_size(190, 120))) == 1
        assert body_size_warnings(body_size(180, 125)) == ()  # √(180 × 125 / 3600) = 2.50

    @given(st.floats(130, 220), st.floats(30, 200))
    def test_plausible_adults_without_warnings(self, height: float, weight: float) -> None:
        """Inside both ranges, the only warning possible is a BSA above 2.5 m2."""
        body = body_size(height, weight)
        warnings = body_size_warnings(body)
        assert len(warnings) == (1 if body.bsa_m2 > Decimal("2.5") else 0)
