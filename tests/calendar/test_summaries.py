"""Hold days, the SCT planning summary and calendar-wide notes.

Reference patient as in test_builder.py: 175 cm, 76 kg (1.92 m2), start Monday 2025-01-06.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from minihcvd.calendar import TreatmentCalendar, build_calendar
from minihcvd.calendar.summaries import calendar_notes, hold_days, sct_planning
from minihcvd.dosing import body_size
from minihcvd.errors import CalendarError
from minihcvd.protocol import load_protocol

START = dt.date(2025, 1, 6)


def _calendar(protocol: str = "original", **options: Any) -> TreatmentCalendar:
    patient: dict[str, Any] = {"height_cm": 175, "weight_kg": 76, "start": START}
    return build_calendar(protocol, **{**patient, **options})


class TestHoldsAndSct:
    def test_azole_hold_around_each_vincristine(self) -> None:
        """Day before, of and after each vincristine dose: 20 doses x 3 = 60 hold days."""
        calendar = _calendar()
        assert len(calendar.holds) == 60
        first = calendar.holds[:3]
        assert [(h.date, h.course, h.day) for h in first] == [
            (dt.date(2025, 1, 5), 1, 0), (dt.date(2025, 1, 6), 1, 1), (dt.date(2025, 1, 7), 1, 2)
        ]
        assert first[0].reason == "day before vincristine (intensive course 1 day 1)"
        assert first[0].hold == "azole antifungal (voriconazole or posaconazole)"

    def test_holds_are_not_administrations(self) -> None:
        """No azole appears among the administrations."""
        assert not [r for r in _calendar().administrations if "azole" in r.drug]

    @pytest.mark.parametrize("name", ["original", "original-reduced"])
    def test_sct_planning_original(self, name: str) -> None:
        """Original study: the observed median was 7 weeks (Results, SOS paragraph), not 14.
        Last inotuzumab 2025-04-02 (C4 D3); +7 weeks = 2025-05-21, inside course 5
        (2025-04-28 to 2025-05-25); marked as an observation."""
        sct = _calendar(name).sct_planning
        assert (sct.last_inotuzumab_date, sct.sct_date, sct.interval_weeks) == (
            dt.date(2025, 4, 2), dt.date(2025, 5, 21), 7
        )
        assert sct.observation and "observation of the trial, not a protocol rule" in sct.summary
        assert sct.inside_planned_course is not None
        assert sct.inside_planned_course.startswith("intensive course 5 (")
        assert "falls inside planned intensive course 5" in sct.summary
        assert "earliest" not in sct.summary

    def test_sct_planning_original_doses(self) -> None:
        """3.46 + 3 x 2.5 mg = 10.96 mg; 5.7 mg/m2."""
        sct = _calendar().sct_planning
        assert (sct.inotuzumab_cumulative_mg_per_m2, sct.inotuzumab_cumulative_mg,
                sct.inotuzumab_doses) == (5.7, 10.96, 4)

    def test_sct_planning_amended(self) -> None:
        """After the amendment the observed median was 14 weeks: 2025-04-07 + 14 weeks =
        2025-07-14, inside blinatumomab course 6 (starts 2025-06-09, 42 days)."""
        sct = _calendar("amended").sct_planning
        assert (sct.sct_date, sct.interval_weeks, sct.observation) == (
            dt.date(2025, 7, 14), 14, True
        )
        assert sct.inside_planned_course is not None
        assert sct.inside_planned_course.startswith("intensive course 6 (blinatumomab")
        data = sct.to_json_dict()
        assert (data["interval_basis"], data["observation"], data["sct_date"]) == (
            "observed_median", True, "2025-07-14"
        )

    def test_sct_planning_amended_and_weeks_option(self) -> None:
        """Amended: last dose C4 D8 = 2025-04-07; 7 weeks later is 2025-05-26; total 2.7. The
        team's interval is not an observation, and the summary says what was observed."""
        sct = _calendar("amended", sct_weeks=7).sct_planning
        assert (sct.last_inotuzumab_date, sct.sct_date, sct.interval_weeks,
                sct.inotuzumab_cumulative_mg_per_m2) == (
            dt.date(2025, 4, 7), dt.date(2025, 5, 26), 7, 2.7
        )
        assert not sct.observation
        assert "the team's interval" in sct.summary and "was 14 weeks" in sct.summary

    def test_sct_date_outside_planned_courses(self) -> None:
        """A date after the last planned course carries no note."""
        plan = load_protocol("amended")
        calendar = _calendar("amended")
        planning = sct_planning(plan, calendar.administrations, 0, 14, calendar.courses[:4])
        assert planning.inside_planned_course is None
        assert "falls inside" not in planning.summary

    @pytest.mark.parametrize("weeks", [0, 53])
    def test_sct_weeks_range(self, weeks: int) -> None:
        """SCT weeks must be 1-52."""
        with pytest.raises(CalendarError, match="field 'sct_weeks': expected a whole number 1-52"):
            _calendar(sct_weeks=weeks)


class TestSummariesDirectly:
    def test_no_vincristine_no_holds(self) -> None:
        """Without vincristine rows there is nothing to hold around."""
        assert hold_days(load_protocol("original"), []) == ()

    def test_no_inotuzumab(self) -> None:
        """Without inotuzumab rows there is no last dose and no SCT date."""
        planning = sct_planning(load_protocol("amended"), [], cumulative_mg_per_m2=0, weeks=14)
        assert (planning.last_inotuzumab_date, planning.sct_date) == (None, None)
        assert planning.inotuzumab_doses == 0

    def test_notes_for_a_light_patient_with_cns_disease(self) -> None:
        """CD20 unknown, CNS disease and < 45 kg each give their note, in that order."""
        notes = calendar_notes(load_protocol("amended"), body_size(150, 40), None, True, START)
        assert [note.split(":")[0] for note in notes] == [
            "CD20 not given",
            "active CNS disease",
            "weight 40 kg < 45 kg",
        ]
