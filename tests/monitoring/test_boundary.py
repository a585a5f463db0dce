"""The stopping boundary agrees with the posterior it summarises."""

from __future__ import annotations

import numpy as np
import pytest

from minihcvd.errors import MonitoringError
from minihcvd.monitoring import InverseGammaPrior, stopping_boundary
from minihcvd.monitoring.posterior import _calc_prob_experimental_better

STANDARD = InverseGammaPrior(100.0, 1099.7664296696569)
EXPERIMENTAL = InverseGammaPrior(3.0, 22.21750362969004)


class TestStoppingBoundary:
    @pytest.mark.parametrize(("delta", "p_lower"), [(0.0, 0.171), (0.0, 0.01), (5.77, 0.05)])
    def test_is_the_least_follow_up_that_continues(self, delta: float, p_lower: float) -> None:
        """At T_min(d) the probability reaches p_L; a hair below it, it does not."""
        boundary = stopping_boundary(standard=STANDARD, experimental=EXPERIMENTAL,
                                     delta_months=delta, p_lower=p_lower, max_deaths=110)
        deaths = np.arange(111)

        def prob(months: np.ndarray) -> np.ndarray:
            return _calc_prob_experimental_better(deaths, months, STANDARD, EXPERIMENTAL, delta)

        assert np.all(prob(boundary) >= p_lower)
        positive = boundary > 0
        assert np.all(prob(boundary * (1 - 1e-9))[positive] < p_lower)
        assert np.all(prob(np.zeros(111))[~positive] >= p_lower)

    def test_is_non_decreasing_in_deaths(self) -> None:
        """More deaths need more follow-up to continue."""
        boundary = stopping_boundary(standard=STANDARD, experimental=EXPERIMENTAL,
                                     delta_months=2.0, p_lower=0.1, max_deaths=110)
        assert np.all(np.diff(boundary) >= 0)
        assert boundary.shape == (111,)

    def test_default_design_first_rows(self) -> None:
        """The trial's rule: no stop without deaths, then about 9 months per extra death."""
        boundary = stopping_boundary(standard=STANDARD, experimental=EXPERIMENTAL,
                                     delta_months=0.0, p_lower=0.171, max_deaths=3)
        assert np.round(boundary, 2).tolist() == [0.0, 1.33, 9.69, 18.3]

    @pytest.mark.parametrize("p_lower", [0.0, 1.0, -0.1, 1.5])
    def test_p_lower_outside_zero_one_is_refused(self, p_lower: float) -> None:
        """p_L must lie strictly between 0 and 1."""
        with pytest.raises(MonitoringError) as caught:
            stopping_boundary(standard=STANDARD, experimental=EXPERIMENTAL, delta_months=0.0,
                              p_lower=p_lower, max_deaths=5)
        assert caught.value.one_line() == (
            f"field 'p_lower': p_L (the stopping threshold) must lie strictly between 0 and 1, "
            f"found {p_lower!r}")

    def test_negative_delta_is_refused(self) -> None:
        """The rule's margin is a gain in mean survival, never negative."""
        with pytest.raises(MonitoringError, match="delta_months must be a finite number >= 0"):
            stopping_boundary(standard=STANDARD, experimental=EXPERIMENTAL, delta_months=-1.0,
                              p_lower=0.1, max_deaths=5)
