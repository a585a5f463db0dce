"""The stopping boundary agrees with the posterior it summarises."""

from __future__ import annotations

import numpy as np
import pytest
from tests.monitoring.reference import reference_boundary

from minihcvd.errors import MonitoringError
from minihcvd.monitoring import (
    InverseGammaPrior,
    MonitoringDesign,
    default_design_path,
    load_design,
    stopping_boundary,
)
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

    @pytest.mark.parametrize(
        ("changes"),
        [{}, {"p_lower": 0.01}, {"p_lower": 0.6}, {"delta_months": 2.0, "max_patients": 40},
         {"standard": InverseGammaPrior(4.0, 30.0), "experimental": InverseGammaPrior(0.5, 2.0),
          "max_patients": 60}],
    )
    def test_equals_a_root_found_death_count_by_death_count(
        self, changes: dict[str, object]
    ) -> None:
        """The closed form (delta = 0) and the bracketed search (delta > 0) give the boundary
        that Brent's method finds on the public probability for each death count, to 1e-9."""
        from dataclasses import replace

        design: MonitoringDesign = replace(load_design(default_design_path()),
                                           **changes)  # type: ignore[arg-type]
        reference = reference_boundary(design)
        assert np.count_nonzero(reference) > 0.9 * len(reference)  # the search is exercised
        np.testing.assert_allclose(design.boundary_months, reference, rtol=1e-9, atol=1e-9)

    def test_is_cached_and_read_only(self) -> None:
        """The same design's boundary is computed once and cannot be changed by a caller."""
        first = stopping_boundary(standard=STANDARD, experimental=EXPERIMENTAL,
                                  delta_months=0.0, p_lower=0.171, max_deaths=110)
        again = stopping_boundary(standard=InverseGammaPrior(100.0, 1099.7664296696569),
                                  experimental=EXPERIMENTAL, delta_months=0, p_lower=0.171,
                                  max_deaths=110)
        assert again is first
        with pytest.raises(ValueError, match="read-only"):
            first[3] = 0.0

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
