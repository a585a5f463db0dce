"""ADSL derivations, one at a time."""

from __future__ import annotations

import pandas as pd
import pytest
from pandas.testing import assert_series_equal
from tests.adam.helpers import dates

from minihcvd.adam.adsl import (
    derive_var_hrcytfl,
    derive_vars_death,
    derive_vars_subject,
    derive_vars_trt_dates,
)
from minihcvd.errors import DerivationError


def _patients() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "patient_id": ["P1", "P2"],
            "cohort": ["original", "amended"],
            "start_date": dates("2020-01-01", "2020-02-01"),
            "death_date": dates(None, "2020-05-01"),
            "karyotype": ["KMT2A", "diploid"],
            "high_risk_cytogenetics": pd.array([pd.NA, True], dtype="boolean"),
        }
    )


class TestDeriveVarsSubject:
    def test_keeps_columns_and_adds_ids(self) -> None:
        """Baseline columns kept in lower case; STUDYID and USUBJID first."""
        adsl = derive_vars_subject(_patients().rename(columns={"karyotype": "Karyotype"}))
        assert list(adsl.columns[:3]) == ["STUDYID", "USUBJID", "patient_id"]
        assert "karyotype" in adsl and adsl["COHORT"].tolist() == ["original", "amended"]

    def test_never_overwrites(self) -> None:
        """Deriving a variable that is already there is an error."""
        adsl = derive_vars_subject(_patients()).pipe(derive_vars_death)
        with pytest.raises(DerivationError, match="would overwrite existing column"):
            derive_vars_death(adsl)


class TestDeriveVarsTrtDates:
    def test_last_doses_from_administrations(self) -> None:
        """TRTEDT is the last dose, INOLSTDT the last inotuzumab dose; unknown without rows."""
        given = pd.DataFrame(
            {
                "patient_id": ["P1", "P1", "P1"],
                "date": dates("2020-01-03", "2020-01-31", "2020-02-10"),
                "drug": ["inotuzumab ozogamicin", "Inotuzumab ozogamicin", "vincristine"],
            }
        )
        adsl = derive_vars_subject(_patients()).pipe(derive_vars_trt_dates, administrations=given)
        assert_series_equal(
            adsl["TRTEDT"], dates("2020-02-10", None), check_names=False, check_dtype=False
        )
        assert_series_equal(
            adsl["INOLSTDT"], dates("2020-01-31", None), check_names=False, check_dtype=False
        )


    def test_no_inotuzumab_dose_at_all(self) -> None:
        """Administrations without any inotuzumab row give a missing INOLSTDT (this raised a
        TypeError from pandas before)."""
        given = pd.DataFrame(
            {
                "patient_id": ["P1"],
                "date": dates("2020-01-03"),
                "drug": pd.array(["vincristine"], dtype="str"),
            }
        )
        adsl = derive_vars_subject(_patients()).pipe(derive_vars_trt_dates, administrations=given)
        assert adsl["TRTEDT"].tolist()[0] == pd.Timestamp("2020-01-03")
        assert adsl["INOLSTDT"].isna().all()


class TestDeriveVarsDeath:
    def test_flag(self) -> None:
        """DTHFL Y with a death date."""
        adsl = derive_vars_subject(_patients()).pipe(derive_vars_death)
        assert adsl["DTHFL"].tolist() == ["N", "Y"]


class TestDeriveVarHrcytfl:
    def test_stated_flag_wins_else_karyotype(self) -> None:
        """A stated flag is used; a missing one is derived from the karyotype."""
        adsl = derive_vars_subject(_patients()).pipe(derive_var_hrcytfl)
        assert adsl["HRCYTFL"].tolist() == ["Y", "Y"]
