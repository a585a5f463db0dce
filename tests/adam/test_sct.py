"""The counting-process SCT table (tmerge semantics)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal
from tests.adam.helpers import dates, mini_adsl

from minihcvd.adam.adtte import derive_param_tte, empty_adtte
from minihcvd.adam.sct import derive_sct_intervals
from minihcvd.adam.sources import death_event, last_alive_censor
from minihcvd.errors import DerivationError


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


    @pytest.mark.parametrize(
        ("os_subjects", "adsl_subjects", "where"),
        [(["A", "A"], ["A"], "OS"), (["B", "A"], ["A", "B", "A"], "ADSL")],
    )
    def test_a_subject_twice_is_an_error(
        self, os_subjects: list[str], adsl_subjects: list[str], where: str
    ) -> None:
        """Two OS rows, or two ADSL rows, for one subject: a clear DerivationError."""
        adtte = pd.DataFrame(
            {
                "USUBJID": os_subjects,
                "PARAMCD": ["OS"] * len(os_subjects),
                "STARTDT": dates(*["2020-01-01"] * len(os_subjects)),
                "AVAL": [20] * len(os_subjects),
                "CNSR": [1] * len(os_subjects),
            }
        )
        adsl = pd.DataFrame(
            {"USUBJID": adsl_subjects, "SCTDT": dates(*[None] * len(adsl_subjects))}
        )
        with pytest.raises(DerivationError, match=f"appears twice in {where}"):
            derive_sct_intervals(adtte, adsl)


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


DATA = Path(__file__).parent / "data"


def _case_intervals() -> pd.DataFrame:
    """derive_sct_intervals on the R edge cases, through ADTTE's OS like the pipeline."""
    cases = pd.read_csv(DATA / "sct_cases.csv", dtype=str, keep_default_na=False)
    end = dates(*cases["end_date"])
    died = cases["died"].eq("1").to_numpy()
    adsl = mini_adsl(
        USUBJID=cases["id"],
        TRTSDT=dates(*cases["start_date"]),
        DTHDT=end.where(died),
        LSTALVDT=end,
        SCTDT=dates(*(value or None for value in cases["sct_date"])),
    )
    adtte = derive_param_tte(
        empty_adtte(),
        source=adsl,
        start_date="TRTSDT",
        event_sources=[death_event],
        censor_sources=[last_alive_censor],
        paramcd="OS",
        param="OS",
    )
    return derive_sct_intervals(adtte, adsl)


def _r_rows(path: Path) -> pd.DataFrame:
    table = pd.read_csv(path).rename(columns=str.upper)
    return table.rename(columns={"ID": "USUBJID", "DEATH": "EVENT"}).astype(
        {"USUBJID": "object", "TSTART": "int64", "TSTOP": "int64", "EVENT": "int64", "SCT": "int64"}
    )


class TestAgainstRTmerge:
    def test_matches_recorded_r_output(self) -> None:
        """Row by row equal to R's tmerge(event(os_time, died), tdc(sct_time)) on the edge
        cases: SCT on day 1, on the death day, after last follow-up, none, on day 1 with death
        on day 1 or 2 (R's output recorded in tests/adam/data/sct_tmerge_r.csv)."""
        expected = _r_rows(DATA / "sct_tmerge_r.csv")
        assert_frame_equal(_case_intervals().astype({"USUBJID": "object"}), expected)

    @pytest.mark.r_oracle
    def test_recorded_output_is_what_r_computes_now(self, tmp_path: Path) -> None:
        """Re-running sct_tmerge.R reproduces the recorded table."""
        out = tmp_path / "tmerge.csv"
        subprocess.run(
            ["Rscript", str(DATA / "sct_tmerge.R"), str(DATA / "sct_cases.csv"), str(out)],
            check=True,
            capture_output=True,
            timeout=120,
        )
        assert_frame_equal(_r_rows(out), _r_rows(DATA / "sct_tmerge_r.csv"))
