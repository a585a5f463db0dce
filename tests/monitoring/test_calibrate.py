"""Calibration of p_L: the largest threshold meeting the limit under the alternative."""

from __future__ import annotations

import numpy as np
import pytest

from minihcvd.errors import MonitoringError
from minihcvd.monitoring import Calibration, InverseGammaPrior, calibrate_p_lower, design_trial

STANDARD = InverseGammaPrior(100.0, 1099.7664296696569)
EXPERIMENTAL = InverseGammaPrior(3.0, 22.21750362969004)
SETTINGS = {"standard": STANDARD, "experimental": EXPERIMENTAL, "delta_months": 0.0,
            "min_patients": 10, "max_patients": 60, "null_median_months": 7.7,
            "alternative_median_months": 11.7, "accrual_per_month": 1.0, "n_trials": 3000}


def calibrate(**changes: object) -> Calibration:
    return calibrate_p_lower(**{"max_prob_stop_alternative": 0.1,  # type: ignore[arg-type]
                                "rng": np.random.default_rng(11), **SETTINGS, **changes})


class TestCalibratePLower:
    def test_meets_the_limit_and_a_larger_threshold_does_not(self) -> None:
        """The calibrated p_L keeps P(stop | alternative) <= 0.1; 1.02 p_L breaks it."""
        found = calibrate()
        assert found.prob_stop_alternative <= 0.1
        above = calibrate(p_lower=found.p_lower * 1.02)
        assert above.prob_stop_alternative > 0.1
        assert found.prob_stop_null > 0.3

    def test_limit_outside_zero_one_is_refused(self) -> None:
        """The stated operating characteristic is a probability."""
        with pytest.raises(MonitoringError, match="strictly between 0 and 1"):
            calibrate(max_prob_stop_alternative=1.0)

    def test_given_p_lower_is_checked(self) -> None:
        """p_L outside (0, 1) is refused even when given directly."""
        with pytest.raises(MonitoringError, match="p_L"):
            calibrate(p_lower=0.0)


class TestDesignTrial:
    def test_records_its_elicitation(self) -> None:
        """The design keeps the inputs and the calibrated stopping probabilities."""
        design = design_trial(historical_median_months=7.7, target_improvement_months=4.0,
                              historical_deaths=100.0, max_patients=40, calibration_trials=500,
                              p_lower=0.2)
        assert design.p_lower == 0.2
        assert design.experimental.mean_months == pytest.approx(design.standard.mean_months)
        assert design.elicitation is not None
        assert design.elicitation.calibration_trials == 500

    def test_non_positive_improvement_is_refused(self) -> None:
        """The alternative must be better than the null."""
        with pytest.raises(MonitoringError, match="target improvement must be > 0"):
            design_trial(historical_median_months=7.7, target_improvement_months=0.0,
                         historical_deaths=100.0)
