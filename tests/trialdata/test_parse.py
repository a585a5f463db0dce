"""Cell parsing per column kind."""

from __future__ import annotations

import pandas as pd
from pandas.testing import assert_frame_equal

from minihcvd.trialdata.parse import parse_file
from minihcvd.trialdata.schema import ASSESSMENTS


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
