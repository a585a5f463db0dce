"""build_calendar: every component and condition, delays, adjustments, holds, SCT planning.

Reference patient: 175 cm, 76 kg (Mosteller 1.92 m2), day 1 of course 1 on Monday 2025-01-06.
Counts and dates below were worked out by hand from the protocol (see each docstring).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minihcvd.calendar import (
    INTERPRETATION_MARK,
    UNSTATED_MARK,
    Administration,
    CourseDelay,
    DoseAdjustment,
    TreatmentCalendar,
    build_calendar,
    parse_start_date,
)
from minihcvd.errors import CalendarError, DosingError, MinihcvdError
from minihcvd.protocol import Protocol, load_protocol

START = dt.date(2025, 1, 6)


def _calendar(protocol: str = "original", **options: Any) -> TreatmentCalendar:
    patient: dict[str, Any] = {"height_cm": 175, "weight_kg": 76, "start": START}
    return build_calendar(protocol, **{**patient, **options})


def _rows(calendar: TreatmentCalendar, drug: str, route: str | None = None) -> list[Administration]:
    return [
        row for row in calendar.administrations
        if row.drug == drug and (route is None or row.route == route)
    ]


def _where(rows: list[Administration]) -> list[tuple[str, int, int]]:
    return [(row.phase, row.course, row.day) for row in rows]


class TestOriginal:
    def test_counts_per_drug(self) -> None:
        """Per drug: courses x days of the protocol (e.g. mercaptopurine 39 x 28 = 1092)."""
        counts = Counter((row.drug, row.route) for row in _calendar().administrations)
        assert counts == {
            ("cyclophosphamide", "IV"): 12,
            ("dexamethasone", "IV"): 32,
            ("vincristine", "IV"): 8 + 12,
            ("methotrexate", "IV"): 4,
            ("cytarabine", "IV"): 8,
            ("inotuzumab ozogamicin", "IV"): 4,
            ("methotrexate", "IT"): 4,
            ("cytarabine", "IT"): 4,
            ("pegfilgrastim", "SC"): 8,
            ("ursodiol", "PO"): 112,
            ("prednisone", "PO"): 60,
            ("mercaptopurine", "PO"): 1092,
            ("methotrexate", "PO"): 156,
        }

    def test_odd_course_days(self) -> None:
        """Course 1: cyclophosphamide days 1-3 (x2), dexamethasone 1-4 and 11-14, VCR 1 and 8."""
        calendar = _calendar()
        assert _where(_rows(calendar, "cyclophosphamide"))[:3] == [
            ("intensive", 1, 1), ("intensive", 1, 2), ("intensive", 1, 3)
        ]
        assert [r.day for r in _rows(calendar, "dexamethasone") if r.course == 1] == [
            1, 2, 3, 4, 11, 12, 13, 14
        ]
        assert [r.day for r in _rows(calendar, "vincristine") if r.phase == "intensive"] == [
            1, 8
        ] * 4
        assert {r.doses_per_day for r in _rows(calendar, "cyclophosphamide")} == {2}

    def test_even_course_days(self) -> None:
        """Course 2 (starts 2025-02-03): methotrexate day 1, cytarabine days 2-3 every 12 h."""
        calendar = _calendar()
        methotrexate = _rows(calendar, "methotrexate", "IV")[0]
        assert (methotrexate.date, methotrexate.dose) == (dt.date(2025, 2, 3), 480.0)
        cytarabine = _rows(calendar, "cytarabine", "IV")[:2]
        assert [(r.date, r.dose, r.doses_per_day) for r in cytarabine] == [
            (dt.date(2025, 2, 4), 960.0, 2), (dt.date(2025, 2, 5), 960.0, 2)
        ]

    def test_inotuzumab_doses(self) -> None:
        """Day 3 of courses 1-4: 3.46 mg, then 2.5 mg (1.3 x 1.92 = 2.496)."""
        rows = _rows(_calendar(), "inotuzumab ozogamicin")
        assert [(r.date, r.dose) for r in rows] == [
            (dt.date(2025, 1, 8), 3.46),
            (dt.date(2025, 2, 5), 2.5),
            (dt.date(2025, 3, 5), 2.5),
            (dt.date(2025, 4, 2), 2.5),
        ]
        assert rows[0].calculation == "1.8 mg/m2 × 1.92 m2 (Mosteller) = 3.456 → 3.46 mg"

    def test_reduced_inotuzumab(self) -> None:
        """original-reduced: 1.3 x 1.92 = 2.496 -> 2.5 mg, then 1.0 x 1.92 = 1.92 mg."""
        rows = _rows(_calendar("original-reduced"), "inotuzumab ozogamicin")
        assert [r.dose for r in rows] == [2.5, 1.92, 1.92, 1.92]

    def test_maintenance_follows_course_8(self) -> None:
        """POMP course 1 starts 8 x 28 = 224 days after 2025-01-06, on 2025-08-18."""
        calendar = _calendar()
        first = next(r for r in calendar.administrations if r.phase == "maintenance")
        assert (first.date, first.course, first.day) == (dt.date(2025, 8, 18), 1, 1)
        assert [c.start for c in calendar.courses[7:9]] == [
            dt.date(2025, 7, 21), dt.date(2025, 8, 18)
        ]

    def test_pomp(self) -> None:
        """Vincristine 2 mg and prednisone 50 mg only in POMP year 1; 6-MP 50 mg x2 daily."""
        calendar = _calendar()
        vincristine = [r for r in _rows(calendar, "vincristine") if r.phase == "maintenance"]
        assert [r.course for r in vincristine] == list(range(1, 13))
        assert max(r.course for r in _rows(calendar, "prednisone")) == 12
        mercaptopurine = _rows(calendar, "mercaptopurine")
        assert {(r.dose, r.doses_per_day) for r in mercaptopurine} == {(50.0, 2)}
        assert mercaptopurine[-1].date == dt.date(2025, 8, 18) + dt.timedelta(days=39 * 28 - 1)
        methotrexate = _rows(calendar, "methotrexate", "PO")
        assert [r.day for r in methotrexate[:4]] == [1, 8, 15, 22]
        # 10 mg/m2 x 1.92 m2 = 19.2 mg, given as 2.5 mg tablets: 20 mg (the site's practice)
        assert methotrexate[0].calculation == (
            "10 mg/m2 × 1.92 m2 (Mosteller) = 19.2 mg → given 20 mg (tablets of 2.5 mg (nearest"
            " 2.5 mg): institutional practice, not the trial paper — confirm)"
        )
        assert (methotrexate[0].dose, methotrexate[0].dose_calculated) == (20.0, 19.2)

    def test_pomp_lasts_three_years(self) -> None:
        """The paper gives 3 years of 6-MP and weekly oral methotrexate (vincristine and
        prednisone for the first year, monthly): 28-day courses must cover 3 years, not the
        1008 days (about 33 months) that 36 of them would."""
        calendar = _calendar()
        mercaptopurine = _rows(calendar, "mercaptopurine")
        span_days = (mercaptopurine[-1].date - mercaptopurine[0].date).days + 1
        three_years = (dt.date(2028, 8, 18) - dt.date(2025, 8, 18)).days
        assert three_years - 7 <= span_days <= three_years
        assert len(_rows(calendar, "methotrexate", "PO")) == 3 * 52
        vincristine = [r for r in _rows(calendar, "vincristine") if r.phase == "maintenance"]
        assert len(vincristine) == 12
        assert (vincristine[-1].date - mercaptopurine[0].date).days < 365

    def test_pegfilgrastim_day_4(self) -> None:
        """Pegfilgrastim 6 mg SC on day 4 of each of the 8 courses, window +2 days."""
        rows = _rows(_calendar(), "pegfilgrastim")
        assert {(r.day, r.dose, r.route) for r in rows} == {(4, 6.0, "SC")}
        assert rows[0].notes == ("day window +2 days",)

    def test_ordered_by_date(self) -> None:
        """Administrations are in date order."""
        dates = [row.date for row in _calendar().administrations]
        assert dates == sorted(dates)


class TestAmended:
    def test_counts_per_drug(self) -> None:
        """4 mini-Hyper-CVD courses, 4 blinatumomab courses, 12 POMP + 4 blinatumomab."""
        counts = Counter((row.drug, row.route) for row in _calendar("amended").administrations)
        assert counts == {
            ("cyclophosphamide", "IV"): 6,
            ("dexamethasone", "IV"): 16,
            ("vincristine", "IV"): 4 + 12,
            ("methotrexate", "IV"): 2,
            ("cytarabine", "IV"): 4,
            ("inotuzumab ozogamicin", "IV"): 8,
            ("blinatumomab", "IV"): 4 * 28 + 4 * 28,
            ("methotrexate", "IT"): 4,
            ("cytarabine", "IT"): 4,
            ("pegfilgrastim", "SC"): 4,
            ("ursodiol", "PO"): 112,
            ("prednisone", "PO"): 60,
            ("mercaptopurine", "PO"): 12 * 28,
            ("methotrexate", "PO"): 48,
        }

    def test_fractionated_inotuzumab(self) -> None:
        """Days 2 and 8: 1.15 + 0.58 mg in course 1 (0.6, 0.3 mg/m2), then 0.58 + 0.58."""
        rows = _rows(_calendar("amended"), "inotuzumab ozogamicin")
        assert [(r.course, r.day, r.dose) for r in rows] == [
            (1, 2, 1.15), (1, 8, 0.58), (2, 2, 0.58), (2, 8, 0.58),
            (3, 2, 0.58), (3, 8, 0.58), (4, 2, 0.58), (4, 8, 0.58),
        ]

    def test_blinatumomab_first_course_steps_up(self) -> None:
        """Course 5 (2025-04-28): 9 mcg/day days 1-4, then 28 mcg/day days 5-28; 14 days off."""
        rows = [r for r in _rows(_calendar("amended"), "blinatumomab") if r.course == 5]
        assert [(r.day, r.dose, r.unit) for r in rows[3:5]] == [
            (4, 9.0, "mcg/day"), (5, 28.0, "mcg/day")
        ]
        assert (rows[0].date, len(rows), rows[-1].day) == (dt.date(2025, 4, 28), 28, 28)

    def test_maintenance_blinatumomab_after_every_third_pomp(self) -> None:
        """Maintenance courses 4, 8, 12, 16 are blinatumomab at 28 mcg/day; the rest POMP."""
        calendar = _calendar("amended")
        blinatumomab = {
            r.course for r in _rows(calendar, "blinatumomab") if r.phase == "maintenance"
        }
        assert blinatumomab == {4, 8, 12, 16}
        pomp = {r.course for r in _rows(calendar, "mercaptopurine")}
        assert pomp == set(range(1, 16)) - {4, 8, 12}
        maintenance = next(c for c in calendar.courses if c.phase == "maintenance")
        assert maintenance.start == dt.date(2025, 10, 13)  # 4 x 28 + 4 x 42 = 280 days

    def test_under_45_kg(self) -> None:
        """150 cm, 40 kg (1.29 m2): the label's schedule, not a mix with the trial's day-5 step:
        5 x 1.29 = 6.45 mcg/day on days 1-7, then 15 x 1.29 = 19.35 from day 8; flagged."""
        calendar = _calendar("amended", height_cm=150, weight_kg=40)
        rows = [r for r in _rows(calendar, "blinatumomab") if r.course == 5
                and r.phase == "intensive"]
        assert [(r.day, r.dose) for r in rows] == [(d, 6.45) for d in range(1, 8)] + [
            (d, 19.35) for d in range(8, 29)
        ]
        assert not rows[0].stated_in_paper
        assert rows[0].notes[0] == (
            "weight 40 kg is under 45 kg: BSA-based label dose instead of 9 mcg/day, on the"
            " label's days 1-7 instead of the trial's days 1-4"
        )
        assert "step to 15 mcg/m2/day on day 8" in rows[0].calculation
        assert calendar.notes[-1] == (
            "weight 40 kg < 45 kg: blinatumomab dosed by BSA per the label and on the label's"
            " schedule (first course: step up on day 8, not the trial's day 5);"
            f" {UNSTATED_MARK}"
        )

    def test_45_kg_keeps_the_trials_step(self) -> None:
        """At 45 kg: the trial's flat doses, 9 mcg/day on days 1-4, 28 from day 5."""
        calendar = _calendar("amended", height_cm=160, weight_kg=45)
        rows = [r for r in _rows(calendar, "blinatumomab") if r.course == 5
                and r.phase == "intensive"]
        assert [(r.day, r.dose) for r in rows] == [(d, 9.0) for d in range(1, 5)] + [
            (d, 28.0) for d in range(5, 29)
        ]


class TestConditions:
    def test_rituximab_when_cd20_at_least_20(self) -> None:
        """CD20 20%: days 1, 11 of courses 1, 3 and days 1, 8 of courses 2, 4 (8 doses)."""
        calendar = _calendar(cd20_pct=20)
        rows = _rows(calendar, "rituximab")
        assert [(r.course, r.day) for r in rows] == [
            (1, 1), (1, 11), (2, 1), (2, 8), (3, 1), (3, 11), (4, 1), (4, 8)
        ]
        assert rows[0].dose == 720.0  # 375 x 1.92
        assert rows[0].calculation.endswith(
            f"[{UNSTATED_MARK}: dose 375 mg/m2 (the paper gives days and courses only)]"
        )
        assert calendar.notes[0] == "CD20 20% >= 20%: rituximab scheduled"

    def test_no_rituximab_below_20(self) -> None:
        """CD20 19.9%: no rituximab, and the calendar says why."""
        calendar = _calendar(cd20_pct=19.9)
        assert _rows(calendar, "rituximab") == []
        assert calendar.notes[0] == "CD20 19.9% < 20%: no rituximab"

    @pytest.mark.parametrize("cd20_pct", [None, math.nan])
    def test_cd20_unknown(self, cd20_pct: float | None) -> None:
        """CD20 not given (None, or NaN from a data frame): no rituximab, noted."""
        calendar = _calendar(cd20_pct=cd20_pct)
        assert _rows(calendar, "rituximab") == []
        assert calendar.cd20_pct is None
        assert calendar.notes[0] == "CD20 not given: rituximab (for CD20 >= 20%) not scheduled"

    @pytest.mark.parametrize("cd20_pct", [-1, 100.1])
    def test_cd20_out_of_range(self, cd20_pct: float) -> None:
        """CD20 outside 0-100% is refused."""
        with pytest.raises(CalendarError, match=r"field 'cd20_pct': expected 0-100 %"):
            _calendar(cd20_pct=cd20_pct)

    def test_it_prophylaxis(self) -> None:
        """Courses 1-4: MTX day 2 + AraC day 7 in odd courses, reversed in even; 8 in all."""
        calendar = _calendar()
        intrathecal = [(r.course, r.day, r.drug, r.dose) for r in calendar.administrations
                       if r.route == "IT"]
        assert intrathecal == [
            (1, 2, "methotrexate", 12.0), (1, 7, "cytarabine", 100.0),
            (2, 2, "cytarabine", 100.0), (2, 7, "methotrexate", 12.0),
            (3, 2, "methotrexate", 12.0), (3, 7, "cytarabine", 100.0),
            (4, 2, "cytarabine", 100.0), (4, 7, "methotrexate", 12.0),
        ]
        first = _rows(calendar, "methotrexate", "IT")[0]
        assert not first.stated_in_paper
        assert "day window ±3 days" in first.notes

    def test_ommaya(self) -> None:
        """Via Ommaya, intrathecal methotrexate is 6 mg by the route 'intraventricular (Ommaya)'
        (not 'IT', a lumbar puncture); cytarabine, with no Ommaya dose, stays IT with a note."""
        calendar = _calendar(via_ommaya=True)
        rows = _rows(calendar, "methotrexate", "intraventricular (Ommaya)")
        assert len(rows) == 4 and {r.dose for r in rows} == {6.0}
        assert _rows(calendar, "methotrexate", "IT") == []
        cytarabine = _rows(calendar, "cytarabine", "IT")
        assert len(cytarabine) == 4
        assert all("planned by lumbar puncture (IT) — confirm the route" in " ".join(r.notes)
                   for r in cytarabine)

    def test_without_ommaya_no_route_note(self) -> None:
        """Without --ommaya every intrathecal dose is IT and carries no Ommaya note."""
        calendar = _calendar()
        assert all("Ommaya reservoir:" not in " ".join(r.notes) for r in calendar.administrations)

    def test_triple_it_doses_are_stated_only_the_schedule_is_assumed(self) -> None:
        """The paper states the triple IT doses (cytarabine 40 mg, methotrexate 12 mg IT or 6 mg
        via Ommaya, hydrocortisone 50 mg): they are not marked; the number of doses is."""
        calendar = _calendar(cns_disease=True)
        triple = [r for r in calendar.administrations if r.course == 1 and r.route == "IT"]
        assert triple and all(r.stated_in_paper for r in triple)
        assert all(UNSTATED_MARK not in r.calculation for r in triple)
        assert all(f"schedule {UNSTATED_MARK}: how many twice-weekly doses" in " ".join(r.notes)
                   for r in triple)
        via_ommaya = _calendar(cns_disease=True, via_ommaya=True)
        methotrexate = [r for r in via_ommaya.administrations
                        if r.course == 1 and r.drug == "methotrexate" and r.route != "PO"]
        assert {(r.route, r.dose, r.stated_in_paper) for r in methotrexate} == {
            ("intraventricular (Ommaya)", 6.0, True)
        }

    def test_cns_disease_triple_it(self) -> None:
        """Twice weekly days 2, 5, 9, 12 (assumed 4), then weekly 19, 26; course 1 IT replaced."""
        calendar = _calendar(cns_disease=True)
        course_1 = [(r.day, r.drug, r.dose) for r in calendar.administrations
                    if r.route == "IT" and r.course == 1]
        days = [2, 5, 9, 12, 19, 26]
        assert course_1 == [
            (day, drug, dose) for day in days
            for drug, dose in (("cytarabine", 40.0), ("methotrexate", 12.0),
                               ("hydrocortisone", 50.0))
        ]
        later = [(r.course, r.day) for r in calendar.administrations if r.route == "IT"
                 and r.course > 1]
        assert later == [(2, 2), (2, 7), (3, 2), (3, 7), (4, 2), (4, 7)]
        assert "planned here as 4 doses" in " ".join(_rows(calendar, "hydrocortisone")[0].notes)

    def test_cns_weekly_runs_on_when_next_course_is_delayed(self) -> None:
        """With course 2 a week later, a third weekly dose (day 33) fits before it."""
        calendar = _calendar(cns_disease=True, delays=[CourseDelay("intensive", 2, 7)])
        assert [r.day for r in _rows(calendar, "hydrocortisone")] == [2, 5, 9, 12, 19, 26, 33]

    def test_cns_more_doses_until_clear(self) -> None:
        """8 twice-weekly doses end on day 26; no weekly dose fits before day 29."""
        calendar = _calendar(cns_disease=True, cns_doses_until_clear=8)
        assert [r.day for r in _rows(calendar, "hydrocortisone")] == [
            2, 5, 9, 12, 16, 19, 23, 26
        ]

    def test_cns_doses_overrun_next_course(self) -> None:
        """A 9th twice-weekly dose (day 30) would fall in course 2: refused with advice."""
        with pytest.raises(CalendarError) as caught:
            _calendar(cns_disease=True, cns_doses_until_clear=9)
        assert caught.value.one_line() == (
            "field 'cns_doses_until_clear': 9 twice-weekly triple IT doses run past the start of"
            " the next course (2025-02-03); delay that course or plan fewer doses"
        )

    def test_ursodiol_only_from_september_2015(self) -> None:
        """Original started 2015-08-03: ursodiol from 2015-09-01 to the end of course 4."""
        calendar = _calendar(start=dt.date(2015, 8, 3))
        rows = _rows(calendar, "ursodiol")
        assert (rows[0].date, rows[-1].date, len(rows)) == (
            dt.date(2015, 9, 1), dt.date(2015, 11, 22), 30 + 31 + 22
        )
        assert rows[0].doses_per_day == 3
        assert calendar.notes[-1].startswith("ursodiol only from 2015-09-01 on")


class TestDelays:
    def test_delay_shifts_course_and_later(self) -> None:
        """Delaying course 3 by 7 days moves courses 3+ a week, not courses 1-2."""
        plain, delayed = _calendar(), _calendar(delays=[CourseDelay.parse("3:7")])
        shift = [(b.start - a.start).days for a, b in zip(plain.courses, delayed.courses,
                                                          strict=True)]
        assert shift == [0, 0] + [7] * 45
        assert delayed.courses[2].notes == ("course delayed 7 days",)
        assert delayed.courses[2].delay_days == 7

    def test_maintenance_delay(self) -> None:
        """m2:14 moves maintenance course 2 onward by two weeks."""
        delayed = _calendar(delays=[CourseDelay.parse("m2:14")])
        assert delayed.courses[9].start == dt.date(2025, 8, 18) + dt.timedelta(days=28 + 14)

    def test_unknown_course(self) -> None:
        """A delay for a course the protocol does not have is refused."""
        with pytest.raises(CalendarError) as caught:
            _calendar("amended", delays=[CourseDelay.parse("9:7")])
        assert caught.value.one_line() == (
            "field 'delay': protocol amended has no intensive course 9"
        )

    def test_same_course_twice(self) -> None:
        """Two delays of the same course are ambiguous and refused."""
        with pytest.raises(CalendarError, match="course 3 is delayed twice"):
            _calendar(delays=[CourseDelay.parse("3:7"), CourseDelay.parse("3:2")])

    @given(
        st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 1, 1)),
        st.dictionaries(st.integers(min_value=0, max_value=23), st.integers(1, 60), max_size=5),
    )
    def test_course_starts_add_up(self, start: dt.date, delays: dict[int, int]) -> None:
        """Each course starts at day 1 + lengths of earlier courses + delays up to it."""
        plan = load_protocol("amended")
        requested = [
            CourseDelay(plan.courses[i].phase, plan.courses[i].number, days)
            for i, days in delays.items()
        ]
        calendar = _calendar("amended", start=start, delays=requested)
        elapsed = 0
        for index, (ref, course) in enumerate(zip(plan.courses, calendar.courses, strict=True)):
            elapsed += delays.get(index, 0)
            assert course.start == start + dt.timedelta(days=elapsed)
            elapsed += ref.group.length_days
        starts = {(c.phase, c.course): c.start for c in calendar.courses}
        for row in calendar.administrations:
            assert row.date == starts[(row.phase, row.course)] + dt.timedelta(days=row.day - 1)


class TestAdjustments:
    def test_vincristine_halved_in_one_course(self) -> None:
        """vincristine@3:50%:neuropathy halves both course 3 doses only."""
        calendar = _calendar(adjustments=[DoseAdjustment.parse("vincristine@3:50%:neuropathy")])
        doses = [(r.course, r.dose) for r in _rows(calendar, "vincristine")
                 if r.phase == "intensive"]
        assert doses == [(1, 2.0), (1, 2.0), (3, 1.0), (3, 1.0), (5, 2.0), (5, 2.0),
                         (7, 2.0), (7, 2.0)]
        adjusted = _rows(calendar, "vincristine")[2]
        assert adjusted.calculation == (
            "2 mg flat dose; adjusted to 50% (neuropathy): 2 mg × 50% = 1 mg"
        )
        assert adjusted.notes == ("dose adjusted to 50%: neuropathy",)

    def test_maintenance_course(self) -> None:
        """m2 addresses the second POMP course."""
        calendar = _calendar(adjustments=[DoseAdjustment.parse("vincristine@m2:50%:ileus")])
        doses = [r.dose for r in _rows(calendar, "vincristine") if r.phase == "maintenance"]
        assert doses[:3] == [2.0, 1.0, 2.0]

    def test_route_needed_when_two_routes(self) -> None:
        """Course 2 gives methotrexate IV and IT: the route must be named."""
        with pytest.raises(CalendarError) as caught:
            _calendar(adjustments=[DoseAdjustment.parse("methotrexate@2:50%:renal")])
        assert caught.value.one_line() == (
            "field 'adjust': course 2 gives methotrexate by IT and IV; name the route, e.g."
            " methotrexate/IT@2:..."
        )

    def test_route_named(self) -> None:
        """methotrexate/IV@2 halves the 480 mg IV dose and leaves the 12 mg IT dose."""
        calendar = _calendar(adjustments=[DoseAdjustment.parse("methotrexate/IV@2:50%:renal")])
        course_2 = [(r.route, r.dose) for r in _rows(calendar, "methotrexate") if r.course == 2
                    and r.phase == "intensive"]
        assert course_2 == [("IV", 240.0), ("IT", 12.0)]

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("vincristine@2:50%:x", "course 2 of this calendar has no vincristine to adjust"),
            ("rituximab@1:50%:x", "course 1 of this calendar has no rituximab to adjust"),
            ("vincristine/IT@1:50%:x", "course 1 of this calendar has no vincristine IT to adjust"),
            ("vincristine@m13:50%:x", "course m13 of this calendar has no vincristine to adjust"),
        ],
    )
    def test_drug_not_in_course(self, text: str, message: str) -> None:
        """Adjusting a drug the course does not contain (for this patient) is refused."""
        with pytest.raises(CalendarError) as caught:
            _calendar(adjustments=[DoseAdjustment.parse(text)])
        assert caught.value.one_line() == f"field 'adjust': {message}"

    def test_same_drug_twice(self) -> None:
        """Two adjustments of one drug in one course are refused."""
        with pytest.raises(CalendarError, match="vincristine in course 1 is adjusted twice"):
            _calendar(adjustments=[DoseAdjustment.parse("vincristine@1:50%:a"),
                                   DoseAdjustment.parse("vincristine@1:75%:b")])

    def test_inotuzumab_cumulative_follows_adjustment(self) -> None:
        """75% in course 2: 1.8 + 0.975 + 1.3 + 1.3 = 5.375 mg/m2 of 5.7 planned."""
        calendar = _calendar(
            adjustments=[DoseAdjustment.parse("inotuzumab ozogamicin@2:75%:liver tests")]
        )
        sct = calendar.sct_planning
        assert (sct.inotuzumab_cumulative_mg_per_m2, sct.inotuzumab_planned_total_mg_per_m2) == (
            5.375, 5.7
        )


def _adjusted(*texts: str, protocol: str = "original") -> TreatmentCalendar:
    return _calendar(protocol, adjustments=[DoseAdjustment.parse(text) for text in texts])


class TestLastingAdjustments:
    def test_range_covers_every_course(self) -> None:
        """mercaptopurine@m1-m39:50%:TPMT: 50 mg becomes 25 mg in all 39 POMP courses (1092
        days), nothing left at full dose, and the calendar says it runs to the end."""
        calendar = _adjusted("mercaptopurine@m1-m39:50%:TPMT")
        rows = _rows(calendar, "mercaptopurine")
        assert len(rows) == 39 * 28 and {r.dose for r in rows} == {25.0}
        assert "mercaptopurine PO at 50% (TPMT) in courses m1-m39; to the end of its planned" \
            " courses." in calendar.notes

    def test_list_and_back_to_full(self) -> None:
        """vincristine@3,5,7:50%: courses 3, 5, 7 at 1 mg; course 1 and the maintenance courses
        at 2 mg; the first maintenance vincristine says it is the full dose again."""
        calendar = _adjusted("vincristine@3,5,7:50%:neuropathy")
        by_course = {(r.phase, r.course): r.dose for r in _rows(calendar, "vincristine")}
        assert [by_course[("intensive", n)] for n in (1, 3, 5, 7)] == [2.0, 1.0, 1.0, 1.0]
        assert by_course[("maintenance", 1)] == 2.0
        first_full = [r for r in _rows(calendar, "vincristine") if r.phase == "maintenance"]
        assert "full dose again from this course (after 50% in courses 3, 5, 7: neuropathy)" in (
            first_full[0].notes
        )
        assert all("full dose again" not in " ".join(r.notes) for r in first_full[1:])
        assert ("vincristine IV at 50% (neuropathy) in courses 3, 5, 7; full dose again from"
                " course m1.") in calendar.notes

    def test_open_range_to_the_end(self) -> None:
        """vincristine@m5-: from m5 every later vincristine (POMP gives it in m1-m12) is halved."""
        calendar = _adjusted("vincristine@m5-:50%:neuropathy")
        doses = {r.course: r.dose for r in _rows(calendar, "vincristine")
                 if r.phase == "maintenance"}
        assert sorted(doses) == list(range(1, 13))
        assert [doses[n] for n in range(1, 13)] == [2.0] * 4 + [1.0] * 8

    def test_range_across_phases_skips_courses_without_the_drug(self) -> None:
        """vincristine@3-m2 covers courses 3-8 and m1-m2 in treatment order; the even courses
        have no vincristine and are skipped (a range is not a promise that each course has it)."""
        calendar = _adjusted("vincristine@3-m2:50%:neuropathy")
        halved = sorted({(r.phase, r.course) for r in _rows(calendar, "vincristine")
                         if r.dose == 1.0})
        assert halved == [("intensive", 3), ("intensive", 5), ("intensive", 7),
                          ("maintenance", 1), ("maintenance", 2)]

    def test_single_course_says_when_full_again(self) -> None:
        """The one-course adjustment of before: course 5 carries the full-dose note."""
        calendar = _adjusted("vincristine@3:50%:neuropathy")
        course_5 = [r for r in _rows(calendar, "vincristine") if r.course == 5
                    and r.phase == "intensive"]
        assert all(r.dose == 2.0 and any(n.startswith("full dose again") for n in r.notes)
                   for r in course_5)

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("vincristine@3,4:50%:x", "course 4 of this calendar has no vincristine to adjust"),
            ("vincristine@m13-m20:50%:x",
             "courses m13-m20 of this calendar have no vincristine to adjust"),
            ("vincristine@m40-:50%:x",
             "protocol original has no maintenance course 40 (in vincristine@m40-)"),
            ("vincristine@5-3:50%:x", "the range 5-3 runs backwards in treatment order"),
            ("methotrexate@1-4:50%:x",
             "course 2 gives methotrexate by IT and IV; name the route, e.g."
             " methotrexate/IT@1-4:..."),
        ],
    )
    def test_refused(self, text: str, message: str) -> None:
        """Listed courses without the drug, empty ranges, unknown courses, backward ranges and
        ambiguous routes are one line each."""
        with pytest.raises(CalendarError) as caught:
            _adjusted(text)
        assert caught.value.one_line() == f"field 'adjust': {message}"

    def test_overlap_refused(self) -> None:
        """A course covered by two adjustments of the same drug is refused."""
        with pytest.raises(CalendarError, match="vincristine in course 5 is adjusted twice"):
            _adjusted("vincristine@3-:50%:a", "vincristine@5:75%:b")


class TestInputs:
    def test_protocol_object_or_name(self) -> None:
        """A loaded Protocol and its name give the same calendar."""
        assert _calendar(load_protocol("amended")) == _calendar("amended")

    @pytest.mark.parametrize(
        ("options", "error", "field"),
        [
            ({"height_cm": 60}, DosingError, "height_cm"),
            ({"weight_kg": 500}, DosingError, "weight_kg"),
            ({"bsa_formula": "boyd"}, DosingError, "bsa_formula"),
            ({"start": dt.date(1999, 12, 31)}, CalendarError, "start"),
            ({"start": dt.datetime(2025, 1, 6, 8, 0)}, CalendarError, "start"),
        ],
    )
    def test_bad_input(self, options: dict[str, Any], error: type[MinihcvdError],
                       field: str) -> None:
        """Each bad input raises our error naming its field."""
        with pytest.raises(error) as caught:
            _calendar(**options)
        assert caught.value.field == field

    def test_bsa_cap_noted(self) -> None:
        """A capped BSA is used for every BSA dose and noted once for the calendar."""
        calendar = _calendar(height_cm=190, weight_kg=120, bsa_cap_m2=2.0)
        assert _rows(calendar, "cyclophosphamide")[0].dose == 300.0
        assert calendar.notes[-1] == (
            "BSA capped: 2.00 m2 (Mosteller 2.52 m2, capped) used for every BSA-based dose"
        )
        assert (calendar.bsa_m2, calendar.bsa_calculated_m2) == (2.0, 2.52)

    def test_dubois(self) -> None:
        """DuBois 1.91 m2: 1.8 x 1.91 = 3.438 -> 3.44 mg inotuzumab."""
        calendar = _calendar(bsa_formula="dubois")
        assert _rows(calendar, "inotuzumab ozogamicin")[0].calculation == (
            "1.8 mg/m2 × 1.91 m2 (DuBois) = 3.438 → 3.44 mg"
        )

    @pytest.mark.parametrize(
        "text", ["2025-13-01", "2025-02-30", "06/01/2025", "2025-1-6", "20250106", "2025-W02-1", ""]
    )
    def test_parse_start_date_bad(self, text: str) -> None:
        """Only YYYY-MM-DD dates are accepted."""
        with pytest.raises(CalendarError) as caught:
            parse_start_date(text)
        assert caught.value.one_line() == (
            f"field 'start': expected a date YYYY-MM-DD, found {text!r}"
        )

    def test_parse_start_date(self) -> None:
        """An ISO date parses."""
        assert parse_start_date("2025-01-06") == START


class TestNumpyInputs:
    def test_numpy_numbers_accepted(self) -> None:
        """Values taken from a data frame (numpy scalars) work like Python numbers."""
        calendar = _calendar(height_cm=np.int64(175), weight_kg=np.float64(76),
                             cd20_pct=np.float32(30))
        assert (calendar.bsa_m2, len(_rows(calendar, "rituximab"))) == (1.92, 8)


# Per-administration amount before BSA of every drug and route the amended calendar gives,
# written out from the paper: per m2 (True) or flat (False).
_AMENDED_DOSES: dict[tuple[str, str, str], tuple[set[float], bool]] = {
    ("cyclophosphamide", "IV", "intensive"): ({150}, True),
    ("dexamethasone", "IV", "intensive"): ({20}, False),
    ("vincristine", "IV", "intensive"): ({2}, False),
    ("methotrexate", "IV", "intensive"): ({250}, True),
    ("cytarabine", "IV", "intensive"): ({500}, True),
    ("inotuzumab ozogamicin", "IV", "intensive"): ({0.6, 0.3}, True),
    ("rituximab", "IV", "intensive"): ({375}, True),
    ("methotrexate", "IT", "intensive"): ({12}, False),
    ("cytarabine", "IT", "intensive"): ({100}, False),
    ("pegfilgrastim", "SC", "intensive"): ({6}, False),
    ("ursodiol", "PO", "intensive"): ({300}, False),
    ("blinatumomab", "IV", "intensive"): ({9, 28}, False),
    ("blinatumomab", "IV", "maintenance"): ({28}, False),
    ("vincristine", "IV", "maintenance"): ({2}, False),
    ("prednisone", "PO", "maintenance"): ({50}, False),
    ("mercaptopurine", "PO", "maintenance"): ({50}, False),
    ("methotrexate", "PO", "maintenance"): ({10}, True),
}


# The shipped files' rounding (institutional practice, marked): step per (drug, route, phase).
_ROUNDING_STEPS: dict[tuple[str, str, str], float] = {
    ("rituximab", "IV", "intensive"): 10.0,
    ("methotrexate", "PO", "maintenance"): 2.5,
}


class TestDoseProperties:
    @given(
        st.floats(min_value=100, max_value=250),
        st.floats(min_value=45, max_value=350),
        st.sampled_from(["mosteller", "dubois"]),
    )
    def test_flat_stay_flat_and_per_m2_follow_bsa(
        self, height_cm: float, weight_kg: float, formula: str
    ) -> None:
        """For any patient of 45 kg or more: flat doses are the protocol's amounts whatever the
        body size (vincristine never above 2 mg); every per-m2 dose is amount x BSA rounded
        half-up to 0.01 mg — for rituximab (10 mg) and oral methotrexate (2.5 mg tablets) that is
        the calculated dose, and the dose given is its nearest multiple of the step —, and the
        BSA is the formula's value to 0.01 m2."""
        calendar = _calendar("amended", height_cm=height_cm, weight_kg=weight_kg,
                             bsa_formula=formula, cd20_pct=50)
        exact_bsa = (
            math.sqrt(height_cm * weight_kg / 3600) if formula == "mosteller"
            else 0.007184 * height_cm**0.725 * weight_kg**0.425
        )
        assert abs(calendar.bsa_m2 - exact_bsa) <= 0.005 + 1e-9
        seen: set[tuple[str, str, str]] = set()
        for row in calendar.administrations:
            key = (row.drug, row.route, row.phase)
            seen.add(key)
            amounts, per_m2 = _AMENDED_DOSES[key]
            step = _ROUNDING_STEPS.get(key)
            calculated = row.dose if row.dose_calculated is None else row.dose_calculated
            if step is not None:
                assert abs(row.dose - calculated) <= step / 2 + 1e-9, row
                assert abs(row.dose / step - round(row.dose / step)) < 1e-9, row
            else:
                assert row.dose_calculated is None, row
            if per_m2:
                assert any(
                    abs(calculated - amount * calendar.bsa_m2) <= 0.005 + 1e-9
                    for amount in amounts
                ), row
            else:
                assert row.dose in amounts, row
        assert seen == set(_AMENDED_DOSES)
        assert max(r.dose for r in _rows(calendar, "vincristine")) == 2.0

    @given(
        st.floats(min_value=100, max_value=250),
        st.floats(min_value=20, max_value=44.99),
        st.sampled_from(["mosteller", "dubois"]),
    )
    def test_blinatumomab_under_45_kg_never_above_flat(
        self, height_cm: float, weight_kg: float, formula: str
    ) -> None:
        """Under 45 kg: 5 then 15 mcg/m2/day x BSA, never above 9 / 28 mcg/day."""
        calendar = _calendar("amended", height_cm=height_cm, weight_kg=weight_kg,
                             bsa_formula=formula)
        for row in _rows(calendar, "blinatumomab"):
            first_days = row.phase == "intensive" and row.course == 5 and row.day <= 7
            per_m2, ceiling = (5, 9.0) if first_days else (15, 28.0)
            expected = min(round(per_m2 * calendar.bsa_m2 + 1e-9, 2), ceiling)
            assert row.dose == pytest.approx(expected, abs=1e-9), row
            assert row.dose <= ceiling and not row.stated_in_paper


class TestOrdering:
    def test_date_order_with_the_largest_protocol(self) -> None:
        """A site protocol of 999 components plus the triple IT components still lists the
        administrations in date order (the sort key once had a fixed width of 1000)."""
        raw = load_protocol("amended").model_dump()
        extra = 999 - len(raw["components"])
        raw["components"] = [*raw["components"], *(
            {"id": f"extra-{i}", "drug": "ursodiol", "route": "PO", "phase": "intensive",
             "courses": (1,), "days": (28,), "dose": 1.0, "unit": "mg", "source": "test"}
            for i in range(extra)
        )]
        plan = Protocol.model_validate(raw)
        calendar = build_calendar(plan, height_cm=175, weight_kg=76, start=START,
                                  cd20_pct=50, cns_disease=True)
        dates = [row.date for row in calendar.administrations]
        assert dates == sorted(dates)


class TestSctProperty:
    @given(
        st.sampled_from(["original", "original-reduced", "amended"]),
        st.dictionaries(st.integers(min_value=1, max_value=4), st.integers(1, 60), max_size=4),
        st.one_of(st.none(), st.integers(min_value=1, max_value=52)),
    )
    def test_earliest_sct_is_weeks_after_the_last_inotuzumab(
        self, protocol: str, delays: dict[int, int], weeks: int | None
    ) -> None:
        """Whatever the delays of courses 1-4: the last inotuzumab dose is day 3 (original) or
        day 8 (amended) of course 4 as it was moved, and the SCT date is N weeks after it (by
        default the trial's observed median: 7 weeks original, 14 amended)."""
        calendar = _calendar(
            protocol, sct_weeks=weeks,
            delays=[CourseDelay("intensive", course, days) for course, days in delays.items()],
        )
        course_4 = calendar.courses[3].start
        last_day = 8 if protocol == "amended" else 3
        sct = calendar.sct_planning
        assert sct.last_inotuzumab_date == course_4 + dt.timedelta(days=last_day - 1)
        assert course_4 == START + dt.timedelta(days=3 * 28 + sum(delays.values()))
        observed = 14 if protocol == "amended" else 7
        assert sct.sct_date == sct.last_inotuzumab_date + dt.timedelta(
            days=7 * (observed if weeks is None else weeks)
        )
        assert sct.observation is (weeks is None)


class TestInterpretations:
    def test_pegfilgrastim_in_amended_is_marked_as_a_reading(self) -> None:
        """Amended: pegfilgrastim on day 4 of courses 1-4 only (the dose is the paper's, so it
        stays stated), each dose marked as an interpretation of 'each induction/consolidation
        course' — the paper numbers the blinatumomab courses 5-8 among the courses."""
        rows = _rows(_calendar("amended"), "pegfilgrastim")
        assert [r.course for r in rows] == [1, 2, 3, 4]
        assert all(r.stated_in_paper for r in rows)
        assert all(f"[{INTERPRETATION_MARK}: courses 1-4 only" in r.calculation for r in rows)

    def test_original_pegfilgrastim_is_not(self) -> None:
        """Original: all 8 courses are mini-Hyper-CVD courses; nothing to interpret."""
        rows = _rows(_calendar("original"), "pegfilgrastim")
        assert len(rows) == 8
        assert all(INTERPRETATION_MARK not in r.calculation for r in rows)
