"""derive_param_tte with event and censoring sources."""

from __future__ import annotations

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from tests.adam.helpers import dates, mini_adsl

from minihcvd.adam.adtte import derive_param_tte, empty_adtte
from minihcvd.adam.sources import death_event, last_alive_censor, relapse_event
from minihcvd.errors import DerivationError


def _adsl() -> pd.DataFrame:
    return mini_adsl(
        USUBJID=["P1", "P2", "P3", "P4"],
        TRTSDT=dates("2020-01-01", "2020-01-01", "2020-01-01", "2020-01-01"),
        RSPDT=dates("2020-01-20", None, "2020-01-25", "2020-01-28"),
        RSPFL=["Y", "N", "Y", "Y"],
        RELDT=dates("2020-03-01", None, None, "2020-02-10"),
        DTHDT=dates("2020-06-01", "2020-01-01", None, "2020-02-10"),
        LSTALVDT=dates("2020-06-01", "2020-01-01", "2020-12-31", "2020-02-10"),
    )


def _os() -> pd.DataFrame:
    return derive_param_tte(
        empty_adtte(),
        source=_adsl(),
        start_date="TRTSDT",
        event_sources=[death_event],
        censor_sources=[last_alive_censor],
        paramcd="OS",
        param="Overall Survival (days)",
    )


class TestDeriveParamTte:
    def test_overall_survival(self) -> None:
        """Death is the event (death on day 1 gives AVAL 1); others censored when last alive."""
        expected = pd.DataFrame(
            {
                "STUDYID": ["NCT01371630"] * 4,
                "USUBJID": ["P1", "P2", "P3", "P4"],
                "PARAMCD": ["OS"] * 4,
                "PARAM": ["Overall Survival (days)"] * 4,
                "STARTDT": dates("2020-01-01", "2020-01-01", "2020-01-01", "2020-01-01"),
                "ADT": dates("2020-06-01", "2020-01-01", "2020-12-31", "2020-02-10"),
                "AVAL": pd.Series([153, 1, 366, 41], dtype="Int64"),
                "AVALU": ["DAYS"] * 4,
                "CNSR": [0, 0, 1, 0],
                "EVNTDESC": ["DEATH", "DEATH", "LAST KNOWN ALIVE", "DEATH"],
                "CNSDTDSC": [None, None, "LAST KNOWN ALIVE DATE", None],
                "SRCDOM": ["ADSL"] * 4,
                "SRCVAR": ["DTHDT", "DTHDT", "LSTALVDT", "DTHDT"],
            }
        )
        assert_frame_equal(_os(), expected)

    def test_relapse_free_survival_ties_go_to_first_source(self) -> None:
        """RFS for responders only; relapse and death on one day count as relapse."""
        rfs = derive_param_tte(
            _os(),
            source=_adsl(),
            start_date="RSPDT",
            event_sources=[relapse_event, death_event],
            censor_sources=[last_alive_censor],
            paramcd="RFS",
            param="Relapse-Free Survival (days)",
            subject_filter="RSPFL",
        )
        rows = rfs[rfs["PARAMCD"] == "RFS"]
        assert rows[["USUBJID", "AVAL", "CNSR", "SRCVAR"]].to_dict("list") == {
            "USUBJID": ["P1", "P3", "P4"],
            "AVAL": [42, 342, 14],
            "CNSR": [0, 1, 0],
            "SRCVAR": ["RELDT", "LSTALVDT", "RELDT"],
        }

    def test_all_censored(self) -> None:
        """Without any event every row is censored at the last-alive date."""
        adsl = _adsl().assign(DTHDT=dates(None, None, None, None))
        result = derive_param_tte(
            empty_adtte(),
            source=adsl,
            start_date="TRTSDT",
            event_sources=[death_event],
            censor_sources=[last_alive_censor],
            paramcd="OS",
            param="OS",
        )
        assert result["CNSR"].tolist() == [1, 1, 1, 1]
        assert result["AVAL"].tolist() == [153, 1, 366, 41]

    def test_refuses_parameter_twice(self) -> None:
        """A parameter cannot be added twice."""
        with pytest.raises(DerivationError, match="already has parameter OS"):
            derive_param_tte(
                _os(),
                source=_adsl(),
                start_date="TRTSDT",
                event_sources=[death_event],
                censor_sources=[last_alive_censor],
                paramcd="OS",
                param="OS",
            )

    def test_missing_source_column(self) -> None:
        """The sources' date columns must exist."""
        with pytest.raises(DerivationError, match="needs column"):
            derive_param_tte(
                empty_adtte(),
                source=_adsl().drop(columns="DTHDT"),
                start_date="TRTSDT",
                event_sources=[death_event],
                censor_sources=[last_alive_censor],
                paramcd="OS",
                param="OS",
            )

    def test_missing_origin(self) -> None:
        """A selected subject without a start date is refused, not given a missing AVAL."""
        adsl = _adsl().assign(RSPDT=dates("2020-01-20", None, None, "2020-01-28"))
        with pytest.raises(DerivationError, match="subject P3 has no RSPDT"):
            derive_param_tte(
                empty_adtte(),
                source=adsl,
                start_date="RSPDT",
                event_sources=[relapse_event, death_event],
                censor_sources=[last_alive_censor],
                paramcd="RFS",
                param="RFS",
                subject_filter="RSPFL",
            )

    def test_event_before_start(self) -> None:
        """An event before the start date is a derivation error, not a negative time."""
        adsl = _adsl().assign(DTHDT=dates("2019-12-01", None, None, None))
        with pytest.raises(DerivationError, match="subject P1 has its event before TRTSDT"):
            derive_param_tte(
                empty_adtte(),
                source=adsl,
                start_date="TRTSDT",
                event_sources=[death_event],
                censor_sources=[last_alive_censor],
                paramcd="OS",
                param="OS",
            )
