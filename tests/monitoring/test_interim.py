"""Deaths and follow-up as of a date, the rule's verdict, and the replay."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from minihcvd.errors import MonitoringError
from minihcvd.monitoring import (
    DAYS_PER_MONTH,
    InterimLook,
    InverseGammaPrior,
    MonitoringDesign,
    check_as_of,
    prob_experimental_better,
    replay,
)

DESIGN = MonitoringDesign(
    standard=InverseGammaPrior(20.0, 220.0), experimental=InverseGammaPrior(3.0, 23.0),
    delta_months=0.5, p_lower=0.2, min_patients=2, max_patients=10, followup_months=6.0,
)


def patients(*rows: tuple[str, str, str | None, str | None]) -> pd.DataFrame:
    """A patients table typed as trialdata reads it."""
    frame = pd.DataFrame(rows, columns=["patient_id", "start_date", "last_followup_date",
                                        "death_date"])
    for column in ("start_date", "last_followup_date", "death_date"):
        frame[column] = pd.to_datetime(frame[column], format="%Y-%m-%d")
    return frame


TRIAL = patients(
    ("P1", "2020-01-01", "2020-12-31", "2020-07-01"),
    ("P2", "2020-02-01", "2021-01-01", None),
    ("P3", "2020-03-01", "2020-04-01", "2020-04-01"),
    ("P4", "2020-06-01", "2021-01-01", None),
)


def look(as_of: str, n: int, deaths: int, days: int) -> InterimLook:
    months = days / DAYS_PER_MONTH
    p = prob_experimental_better(deaths, months, standard=DESIGN.standard,
                                 experimental=DESIGN.experimental, delta_months=0.5)
    return InterimLook(as_of=dt.date.fromisoformat(as_of), patients=n, deaths=deaths,
                       exposure_months=pytest.approx(months, rel=1e-14),  # type: ignore[arg-type]
                       prob_experimental_better=pytest.approx(p, abs=1e-12),  # type: ignore[arg-type]
                       active=n >= 2, stop=n >= 2 and p < 0.2)


class TestCheckAsOf:
    def test_counts_as_of_the_date(self) -> None:
        """3 patients in, P3's death counted, P1's later death not; 121 + 90 + 31 days."""
        assert check_as_of(DESIGN, TRIAL, dt.date(2020, 5, 1)) == look("2020-05-01", 3, 1, 242)

    def test_follow_up_stops_at_death_or_last_contact(self) -> None:
        """At the end, P1 counts to death (182 d), P2 to last follow-up (335 d)."""
        result = check_as_of(DESIGN, TRIAL, dt.date(2022, 1, 1))
        assert result == look("2022-01-01", 4, 2, 182 + 335 + 31 + 214)

    def test_inactive_before_min_patients(self) -> None:
        """One patient in: the rule does not look yet."""
        result = check_as_of(DESIGN, TRIAL, dt.date(2020, 1, 15))
        assert (result.patients, result.active, result.stop) == (1, False, False)

    def test_stops_when_the_probability_is_below_p_lower(self) -> None:
        """Early deaths with little follow-up trip the rule."""
        early = patients(("A", "2020-01-01", "2020-01-20", "2020-01-20"),
                         ("B", "2020-01-02", "2020-01-25", "2020-01-25"),
                         ("C", "2020-01-03", "2020-02-01", None))
        result = check_as_of(DESIGN, early, dt.date(2020, 2, 1))
        assert (result.deaths, result.stop) == (2, True)

    @pytest.mark.parametrize(
        ("row", "message"),
        [
            (("P9", "2020-05-01", "2020-04-01", None), "patients.csv, row 5, field "
             "'last_followup_date': last follow-up before the start date (negative exposure)"),
            (("P9", "2020-05-01", "2020-06-01", "2020-04-01"), "patients.csv, row 5, field "
             "'death_date': death before the start date (negative exposure)"),
            (("P9", "2020-05-01", None, None), "patients.csv, row 5, field 'last_followup_date':"
             " a patient without a death date needs a last follow-up date"),
        ],
    )
    def test_inconsistent_rows_are_refused(self, row: tuple[str, str, str | None, str | None],
                                           message: str) -> None:
        """Negative follow-up is named by file, row and field."""
        with pytest.raises(MonitoringError) as caught:
            check_as_of(DESIGN, pd.concat([TRIAL, patients(row)], ignore_index=True),
                        dt.date(2021, 1, 1))
        assert caught.value.one_line() == message

    def test_missing_column(self) -> None:
        """The four columns are required."""
        with pytest.raises(MonitoringError) as caught:
            check_as_of(DESIGN, TRIAL.drop(columns="death_date"), dt.date(2021, 1, 1))
        assert caught.value.one_line() == (
            "patients.csv, field 'death_date': missing column(s) death_date")


class TestReplay:
    def test_looks_at_each_enrollment_from_min_patients(self) -> None:
        """Enrollments 2, 3 and 4 (P4 on 2020-06-01), each with the data known then."""
        assert replay(DESIGN, TRIAL, dt.date(2021, 1, 1)) == [
            look("2020-02-01", 2, 0, 31),
            look("2020-03-01", 3, 0, 60 + 29),
            look("2020-06-01", 4, 1, 152 + 121 + 31),
        ]

    def test_stops_at_as_of(self) -> None:
        """Enrollments after the date are not replayed."""
        assert [item.patients for item in replay(DESIGN, TRIAL, dt.date(2020, 5, 31))] == [2, 3]


class TestBlocks:
    def test_replay_in_blocks_equals_one_block(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Large packages are replayed in blocks of dates; the looks do not change."""
        whole = replay(DESIGN, TRIAL, dt.date(2021, 1, 1))
        monkeypatch.setattr("minihcvd.monitoring.interim._CELLS_PER_BLOCK", 1)
        assert replay(DESIGN, TRIAL, dt.date(2021, 1, 1)) == whole
