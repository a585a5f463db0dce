"""Patient-specific doses: BSA, per-m2 and flat doses, label exceptions, cumulative limits."""

from minihcvd.dosing.bsa import (
    BSA_FORMULAS,
    HEIGHT_RANGE_CM,
    WEIGHT_RANGE_KG,
    BodySize,
    BsaFormula,
    body_size,
    body_size_warnings,
    body_surface_area_m2,
    round_half_up,
)
from minihcvd.dosing.cumulative import CumulativeDose
from minihcvd.dosing.doses import Dose, adjust_dose, component_dose, format_amount

__all__ = [
    "BSA_FORMULAS",
    "HEIGHT_RANGE_CM",
    "WEIGHT_RANGE_KG",
    "BodySize",
    "BsaFormula",
    "CumulativeDose",
    "Dose",
    "adjust_dose",
    "body_size",
    "body_size_warnings",
    "body_surface_area_m2",
    "component_dose",
    "format_amount",
    "round_half_up",
]
