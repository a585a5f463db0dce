"""A calendar as CSV, iCalendar and a Rich table (JSON is ``TreatmentCalendar.to_json_dict``).

Every format carries the same facts: each dose with its calculation, source and notes
(not-stated values, adjustments, windows), the hold days, the course starts and delays, the
calendar notes and the SCT planning summary.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TypeVar

import icalendar
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from minihcvd.calendar.identity import days_moved, patient_key, uid_part
from minihcvd.calendar.models import (
    Administration,
    CourseStart,
    HoldDay,
    SctPlanning,
    TreatmentCalendar,
)
from minihcvd.dosing import format_amount

__all__ = ["CSV_COLUMNS", "to_csv", "to_ics", "to_json", "to_rich"]

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # not locale-dependent

CSV_COLUMNS = (
    "kind",
    "date",
    "phase",
    "course",
    "day",
    "drug",
    "route",
    "dose",
    "unit",
    "doses_per_day",
    "calculation",
    "source",
    "stated_in_paper",
    "notes",
)


def to_csv(calendar: TreatmentCalendar) -> str:
    """One row per administration (``kind=administration``), hold day, milestone and note."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in calendar.administrations:
        writer.writerow(
            [
                "administration",
                row.date.isoformat(),
                row.phase,
                row.course,
                row.day,
                row.drug,
                row.route,
                _number(row.dose),
                row.unit,
                row.doses_per_day,
                row.calculation,
                row.source,
                "true" if row.stated_in_paper else "false",
                "; ".join(row.notes),
            ]
        )
    for course in calendar.courses:
        for care in course.supportive_care:
            writer.writerow(
                ["supportive", course.start.isoformat(), course.phase, course.course, 1,
                 "supportive care", "", "", "", "", care.line, care.source,
                 "true" if care.stated_in_paper else "false", care.id]
            )
    for hold in calendar.holds:
        writer.writerow(
            ["hold", hold.date.isoformat(), hold.phase, hold.course, hold.day, hold.hold, "", "",
             "", "", hold.reason, hold.source, "true", f"around {hold.around_drug}"]
        )
    sct = calendar.sct_planning
    if sct.sct_date is not None:
        writer.writerow(
            ["milestone", sct.sct_date.isoformat(), "", "", "", _sct_label(sct),
             "", "", "", "", sct.summary, sct.source, "true", ""]
        )
    for warning in calendar.warnings:
        writer.writerow(["warning", "", "", "", "", "", "", "", "", "", warning, "", "", ""])
    for note in (*calendar.notes, calendar.bsa_calculation):
        if note:
            writer.writerow(["note", "", "", "", "", "", "", "", "", "", note, "", "", ""])
    return buffer.getvalue()


def to_json(calendar: TreatmentCalendar) -> str:
    """The calendar as indented JSON (UTF-8 text; the layout of ``schedule --format json``)."""
    return json.dumps(calendar.to_json_dict(), indent=2, ensure_ascii=False) + "\n"


def to_ics(
    calendar: TreatmentCalendar, *, generated_at: dt.datetime, patient_id: str | None = None
) -> bytes:
    """All-day events: one per administration, one per hold day, one for the SCT date.

    Each UID is the identity of the planned event — the patient (``patient_id``, else a digest
    of the patient's inputs), protocol, component, phase, course and day — so it stays the same
    when the event moves; SEQUENCE is the number of days it has moved (the delays of its course
    and the courses before it), so a calendar program updates the event in place.
    """
    cal = icalendar.Calendar()
    cal.add("prodid", "-//minihcvd//treatment calendar//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"minihcvd {calendar.protocol}")
    description = "\n".join(
        line for line in (
            calendar.protocol_title,
            *(f"WARNING: {warning}" for warning in calendar.warnings),
            calendar.bsa_calculation,
            *calendar.notes,
        )
        if line
    )
    cal.add("x-wr-caldesc", icalendar.vText(description))
    key = patient_key(calendar) if patient_id is None else uid_part(patient_id)
    prefix = f"{key}-{uid_part(calendar.protocol)}"
    moved = days_moved(calendar.courses)
    for row in calendar.administrations:
        per_day = _per_day(row.doses_per_day)
        summary = (
            f"{row.phase} C{row.course} D{row.day}: {row.drug} {_number(row.dose)} {row.unit}"
            f" {row.route}{per_day}"
        )
        component = uid_part(row.component or row.drug)
        uid = f"{prefix}-{component}-{row.phase}-c{row.course}-d{row.day}"
        cal.add_component(_event(uid, row.date, summary, _describe(row), generated_at,
                                 moved.get((row.phase, row.course), 0)))
    for course in calendar.courses:
        for care in course.supportive_care:
            uid = f"{prefix}-supportive-{uid_part(care.id)}-{course.phase}-c{course.course}"
            cal.add_component(
                _event(uid, course.start,
                       f"{course.phase} C{course.course}: supportive care ({care.id})",
                       f"{care.line}\nsource: {care.source}", generated_at,
                       moved.get((course.phase, course.course), 0))
            )
    for hold in calendar.holds:
        uid = f"{prefix}-hold-{uid_part(hold.hold)}-{hold.phase}-c{hold.course}-d{hold.day}"
        cal.add_component(
            _event(uid, hold.date, f"HOLD {hold.hold}", f"{hold.reason}\nsource: {hold.source}",
                   generated_at, moved.get((hold.phase, hold.course), 0))
        )
    sct = calendar.sct_planning
    if sct.sct_date is not None:
        last = [row for row in calendar.administrations if row.date == sct.last_inotuzumab_date
                and row.drug == "inotuzumab ozogamicin"]
        shift = moved.get((last[0].phase, last[0].course), 0) if last else 0
        cal.add_component(
            _event(f"{prefix}-sct", sct.sct_date, f"Allogeneic SCT: {_sct_label(sct)}",
                   f"{sct.summary}\nsource: {sct.source}", generated_at, shift)
        )
    data: bytes = cal.to_ical()
    return data


def to_rich(calendar: TreatmentCalendar) -> RenderableType:
    """A readable calendar: a header, one table per course (runs of days merged), a footer.

    Sources are numbered once and listed at the end, so the tables stay narrow.
    """
    header = Text()
    header.append(f"{calendar.protocol_title}\n", style="bold")
    header.append(
        f"protocol {calendar.protocol}; height {calendar.height_cm:g} cm, weight"
        f" {calendar.weight_kg:g} kg, BSA {calendar.bsa_m2:.2f} m2 ({calendar.bsa_formula})\n"
    )
    if calendar.bsa_calculation:
        header.append(f"{calendar.bsa_calculation}\n")
    for warning in calendar.warnings:
        header.append(f"WARNING: {warning}\n", style="bold red")
    for note in calendar.notes:
        header.append(f"• {note}\n", style="yellow")
    parts: list[RenderableType] = [header]
    sources: dict[str, int] = {}
    rows_by_course = _group(calendar.administrations)
    holds_by_course = _group(calendar.holds)
    for course in calendar.courses:
        key = (course.phase, course.course)
        parts.append(
            _course_table(course, rows_by_course.get(key, []), holds_by_course.get(key, []),
                          sources)
        )
    sct = calendar.sct_planning
    footer = Text()
    footer.append(f"\nSCT planning: {sct.summary}", style="bold")
    footer.append(f" [{_source_number(sources, sct.source)}]\n")
    footer.append("\nSources\n", style="bold")
    for text, number in sources.items():
        footer.append(f"[{number}] {text}\n")
    parts.append(footer)
    return Group(*parts)


def _course_table(
    course: CourseStart,
    rows: Sequence[Administration],
    holds: Sequence[HoldDay],
    sources: dict[str, int],
) -> Table:
    title = (
        f"{course.phase} course {course.course} — {course.label} — starts"
        f" {_WEEKDAYS[course.start.weekday()]} {course.start.isoformat()}"
        f" ({course.length_days} days)"
    )
    if course.notes:
        title += " — " + "; ".join(course.notes)
    table = Table(title=title, title_justify="left", title_style="bold")
    # Five columns, the drug and its dose in one: at 80 columns (piped output) every column
    # still fits its longest word, so Rich never has to fold a drug name or a dose (six columns
    # did not: 'cyclophospha|mide'). The amount and unit are one line the column always fits.
    doses = [f"{_number(row.dose)} {row.unit}" for row in rows]
    table.add_column("days", overflow="fold", max_width=11)
    table.add_column("dates", overflow="fold", max_width=12)  # one date and its arrow a line
    table.add_column("drug and dose", overflow="fold",
                     min_width=max((len(dose) for dose in doses), default=1), max_width=17)
    table.add_column("calculation and notes", overflow="fold", ratio=1)
    table.add_column("src", overflow="fold")
    shown_elsewhere = set(course.notes)
    runs: dict[tuple[object, ...], list[Administration]] = {}
    for row in rows:
        runs.setdefault((row.drug, row.route, row.dose, row.unit, row.doses_per_day,
                         row.calculation, row.notes, row.source), []).append(row)
    for run in runs.values():
        first = run[0]
        per_day = _per_day(first.doses_per_day)
        detail = Text(first.calculation)
        for note in first.notes:
            if note not in shown_elsewhere and note not in first.calculation:
                detail.append(f"\n{note}", style="italic")
        drug_and_dose = Text(first.drug, style="bold")
        drug_and_dose.append(f"\n{_number(first.dose)} {first.unit}\n{first.route}")
        if per_day:
            drug_and_dose.append(f"\nper dose,\n{first.doses_per_day} doses/day")
        table.add_row(
            _ranges([row.day for row in run]),
            _date_ranges([row.date for row in run]),
            drug_and_dose,
            detail,
            str(_source_number(sources, first.source)),
            style="bold magenta" if first.deviation is not None
            else None if first.stated_in_paper else "yellow",
        )
    for care in course.supportive_care:
        table.add_row(
            "course", "", "supportive care", care.line,
            str(_source_number(sources, care.source)), style="cyan",
        )
    by_hold: dict[str, list[HoldDay]] = {}
    for hold in holds:
        by_hold.setdefault(hold.hold, []).append(hold)
    for hold_name, days in by_hold.items():
        table.add_row(
            _ranges([hold.day for hold in days]),
            _date_ranges([hold.date for hold in days]),
            f"HOLD {hold_name}",
            f"held the day before, of and after each {days[0].around_drug} dose",
            str(_source_number(sources, days[0].source)),
            style="red",
        )
    return table


def _sct_label(sct: SctPlanning) -> str:
    """What the SCT date is, in a few words (it is never an earliest date or a rule)."""
    if sct.observation:
        return f"trial's observed median interval ({sct.interval_weeks} weeks; observation)"
    return f"team's interval ({sct.interval_weeks} weeks)"


def _source_number(sources: dict[str, int], source: str) -> int:
    return sources.setdefault(source, len(sources) + 1)


_Row = TypeVar("_Row", Administration, HoldDay)


def _group(rows: Iterable[_Row]) -> dict[tuple[str, int], list[_Row]]:
    groups: dict[tuple[str, int], list[_Row]] = {}
    for row in rows:
        groups.setdefault((row.phase, row.course), []).append(row)
    return groups


def _ranges(days: Sequence[int]) -> str:
    """``[1, 2, 3, 8]`` → ``1–3, 8``."""
    return ", ".join(
        str(first) if first == last else f"{first}–{last}" for first, last in _runs(days)
    )


def _date_ranges(dates: Sequence[dt.date]) -> str:
    ordinals = [date.toordinal() for date in dates]
    return ", ".join(
        dt.date.fromordinal(first).isoformat()
        if first == last
        else f"{dt.date.fromordinal(first).isoformat()} → {dt.date.fromordinal(last).isoformat()}"
        for first, last in _runs(ordinals)
    )


def _runs(numbers: Sequence[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for number in sorted(set(numbers)):
        if runs and number == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], number)
        else:
            runs.append((number, number))
    return runs


def _per_day(doses_per_day: int) -> str:
    """`` per dose, 2 doses/day`` after an amount given more than once a day (else nothing).

    The amount is always per administration; saying so keeps 288 mg twice daily from being
    read as 288 mg a day.
    """
    return f" per dose, {doses_per_day} doses/day" if doses_per_day > 1 else ""


def _describe(row: Administration) -> str:
    per_day = _per_day(row.doses_per_day)
    extra = [note for note in row.notes if note not in row.calculation]
    notes = f" — {'; '.join(extra)}" if extra else ""
    return (
        f"{row.drug} {_number(row.dose)} {row.unit} {row.route}{per_day}: {row.calculation}"
        f" (source: {row.source}){notes}"
    )


def _event(
    uid: str,
    day: dt.date,
    summary: str,
    description: str,
    generated_at: dt.datetime,
    sequence: int,
) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", f"{uid}@minihcvd")
    event.add("sequence", sequence)
    event.add("dtstamp", generated_at)
    event.add("dtstart", day)
    event.add("dtend", day + dt.timedelta(days=1))
    event.add("summary", summary)
    event.add("description", description)
    return event


def _number(value: float) -> str:
    return format_amount(Decimal(repr(value)))
