"""Response at one assessment and early death."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from minihcvd.clinical.response import classify_response, is_early_death, response_at_assessment
from minihcvd.errors import ClinicalRuleError


class TestClassifyResponse:
    @pytest.mark.parametrize(
        ("blasts", "anc", "platelets", "emd", "expected"),
        [
            (5.0, 1.1, 101.0, False, "CR"),
            (5.0, 1.1, 100.0, False, "CRp"),  # platelets exactly 100: not recovered
            (2.0, 1.5, 40.0, False, "CRp"),
            (2.0, 1.0, 40.0, False, "CRi"),  # ANC exactly 1: not recovered
            (2.0, 0.5, 150.0, False, "CRi"),  # the gap: ANC low, platelets recovered
            (5.1, 3.0, 200.0, False, "NR"),
            (1.0, 3.0, 200.0, True, "NR"),  # extramedullary disease
            (1.0, None, 200.0, False, "NE"),
            (1.0, 3.0, 200.0, None, "NE"),
            (50.0, None, None, None, "NR"),  # known blasts already rule out a response
            (None, None, None, True, "NR"),
        ],
    )
    def test_single_assessment(
        self,
        blasts: float | None,
        anc: float | None,
        platelets: float | None,
        emd: bool | None,
        expected: str,
    ) -> None:
        """Each category, the strict thresholds and the documented gap decisions."""
        assert response_at_assessment(blasts, anc, platelets, emd) == expected

    def test_recovery_blasts_are_not_evaluable(self) -> None:
        """Blasts > 5% from regenerating marrow: NE, unless extramedullary disease (NR)."""
        assert response_at_assessment(8.0, 0.5, 40.0, False, True) == "NE"
        assert response_at_assessment(8.0, 0.5, 40.0, True, True) == "NR"
        assert response_at_assessment(8.0, 0.5, 40.0, False, False) == "NR"

    def test_vectorised_on_series(self) -> None:
        """Nullable pandas columns give one category per row."""
        result = classify_response(
            pd.Series([1.0, 30.0]),
            pd.Series([2.0, 0.1]),
            pd.Series([150.0, 20.0]),
            pd.Series([False, pd.NA], dtype="boolean"),
        )
        assert result.tolist() == ["CR", "NR"]

    def test_negative_blasts_are_refused(self) -> None:
        """A negative percentage is impossible input."""
        with pytest.raises(ClinicalRuleError, match="bm_blasts_pct must be >= 0"):
            classify_response([-1.0], [1.0], [1.0], [False])


class TestIsEarlyDeath:
    def test_day_28_inclusive(self) -> None:
        """Death on day 1 and day 28 is early; day 29 is not; a prior response prevents it."""
        start = pd.to_datetime(pd.Series(["2020-01-01"] * 5))
        death = pd.to_datetime(
            pd.Series(["2020-01-01", "2020-01-28", "2020-01-29", "2020-01-20", None])
        )
        response = pd.to_datetime(pd.Series([None, None, None, "2020-01-15", None]))
        assert is_early_death(start, death, response).tolist() == [
            True,
            True,
            False,
            False,
            False,
        ]

    def test_response_on_the_death_day_is_not_early_death(self) -> None:
        """A response assessed on the day of death counts as before the death."""
        assert is_early_death(["2020-01-01"], ["2020-01-20"], ["2020-01-20"]).tolist() == [False]

    def test_returns_numpy_booleans(self) -> None:
        """The result is a plain boolean array, usable as a mask."""
        result = is_early_death(["2020-01-01"], ["2020-01-05"], [None])
        assert result.dtype == np.bool_
