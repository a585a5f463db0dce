"""The counting-process SCT table (tmerge semantics)."""

from __future__ import annotations

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st
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


class TestSctIntervalProperties:
    @given(
        total=st.integers(min_value=1, max_value=5000),
        sct_day=st.one_of(st.none(), st.integers(min_value=1, max_value=6000)),
        censored=st.booleans(),
    )
    def test_intervals_tile_follow_up(
        self, total: int, sct_day: int | None, censored: bool
    ) -> None:
        """Rows tile (0, T] without gaps, keep exactly the one event, and SCT switches once at
        the transplant time when it falls strictly inside follow-up."""
        start = pd.Timestamp("2020-01-01")
        sct_date = None if sct_day is None else start + pd.Timedelta(days=sct_day - 1)
        adtte = pd.DataFrame(
            {
                "USUBJID": ["A"],
                "PARAMCD": ["OS"],
                "STARTDT": pd.Series([start]),
                "AVAL": [total],
                "CNSR": [int(censored)],
            }
        )
        adsl = pd.DataFrame(
            {"USUBJID": ["A"], "SCTDT": pd.Series([sct_date], dtype="datetime64[us]")}
        )
        table = derive_sct_intervals(adtte, adsl)
        assert table["TSTART"].iloc[0] == 0
        assert table["TSTOP"].iloc[-1] == total
        assert (table["TSTART"].iloc[1:].to_numpy() == table["TSTOP"].iloc[:-1].to_numpy()).all()
        assert (table["TSTOP"] > table["TSTART"]).all()
        assert table["EVENT"].sum() == (0 if censored else 1)
        split = sct_day is not None and sct_day < total
        assert table["SCT"].tolist() == ([0, 1] if split else [0])
