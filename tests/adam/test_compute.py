"""compute_duration_days, the Y/N and text columns, adsl_rows."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from pandas.testing import assert_series_equal
from tests.adam.helpers import dates

from minihcvd.adam.compute import (
    adsl_rows,
    compute_duration_days,
    text_take,
    y_or_n,
    yes_no,
    yes_no_where,
)
from minihcvd.errors import DerivationError

_DAYS = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2060, 12, 31))


class TestComputeDurationDays:
    def test_same_day_is_one(self) -> None:
        """Start and end on the same date count as 1 day; missing ends stay missing."""
        result = compute_duration_days(
            dates("2020-01-01", "2020-01-01", "2020-02-28"),
            dates("2020-01-01", None, "2020-03-01"),
        )
        assert_series_equal(result, pd.Series([1, pd.NA, 3], dtype="Int64"))

    @given(start=_DAYS, offset=st.integers(min_value=0, max_value=20000))
    def test_is_calendar_difference_plus_one(self, start: dt.date, offset: int) -> None:
        """For any dates, the duration is the calendar day difference + 1."""
        end = start + dt.timedelta(days=offset)
        result = compute_duration_days(
            pd.Series(pd.to_datetime([start])), pd.Series(pd.to_datetime([end]))
        )
        assert result.iloc[0] == offset + 1

    @given(a=_DAYS, b=_DAYS, c=_DAYS)
    def test_durations_chain(self, a: dt.date, b: dt.date, c: dt.date) -> None:
        """d(a, c) = d(a, b) + d(b, c) - 1: the shared day is counted once."""
        s = {k: pd.Series(pd.to_datetime([v])) for k, v in {"a": a, "b": b, "c": c}.items()}
        ab = compute_duration_days(s["a"], s["b"]).iloc[0]
        bc = compute_duration_days(s["b"], s["c"]).iloc[0]
        ac = compute_duration_days(s["a"], s["c"]).iloc[0]
        assert ac == ab + bc - 1


class TestYesNo:
    def test_codes(self) -> None:
        """True → Y, False → N, missing → None."""
        result = yes_no(pd.Series([True, False, pd.NA], dtype="boolean"))
        assert_series_equal(result, pd.Series(["Y", "N", None], dtype="object"))

    @given(st.lists(st.sampled_from([True, False, None]), max_size=20))
    def test_from_two_arrays_is_the_same(self, flags: list[bool | None]) -> None:
        """yes_no_where(true, known) is yes_no of the flag missing where not known."""
        true = np.array([flag is True for flag in flags], dtype=bool)
        known = np.array([flag is not None for flag in flags], dtype=bool)
        index = pd.RangeIndex(len(flags))
        expected = yes_no(pd.Series(flags, dtype="boolean"))
        assert_series_equal(yes_no_where(true, known, index), expected)

    def test_y_or_n_and_text_take_build_text_columns(self) -> None:
        """Text columns by a take: values[index], the frame's text dtype, no missing."""
        assert list(y_or_n([True, False, True])) == ["Y", "N", "Y"]
        taken = text_take(["OS", "RFS"], [1, 0, 0])
        assert list(taken) == ["RFS", "OS", "OS"]
        assert str(taken.dtype) == "str"

@given(
    st.integers(0, 12),
    st.lists(st.integers(0, 3), max_size=12),
    st.sampled_from(["in order", "shuffled", "subset", "unknown", "missing"]),
    st.randoms(use_true_random=False),
)
@example(3, [1, 1, 1], "in order", None)
@example(3, [1, 2, 0], "in order", None)
def test_adsl_rows_is_pandas_lookup(
    n_subjects: int, repeats: list[int], layout: str, random: object
) -> None:
    """The in-order fast path (each subject's run of rows in ADSL's order) gives what a
    pandas lookup gives, whatever the rows: runs, shuffled, a subset, unknown or missing."""
    subjects = pd.Index([f"P{i}" for i in range(n_subjects)])
    counts = (repeats + [1] * n_subjects)[:n_subjects]
    rows = [subject for subject, count in zip(subjects, counts, strict=True) for _ in range(count)]
    if layout == "shuffled" and random is not None:
        random.shuffle(rows)  # type: ignore[attr-defined]
    elif layout == "subset":
        rows = rows[1:]
    elif layout == "unknown":
        rows = [*rows, "Q1"]
    elif layout == "missing":
        rows = [*rows, None]
    expected = subjects.get_indexer(pd.Index(rows, dtype=object))
    np.testing.assert_array_equal(adsl_rows(subjects, pd.Series(rows, dtype=object)), expected)



def test_adsl_rows_needs_unique_subjects_to_look_up() -> None:
    """Rows that must be looked up need ADSL's subjects once each: a clear error, not pandas'."""
    with pytest.raises(DerivationError, match="appears twice in ADSL"):
        adsl_rows(pd.Index(["P1", "P1", "P2"]), pd.Series(["P2", "P1"], dtype=object))



class _SameHash(str):
    """A text whose hash every other one shares (to force collisions)."""

    __slots__ = ()

    def __hash__(self) -> int:
        return 7


@pytest.mark.parametrize(
    ("subjects", "rows"),
    [
        # two subjects with one hash: the hashes cannot tell them apart
        ([_SameHash("P1"), _SameHash("P2"), "P3"], [_SameHash("P2"), "P3"]),
        # a row whose hash is a subject's but whose text is not
        ([_SameHash("P1"), "P2", "P3"], ["P3", _SameHash("Q9")]),
    ],
)
def test_adsl_rows_when_hashes_collide(subjects: list[str], rows: list[str]) -> None:
    """Texts sharing a hash are still told apart (pandas' lookup decides then)."""
    index = pd.Index(subjects, dtype=object)
    expected = index.get_indexer(pd.Index(rows, dtype=object))
    np.testing.assert_array_equal(adsl_rows(index, pd.Series(rows, dtype=object)), expected)
