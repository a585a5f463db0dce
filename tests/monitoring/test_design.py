"""Elicitation of the priors and the design's own checks."""

from __future__ import annotations

import math

import pytest

from minihcvd.errors import MonitoringError
from minihcvd.monitoring import (
    InverseGammaPrior,
    MonitoringDesign,
    elicit_standard_prior,
    median_interval_months,
    shape_from_median_interval,
)

PRIOR = InverseGammaPrior(3.0, 22.0)


def make(**changes: object) -> MonitoringDesign:
    fields: dict[str, object] = {"standard": PRIOR, "experimental": PRIOR, "delta_months": 0.0,
                                 "p_lower": 0.1, "min_patients": 10, "max_patients": 110,
                                 "followup_months": 12.0, **changes}
    return MonitoringDesign(**fields)  # type: ignore[arg-type]


class TestElicitStandardPrior:
    def test_prior_mean_median_is_the_historical_median(self) -> None:
        """E[mu_S] ln 2 is the historical median; the shape is the deaths it is worth."""
        prior = elicit_standard_prior(7.7, 100.0)
        assert prior.shape == 100.0
        assert prior.mean_months * math.log(2) == pytest.approx(7.7, rel=1e-14)

    def test_interval_narrows_with_more_deaths(self) -> None:
        """100 deaths give a 95% interval of about 6.3–9.4 months around 7.7."""
        low, high = median_interval_months(elicit_standard_prior(7.7, 100.0))
        assert (round(low, 2), round(high, 2)) == (6.32, 9.37)
        wider = median_interval_months(elicit_standard_prior(7.7, 25.0))
        assert wider[0] < low and wider[1] > high

    @pytest.mark.parametrize(("median", "deaths", "field"),
                             [(0.0, 10.0, "historical_median_months"),
                              (7.7, 1.0, "historical_deaths")])
    def test_bad_inputs_are_refused(self, median: float, deaths: float, field: str) -> None:
        """A median must be positive and the evidence worth more than one death."""
        with pytest.raises(MonitoringError) as caught:
            elicit_standard_prior(median, deaths)
        assert caught.value.field == field


class TestShapeFromMedianInterval:
    def test_round_trip_through_the_interval(self) -> None:
        """The shape found reproduces the ratio of the interval's ends."""
        shape = shape_from_median_interval(6.0, 8.0)
        low, high = median_interval_months(InverseGammaPrior(shape, 1.0))
        assert high / low == pytest.approx(8.0 / 6.0, rel=1e-10)
        assert 150 < shape < 250

    @pytest.mark.parametrize(("low", "high"), [(8.0, 6.0), (0.0, 5.0), (7.0, 7.0)])
    def test_an_empty_interval_is_refused(self, low: float, high: float) -> None:
        """The interval needs 0 < low < high."""
        with pytest.raises(MonitoringError, match="needs 0 < low < high"):
            shape_from_median_interval(low, high)


class TestMonitoringDesign:
    @pytest.mark.parametrize(
        ("changes", "field"),
        [({"p_lower": 1.0}, "p_lower"), ({"min_patients": 0}, "min_patients"),
         ({"min_patients": 20, "max_patients": 10}, "min_patients"),
         ({"followup_months": -1.0}, "followup_months"), ({"max_patients": 1.5}, "max_patients")],
    )
    def test_invalid_rules_are_refused(self, changes: dict[str, object], field: str) -> None:
        """Each rule parameter is checked by name."""
        with pytest.raises(MonitoringError) as caught:
            make(**changes)
        assert caught.value.field == field

    def test_boundary_covers_every_possible_death_count(self) -> None:
        """Entries for 0..max_patients deaths."""
        assert make(max_patients=30).boundary_months.shape == (31,)
