"""Cell parsing per column kind."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import example, given
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal, assert_series_equal

from minihcvd.trialdata.parse import PlainCells, _code, _fast_code, _fast_date, parse_file
from minihcvd.trialdata.schema import ASSESSMENTS, ColumnSpec


class TestDates:
    def test_only_padded_iso_dates(self) -> None:
        """Dates must be YYYY-MM-DD exactly: unpadded, timed or impossible dates are refused."""
        raw = pd.DataFrame(
            {
                "patient_id": ["P1"] * 5,
                "assessment_date": [
                    "2020-01-05", "2020-1-5", "2020-01-05T00:00", "2021-02-30", "2020-01-5"
                ],
            }
        )
        typed, problems = parse_file(raw, ASSESSMENTS)
        assert typed["assessment_date"].notna().tolist() == [True, False, False, False, False]
        assert [p.row for p in problems if p.field == "assessment_date"] == [2, 3, 4, 5]

    @given(
        st.lists(
            st.dates(min_value=dt.date(1800, 1, 1), max_value=dt.date(2199, 12, 31)),
            min_size=1,
            max_size=30,
        )
    )
    @example([dt.date(1800, 1, 1), dt.date(2199, 12, 31), dt.date(2000, 2, 29)])
    @example([dt.date(1900, 2, 28), dt.date(1970, 1, 1), dt.date(1969, 12, 31)])
    def test_fast_dates_are_pandas_dates(self, dates: list[dt.date]) -> None:
        """The plain-file path's dates (a day table by month) equal pandas' parse, over the
        whole range it takes (1800–2199)."""
        texts = [date.isoformat() for date in dates]
        cells = PlainCells(
            np.frombuffer("".join(texts).encode("ascii"), dtype=np.uint8).reshape(-1, 10),
            np.full(len(texts), 10),
        )
        fast = _fast_date(cells, ASSESSMENTS.columns[1])
        assert fast is not None
        expected = pd.Series(pd.to_datetime(texts, format="%Y-%m-%d")).astype("datetime64[us]")
        assert_series_equal(fast[0], expected, check_names=False)



class TestCodes:
    @given(
        st.lists(
            st.sampled_from(["primary-refractory", "primary-refractorX", "S2", "S3", ""]),
            min_size=1,
        )
    )
    def test_fast_codes_are_the_text_parsers(self, cells: list[str]) -> None:
        """Codes longer than 8 bytes are matched byte by byte, short ones by their key: the
        plain-file path gives the values the text parser gives (None: it hands over)."""
        spec = ColumnSpec("line", "code", "test codes", codes=("primary-refractory", "S2"))
        width = max(len(cell) for cell in cells) or 1
        window = np.frombuffer(
            "".join(cell.ljust(width, "\0") for cell in cells).encode("ascii"), dtype=np.uint8
        ).reshape(-1, width)
        fast = _fast_code(PlainCells(window, np.array([len(cell) for cell in cells])), spec)
        text = pd.Series(cells, dtype="str")
        values, bad = _code(text, text == "", spec)
        if fast is None:
            assert bad.any()
        else:
            assert not bad.any()
            assert_series_equal(fast[0], values, check_names=False)


class TestParseFile:
    def test_kinds_and_bad_cells(self) -> None:
        """Numbers, ranges, booleans and dates parse; bad cells become missing and problems."""
        raw = pd.DataFrame(
            {
                "patient_id": ["P1", "P1"],
                "assessment_date": ["2020-01-05", "05/01/2020"],
                "bm_blasts_pct": ["3.5", "101"],
                "anc_10e9_per_l": ["1.2", "x"],
                "platelets_10e9_per_l": ["150", ""],
                "extramedullary_disease": ["FALSE", "no"],
                "site": ["A", "B"],
            }
        )
        typed, problems = parse_file(raw, ASSESSMENTS)
        expected = pd.DataFrame(
            {
                "patient_id": pd.array(["P1", "P1"], dtype="str"),
                "assessment_date": pd.to_datetime(pd.Series(["2020-01-05", None])),
                "bm_blasts_pct": [3.5, None],
                "anc_10e9_per_l": [1.2, None],
                "platelets_10e9_per_l": [150.0, None],
                "extramedullary_disease": pd.array([False, pd.NA], dtype="boolean"),
                "site": pd.array(["A", "B"], dtype="str"),
            }
        )
        assert_frame_equal(typed, expected, check_dtype=True)
        assert [p.one_line() for p in problems] == [
            "assessments.csv, row 2, field 'assessment_date': expected a date YYYY-MM-DD, "
            "found '05/01/2020'",
            "assessments.csv, row 2, field 'bm_blasts_pct': expected a number >= 0 and <= 100, "
            "found '101'",
            "assessments.csv, row 2, field 'anc_10e9_per_l': expected a number >= 0, found 'x'",
            "assessments.csv, row 2, field 'extramedullary_disease': expected true or false, "
            "found 'no'",
        ]
