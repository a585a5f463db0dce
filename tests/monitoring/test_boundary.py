"""The stopping boundary agrees with the posterior it summarises."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.monitoring.record_boundaries import MAX_DEATHS, boundary, designs
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

RECORDED = Path(__file__).with_name("data") / "boundaries_before_issue19.json"
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


class TestSameBoundaryAsBeforeIssue19:
    """Today's boundary (closed form plus bisection, δ = 0; a bracketed search from the δ = 0
    boundary, δ > 0) against the one the root finder of commit 22d3ed8 gave on 60 designs
    (record_boundaries.py), and against Brent's method on designs hypothesis draws."""

    def test_equals_the_recorded_boundaries(self) -> None:
        """Same death counts where the rule never stops, and the same values: the old search
        stopped up to 1.4e-8 relative (2.8e-8 months) from the root (its bracket was looser than its
        tolerances; today's is tested to be the root to 1e-9), so that is the tolerance."""
        recorded = json.loads(RECORDED.read_text(encoding="utf-8"))
        assert recorded["max_deaths"] == MAX_DEATHS
        assert [{k: v for k, v in entry.items() if k != "boundary_months"}
                for entry in recorded["designs"]] == designs()
        for entry in recorded["designs"]:
            old, new = np.array(entry["boundary_months"]), np.array(boundary(entry))
            np.testing.assert_array_equal(old == 0, new == 0)
            np.testing.assert_allclose(new, old, rtol=2e-8, atol=0, err_msg=str(entry))

    @settings(max_examples=25, deadline=None)
    @given(
        standard_shape=st.floats(1.5, 300.0), standard_mean=st.floats(2.0, 40.0),
        experimental_shape=st.floats(0.5, 10.0), experimental_scale=st.floats(0.5, 200.0),
        delta=st.one_of(st.just(0.0), st.floats(0.1, 10.0)),
        p_lower=st.floats(0.005, 0.7), max_patients=st.integers(1, 30),
    )
    def test_equals_brent_death_count_by_death_count(
        self, standard_shape: float, standard_mean: float, experimental_shape: float,
        experimental_scale: float, delta: float, p_lower: float, max_patients: int,
    ) -> None:
        design = replace(
            load_design(default_design_path()),
            standard=InverseGammaPrior.with_mean(standard_mean, standard_shape),
            experimental=InverseGammaPrior(experimental_shape, experimental_scale),
            delta_months=delta, p_lower=p_lower, min_patients=1, max_patients=max_patients)
        np.testing.assert_allclose(design.boundary_months, reference_boundary(design),
                                   rtol=1e-9, atol=1e-9)
