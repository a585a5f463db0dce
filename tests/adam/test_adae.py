"""ADAE: treatment emergence and worst grade."""

from __future__ import annotations

import pandas as pd
import pytest
from tests.adam.helpers import dates, mini_adsl

from minihcvd.adam.adae import derive_var_trtemfl, derive_var_worstfl, derive_vars_ae
from minihcvd.errors import DerivationError


def _adae() -> pd.DataFrame:
    adsl = mini_adsl(
        USUBJID=["P1", "P2"],
        TRTSDT=dates("2020-01-01", "2020-01-01"),
        TRTEDT=dates("2020-03-31", None),
        INOLSTDT=dates("2020-02-15", None),
    )
    events = pd.DataFrame(
        {
            "patient_id": ["P1", "P1", "P1", "P1", "P1", "P2"],
            "term": ["Nausea", "Nausea", "Nausea", "Rash", "VOD", "Headache"],
            "onset_date": dates(
                "2019-12-31", "2020-01-05", "2020-02-01", "2020-07-01", "2021-12-01", "2020-01-01"
            ),
            "grade": pd.array([1, 3, 3, 2, 4, 1], dtype="Int64"),
            "ctcae_version": ["5.0"] * 6,
            "hematologic": pd.array([False] * 6, dtype="boolean"),
            "treatment_related": pd.array(
                [pd.NA, False, True, True, pd.NA, pd.NA], dtype="boolean"
            ),
        }
    )
    return derive_vars_ae(events, adsl=adsl).pipe(derive_var_trtemfl).pipe(derive_var_worstfl)


class TestAdae:
    def test_flags(self) -> None:
        """Pre-dose event not emergent (day -1); related after the window and SOS count;
        the first of two grade-3 nauseas is the worst."""
        result = _adae()[["ASTDY", "AETOXGR", "AESEV", "SOSFL", "TRTEMFL", "WORSTFL"]]
        assert result.astype(object).to_dict("list") == {
            "ASTDY": [-1, 5, 32, 183, 701, 1],
            "AETOXGR": ["1", "3", "3", "2", "4", "1"],
            "AESEV": ["Mild", "Severe", "Severe", "Moderate", "Life-threatening", "Mild"],
            "SOSFL": ["N", "N", "N", "N", "Y", "N"],
            "TRTEMFL": ["N", "Y", "Y", "Y", "Y", "Y"],
            "WORSTFL": ["N", "Y", "N", "Y", "Y", "Y"],
        }

    def test_needs_adsl_dates(self) -> None:
        """ADSL must carry the treatment dates first."""
        events = pd.DataFrame(
            columns=["patient_id", "term", "onset_date", "grade", "ctcae_version"]
        )
        with pytest.raises(DerivationError, match="needs column"):
            derive_vars_ae(events, adsl=mini_adsl(USUBJID=["P1"]))
