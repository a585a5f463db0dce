"""Duration conventions shared by every layer."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from minihcvd.clinical import DAYS_PER_MONTH, study_day, text_equals


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


@given(
    st.lists(st.sampled_from(["OS", "RFS", "os", "OS ", None]), max_size=20),
    st.sampled_from(["str", "object", "string"]),
)
def test_text_equals_is_the_columns_own_comparison(cells: list[str | None], dtype: str) -> None:
    """Equal cells True; missing (NaN, None or NA, by dtype) and others False."""
    column = pd.Series(cells, dtype=dtype)
    expected = [cell == "OS" for cell in cells]
    assert text_equals(column, "OS").tolist() == expected
    assert text_equals(column, "OS").dtype == np.bool_
