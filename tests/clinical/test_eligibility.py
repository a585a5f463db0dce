"""Eligibility criterion by criterion."""

from __future__ import annotations

import pytest

from minihcvd.clinical.eligibility import CriterionResult, EligibilityInput, assess_eligibility
from minihcvd.errors import ClinicalRuleError

ELIGIBLE = EligibilityInput(
    relapsed_or_refractory=True,
    precursor_b_all=True,
    ph_positive=False,
    cd22_positive=True,
    ecog=3,
    ejection_fraction_pct=51.0,
    bilirubin_mg_dl=1.95,
    creatinine_mg_dl=2.0,
    uncontrolled_infection=False,
    nyha_class=2,
    second_active_malignancy=False,
)


class TestAssessEligibility:
    def test_boundaries_pass(self) -> None:
        """ECOG 3, EF 51%, bilirubin 1.95 and creatinine 2.0 are all allowed."""
        result = assess_eligibility(ELIGIBLE)
        assert result.status == "eligible"
        assert {c.status for c in result.criteria} == {"pass"}

    def test_failures_and_unknowns_with_reasons(self) -> None:
        """EF of exactly 50% fails, NYHA 3 fails, a missing value is unknown."""
        patient = EligibilityInput(
            **{
                **ELIGIBLE.__dict__,
                "ejection_fraction_pct": 50.0,
                "nyha_class": 3,
                "creatinine_mg_dl": None,
            }
        )
        result = assess_eligibility(patient)
        assert result.status == "ineligible"
        changed = [c for c in result.criteria if c.status != "pass"]
        assert changed == [
            CriterionResult("ejection fraction > 50%", "fail", "ejection_fraction_pct = 50.0"),
            CriterionResult("creatinine <= 2.0 mg/dL", "unknown", "creatinine_mg_dl not given"),
            CriterionResult("no NYHA class 3-4 heart failure", "fail", "nyha_class = 3"),
        ]

    def test_nan_is_unknown_not_a_failure(self) -> None:
        """A NaN lab value (missing in a data frame) is unknown, not a failed threshold."""
        patient = EligibilityInput(
            **{**ELIGIBLE.__dict__, "ejection_fraction_pct": float("nan"), "bilirubin_mg_dl": None}
        )
        result = assess_eligibility(patient)
        assert result.status == "unknown"
        assert [(c.criterion, c.status) for c in result.criteria if c.status != "pass"] == [
            ("ejection fraction > 50%", "unknown"),
            ("bilirubin <= 1.95 mg/dL", "unknown"),
        ]

    def test_thresholds_just_outside(self) -> None:
        """ECOG 4, bilirubin 1.96 and creatinine 2.01 each fail on their own."""
        for name, value in (("ecog", 4), ("bilirubin_mg_dl", 1.96), ("creatinine_mg_dl", 2.01)):
            patient = EligibilityInput(**{**ELIGIBLE.__dict__, name: value})
            failed = [c.reason for c in assess_eligibility(patient).criteria if c.status == "fail"]
            assert failed == [f"{name} = {value}"]

    def test_unknown_without_failure(self) -> None:
        """Nothing known yet: unknown, not ineligible."""
        assert assess_eligibility(EligibilityInput()).status == "unknown"

    def test_ph_positive_fails(self) -> None:
        """Ph-positive disease is not eligible."""
        patient = EligibilityInput(**{**ELIGIBLE.__dict__, "ph_positive": True})
        assert assess_eligibility(patient).status == "ineligible"

    def test_impossible_value(self) -> None:
        """An ECOG of 7 is refused."""
        with pytest.raises(ClinicalRuleError, match="ecog must be >= 0 and <= 5"):
            EligibilityInput(ecog=7)
