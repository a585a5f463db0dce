"""The adverse-event reporting window, SOS terms and CTCAE grades."""

from __future__ import annotations

import pandas as pd
import pytest

from minihcvd.clinical.adverse_events import ctcae_grade_label, in_reporting_window, is_sos_term
from minihcvd.errors import ClinicalRuleError


def _d(*values: str | None) -> pd.Series:
    return pd.to_datetime(pd.Series(values, dtype="object"), format="%Y-%m-%d")


class TestInReportingWindow:
    def test_three_part_rule(self) -> None:
        """In window to last dose + 2 calendar months; related later; SOS up to 2 years."""
        n = 7
        onset = _d(
            "2019-12-31",
            "2020-01-01",
            "2020-05-31",
            "2020-06-01",
            "2020-06-01",
            "2022-03-31",
            "2022-04-01",
        )
        result = in_reporting_window(
            onset,
            _d(*["2020-01-01"] * n),
            _d(*["2020-03-31"] * n),
            pd.Series([False, False, False, False, True, False, False], dtype="boolean"),
            [False, False, False, False, False, True, True],
            _d(*["2020-03-31"] * n),
        )
        assert result.tolist() == [False, True, True, False, True, True, False]

    def test_open_ended_without_last_dose(self) -> None:
        """Unknown last dose: every event from the first dose counts."""
        result = in_reporting_window(
            _d("2030-01-01"), _d("2020-01-01"), _d(None), [False], [False], _d(None)
        )
        assert result.tolist() == [True]


    def test_sos_clause_needs_inotuzumab(self) -> None:
        """Known doses without inotuzumab: an SOS 6 months after the last dose is outside the
        window; with unknown doses (no last dose either) it stays open-ended."""
        result = in_reporting_window(
            _d("2020-09-30", "2020-09-30"),
            _d("2020-01-01", "2020-01-01"),
            _d("2020-03-31", None),
            [False, False],
            [True, True],
            _d(None, None),
        )
        assert result.tolist() == [False, True]


class TestIsSosTerm:
    def test_terms(self) -> None:
        """Full names and the abbreviations as words match; words containing 'sos' do not."""
        terms = [
            "Hepatic sinusoidal obstruction syndrome",
            "VOD",
            " sos ",
            "Veno-occlusive disease",
            "Sosa syndrome",
            "Hyperglycemia",
            "Hepatic VOD/SOS",
            "Venoocclusive liver disease",
            "Episode",
        ]
        assert is_sos_term(terms).tolist() == [
            True, True, True, True, False, False, True, True, False
        ]


class TestCtcaeGradeLabel:
    def test_labels(self) -> None:
        """Grades 1 to 5 have their CTCAE meanings; 0 and 6 are refused."""
        assert [ctcae_grade_label(g) for g in range(1, 6)] == [
            "Mild",
            "Moderate",
            "Severe",
            "Life-threatening",
            "Death",
        ]
        with pytest.raises(ClinicalRuleError, match="1 to 5"):
            ctcae_grade_label(6)
