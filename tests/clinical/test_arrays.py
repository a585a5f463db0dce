"""Duration conventions shared by every layer."""

from __future__ import annotations

import numpy as np

from minihcvd.clinical import DAYS_PER_MONTH, study_day


class TestDurations:
    def test_days_per_month_is_the_mean_gregorian_month(self) -> None:
        """months = days / 30.4375 (the reference README), 36 months = 1095.75 days."""
        assert DAYS_PER_MONTH == 365.25 / 12
        assert 36 * DAYS_PER_MONTH == 1095.75

    def test_study_day_counts_the_start_day(self) -> None:
        """ADaM convention: an event on the start day is day 1; NaN where a date is missing."""
        start = np.array(["2020-01-01", "2020-01-01"], dtype="datetime64[D]")
        date = np.array(["2020-01-01", "NaT"], dtype="datetime64[D]")
        np.testing.assert_array_equal(study_day(start, date), [1.0, np.nan])
