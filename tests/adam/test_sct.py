"""The counting-process SCT table (tmerge semantics)."""

from __future__ import annotations

import pandas as pd
from pandas.testing import assert_frame_equal
from tests.adam.helpers import dates

from minihcvd.adam.sct import derive_sct_intervals


class TestDeriveSctIntervals:
    def test_edge_cases(self) -> None:
        """SCT mid-follow-up splits; SCT on the start day splits at 1; death on the SCT day
        and SCT on the last day do not split; no SCT gives one row."""
        adtte = pd.DataFrame(
            {
                "USUBJID": ["A", "B", "C", "D", "E"],
                "PARAMCD": ["OS"] * 5,
                "STARTDT": dates(*["2020-01-01"] * 5),
                "AVAL": [100, 50, 30, 60, 10],
                "CNSR": [0, 1, 0, 1, 0],
            }
        )
        adsl = pd.DataFrame(
            {
                "USUBJID": ["A", "B", "C", "D", "E"],
                "SCTDT": dates("2020-02-10", "2020-01-01", "2020-01-30", "2020-02-29", None),
            }
        )
        expected = pd.DataFrame(
            {
                "USUBJID": ["A", "A", "B", "B", "C", "D", "E"],
                "TSTART": [0, 41, 0, 1, 0, 0, 0],
                "TSTOP": [41, 100, 1, 50, 30, 60, 10],
                "EVENT": [0, 1, 0, 0, 1, 0, 1],
                "SCT": [0, 1, 0, 1, 0, 0, 0],
            }
        )
        assert_frame_equal(derive_sct_intervals(adtte, adsl), expected)

    def test_only_the_named_parameter(self) -> None:
        """RFS rows are ignored; ADSL order need not match ADTTE's."""
        adtte = pd.DataFrame(
            {
                "USUBJID": ["A", "A"],
                "PARAMCD": ["OS", "RFS"],
                "STARTDT": dates("2020-01-01", "2020-01-20"),
                "AVAL": [20, 5],
                "CNSR": [1, 1],
            }
        )
        adsl = pd.DataFrame({"USUBJID": ["Z", "A"], "SCTDT": dates(None, "2020-01-05")})
        result = derive_sct_intervals(adtte, adsl)
        assert result.to_dict("list") == {
            "USUBJID": ["A", "A"],
            "TSTART": [0, 5],
            "TSTOP": [5, 20],
            "EVENT": [0, 0],
            "SCT": [0, 1],
        }
