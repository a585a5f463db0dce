"""A monitoring design: the two priors, the rule, and how the priors were elicited.

Elicitation (Thall, Wooten & Tannir 2005): the standard's mean survival gets an informative
inverse-gamma prior centred on the historical median (prior mean of ``mu_S`` = median / ln 2);
its shape is the number of deaths the historical evidence is worth (its prior effective sample
size), given directly or read off a 95% prior interval for the median. The experimental arm gets
a vague prior with the same mean and a small shape (3 by default: the smallest whole shape with
a finite variance, worth three deaths).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from minihcvd.errors import MonitoringError
from minihcvd.monitoring.boundary import check_p_lower, stopping_boundary
from minihcvd.monitoring.limits import MAX_MONTHS, MAX_PATIENTS, MAX_PRIOR_SHAPE
from minihcvd.monitoring.posterior import InverseGammaPrior

__all__ = [
    "DEFAULT_EXPERIMENTAL_SHAPE",
    "Elicitation",
    "MonitoringDesign",
    "elicit_standard_prior",
    "median_interval_months",
    "shape_from_median_interval",
]

DEFAULT_EXPERIMENTAL_SHAPE = 3.0


@dataclass(frozen=True)
class Elicitation:
    """Where a design came from: inputs of ``monitor design`` and the calibrated outcome."""

    historical_median_months: float
    historical_deaths: float
    target_improvement_months: float
    accrual_per_month: float
    max_prob_stop_alternative: float
    prob_stop_null: float
    prob_stop_alternative: float
    calibration_trials: int
    seed: int


@dataclass(frozen=True)
class MonitoringDesign:
    """Stop accrual at an enrollment once ``min_patients`` are in if Pr(mu_E > mu_S + delta) < p_L.

    ``followup_months`` is how long the last patient is followed after accrual ends; it only
    enters the simulated trial duration.
    """

    standard: InverseGammaPrior
    experimental: InverseGammaPrior
    delta_months: float
    p_lower: float
    min_patients: int
    max_patients: int
    followup_months: float
    elicitation: Elicitation | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        check_p_lower(self.p_lower)
        for name in ("delta_months", "followup_months"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value)
                    and 0 <= value <= MAX_MONTHS):
                raise MonitoringError(f"{name} must be a number from 0 to {MAX_MONTHS:g}, found "
                                      f"{value!r}", field=name)
        for name in ("min_patients", "max_patients"):
            value = getattr(self, name)
            if (isinstance(value, bool) or not isinstance(value, int)
                    or not 1 <= value <= MAX_PATIENTS):
                raise MonitoringError(f"{name} must be a whole number from 1 to "
                                      f"{MAX_PATIENTS:,}, found {value!r}", field=name)
        if self.min_patients > self.max_patients:
            raise MonitoringError(
                f"min_patients ({self.min_patients}) exceeds max_patients ({self.max_patients})",
                field="min_patients",
            )

    @cached_property
    def boundary_months(self) -> NDArray[np.float64]:
        """Least follow-up (patient-months) to continue, for 0..max_patients deaths."""
        return stopping_boundary(
            standard=self.standard,
            experimental=self.experimental,
            delta_months=self.delta_months,
            p_lower=self.p_lower,
            max_deaths=self.max_patients,
        )


def elicit_standard_prior(median_months: float, historical_deaths: float) -> InverseGammaPrior:
    """IG prior for ``mu_S`` with mean ``median / ln 2`` worth ``historical_deaths`` deaths."""
    if not (math.isfinite(median_months) and median_months > 0):
        raise MonitoringError(f"the historical median must be > 0 months, found {median_months}",
                              field="historical_median_months")
    if not (math.isfinite(historical_deaths) and 1 < historical_deaths <= MAX_PRIOR_SHAPE):
        raise MonitoringError(
            f"the historical evidence must be worth more than 1 death and at most "
            f"{MAX_PRIOR_SHAPE:g}, found {historical_deaths}",
            field="historical_deaths",
        )
    return InverseGammaPrior.with_mean(median_months / math.log(2), historical_deaths)


def median_interval_months(prior: InverseGammaPrior, level: float = 0.95) -> tuple[float, float]:
    """Central prior interval for the median survival ``mu ln 2``."""
    tail = (1.0 - level) / 2.0
    return (prior.quantile_months(tail) * math.log(2),
            prior.quantile_months(1.0 - tail) * math.log(2))


def shape_from_median_interval(low_months: float, high_months: float) -> float:
    """The shape whose 95% prior interval for the median has the ratio ``high / low``.

    The ratio of two quantiles of an inverse gamma depends on its shape only, so the interval
    fixes the strength of the evidence; the historical median then fixes the location.
    """
    if not (0 < low_months < high_months and math.isfinite(high_months)):
        raise MonitoringError(
            f"a prior interval for the median needs 0 < low < high, found {low_months}, "
            f"{high_months}",
            field="historical_median_range",
        )
    from scipy import optimize, special  # slow to import; only this elicitation needs them

    target = math.log(high_months / low_months)

    def log_ratio_gap(log_shape: float) -> float:
        shape = math.exp(log_shape)
        upper = special.gammaincinv(shape, 0.975)
        lower = special.gammaincinv(shape, 0.025)
        return float(math.log(upper / lower) - target)

    # The log-ratio falls as the shape grows (about 2 z / sqrt(shape) for large shapes).
    bracket = (math.log(0.5), math.log(1e9))
    too = ("wide" if log_ratio_gap(bracket[0]) < 0
           else "narrow" if log_ratio_gap(bracket[1]) > 0 else "")
    if too:
        raise MonitoringError(
            f"the interval {low_months}–{high_months} months is too {too} to elicit a prior from",
            field="historical_median_range",
        )
    return float(math.exp(optimize.brentq(log_ratio_gap, *bracket, xtol=1e-12)))
