"""What a calendar says beyond its administrations: hold days, SCT planning, calendar notes.

Azole holds are hold days (notes), not administrations: the azole is a standing prophylactic
drug the team withholds, not a dose this regimen gives.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from minihcvd.calendar.models import (
    DEVIATION_MARK,
    UNSTATED_MARK,
    Administration,
    CourseStart,
    HoldDay,
    SctPlanning,
)
from minihcvd.dosing import BodySize
from minihcvd.protocol import Protocol

__all__ = ["INOTUZUMAB", "calendar_notes", "hold_days", "sct_planning"]

INOTUZUMAB = "inotuzumab ozogamicin"


def hold_days(plan: Protocol, rows: Sequence[Administration]) -> tuple[HoldDay, ...]:
    """Every day a drug is withheld around another drug's doses, once per date, in date order."""
    holds: dict[tuple[dt.date, str], HoldDay] = {}
    for rule in plan.holds:
        for row in rows:
            if row.drug != rule.around_drug:
                continue
            for offset in range(-rule.days_before, rule.days_after + 1):
                when = row.date + dt.timedelta(days=offset)
                relation = "of" if offset == 0 else "before" if offset < 0 else "after"
                holds.setdefault(
                    (when, rule.hold),
                    HoldDay(
                        date=when,
                        phase=row.phase,
                        course=row.course,
                        day=row.day + offset,
                        hold=rule.hold,
                        around_drug=rule.around_drug,
                        reason=f"day {relation} {row.drug} ({row.phase} course {row.course}"
                        f" day {row.day})",
                        source=rule.source,
                    ),
                )
    return tuple(sorted(holds.values(), key=lambda hold: hold.date))


def sct_planning(
    plan: Protocol,
    rows: Sequence[Administration],
    cumulative_mg_per_m2: Decimal,
    weeks: int | None = None,
    courses: Sequence[CourseStart] = (),
) -> SctPlanning:
    """Cumulative inotuzumab and the SCT reference date after the last dose.

    ``weeks`` None: the trial's observed median interval of this protocol version (an
    observation); otherwise the team's interval. A date inside one of ``courses`` is named.
    """
    observed = plan.sct_planning.observed_median_weeks_after_last_inotuzumab
    interval = observed if weeks is None else weeks
    doses = [row for row in rows if row.drug == INOTUZUMAB]
    last = max((row.date for row in doses), default=None)
    total_mg = sum(Decimal(repr(row.dose)) * row.doses_per_day for row in doses)
    when = None if last is None else last + dt.timedelta(weeks=interval)
    inside = None
    for course in courses:
        end = course.start + dt.timedelta(days=course.length_days - 1)
        if when is not None and course.start <= when <= end:
            inside = (
                f"{course.phase} course {course.course} ({course.label},"
                f" {course.start.isoformat()} to {end.isoformat()})"
            )
    return SctPlanning(
        inotuzumab_cumulative_mg_per_m2=float(cumulative_mg_per_m2),
        inotuzumab_planned_total_mg_per_m2=plan.inotuzumab_planned_total_mg_per_m2,
        inotuzumab_cumulative_mg=float(total_mg),
        inotuzumab_doses=len(doses),
        last_inotuzumab_date=last,
        interval_weeks=interval,
        sct_date=when,
        source=plan.sct_planning.source,
        observation=weeks is None,
        observed_median_weeks=observed,
        observed_in=plan.sct_planning.observed_in,
        inside_planned_course=inside,
    )


def calendar_notes(
    plan: Protocol,
    body: BodySize,
    cd20_pct: float | None,
    cns_disease: bool,
    start: dt.date,
) -> tuple[str, ...]:
    """Calendar-wide decisions a reader must see: CD20, CNS, BSA cap, low weight, late drugs."""
    notes: list[str] = [
        f"{DEVIATION_MARK} in component {c.id}: {c.deviation}"
        for c in plan.components
        if c.deviation is not None
    ]
    threshold = f"{plan.cd20_threshold_pct:g}%"
    if cd20_pct is None:
        notes.append(f"CD20 not given: rituximab (for CD20 >= {threshold}) not scheduled")
    elif cd20_pct >= plan.cd20_threshold_pct:
        notes.append(f"CD20 {cd20_pct:g}% >= {threshold}: rituximab scheduled")
    else:
        notes.append(f"CD20 {cd20_pct:g}% < {threshold}: no rituximab")
    if cns_disease:
        notes.append(
            "active CNS disease: triple intrathecal therapy replaces the prophylactic IT of"
            f" course {plan.cns_disease_therapy.course} (doses as the paper states them);"
            f" schedule {UNSTATED_MARK}: {plan.cns_disease_therapy.schedule_assumption}"
        )
    if body.bsa_m2 != body.bsa_calculated_m2:
        notes.append(f"BSA capped: {body.bsa_label} used for every BSA-based dose")
    light = {
        (c.drug, c.low_weight.below_weight_kg): None
        for c in plan.components
        if c.low_weight is not None and body.weight_kg < c.low_weight.below_weight_kg
    }
    label_days = {
        c.drug
        for c in plan.components
        if c.low_weight is not None and c.low_weight.days is not None
        and body.weight_kg < c.low_weight.below_weight_kg
    }
    notes.extend(
        f"weight {body.weight_kg:g} kg < {limit_kg:g} kg: {drug} dosed by BSA per the label"
        + (" and on the label's schedule (first course: step up on day 8, not the trial's"
           " day 5)" if drug in label_days else "")
        + f"; {UNSTATED_MARK}"
        for drug, limit_kg in light
    )
    notes.extend(
        f"{c.drug} only from {c.from_date.isoformat()} on ({c.source})"
        for c in plan.components
        if c.from_date is not None and start < c.from_date
    )
    return tuple(notes)
