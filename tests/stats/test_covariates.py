"""encode_covariate / baseline_covariates: R model.matrix conventions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from minihcvd.errors import AnalysisError
from minihcvd.stats.covariates import baseline_covariates, encode_covariate, has_values

ADSL = pd.DataFrame(
    {
        "USUBJID": ["P1", "P2", "P3", "P4"],
        "COHORT": ["original", "amended", "amended", "original"],
        "age": [37.0, 51.0, np.nan, 22.0],
        "salvage": ["S2", "S1", "S3+", None],
        "tp53_mutated": pd.array([True, False, None, True], dtype="boolean"),
        "HRCYTFL": ["Y", "N", "N", None],
        "start_date": pd.to_datetime(["2015-01-01"] * 4),
        "ecog": [1, 1, 1, 1],
    }
)


class TestEncode:
    def test_numeric_as_is(self) -> None:
        """A number is its own term; NaN stays missing."""
        covariate = encode_covariate(ADSL, "age")
        assert covariate.terms == ["age"]
        np.testing.assert_array_equal(covariate.values[:, 0], [37.0, 51.0, np.nan, 22.0])

    def test_text_as_treatment_contrasts(self) -> None:
        """Levels after the first in sorted order, named covariate[level]."""
        covariate = encode_covariate(ADSL, "salvage")
        assert covariate.terms == ["salvage[S2]", "salvage[S3+]"]
        np.testing.assert_array_equal(covariate.values, [[1, 0], [0, 0], [0, 1], [np.nan, np.nan]])

    def test_boolean_and_flag_as_zero_one(self) -> None:
        """true/false and Y/N become 1/0."""
        np.testing.assert_array_equal(
            encode_covariate(ADSL, "tp53_mutated").values[:, 0], [1, 0, np.nan, 1]
        )
        np.testing.assert_array_equal(
            encode_covariate(ADSL, "HRCYTFL").values[:, 0], [1, 0, 0, np.nan]
        )

    def test_cohort_is_amended_against_original(self) -> None:
        """cohort[amended]: the protocol amendment against the original regimen."""
        covariate = encode_covariate(ADSL, "cohort")
        assert covariate.terms == ["cohort[amended]"]
        np.testing.assert_array_equal(covariate.values[:, 0], [0, 1, 1, 0])

    def test_unknown_name_lists_the_available(self) -> None:
        """A name that is not in ADSL is one error listing what is."""
        with pytest.raises(
            AnalysisError, match="unknown covariate 'wbc'; available: cohort, sct, age"
        ):
            encode_covariate(ADSL, "wbc")

    def test_date_is_refused(self) -> None:
        """A date is not a covariate."""
        with pytest.raises(AnalysisError, match="is a date"):
            encode_covariate(ADSL, "start_date")


class TestBaselineCovariates:
    def test_lower_case_non_date_columns(self) -> None:
        """Baseline = lower-case, not an outcome or date, with at least one value."""
        assert baseline_covariates(ADSL) == ["age", "salvage", "tp53_mutated", "ecog"]

    def test_dosing_inputs_are_not_baseline(self) -> None:
        """Height and weight (dosing inputs) stay out of Table 1 and the Cox screen, but a
        model can still name them."""
        adsl = ADSL.assign(height_cm=170.0, weight_kg=70.0)
        assert baseline_covariates(adsl) == ["age", "salvage", "tp53_mutated", "ecog"]
        assert encode_covariate(adsl, "weight_kg").terms == ["weight_kg"]


@pytest.mark.parametrize(
    ("cells", "dtype", "expected"),
    [
        ([], "str", False),
        ([None, None], "str", False),
        ([None, "S1"], "str", True),
        (["S1", None], "str", True),
        ([None, 3.5], "float64", True),
        ([None, None], "boolean", False),
        ([None, False], "boolean", True),
    ],
)
def test_has_values(cells: list[object], dtype: str, expected: bool) -> None:
    assert has_values(pd.Series(cells, dtype=dtype)) is expected
