"""Body surface area and the body-size facts every BSA-based dose is computed from.

Actual body weight and no BSA cap by default (ASCO guideline on chemotherapy dosing in obese
adults, Griggs et al., J Clin Oncol 2012); a cap is an explicit, visible choice.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal, cast, get_args

from minihcvd.errors import DosingError

__all__ = [
    "BSA_FORMULAS",
    "HEIGHT_RANGE_CM",
    "PLAUSIBLE_HEIGHT_CM",
    "PLAUSIBLE_MAX_BSA_M2",
    "PLAUSIBLE_WEIGHT_KG",
    "WEIGHT_RANGE_KG",
    "BodySize",
    "BsaFormula",
    "body_size",
    "body_size_warnings",
    "body_surface_area_m2",
    "round_half_up",
]

BsaFormula = Literal["mosteller", "dubois"]
BSA_FORMULAS: tuple[str, ...] = get_args(BsaFormula)
HEIGHT_RANGE_CM = (100.0, 250.0)
WEIGHT_RANGE_KG = (20.0, 350.0)
BSA_CAP_RANGE_M2 = (1.0, 3.0)
# Warnings, not errors: outside these an adult measurement is more likely a mistake (a unit, a
# transposed digit) than the patient. The tool's own plausibility bounds, wider than the adult
# population's usual range; the hard ranges above still refuse impossible values.
PLAUSIBLE_HEIGHT_CM = (130.0, 220.0)
PLAUSIBLE_WEIGHT_KG = (30.0, 200.0)
PLAUSIBLE_MAX_BSA_M2 = Decimal("2.5")
_FORMULA_LABELS = {"mosteller": "Mosteller", "dubois": "DuBois"}


def round_half_up(value: Decimal, places: int = 2) -> Decimal:
    """Round as a pharmacist does on paper (0.005 → 0.01), not banker's rounding."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class BodySize:
    """Height, weight and the BSA used for dosing (rounded to 0.01 m2, capped only if asked)."""

    height_cm: float
    weight_kg: float
    formula: BsaFormula
    bsa_calculated_m2: Decimal
    bsa_cap_m2: Decimal | None
    bsa_unrounded_m2: float | None = None

    @property
    def bsa_m2(self) -> Decimal:
        """The BSA doses are computed from: the calculated BSA, or the cap when it is lower."""
        if self.bsa_cap_m2 is not None and self.bsa_calculated_m2 > self.bsa_cap_m2:
            return self.bsa_cap_m2
        return self.bsa_calculated_m2

    @property
    def bsa_calculation(self) -> str:
        """The BSA worked out, rounding and any cap included, e.g.
        ``Mosteller √(175 cm × 76 kg / 3600) = 1.9221 → 1.92 m2``."""
        name = _FORMULA_LABELS[self.formula]
        h, w = f"{self.height_cm:g}", f"{self.weight_kg:g}"
        formula = (
            f"√({h} cm × {w} kg / 3600)" if self.formula == "mosteller"
            else f"0.007184 × {h} cm^0.725 × {w} kg^0.425"
        )
        exact = (
            f"{self.bsa_unrounded_m2:.4f} → " if self.bsa_unrounded_m2 is not None else ""
        )
        text = f"BSA {name} {formula} = {exact}{self.bsa_calculated_m2} m2"
        if self.bsa_m2 != self.bsa_calculated_m2:
            text += f", capped at {self.bsa_m2} m2 for dosing"
        return text

    @property
    def bsa_label(self) -> str:
        """How the BSA was obtained, for calculations: ``1.92 m2 (Mosteller)``."""
        name = _FORMULA_LABELS[self.formula]
        if self.bsa_m2 != self.bsa_calculated_m2:
            return f"{self.bsa_m2} m2 ({name} {self.bsa_calculated_m2} m2, capped)"
        return f"{self.bsa_m2} m2 ({name})"


def body_size_warnings(body: BodySize) -> tuple[str, ...]:
    """Warnings for an implausible adult body size (the calendar is still made, exit code 0).

    Height or weight outside the plausible adult range, and a BSA used for dosing above
    2.5 m2, with how to cap it (``--bsa-cap-m2``) if the team decides to.
    """
    warnings: list[str] = []
    for value, (low, high), what, unit in (
        (body.height_cm, PLAUSIBLE_HEIGHT_CM, "height", "cm"),
        (body.weight_kg, PLAUSIBLE_WEIGHT_KG, "weight", "kg"),
    ):
        if not low <= value <= high:
            warnings.append(
                f"{what} {value:g} {unit} is outside the plausible adult range {low:g}-{high:g}"
                f" {unit}: check the measurement and its unit"
            )
    if body.bsa_m2 > PLAUSIBLE_MAX_BSA_M2:
        warnings.append(
            f"BSA {body.bsa_m2} m2 is above {PLAUSIBLE_MAX_BSA_M2} m2 and every BSA-based dose"
            " uses it: check height and weight; if the team decides to cap the BSA used for"
            " dosing, give --bsa-cap-m2 M2 (ASCO advises full weight-based doses in obese adults,"
            " so a cap is the team's clinical decision)"
        )
    return tuple(warnings)


def body_surface_area_m2(
    height_cm: float, weight_kg: float, formula: str = "mosteller"
) -> float:
    """BSA in m2, rounded to 0.01 m2, by Mosteller (default) or DuBois & DuBois."""
    return float(body_size(height_cm, weight_kg, formula).bsa_calculated_m2)


def body_size(
    height_cm: float,
    weight_kg: float,
    formula: str = "mosteller",
    bsa_cap_m2: float | None = None,
) -> BodySize:
    """Check height, weight, formula and cap by name, then compute the BSA once for all doses."""
    height = _check_range(height_cm, HEIGHT_RANGE_CM, "height_cm", "cm")
    weight = _check_range(weight_kg, WEIGHT_RANGE_KG, "weight_kg", "kg")
    if formula not in BSA_FORMULAS:
        raise DosingError(
            f"expected one of {', '.join(BSA_FORMULAS)}, found {formula!r}", field="bsa_formula"
        )
    cap = None
    if bsa_cap_m2 is not None:
        cap_value = _check_range(bsa_cap_m2, BSA_CAP_RANGE_M2, "bsa_cap_m2", "m2")
        cap = round_half_up(Decimal(str(cap_value)))
    bsa = _calc_bsa_m2(height, weight, formula)
    return BodySize(
        height_cm=height,
        weight_kg=weight,
        formula=cast(BsaFormula, formula),
        bsa_calculated_m2=round_half_up(Decimal(repr(bsa))),
        bsa_cap_m2=cap,
        bsa_unrounded_m2=bsa,
    )


def _calc_bsa_m2(height_cm: float, weight_kg: float, formula: str) -> float:
    if formula == "mosteller":
        return math.sqrt(height_cm * weight_kg / 3600.0)
    return 0.007184 * math.pow(height_cm, 0.725) * math.pow(weight_kg, 0.425)


def _check_range(value: float, bounds: tuple[float, float], field: str, unit: str) -> float:
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise DosingError(f"expected a number of {unit}, found {value!r}", field=field)
    if not low <= value <= high:
        raise DosingError(
            f"expected {low:g}-{high:g} {unit}, found {value:g}; check the unit", field=field
        )
    return float(value)
