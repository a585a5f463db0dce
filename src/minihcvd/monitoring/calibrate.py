"""Calibrate the stopping threshold p_L to stated operating characteristics.

The design should rarely stop a trial whose true median is the target (historical median plus
the targeted improvement): p_L is the largest threshold whose simulated probability of stopping
early under that alternative is at most the stated limit. Trials are drawn once and reused for
every candidate p_L (common random numbers), so the simulated probability is a non-decreasing
step function of p_L and bisection finds its last admissible value exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from minihcvd.errors import MonitoringError
from minihcvd.monitoring.boundary import check_p_lower, stopping_boundary
from minihcvd.monitoring.design import (
    DEFAULT_EXPERIMENTAL_SHAPE,
    Elicitation,
    MonitoringDesign,
    elicit_standard_prior,
)
from minihcvd.monitoring.limits import (
    MAX_ACCRUAL_PER_MONTH,
    MAX_CALIBRATION_TRIALS,
    MAX_MONTHS,
    MAX_PATIENTS,
    MAX_SEED,
    MIN_ACCRUAL_PER_MONTH,
    check_memory,
    check_positive,
    check_whole,
)
from minihcvd.monitoring.posterior import InverseGammaPrior
from minihcvd.monitoring.simulate import SimulatedLooks, first_stop_look, simulate_looks

__all__ = ["Calibration", "calibrate_p_lower", "design_trial"]

# Bisection on logit(p_L) over (1e-6, 1 - 1e-6); 40 halvings leave a bracket of ~1e-10.
_LOGIT_RANGE = (math.log(1e-6 / (1 - 1e-6)), math.log((1 - 1e-6) / 1e-6))
_BISECTION_STEPS = 40
#: Peak bytes per calibration trial-patient (both scenarios' looks kept, plus one scenario's
#: draws while it is simulated; tracemalloc measures about 100).
CALIBRATION_BYTES_PER_CELL = 128


@dataclass(frozen=True)
class Calibration:
    """The calibrated p_L and the simulated stopping probabilities it gives."""

    p_lower: float
    prob_stop_null: float
    prob_stop_alternative: float


def calibrate_p_lower(
    *,
    standard: InverseGammaPrior,
    experimental: InverseGammaPrior,
    delta_months: float,
    min_patients: int,
    max_patients: int,
    null_median_months: float,
    alternative_median_months: float,
    accrual_per_month: float,
    max_prob_stop_alternative: float,
    n_trials: int,
    rng: np.random.Generator,
    p_lower: float | None = None,
) -> Calibration:
    """Largest p_L with simulated P(stop early | alternative) <= ``max_prob_stop_alternative``.

    With ``p_lower`` given, no search: the stopping probabilities of that threshold.
    """
    if not 0.0 < max_prob_stop_alternative < 1.0:
        raise MonitoringError(
            "the limit on P(stop early | alternative) must lie strictly between 0 and 1, found "
            f"{max_prob_stop_alternative!r}",
            field="max_prob_stop_alternative",
        )
    if p_lower is not None:
        p_lower = check_p_lower(p_lower)
    check_sizes(min_patients=min_patients, max_patients=max_patients, n_trials=n_trials)
    null_rng, alternative_rng = rng.spawn(2)
    alternative, null = (
        simulate_looks(n_trials, true_median_months=median_months,
                       accrual_per_month=accrual_per_month, min_patients=min_patients,
                       max_patients=max_patients, rng=scenario_rng)
        for median_months, scenario_rng in ((alternative_median_months, alternative_rng),
                                            (null_median_months, null_rng))
    )

    def prob_stop(looks: SimulatedLooks, p_lower: float) -> float:
        boundary = stopping_boundary(standard=standard, experimental=experimental,
                                     delta_months=delta_months, p_lower=p_lower,
                                     max_deaths=max_patients)
        return float(np.mean(first_stop_look(looks, boundary) >= 0))

    def p_of(logit: float) -> float:
        return 1.0 / (1.0 + math.exp(-logit))

    if p_lower is not None:
        return Calibration(p_lower=p_lower, prob_stop_null=prob_stop(null, p_lower),
                           prob_stop_alternative=prob_stop(alternative, p_lower))
    low, high = _LOGIT_RANGE
    if prob_stop(alternative, p_of(low)) > max_prob_stop_alternative:
        raise MonitoringError(
            f"even p_L = {p_of(low):.0e} stops more than {max_prob_stop_alternative} of trials "
            "under the alternative; raise the limit, the minimum patients or the improvement",
            field="max_prob_stop_alternative",
        )
    if prob_stop(alternative, p_of(high)) <= max_prob_stop_alternative:
        low = high
    for _ in range(_BISECTION_STEPS if low < high else 0):
        middle = 0.5 * (low + high)
        if prob_stop(alternative, p_of(middle)) <= max_prob_stop_alternative:
            low = middle
        else:
            high = middle
    # Rounding down to three significant digits keeps the limit and gives a quotable p_L.
    exponent = math.floor(math.log10(p_of(low))) - 2
    found = float(f"{math.floor(p_of(low) / 10.0**exponent)}e{exponent}")
    return Calibration(
        p_lower=found,
        prob_stop_null=prob_stop(null, found),
        prob_stop_alternative=prob_stop(alternative, found),
    )


def check_sizes(*, min_patients: int, max_patients: int, n_trials: int) -> None:
    """Patients and calibration trials within their bounds, and their memory available."""
    check_whole(min_patients, "min_patients", 1, MAX_PATIENTS)
    check_whole(max_patients, "max_patients", 1, MAX_PATIENTS)
    if min_patients > max_patients:
        raise MonitoringError(
            f"min_patients ({min_patients}) exceeds max_patients ({max_patients})",
            field="min_patients",
        )
    check_whole(n_trials, "calibration_trials", 1, MAX_CALIBRATION_TRIALS)
    check_memory(n_trials * max_patients * CALIBRATION_BYTES_PER_CELL,
                 f"calibrating on {n_trials:,} trials of {max_patients:,} patients",
                 "use fewer calibration trials")


def design_trial(
    *,
    historical_median_months: float,
    target_improvement_months: float,
    historical_deaths: float,
    experimental_shape: float = DEFAULT_EXPERIMENTAL_SHAPE,
    delta_months: float = 0.0,
    min_patients: int = 10,
    max_patients: int = 110,
    accrual_per_month: float = 1.0,
    followup_months: float = 12.0,
    max_prob_stop_alternative: float = 0.10,
    calibration_trials: int = 20_000,
    seed: int = 2012,
    p_lower: float | None = None,
) -> MonitoringDesign:
    """Elicit both priors, calibrate p_L (unless given) and record how, as one design."""
    check_whole(seed, "seed", 0, MAX_SEED)
    check_positive(historical_median_months, "historical_median_months", MAX_MONTHS)
    check_positive(accrual_per_month, "accrual_per_month", MAX_ACCRUAL_PER_MONTH,
                   low=MIN_ACCRUAL_PER_MONTH)
    check_sizes(min_patients=min_patients, max_patients=max_patients,
                n_trials=calibration_trials)
    if not (math.isfinite(target_improvement_months)
            and 0 < target_improvement_months <= MAX_MONTHS):
        raise MonitoringError(
            f"the target improvement must be > 0 months and at most {MAX_MONTHS:g}, found "
            f"{target_improvement_months}",
            field="target_improvement_months",
        )
    standard = elicit_standard_prior(historical_median_months, historical_deaths)
    experimental = InverseGammaPrior.with_mean(standard.mean_months, experimental_shape)
    calibration = calibrate_p_lower(
        standard=standard,
        experimental=experimental,
        delta_months=delta_months,
        min_patients=min_patients,
        max_patients=max_patients,
        null_median_months=historical_median_months,
        alternative_median_months=historical_median_months + target_improvement_months,
        accrual_per_month=accrual_per_month,
        max_prob_stop_alternative=max_prob_stop_alternative,
        n_trials=calibration_trials,
        rng=np.random.default_rng(seed),
        p_lower=p_lower,
    )
    return MonitoringDesign(
        standard=standard,
        experimental=experimental,
        delta_months=delta_months,
        p_lower=calibration.p_lower,
        min_patients=min_patients,
        max_patients=max_patients,
        followup_months=followup_months,
        elicitation=Elicitation(
            historical_median_months=historical_median_months,
            historical_deaths=historical_deaths,
            target_improvement_months=target_improvement_months,
            accrual_per_month=accrual_per_month,
            max_prob_stop_alternative=max_prob_stop_alternative,
            prob_stop_null=calibration.prob_stop_null,
            prob_stop_alternative=calibration.prob_stop_alternative,
            calibration_trials=calibration_trials,
            seed=seed,
        ),
    )
