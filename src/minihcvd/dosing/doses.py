"""One administration's dose from a protocol component and the patient's body size.

Every result carries the calculation as a clinician would write it, rounding included
("1.8 mg/m2 × 1.92 m2 (Mosteller) = 3.456 → 3.46 mg"): nothing is rounded out of sight.
Amounts are Decimals so the printed arithmetic is exact.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from minihcvd.dosing.bsa import BodySize, round_half_up
from minihcvd.errors import DosingError
from minihcvd.protocol import Component, Rounding
from minihcvd.protocol.limits import OMMAYA_ROUTE, dose_limit

__all__ = ["ROUNDING_MARK", "Dose", "adjust_dose", "component_dose", "format_amount"]

_OUTPUT_UNIT = {"mg": "mg", "mg/m2": "mg", "mcg/day": "mcg/day", "mcg/m2/day": "mcg/day"}


def format_amount(value: Decimal) -> str:
    """``Decimal('288.00')`` → ``288``; ``Decimal('3.460')`` → ``3.46`` (no exponent notation)."""
    return format(value.normalize(), "f")


@dataclass(frozen=True, slots=True)
class Dose:
    """A dose per administration, after BSA, with how it was obtained."""

    amount: Decimal
    exact_amount: Decimal
    unit: str
    dose_per_m2: Decimal | None
    calculation: str
    source: str
    stated_in_paper: bool
    unstated_detail: str | None
    notes: tuple[str, ...] = ()
    deviation: str | None = None
    route: str | None = None
    """The route the dose is given by, when not the component's (via an Ommaya reservoir)."""
    interpretation: str | None = None
    rounding: Rounding | None = None
    calculated_amount: Decimal | None = None
    """The amount before a site's rounding (None: not rounded; ``amount`` is what is given)."""


def component_dose(component: Component, body: BodySize, *, via_ommaya: bool = False) -> Dose:
    """The dose of ``component`` for this patient (flat, per m2, or the label's low-weight dose)."""
    low = component.low_weight
    if low is not None and body.weight_kg < low.below_weight_kg:
        per_m2 = Decimal(repr(low.dose))
        exact, amount, calculation = _per_m2(
            per_m2, low.unit, body, low.max_dose, "label maximum"
        )
        note = (
            f"weight {body.weight_kg:g} kg is under {low.below_weight_kg:g} kg: BSA-based label"
            f" dose instead of {format_amount(Decimal(repr(component.dose)))} {component.unit}"
        )
        if low.days is not None and low.days != component.days:
            note += (
                f", on the label's days {_span(low.days)} instead of the trial's days"
                f" {_span(component.days)}"
            )
        return _within_hard_limit(component, Dose(
            amount=amount,
            exact_amount=exact,
            unit=_OUTPUT_UNIT[low.unit],
            dose_per_m2=per_m2,
            calculation=calculation,
            source=(
                f"Dose and days under {low.below_weight_kg:g} kg: {low.source}; the trial's flat"
                f" doses: {component.source}"
                if low.days is not None
                else f"Schedule: {component.source}; dose under {low.below_weight_kg:g} kg:"
                f" {low.source}"
            ),
            stated_in_paper=low.stated_in_paper and component.deviation is None,
            unstated_detail=low.unstated_detail,
            notes=(note, *_component_notes(component)),
            deviation=component.deviation,
            interpretation=component.interpretation,
        ), route=component.route, low_weight=True)
    nominal = Decimal(repr(component.dose))
    per_m2_dose: Decimal | None = None
    route: str = component.route
    if component.unit in ("mg/m2", "mcg/m2/day"):
        per_m2_dose = nominal
        exact, amount, calculation = _per_m2(
            nominal, component.unit, body, component.max_dose, "per-dose maximum"
        )
    elif via_ommaya and component.dose_via_ommaya is not None:
        route = OMMAYA_ROUTE
        amount = exact = Decimal(repr(component.dose_via_ommaya))
        calculation = (
            f"{format_amount(amount)} {component.unit} via Ommaya reservoir"
            f" ({format_amount(nominal)} {component.unit} by lumbar puncture)"
        )
    else:
        amount = exact = nominal
        calculation = f"{format_amount(amount)} {component.unit} flat dose"
    notes = _component_notes(component)
    if via_ommaya and component.route == "IT" and component.dose_via_ommaya is None:
        notes += (
            f"Ommaya reservoir: no {component.drug} dose via Ommaya in the protocol; planned"
            " by lumbar puncture (IT) — confirm the route",
        )
    dose = Dose(
        amount=amount,
        exact_amount=exact,
        unit=_OUTPUT_UNIT[component.unit],
        dose_per_m2=per_m2_dose,
        calculation=calculation,
        source=component.source,
        stated_in_paper=component.stated_in_paper,
        unstated_detail=component.unstated_detail,
        notes=notes,
        deviation=component.deviation,
        route=None if route == component.route else route,
        interpretation=component.interpretation,
    )
    if component.rounding is not None:
        ceiling = None if component.max_dose is None else Decimal(repr(component.max_dose))
        dose = _round_given(dose, component.rounding, ceiling)
    return _within_hard_limit(component, dose, route=route, low_weight=False)


ROUNDING_MARK = "institutional practice, not the trial paper — confirm"


def _round_given(dose: Dose, rounding: Rounding, ceiling: Decimal | None) -> Dose:
    """The dose given: the calculated amount to the nearest step (never above ``ceiling``, the
    per-dose maximum, and never 0), the calculation showing both. Rounding to the nearest step
    moves a dose by at most half a step; a change of more than 5% is pointed out."""
    step = rounding.step
    given = (dose.amount / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step
    if ceiling is not None and given > ceiling:
        given = (dose.amount / step).quantize(Decimal(1), rounding=ROUND_FLOOR) * step
    if given <= 0:
        given = step
    if given == dose.amount:
        return replace(dose, rounding=rounding)
    calculation = (
        f"{dose.calculation} → given {format_amount(given)} {dose.unit}"
        f" ({rounding.practice}: {ROUNDING_MARK})"
    )
    note = (
        f"rounded from {format_amount(dose.amount)} to {format_amount(given)} {dose.unit},"
        f" {rounding.practice} ({rounding.source}): {ROUNDING_MARK}"
    )
    change = (given - dose.amount) / dose.amount * 100
    if abs(change) > 5:
        note += f"; the rounding changes the dose by {change:+.1f}% (more than 5%)"
    return replace(
        dose, amount=given, calculated_amount=dose.amount, rounding=rounding,
        calculation=calculation, notes=(*dose.notes, note),
    )


def _within_hard_limit(component: Component, dose: Dose, *, route: str, low_weight: bool) -> Dose:
    """The dose, checked once more against its hard limit (the protocol file was checked on load;
    this holds for components made in code too)."""
    limit = dose_limit(component.drug, route, low_weight=low_weight)
    if limit is None:
        raise DosingError(
            f"{component.drug} is never planned by the route {route} (no hard limit for it)",
            field=component.id,
        )
    per_m2 = limit.unit.endswith("/m2") or limit.unit.endswith("/m2/day")
    checked = dose.dose_per_m2 if per_m2 else dose.amount
    if checked is None or checked > limit.maximum:
        raise DosingError(
            f"{component.drug} {route} {format_amount(dose.amount)} {dose.unit} is above the"
            f" hard limit of {limit.text}; dose refused",
            field=component.id,
        )
    return dose


def _span(days: tuple[int, ...]) -> str:
    """``(1, 2, ..., 7)`` → ``1-7`` (the low-weight days are runs)."""
    if list(days) == list(range(days[0], days[-1] + 1)):
        return f"{days[0]}-{days[-1]}" if len(days) > 1 else str(days[0])
    return ",".join(str(day) for day in days)


def _component_notes(component: Component) -> tuple[str, ...]:
    notes: tuple[str, ...] = (component.note,) if component.note else ()
    if component.day_window:
        notes += (f"day window {component.day_window}",)
    return notes


def adjust_dose(dose: Dose, percent: Decimal, reason: str) -> Dose:
    """The dose reduced to ``percent`` % (above 0, at most 100) for ``reason``, shown."""
    if not Decimal(0) < percent <= Decimal(100):
        raise DosingError(
            f"expected a percentage above 0 and at most 100, found {format_amount(percent)}",
            field="adjust",
        )
    exact = dose.exact_amount * percent / Decimal(100)
    amount = round_half_up(exact)
    calculation = (
        f"{dose.calculation}; adjusted to {format_amount(percent)}% ({reason}):"
        f" {format_amount(dose.exact_amount)} {dose.unit} × {format_amount(percent)}%"
        f" = {_result(exact, amount)} {dose.unit}"
    )
    per_m2 = None if dose.dose_per_m2 is None else dose.dose_per_m2 * percent / Decimal(100)
    note = f"dose adjusted to {format_amount(percent)}%: {reason}"
    notes = tuple(n for n in dose.notes if not n.startswith("rounded from "))
    adjusted = replace(
        dose, amount=amount, exact_amount=exact, dose_per_m2=per_m2, calculation=calculation,
        notes=(*notes, note), calculated_amount=None,
    )
    if dose.rounding is not None:
        # the adjusted amount is given to the same step (it is below the full dose's ceiling)
        adjusted = _round_given(adjusted, dose.rounding, None)
    return adjusted


def _per_m2(
    per_m2: Decimal, unit: str, body: BodySize, max_dose: float | None, max_label: str
) -> tuple[Decimal, Decimal, str]:
    """(exact, rounded, calculation); a cap replaces both the exact and the rounded amount."""
    exact = per_m2 * body.bsa_m2
    amount = round_half_up(exact)
    out_unit = _OUTPUT_UNIT[unit]
    calculation = (
        f"{format_amount(per_m2)} {unit} × {body.bsa_label} = {_result(exact, amount)} {out_unit}"
    )
    if max_dose is not None and amount > Decimal(repr(max_dose)):
        amount = exact = Decimal(repr(max_dose))
        calculation += f" → capped at {format_amount(amount)} {out_unit} ({max_label})"
    return exact, amount, calculation


def _result(exact: Decimal, rounded: Decimal) -> str:
    """``3.456 → 3.46`` when rounding changed the number, else just the number."""
    if exact == rounded:
        return format_amount(rounded)
    return f"{format_amount(exact)} → {format_amount(rounded)}"
