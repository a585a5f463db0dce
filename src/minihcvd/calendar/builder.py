"""Build one patient's treatment calendar from a protocol, the patient and the user's requests.

Decisions the paper leaves open, taken here and documented in docs/protocols.md:

- "Twice weekly until the CSF clears" is planned as the protocol's assumed number of doses
  (days 2, 5, 9, 12, … of course 1), then weekly doses until four are given or the next course
  starts; the calendar marks these as assumptions to confirm by CSF cytology.
- A delay of a course shifts it and every later course; day numbers stay relative to the
  (delayed) course start.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
from collections.abc import Sequence
from decimal import Decimal
from operator import itemgetter

from minihcvd.calendar.models import (
    DEVIATION_MARK,
    INTERPRETATION_MARK,
    UNSTATED_MARK,
    Administration,
    CourseStart,
    SupportiveCareNote,
    TreatmentCalendar,
)
from minihcvd.calendar.requests import CourseDelay, CourseSpan, DoseAdjustment, course_name
from minihcvd.calendar.summaries import INOTUZUMAB, calendar_notes, hold_days, sct_planning
from minihcvd.dosing import (
    CumulativeDose,
    Dose,
    adjust_dose,
    body_size,
    body_size_warnings,
    component_dose,
    format_amount,
)
from minihcvd.errors import CalendarError
from minihcvd.protocol import Component, Protocol, load_protocol

__all__ = ["build_calendar", "parse_start_date"]

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FIRST_START = dt.date(2000, 1, 1)
LAST_START = dt.date(2099, 12, 31)


def parse_start_date(text: str) -> dt.date:
    """``YYYY-MM-DD`` → date, or a one-line error naming ``start``."""
    if _ISO_DATE.match(text.strip()) is None:
        raise CalendarError(f"expected a date YYYY-MM-DD, found {text!r}", field="start")
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise CalendarError(f"expected a date YYYY-MM-DD, found {text!r}", field="start") from None


def build_calendar(
    protocol: Protocol | str,
    *,
    height_cm: float,
    weight_kg: float,
    start: dt.date,
    cd20_pct: float | None = None,
    cns_disease: bool = False,
    bsa_formula: str = "mosteller",
    bsa_cap_m2: float | None = None,
    delays: Sequence[CourseDelay] = (),
    adjustments: Sequence[DoseAdjustment] = (),
    via_ommaya: bool = False,
    cns_doses_until_clear: int | None = None,
    sct_weeks: int | None = None,
) -> TreatmentCalendar:
    """The patient's administrations, hold days, course starts and SCT planning summary.

    ``protocol`` is a loaded :class:`Protocol` or a shipped protocol's name. ``cd20_pct`` None
    (or NaN) means CD20 is unknown: rituximab is not scheduled and a note says so.
    """
    plan = load_protocol(protocol) if isinstance(protocol, str) else protocol
    if cns_doses_until_clear is not None and not cns_disease:
        raise CalendarError(
            "the number of triple IT doses until the CSF clears is only for active CNS disease"
            " (cns_disease / --cns-disease)",
            field="cns_doses_until_clear",
        )
    body = body_size(height_cm, weight_kg, bsa_formula, bsa_cap_m2)
    _check_start(start)
    cd20 = _check_cd20(cd20_pct)
    cd20_positive = cd20 is not None and cd20 >= plan.cd20_threshold_pct
    weeks = None if sct_weeks is None else _check_int(sct_weeks, 0, "sct_weeks", 52)
    courses = _course_starts(plan, start, delays)
    components = [
        c for c in plan.components if c.condition != "cd20_positive" or cd20_positive
    ]
    if cns_disease:
        components += _triple_intrathecal(plan, courses, cns_doses_until_clear)
    adjustment_for = _adjustment_lookup(plan, adjustments, components)
    full_again, adjustment_notes = _full_dose_again(plan, adjustment_for, components)
    tracker = CumulativeDose(INOTUZUMAB, Decimal(repr(plan.inotuzumab_planned_total_mg_per_m2)))
    keyed: list[tuple[int, Administration]] = []
    # sort key: date ordinal x (number of components) + the component's place, so rows of one
    # day keep the protocol's order (a fixed width would let a long site protocol plus the
    # triple IT components spill into the next day)
    width = len(components) + 1
    make_row = tuple.__new__  # the fastest way to fill a named tuple from a prepared tuple
    for order, component in enumerate(components):
        base = component_dose(component, body, via_ommaya=via_ommaya)
        low = component.low_weight
        days = (
            low.days
            if low is not None and low.days is not None and body.weight_kg < low.below_weight_kg
            else component.days
        )
        for number in component.courses:
            if _replaced_by_triple_it(plan, component, number, cns_disease):
                continue
            course = courses[(component.phase, number)]
            key = (component.drug, component.route, component.phase, number)
            adjustment = adjustment_for.get(key)
            dose = base if adjustment is None else adjust_dose(
                base, adjustment.percent, adjustment.reason
            )
            shared = _shared_fields(component, course, dose, full_again.get(key))
            first = course.start.toordinal() - 1
            for day in days:
                ordinal = first + day
                when = dt.date.fromordinal(ordinal)
                if component.from_date is not None and when < component.from_date:
                    continue
                if component.drug == INOTUZUMAB and dose.dose_per_m2 is not None:
                    tracker.add(
                        dose.dose_per_m2 * component.doses_per_day,
                        where=f"{component.phase} course {number} day {day}",
                    )
                row = make_row(Administration, (when, component.phase, number, day, *shared))
                keyed.append((ordinal * width + order, row))
    keyed.sort(key=itemgetter(0))
    rows = tuple(map(itemgetter(1), keyed))
    return TreatmentCalendar(
        protocol=plan.name,
        protocol_title=plan.title,
        height_cm=body.height_cm,
        weight_kg=body.weight_kg,
        bsa_m2=float(body.bsa_m2),
        bsa_calculated_m2=float(body.bsa_calculated_m2),
        bsa_cap_m2=None if body.bsa_cap_m2 is None else float(body.bsa_cap_m2),
        bsa_formula=body.formula,
        cd20_pct=cd20,
        cns_disease=cns_disease,
        courses=tuple(courses.values()),
        administrations=rows,
        holds=hold_days(plan, rows),
        sct_planning=sct_planning(
            plan, rows, tracker.total_mg_per_m2, weeks, tuple(courses.values())
        ),
        notes=(*calendar_notes(plan, body, cd20, cns_disease, start), *adjustment_notes),
        bsa_calculation=body.bsa_calculation,
        warnings=body_size_warnings(body),
    )


def _shared_fields(
    component: Component, course: CourseStart, dose: Dose, full_again: str | None = None
) -> tuple[object, ...]:
    """The fields after ``day`` that every day of this component in this course shares."""
    calculation = dose.calculation
    notes = dose.notes if full_again is None else (*dose.notes, full_again)
    if dose.deviation is not None:
        calculation += f" [{DEVIATION_MARK}: {dose.deviation}]"
        notes = (*notes, f"{DEVIATION_MARK}: {dose.deviation}")
    if dose.interpretation is not None:
        calculation += f" [{INTERPRETATION_MARK}: {dose.interpretation}]"
        notes = (*notes, f"{INTERPRETATION_MARK}: {dose.interpretation}")
    if dose.unstated_detail is not None and not dose.stated_in_paper:
        calculation += f" [{UNSTATED_MARK}: {dose.unstated_detail}]"
        notes = (*notes, f"{UNSTATED_MARK}: {dose.unstated_detail}")
    return (
        component.drug,
        dose.route or component.route,
        float(dose.amount),
        dose.unit,
        component.doses_per_day,
        calculation,
        dose.source,
        dose.stated_in_paper,
        notes + course.notes,
        dose.deviation,
        component.id,
        None if dose.calculated_amount is None else float(dose.calculated_amount),
    )


def _check_start(start: dt.date) -> None:
    if isinstance(start, dt.datetime) or not isinstance(start, dt.date):
        raise CalendarError(f"expected a date, found {start!r}", field="start")
    if not FIRST_START <= start <= LAST_START:
        raise CalendarError(
            f"expected a start date in {FIRST_START.year}-{LAST_START.year}, found {start}",
            field="start",
        )


def _check_cd20(cd20_pct: float | None) -> float | None:
    """CD20 in %; None or NaN (a missing value in a data frame) means unknown."""
    if cd20_pct is None or (isinstance(cd20_pct, numbers.Real) and math.isnan(cd20_pct)):
        return None
    if isinstance(cd20_pct, bool) or not isinstance(cd20_pct, numbers.Real) or not (
        0 <= cd20_pct <= 100
    ):
        raise CalendarError(f"expected 0-100 %, found {cd20_pct!r}", field="cd20_pct")
    return float(cd20_pct)


def _check_int(value: int | None, default: int, field: str, maximum: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        raise CalendarError(f"expected a whole number 1-{maximum}, found {value!r}", field=field)
    return value


def _course_starts(
    plan: Protocol, start: dt.date, delays: Sequence[CourseDelay]
) -> dict[tuple[str, int], CourseStart]:
    """Every course's start: the previous start plus its length, plus any delay of this course."""
    delay_days: dict[tuple[str, int], int] = {}
    for delay in delays:
        key = (delay.phase, delay.course)
        if plan.course(delay.phase, delay.course) is None:
            raise CalendarError(
                f"protocol {plan.name} has no {delay.phase} course {delay.course}", field="delay"
            )
        if key in delay_days:
            raise CalendarError(
                f"course {course_name(*key)} is delayed twice; give one total delay",
                field="delay",
            )
        delay_days[key] = delay.days
    starts: dict[tuple[str, int], CourseStart] = {}
    offset = 0
    for ref in plan.courses:
        shift = delay_days.get((ref.phase, ref.number), 0)
        offset += shift
        notes: tuple[str, ...] = ()
        if shift:
            notes += (f"course delayed {shift} days",)
        if not ref.group.stated_in_paper:
            notes += (f"{UNSTATED_MARK}: {ref.group.unstated_detail}",)
        care = tuple(
            SupportiveCareNote(item.id, item.text, item.source, item.stated_in_paper,
                               item.unstated_detail)
            for item in plan.supportive_care
            if item.phase == ref.phase and ref.number in item.courses
        )
        starts[(ref.phase, ref.number)] = CourseStart(
            phase=ref.phase,
            course=ref.number,
            label=ref.group.label,
            start=start + dt.timedelta(days=offset),
            length_days=ref.group.length_days,
            delay_days=shift,
            notes=notes,
            supportive_care=care,
        )
        offset += ref.group.length_days
    return starts


def _triple_intrathecal(
    plan: Protocol, courses: dict[tuple[str, int], CourseStart], doses_until_clear: int | None
) -> list[Component]:
    """Triple IT as ordinary IT components: twice weekly until clear, then weekly."""
    tit = plan.cns_disease_therapy
    clearing = _check_int(
        doses_until_clear, tit.assumed_doses_until_clear, "cns_doses_until_clear", 12
    )
    course = courses[("intensive", tit.course)]
    ordered = list(courses.values())
    following = ordered[ordered.index(course) + 1 :]
    limit = following[0].start if following else None
    twice_weekly = [tit.start_day + 7 * (k // 2) + 3 * (k % 2) for k in range(clearing)]
    last_day = twice_weekly[-1]
    if limit is not None and course.start + dt.timedelta(days=last_day - 1) >= limit:
        raise CalendarError(
            f"{clearing} twice-weekly triple IT doses run past the start of the next course"
            f" ({limit.isoformat()}); delay that course or plan fewer doses",
            field="cns_doses_until_clear",
        )
    weekly = [
        day
        for day in (last_day + 7 * (k + 1) for k in range(tit.weekly_doses_after_clear))
        if limit is None or course.start + dt.timedelta(days=day - 1) < limit
    ]
    # the doses are the paper's; only the schedule is an assumption, and only it is marked
    schedule = (
        f"schedule {UNSTATED_MARK}: {tit.schedule_assumption}; planned here as {clearing} doses"
    )
    groups = [
        (twice_weekly, f"triple IT twice weekly until the CSF clears (assumed {clearing} doses);"
                       f" {schedule}"),
        (weekly, "triple IT weekly after the CSF clears (up to 4, stops at the next course);"
                 f" the dates follow the assumed {clearing} twice-weekly doses; {schedule}"),
    ]
    components: list[Component] = []
    for days, note in groups:
        if not days:
            continue
        for drug in tit.drugs:
            components.append(
                Component.model_validate(
                    {
                        "id": f"triple-it-{drug.drug}-{'weekly' if days is weekly else 'clearing'}",
                        "drug": drug.drug,
                        "route": "IT",
                        "phase": "intensive",
                        "courses": str(tit.course),
                        "days": ",".join(str(d) for d in days),
                        "dose": drug.dose,
                        "dose_via_ommaya": drug.dose_via_ommaya,
                        "unit": "mg",
                        "note": note,
                        "source": tit.source,
                        "stated_in_paper": tit.stated_in_paper,
                        "unstated_detail": tit.unstated_detail,
                    }
                )
            )
    return components


def _replaced_by_triple_it(
    plan: Protocol, component: Component, number: int, cns_disease: bool
) -> bool:
    tit = plan.cns_disease_therapy
    return (
        cns_disease
        and tit.replaces_prophylaxis
        and component.condition == "cns_prophylaxis"
        and component.phase == "intensive"
        and number == tit.course
    )


def _adjusted_courses(
    plan: Protocol, adjustment: DoseAdjustment
) -> list[tuple[tuple[str, int], bool]]:
    """The courses an adjustment names, in treatment order, each with whether it was listed
    by itself (True: it must give the drug) or as part of a range (False: skipped if not)."""
    order: list[tuple[str, int]] = [(ref.phase, ref.number) for ref in plan.courses]
    spans: tuple[CourseSpan, ...]
    if not adjustment.spans:
        spans = (CourseSpan((adjustment.phase, adjustment.course),
                            (adjustment.phase, adjustment.course)),)
    else:
        spans = adjustment.spans
    named: dict[tuple[str, int], bool] = {}
    for span in spans:
        for end in (span.first, span.last):
            if end is not None and end not in order:
                raise CalendarError(
                    f"protocol {plan.name} has no {end[0]} course {end[1]}"
                    f" (in {adjustment.drug}@{adjustment.courses_text})",
                    field="adjust",
                )
        low = order.index(span.first)
        high = len(order) - 1 if span.last is None else order.index(span.last)
        if high < low:
            raise CalendarError(
                f"the range {span.text} runs backwards in treatment order", field="adjust"
            )
        for key in order[low : high + 1]:
            named[key] = named.get(key, False) or span.single
    return sorted(named.items(), key=lambda item: order.index(item[0]))


def _adjustment_lookup(
    plan: Protocol, adjustments: Sequence[DoseAdjustment], components: Sequence[Component]
) -> dict[tuple[str, str, str, int], DoseAdjustment]:
    """(drug, route, phase, course) → adjustment; refuses adjustments that match nothing."""
    routes: dict[tuple[str, str, int], set[str]] = {}
    for component in components:
        for number in component.courses:
            routes.setdefault((component.drug, component.phase, number), set()).add(
                component.route
            )
    lookup: dict[tuple[str, str, str, int], DoseAdjustment] = {}
    for adjustment in adjustments:
        matched = 0
        route_text = f" {adjustment.route}" if adjustment.route else ""
        for (phase, number), listed in _adjusted_courses(plan, adjustment):
            name = course_name(phase, number)
            given = routes.get((adjustment.drug, phase, number), set())
            if not given or (adjustment.route is not None and adjustment.route not in given):
                if not listed:
                    continue  # a range covers the courses that give the drug
                raise CalendarError(
                    f"course {name} of this calendar has no {adjustment.drug}{route_text}"
                    " to adjust",
                    field="adjust",
                )
            if adjustment.route is None and len(given) > 1:
                raise CalendarError(
                    f"course {name} gives {adjustment.drug} by {' and '.join(sorted(given))};"
                    f" name the route, e.g. {adjustment.drug}/{sorted(given)[0]}"
                    f"@{adjustment.courses_text}:...",
                    field="adjust",
                )
            for route in [adjustment.route] if adjustment.route else sorted(given):
                key = (adjustment.drug, route, phase, number)
                if key in lookup:
                    raise CalendarError(
                        f"{adjustment.drug} in course {name} is adjusted twice", field="adjust"
                    )
                lookup[key] = adjustment
                matched += 1
        if not matched:
            raise CalendarError(
                f"courses {adjustment.courses_text} of this calendar have no"
                f" {adjustment.drug}{route_text} to adjust",
                field="adjust",
            )
    return lookup


def _full_dose_again(
    plan: Protocol,
    lookup: dict[tuple[str, str, str, int], DoseAdjustment],
    components: Sequence[Component],
) -> tuple[dict[tuple[str, str, str, int], str], list[str]]:
    """Where an adjusted drug is back to full dose: a note for the rows of each course that
    gives it at full dose right after adjusted ones, and one calendar note per adjustment."""
    order: dict[tuple[str, int], int] = {
        (ref.phase, ref.number): index for index, ref in enumerate(plan.courses)
    }
    given: dict[tuple[str, str], set[tuple[str, int]]] = {}
    for component in components:
        for number in component.courses:
            given.setdefault((component.drug, component.route), set()).add(
                (component.phase, number)
            )
    row_notes: dict[tuple[str, str, str, int], str] = {}
    summaries: list[str] = []
    for (drug, route), courses in given.items():
        previous: DoseAdjustment | None = None
        adjusted: list[tuple[int, str]] = []
        for phase, number in sorted(courses, key=order.__getitem__):
            current = lookup.get((drug, route, phase, number))
            if current is None and previous is not None:
                row_notes[(drug, route, phase, number)] = (
                    f"full dose again from this course (after {format_amount(previous.percent)}%"
                    f" in {_courses_text(adjusted)}:"
                    f" {previous.reason})"
                )
                _summarise(summaries, drug, route, previous, adjusted,
                           f"full dose again from course {course_name(phase, number)}")
                adjusted = []
            elif current is not None:
                if previous is not None and current is not previous:
                    _summarise(summaries, drug, route, previous, adjusted,
                               "another adjustment follows")
                    adjusted = []
                adjusted.append((order[(phase, number)], course_name(phase, number)))
            previous = current
        if previous is not None:
            _summarise(summaries, drug, route, previous, adjusted,
                       "to the end of its planned courses")
    return row_notes, summaries


def _summarise(
    summaries: list[str],
    drug: str,
    route: str,
    adjustment: DoseAdjustment,
    adjusted: list[tuple[int, str]],
    after: str,
) -> None:
    summaries.append(
        f"{drug} {route} at {format_amount(adjustment.percent)}% ({adjustment.reason}) in"
        f" {_courses_text(adjusted)}; {after}."
    )


def _courses_text(courses: list[tuple[int, str]]) -> str:
    """``course 3``, ``courses 3, 5, 7`` or ``courses m30-m39`` (runs of 3 or more in treatment
    order shortened); ``courses`` are (place in treatment order, name)."""
    runs: list[list[tuple[int, str]]] = []
    for item in courses:
        if runs and item[0] == runs[-1][-1][0] + 1:
            runs[-1].append(item)
        else:
            runs.append([item])
    parts: list[str] = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{run[0][1]}-{run[-1][1]}")
        else:
            parts.extend(name for _, name in run)
    return f"course{'s' if len(courses) > 1 else ''} {', '.join(parts)}"
