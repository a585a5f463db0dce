"""CSV, iCalendar and Rich renderings carry every dose, mark, adjustment, hold and the SCT date."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import icalendar
import pytest
from rich.console import Console

from minihcvd.calendar import (
    CSV_COLUMNS,
    UNSTATED_MARK,
    CourseDelay,
    DoseAdjustment,
    TreatmentCalendar,
    build_calendar,
    to_csv,
    to_ics,
    to_rich,
)
from minihcvd.calendar.formats import _number

GENERATED = dt.datetime(2025, 1, 1, 12, 0, tzinfo=dt.UTC)


def _calendar() -> TreatmentCalendar:
    return build_calendar(
        "original", height_cm=175, weight_kg=76, start=dt.date(2025, 1, 6), cd20_pct=25,
        adjustments=[DoseAdjustment.parse("vincristine@3:50%:neuropathy")],
    )


def _text(calendar: TreatmentCalendar) -> str:
    buffer = io.StringIO()
    Console(file=buffer, width=200, no_color=True).print(to_rich(calendar))
    return buffer.getvalue()


class TestToCsv:
    def test_rows_by_kind(self) -> None:
        """One row per administration, supportive-care note (tumour lysis in course 1,
        antimicrobial prophylaxis in courses 1-8), hold day, the SCT milestone and each calendar
        note."""
        calendar = _calendar()
        rows = list(csv.DictReader(io.StringIO(to_csv(calendar))))
        kinds = [row["kind"] for row in rows]
        assert kinds == (
            ["administration"] * len(calendar.administrations) + ["supportive"] * 9
            + ["hold"] * len(calendar.holds)
            + ["milestone"] + ["note"] * (len(calendar.notes) + 1)
        )
        assert rows[-1]["calculation"] == calendar.bsa_calculation  # BSA rounding shown
        assert list(rows[0]) == list(CSV_COLUMNS)

    def test_marks_and_adjustments(self) -> None:
        """Not-stated values and adjustments appear in the row's calculation and notes."""
        rows = list(csv.DictReader(io.StringIO(to_csv(_calendar()))))
        rituximab = next(row for row in rows if row["drug"] == "rituximab")
        assert (rituximab["stated_in_paper"], rituximab["dose"]) == ("false", "720")
        assert UNSTATED_MARK in rituximab["calculation"] and UNSTATED_MARK in rituximab["notes"]
        halved = [row for row in rows if row["drug"] == "vincristine" and row["course"] == "3"
                  and row["phase"] == "intensive"]
        assert [row["dose"] for row in halved] == ["1", "1"]
        assert halved[0]["notes"] == "dose adjusted to 50%: neuropathy"

    def test_milestone(self) -> None:
        """The SCT date is a milestone row: 2025-04-02 + 7 weeks (original), an observation."""
        rows = list(csv.DictReader(io.StringIO(to_csv(_calendar()))))
        milestone = next(row for row in rows if row["kind"] == "milestone")
        assert (milestone["date"], milestone["drug"]) == (
            "2025-05-21", "trial's observed median interval (7 weeks; observation)"
        )


class TestToIcs:
    def _events(self) -> list[icalendar.Event]:
        parsed = icalendar.Calendar.from_ical(to_ics(_calendar(), generated_at=GENERATED))
        return list(parsed.walk("VEVENT"))

    def test_one_event_per_administration_hold_and_sct(self) -> None:
        """Each administration, hold day and the SCT date get an all-day event, UIDs unique."""
        calendar = _calendar()
        events = self._events()
        supportive = sum(len(course.supportive_care) for course in calendar.courses)
        assert supportive == 9
        assert len(events) == len(calendar.administrations) + supportive + len(calendar.holds) + 1
        assert len({str(e["uid"]) for e in events}) == len(events)

    def test_administration_event(self) -> None:
        """Day 1's first event: cyclophosphamide with dose, calculation and source; the day's
        other drugs have events of their own, marks kept."""
        events = self._events()
        first = events[0]
        assert str(first["summary"]) == (
            "intensive C1 D1: cyclophosphamide 288 mg IV per dose, 2 doses/day"
        )
        assert first.decoded("dtstart") == dt.date(2025, 1, 6)
        assert str(first["description"]) == (
            "cyclophosphamide 288 mg IV per dose, 2 doses/day: 150 mg/m2 × 1.92 m2 (Mosteller)"
            " = 288 mg (source: Jabbour et al., J Hematol Oncol 2023, Methods: Procedures)"
        )
        day_1 = [e for e in events if str(e["summary"]).startswith("intensive C1 D1:")]
        assert [str(e["summary"]).split(": ")[1].split(" ")[0] for e in day_1] == [
            "cyclophosphamide", "dexamethasone", "vincristine", "rituximab", "ursodiol"
        ]
        assert UNSTATED_MARK in str(day_1[1]["description"])  # dexamethasone's route

    def test_course_level_marks_kept(self) -> None:
        """A value the paper does not state at course level (the POMP course length) is in
        every maintenance event, not only in CSV and JSON: the per-row filter may drop only the
        marks already written into the calculation."""
        events = self._events()
        maintenance = [e for e in events if str(e["summary"]).startswith("maintenance C")]
        assert maintenance
        for event in maintenance:
            description = str(event["description"])
            assert f"{UNSTATED_MARK}: course length: 'monthly' taken as a 28-day course" in (
                description
            )
        first_day = [str(e["description"]) for e in events
                     if str(e["summary"]).startswith("intensive C1 D1:")]
        # ... while a mark already in the calculation is not repeated as a note
        assert all(text.count(UNSTATED_MARK) <= 1 for text in first_day)
        assert sum(UNSTATED_MARK in text for text in first_day) == 3  # dexa, rituximab, ursodiol

    def test_adjustment_and_hold(self) -> None:
        """The adjusted dose and the azole hold days are in the file."""
        events = self._events()
        texts = [str(event["description"]) for event in events]
        assert any("adjusted to 50% (neuropathy)" in text for text in texts)
        assert sum(str(event["summary"]).startswith("HOLD azole") for event in events) == 60
        assert str(events[-1]["summary"]) == (
            "Allogeneic SCT: trial's observed median interval (7 weeks; observation)"
        )
        assert "not a protocol rule" in str(events[-1]["description"])


class TestToRich:
    def test_course_tables_and_footer(self) -> None:
        """A table per course with merged day runs, then the SCT line and numbered sources."""
        text = _text(_calendar())
        title = (
            "intensive course 1 — mini-Hyper-CVD, odd course — starts Mon 2025-01-06 (28 days)"
        )
        assert title in text
        assert "maintenance course 39 — POMP" in text
        assert "1–4, 11–14" in text  # dexamethasone
        assert "SCT planning: cumulative inotuzumab 5.7 mg/m2" in text
        assert "[1] Jabbour et al., J Hematol Oncol 2023, Methods: Procedures" in text

    def test_bsa_worked_out_in_the_header(self) -> None:
        """The BSA's formula, unrounded value and rounding head the table."""
        assert "BSA Mosteller √(175 cm × 76 kg / 3600) = 1.9221 → 1.92 m2" in _text(_calendar())

    def test_adjustment_hold_and_mark_visible(self) -> None:
        """Adjustments, the azole hold and not-stated marks show in the table."""
        text = _text(_calendar())
        assert "adjusted to 50% (neuropathy)" in text
        assert "HOLD azole" in text  # the drug column wraps the rest of the name
        assert UNSTATED_MARK in text


class TestIcsUids:
    def test_two_patients_never_share_uids(self) -> None:
        """Two patients' files imported into one calendar app must not overwrite each other."""
        def uids(weight_kg: float) -> list[str]:
            calendar = build_calendar("amended", height_cm=175, weight_kg=weight_kg,
                                      start=dt.date(2025, 1, 6))
            parsed = icalendar.Calendar.from_ical(to_ics(calendar, generated_at=GENERATED))
            return [str(event["uid"]) for event in parsed.walk("VEVENT")]

        first, second = uids(76), uids(80)
        assert len(set(first)) == len(first)
        assert set(first).isdisjoint(second)


class TestIcsUpdates:
    """Two exports of one patient's calendar, before and after a delay of course 3."""

    @staticmethod
    def _by_uid(
        delays: tuple[str, ...] = (), patient_id: str | None = None
    ) -> dict[str, icalendar.Event]:
        calendar = build_calendar(
            "original", height_cm=175, weight_kg=76, start=dt.date(2025, 1, 6), cd20_pct=25,
            delays=[CourseDelay.parse(text) for text in delays],
        )
        parsed = icalendar.Calendar.from_ical(
            to_ics(calendar, generated_at=GENERATED, patient_id=patient_id)
        )
        return {str(event["uid"]): event for event in parsed.walk("VEVENT")}

    def test_a_delay_keeps_every_uid_and_raises_sequence(self) -> None:
        """After delaying course 3 by 7 days every UID is the same; the events of course 3 on
        (and the hold days and SCT date after them) moved 7 days with SEQUENCE 7; courses 1-2
        kept their date and SEQUENCE 0."""
        before, after = self._by_uid(), self._by_uid(("3:7",))
        assert set(before) == set(after)
        moved = 0
        for uid, event in before.items():
            later = after[uid]
            shift = (later.decoded("dtstart") - event.decoded("dtstart")).days
            assert int(event["sequence"]) == 0
            assert shift in (0, 7)
            assert int(later["sequence"]) == shift
            moved += shift == 7
        unmoved = [uid for uid in before if int(after[uid]["sequence"]) == 0]
        assert moved and unmoved
        assert all(re.search(r"-intensive-c[12](-|@)", uid)
                   for uid in unmoved if "-sct" not in uid)

    def test_uid_is_the_planned_administration(self) -> None:
        """protocol, component, phase, course and day are in the UID."""
        uids = self._by_uid()
        assert any(uid.endswith("-original-inotuzumab-c1-intensive-c1-d3@minihcvd")
                   for uid in uids)

    def test_patient_id_replaces_the_digest(self) -> None:
        """With a patient id the UIDs start with it (and not with the inputs' digest)."""
        uids = self._by_uid(patient_id="Study 042")
        assert all(uid.startswith("study-042-original-") for uid in uids)

    def test_two_patients_never_share_a_uid(self) -> None:
        """Another patient (another weight) on the same protocol and day: other UIDs."""
        other = build_calendar("original", height_cm=175, weight_kg=80,
                               start=dt.date(2025, 1, 6), cd20_pct=25)
        parsed = icalendar.Calendar.from_ical(to_ics(other, generated_at=GENERATED))
        assert not {str(e["uid"]) for e in parsed.walk("VEVENT")} & set(self._by_uid())


class TestSupportiveCare:
    """The paper's supportive care (Methods: Procedures): tumour lysis prophylaxis in the first
    course; antimicrobial prophylaxis during neutropenia (levofloxacin or cefpodoxime, an azole,
    valacyclovir or acyclovir), planned with each mini-Hyper-CVD course."""

    def test_course_notes(self) -> None:
        """Course 1 has both, courses 2-8 the prophylaxis, maintenance none; with the source."""
        calendar = _calendar()
        ids = [[care.id for care in course.supportive_care] for course in calendar.courses]
        assert ids[0] == ["tumour-lysis", "antimicrobial-prophylaxis"]
        assert ids[1:8] == [["antimicrobial-prophylaxis"]] * 7
        assert all(not care for care in ids[8:])
        lysis, prophylaxis = calendar.courses[0].supportive_care
        assert "allopurinol" in lysis.text and "rasburicase" in lysis.text
        assert "intravenous hydration" in lysis.text and lysis.stated_in_paper
        for agent in ("levofloxacin", "cefpodoxime", "azole", "valacyclovir", "acyclovir"):
            assert agent in prophylaxis.text
        assert not prophylaxis.stated_in_paper  # which courses is the reading
        assert lysis.source.endswith("Methods: Procedures (supportive care)")
        assert calendar.to_json_dict()["courses"][0]["supportive_care"][0]["id"] == "tumour-lysis"

    def test_amended_blinatumomab_courses_have_none(self) -> None:
        """Amended: the prophylaxis goes with the 4 mini-Hyper-CVD courses."""
        calendar = build_calendar("amended", height_cm=175, weight_kg=76,
                                  start=dt.date(2025, 1, 6))
        assert [len(c.supportive_care) for c in calendar.courses[:5]] == [2, 1, 1, 1, 0]

    def test_in_the_table_and_the_calendar(self) -> None:
        """A cyan row in the course table, an all-day event on the course's first day."""
        calendar = _calendar()
        assert _text(calendar).count("supportive care — tumour lysis") == 1
        events = icalendar.Calendar.from_ical(to_ics(calendar, generated_at=GENERATED))
        lysis = [e for e in events.walk("VEVENT") if "(tumour-lysis)" in str(e["summary"])]
        assert len(lysis) == 1 and lysis[0].decoded("dtstart") == dt.date(2025, 1, 6)


class TestTableAt80Columns:
    """Piped output is 80 columns: no drug name or dose may break across lines there."""

    @staticmethod
    def _cells(calendar: TreatmentCalendar) -> list[str]:
        buffer = io.StringIO()
        Console(file=buffer, width=80, no_color=True).print(to_rich(calendar))
        lines = buffer.getvalue().splitlines()
        assert max(len(line) for line in lines) <= 80
        return [cell.strip() for line in lines for cell in line.split("│")]

    @pytest.mark.parametrize(
        ("protocol", "options"),
        [
            ("original", {"cd20_pct": 30}),
            ("original", {"cns_disease": True, "via_ommaya": True}),
            ("amended", {"cd20_pct": 30, "height_cm": 150, "weight_kg": 40}),
            ("amended", {"height_cm": 200, "weight_kg": 150,
                         "adjustments": [DoseAdjustment.parse("cytarabine/IV@2:75%:renal")]}),
        ],
    )
    def test_drug_names_and_doses_whole(self, protocol: str, options: dict[str, Any]) -> None:
        """Every word of every drug name is a whole word in some cell, and every dose
        ('288 mg', '19.35 mcg/day') is whole in one cell line."""
        patient: dict[str, Any] = {"height_cm": 175, "weight_kg": 76,
                                   "start": dt.date(2025, 1, 6)}
        calendar = build_calendar(protocol, **{**patient, **options})
        cells = self._cells(calendar)
        words = {word for cell in cells for word in cell.split()}
        for row in calendar.administrations:
            for word in row.drug.split():
                assert word in words, (row.drug, word)
            assert f"{_number(row.dose)} {row.unit}" in cells, row
