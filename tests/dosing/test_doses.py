"""One dose from a component: per m2, flat, Ommaya, low-weight label dose, maximum, adjustment."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minihcvd.dosing import (
    adjust_dose,
    body_size,
    component_dose,
    format_amount,
    round_half_up,
)
from minihcvd.errors import DosingError
from minihcvd.protocol import Component, load_protocol


def _component(protocol: str, component_id: str) -> Component:
    return next(c for c in load_protocol(protocol).components if c.id == component_id)


def _custom(**changes: Any) -> Component:
    base: dict[str, Any] = {
        "id": "x", "drug": "cytarabine", "route": "IV", "phase": "intensive", "courses": "1",
        "days": "1", "dose": 100, "unit": "mg/m2", "source": "test",
    }
    return Component.model_validate({**base, **changes})


BODY = body_size(175, 76)  # Mosteller 1.92 m2


class TestComponentDose:
    def test_inotuzumab_rounding_shown(self) -> None:
        """The issue's example: 1.8 mg/m2 x 1.92 m2 = 3.456 -> 3.46 mg."""
        dose = component_dose(_component("original", "inotuzumab-c1"), BODY)
        assert (dose.amount, dose.unit) == (Decimal("3.46"), "mg")
        assert dose.calculation == "1.8 mg/m2 × 1.92 m2 (Mosteller) = 3.456 → 3.46 mg"
        assert dose.dose_per_m2 == Decimal("1.8")

    def test_exact_product_not_rounded(self) -> None:
        """150 mg/m2 x 1.92 m2 = 288 mg, shown without an arrow."""
        dose = component_dose(_component("original", "cyclophosphamide"), BODY)
        assert dose.calculation == "150 mg/m2 × 1.92 m2 (Mosteller) = 288 mg"

    def test_cytarabine_grams_as_milligrams(self) -> None:
        """0.5 g/m2 is carried as 500 mg/m2: 960 mg at 1.92 m2."""
        assert component_dose(_component("original", "cytarabine"), BODY).amount == 960

    def test_vincristine_flat(self) -> None:
        """Vincristine stays 2 mg whatever the BSA."""
        big = body_size(200, 150)
        dose = component_dose(_component("original", "vincristine"), big)
        assert (dose.amount, dose.calculation) == (Decimal(2), "2 mg flat dose")

    def test_intrathecal_methotrexate_via_ommaya(self) -> None:
        """12 mg by lumbar puncture, 6 mg via an Ommaya reservoir."""
        component = _component("original", "it-methotrexate-odd")
        assert component_dose(component, BODY).amount == 12
        via = component_dose(component, BODY, via_ommaya=True)
        assert via.amount == 6
        assert via.calculation == "6 mg via Ommaya reservoir (12 mg by lumbar puncture)"

    def test_ommaya_does_not_change_cytarabine(self) -> None:
        """Prophylactic IT cytarabine has no Ommaya dose: 100 mg either way."""
        component = _component("original", "it-cytarabine-odd")
        assert component_dose(component, BODY, via_ommaya=True).amount == 100

    def test_unstated_value_carried(self) -> None:
        """Rituximab 375 mg/m2 carries its not-stated mark and detail."""
        dose = component_dose(_component("original", "rituximab-odd"), BODY)
        assert (dose.amount, dose.stated_in_paper) == (Decimal(720), False)
        assert dose.unstated_detail is not None and "375 mg/m2" in dose.unstated_detail

    def test_blinatumomab_flat_at_45_kg(self) -> None:
        """At 45 kg exactly, the flat 9 mcg/day applies (the label's cut is under 45 kg)."""
        dose = component_dose(_component("amended", "blinatumomab-c5-start"), body_size(160, 45))
        assert (dose.amount, dose.unit, dose.notes) == (
            Decimal(9), "mcg/day", ("continuous IV infusion, 4 weeks on then 2 weeks off",)
        )

    def test_blinatumomab_under_45_kg_by_bsa(self) -> None:
        """Under 45 kg: 5 then 15 mcg/m2/day (label); 150 cm 40 kg is 1.29 m2."""
        body = body_size(150, 40)
        start = component_dose(_component("amended", "blinatumomab-c5-start"), body)
        full = component_dose(_component("amended", "blinatumomab-c5"), body)
        assert (start.amount, full.amount) == (Decimal("6.45"), Decimal("19.35"))
        assert full.calculation == "15 mcg/m2/day × 1.29 m2 (Mosteller) = 19.35 mcg/day"
        assert full.notes == (
            "weight 40 kg is under 45 kg: BSA-based label dose instead of 28 mcg/day, on the"
            " label's days 8-28 instead of the trial's days 5-28",
            "continuous IV infusion, 4 weeks on then 2 weeks off",
        )
        assert not full.stated_in_paper
        assert full.source == (
            "Dose and days under 45 kg: BLINCYTO (blinatumomab) US prescribing information,"
            " dosing for patients under 45 kg (5 mcg/m2/day on days 1-7, 15 mcg/m2/day from day"
            " 8); the trial's flat doses: Jabbour et al., J Hematol Oncol 2023, Methods:"
            " Procedures (blinatumomab)"
        )
        later = component_dose(_component("amended", "blinatumomab-c6-8"), body)
        assert later.source.startswith("Schedule: Jabbour et al.")  # days 1-28 as the trial

    def test_per_dose_maximum(self) -> None:
        """A stated maximum caps the BSA dose and says so."""
        dose = component_dose(_custom(dose=2, max_dose=3.5), BODY)
        assert dose.amount == Decimal("3.5")
        assert dose.calculation == (
            "2 mg/m2 × 1.92 m2 (Mosteller) = 3.84 mg → capped at 3.5 mg (per-dose maximum)"
        )

    def test_notes_carry_window(self) -> None:
        """A day window shows as a note."""
        assert component_dose(_component("original", "pegfilgrastim"), BODY).notes == (
            "day window +2 days",
        )

    @given(
        st.floats(min_value=100, max_value=250),
        st.floats(min_value=20, max_value=350),
        st.decimals(min_value=Decimal("0.1"), max_value=Decimal(1000), places=1),
    )
    def test_per_m2_is_rounded_product(
        self, height_cm: float, weight_kg: float, dose_mg_per_m2: Decimal
    ) -> None:
        """Any per-m2 dose is dose x BSA rounded half-up to 0.01 mg, and says so."""
        body = body_size(height_cm, weight_kg)
        dose = component_dose(_custom(dose=float(dose_mg_per_m2)), body)
        exact = dose_mg_per_m2 * body.bsa_m2
        assert abs(dose.amount - exact) <= Decimal("0.005")
        assert dose.calculation.endswith(f"{format_amount(dose.amount)} mg")


class TestAdjustDose:
    def test_half_vincristine(self) -> None:
        """50% of 2 mg is 1 mg, with the reason in the calculation and notes."""
        dose = adjust_dose(component_dose(_component("original", "vincristine"), BODY),
                           Decimal(50), "neuropathy")
        assert dose.amount == 1
        assert dose.calculation == (
            "2 mg flat dose; adjusted to 50% (neuropathy): 2 mg × 50% = 1 mg"
        )
        assert dose.notes == ("dose adjusted to 50%: neuropathy",)

    def test_per_m2_scaled_from_exact(self) -> None:
        """75% of 1.3 mg/m2 x 1.92 m2: 2.496 x 75% = 1.872 -> 1.87 mg (no double rounding)."""
        base = component_dose(_component("original", "inotuzumab-c2-4"), BODY)
        dose = adjust_dose(base, Decimal(75), "liver tests")
        assert (dose.amount, dose.dose_per_m2) == (Decimal("1.87"), Decimal("0.975"))
        assert dose.calculation == (
            "1.3 mg/m2 × 1.92 m2 (Mosteller) = 2.496 → 2.5 mg; adjusted to 75% (liver tests):"
            " 2.496 mg × 75% = 1.872 → 1.87 mg"
        )

    @pytest.mark.parametrize("percent", ["0", "100.5", "-10"])
    def test_refuses_out_of_range(self, percent: str) -> None:
        """Only reductions (above 0, up to 100%) are allowed."""
        base = component_dose(_component("original", "vincristine"), BODY)
        with pytest.raises(DosingError, match="field 'adjust'"):
            adjust_dose(base, Decimal(percent), "x")

    @given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal(100), places=2))
    def test_never_more_than_full(self, percent: Decimal) -> None:
        """An adjusted dose is the percentage of the unrounded dose, rounded half-up once, so
        it never exceeds the full dose; its per-m2 dose scales the same way."""
        base = component_dose(_component("original", "cyclophosphamide"), BODY)
        dose = adjust_dose(base, percent, "x")
        assert dose.amount == round_half_up(base.exact_amount * percent / 100)
        assert dose.amount <= base.amount
        assert dose.dose_per_m2 == Decimal(150) * percent / 100
        assert f"× {format_amount(percent)}%" in dose.calculation


class TestFormatAmount:
    @pytest.mark.parametrize(
        ("value", "text"), [("288.00", "288"), ("3.460", "3.46"), ("100", "100"), ("0.5", "0.5")]
    )
    def test_plain_digits(self, value: str, text: str) -> None:
        """No trailing zeros and no exponent notation."""
        assert format_amount(Decimal(value)) == text


class TestRounding:
    """A site's rounding of BSA-based doses: institutional practice, marked, both shown."""

    def test_rituximab_to_10_mg(self) -> None:
        """150 cm, 40 kg = 1.29 m2: 375 x 1.29 = 483.75 mg calculated, 480 mg given."""
        dose = component_dose(_component("amended", "rituximab-odd"), body_size(150, 40))
        assert (dose.amount, dose.calculated_amount) == (Decimal(480), Decimal("483.75"))
        assert dose.calculation.startswith(
            "375 mg/m2 × 1.29 m2 (Mosteller) = 483.75 mg → given 480 mg (nearest 10 mg:"
            " institutional practice, not the trial paper — confirm)"
        )
        assert any(note.startswith("rounded from 483.75 to 480 mg") for note in dose.notes)

    def test_oral_methotrexate_in_tablets(self) -> None:
        """10 mg/m2 x 1.92 m2 = 19.2 mg calculated; 20 mg (eight 2.5 mg tablets) given, the
        nearest multiple of 2.5 mg."""
        dose = component_dose(_component("amended", "pomp-methotrexate"), BODY)
        assert (dose.amount, dose.calculated_amount) == (Decimal(20), Decimal("19.2"))
        assert "tablets of 2.5 mg" in dose.calculation

    def test_exact_multiple_is_not_marked(self) -> None:
        """375 x 1.92 = 720 mg is already a multiple of 10: no rounding note."""
        dose = component_dose(_component("amended", "rituximab-odd"), BODY)
        assert (dose.amount, dose.calculated_amount) == (Decimal(720), None)
        assert "given" not in dose.calculation

    def test_never_a_flat_dose(self) -> None:
        """Rounding on a flat dose is refused: the paper's 2 mg vincristine stays 2 mg."""
        with pytest.raises(ValueError, match="a flat dose is never rounded"):
            _custom(drug="vincristine", dose=2, unit="mg", rounding={"increment": 1})

    @pytest.mark.parametrize(
        ("rounding", "message"),
        [({}, "give either increment or tablet_strengths"),
         ({"increment": 10, "tablet_strengths": (2.5,)}, "give either"),
         ({"tablet_strengths": (2.5, 4.0)}, "multiple of the smallest")],
    )
    def test_bad_rounding(self, rounding: dict[str, Any], message: str) -> None:
        """One way of rounding, with tablet strengths that combine."""
        with pytest.raises(ValueError, match=message):
            _custom(rounding=rounding)

    def test_maximum_and_big_changes(self) -> None:
        """The per-dose maximum still holds (rounded down to it), a dose is never rounded to 0,
        and a change of more than 5% is pointed out."""
        capped = component_dose(
            _custom(dose=100, max_dose=195, rounding={"increment": 10}), BODY
        )  # 192 -> nearest 190, below the 195 maximum
        assert capped.amount == Decimal(190)
        small = component_dose(_custom(dose=1, rounding={"increment": 10}), BODY)  # 1.92 mg
        assert small.amount == Decimal(10)
        assert any("(more than 5%)" in note for note in small.notes)

    def test_adjusted_dose_is_rounded_again(self) -> None:
        """50% of 483.75 mg = 241.875 -> 241.88 mg calculated, 240 mg given."""
        dose = adjust_dose(
            component_dose(_component("amended", "rituximab-odd"), body_size(150, 40)),
            Decimal(50), "infusion reaction",
        )
        assert (dose.amount, dose.calculated_amount) == (Decimal(240), Decimal("241.88"))
        assert sum(note.startswith("rounded from") for note in dose.notes) == 1

    @given(st.floats(min_value=1.0, max_value=3.0))
    def test_nearest_step(self, bsa: float) -> None:
        """For any BSA the dose given is the nearest multiple of 10 mg to the calculated one."""
        height = 180.0
        weight = bsa * bsa * 3600 / height
        body = body_size(height, max(20.0, min(350.0, weight)))
        dose = component_dose(_component("amended", "rituximab-odd"), body)
        calculated = dose.calculated_amount or dose.amount
        assert dose.amount % 10 == 0 and abs(dose.amount - calculated) <= 5
