"""ADRS parameters."""

from __future__ import annotations

import pandas as pd
from tests.adam.helpers import dates, mini_adsl

from minihcvd.adam.adrs import derive_param_bor, derive_param_mrd, derive_param_ovr


def _adsl() -> pd.DataFrame:
    return mini_adsl(
        USUBJID=["P1", "P2", "P3"],
        BOR=["CRi", "ED", None],
        RSPDT=dates("2020-02-01", None, None),
        MRDRSPFL=["N", None, None],
        MRDNEGFL=["Y", None, None],
        MRDNGSFL=[None, None, None],
    )


class TestDeriveParamBor:
    def test_rows_for_known_responses(self) -> None:
        """One BOR row per patient with a known response, coded numerically."""
        rows = derive_param_bor(_adsl())
        assert rows[["USUBJID", "AVALC", "AVAL"]].astype(object).to_dict("list") == {
            "USUBJID": ["P1", "P2"],
            "AVALC": ["CRi", "ED"],
            "AVAL": [3, 6],
        }


class TestDeriveParamMrd:
    def test_only_measured(self) -> None:
        """MRD rows exist only where a flag is known."""
        rows = derive_param_mrd(_adsl())
        assert rows[["PARAMCD", "AVALC"]].values.tolist() == [["MRDRSP", "N"], ["MRDFLOW", "Y"]]


class TestDeriveParamOvr:
    def test_one_row_per_assessment_in_date_order(self) -> None:
        """OVR rows are sorted by patient and date."""
        assessments = pd.DataFrame(
            {
                "patient_id": ["P1", "P1"],
                "assessment_date": dates("2020-03-01", "2020-02-01"),
                "bm_blasts_pct": [1.0, 2.0],
                "anc_10e9_per_l": [2.0, 0.5],
                "platelets_10e9_per_l": [150.0, 150.0],
                "extramedullary_disease": pd.array([False, False], dtype="boolean"),
            }
        )
        rows = derive_param_ovr(_adsl(), assessments)
        assert rows["AVALC"].tolist() == ["CRi", "CR"]
        assert rows["ADT"].tolist() == list(dates("2020-02-01", "2020-03-01"))
