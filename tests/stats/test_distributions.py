"""The standard-library distribution functions equal scipy's to 1e-12."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special

from minihcvd.stats._distributions import (
    chi2_sf,
    log_factorials,
    normal_quantile,
    two_sided_normal_p,
)


class TestNormal:
    @pytest.mark.parametrize("probability", [0.5, 0.9, 0.95, 0.975, 0.995, 1e-10])
    def test_quantile(self, probability: float) -> None:
        """Φ⁻¹ equals scipy's ndtri."""
        assert normal_quantile(probability) == pytest.approx(special.ndtri(probability), rel=1e-12)

    def test_two_sided_p(self) -> None:
        """2Φ(−|z|), including far tails, equals scipy's."""
        z = np.array([0.0, -0.5, 1.96, 3.0, -8.0, 30.0])
        expected = 2.0 * special.ndtr(-np.abs(z))
        np.testing.assert_allclose(two_sided_normal_p(z), expected, rtol=1e-12, atol=0)


class TestChiSquared:
    @pytest.mark.parametrize("df", [1, 2, 3, 4, 5, 7, 10, 15])
    @pytest.mark.parametrize("statistic", [0.01, 0.5, 3.84, 12.0, 60.0, 400.0])
    def test_upper_tail(self, df: int, statistic: float) -> None:
        """P(χ² > x) equals scipy's chdtrc for integer df, tails included."""
        expected = special.chdtrc(df, statistic)
        assert chi2_sf(statistic, df) == pytest.approx(expected, rel=1e-12, abs=1e-300)

    def test_zero_statistic(self) -> None:
        """No evidence: p = 1."""
        assert chi2_sf(0.0, 3) == 1.0

    def test_degrees_of_freedom_must_be_positive(self) -> None:
        """df = 0 is a programming error."""
        with pytest.raises(ValueError, match="positive integer"):
            chi2_sf(1.0, 0)


class TestLogFactorials:
    def test_exact_values(self) -> None:
        """log k! for k = 0..200 equals lgamma(k + 1)."""
        expected = [math.lgamma(k + 1) for k in range(201)]
        np.testing.assert_array_equal(log_factorials(200), expected)
