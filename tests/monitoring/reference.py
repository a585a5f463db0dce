"""The plain per-trial simulator: the oracle of the vectorised one (and the benchmark baseline).

One trial at a time, one look at a time, deaths and follow-up counted patient by patient and the
posterior probability computed directly (no precomputed boundary).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from minihcvd.monitoring import MonitoringDesign, prob_experimental_better


@dataclass(frozen=True)
class ReferenceTrial:
    """Outcome of one simulated trial."""

    stopped: bool
    patients: int
    duration_months: float


def reference_trial(
    design: MonitoringDesign, entry_months: list[float], survival_months: list[float]
) -> ReferenceTrial:
    """Apply the rule at enrollments min_patients..max_patients-1 of one trial."""
    for enrolled in range(design.min_patients, design.max_patients):
        now = entry_months[enrolled - 1]
        deaths = 0
        exposure = 0.0
        for entry, survival in zip(entry_months[:enrolled], survival_months[:enrolled],
                                   strict=True):
            if entry + survival <= now:
                deaths += 1
            exposure += min(survival, now - entry)
        probability = prob_experimental_better(
            deaths, exposure, standard=design.standard, experimental=design.experimental,
            delta_months=design.delta_months,
        )
        if probability < design.p_lower:
            return ReferenceTrial(True, enrolled, now)
    return ReferenceTrial(False, design.max_patients,
                          entry_months[design.max_patients - 1] + design.followup_months)


def reference_simulation(
    design: MonitoringDesign,
    *,
    true_median_months: float,
    accrual_per_month: float,
    n_trials: int,
    rng: np.random.Generator,
) -> list[ReferenceTrial]:
    """``n_trials`` trials drawn patient by patient."""
    trials = []
    for _ in range(n_trials):
        entries = [0.0]
        for _ in range(design.max_patients - 1):
            entries.append(entries[-1] + rng.exponential(1.0 / accrual_per_month))
        survival = [rng.exponential(true_median_months / math.log(2))
                    for _ in range(design.max_patients)]
        trials.append(reference_trial(design, entries, survival))
    return trials


def reference_boundary(design: MonitoringDesign) -> list[float]:
    """The boundary as the rule defines it, one death count at a time: the root in ``T`` of
    ``Pr(mu_E > mu_S + delta | d, T) = p_L`` by Brent's method on the public probability
    (0 when the rule continues even without follow-up; deaths need some follow-up, so the
    search starts at 1e-12 months)."""
    from scipy import optimize

    def excess(months: float, deaths: int) -> float:
        return prob_experimental_better(deaths, months, standard=design.standard,
                                        experimental=design.experimental,
                                        delta_months=design.delta_months) - design.p_lower

    boundary = []
    for deaths in range(design.max_patients + 1):
        low = 1e-12 if deaths else 0.0
        if excess(low, deaths) >= 0:
            boundary.append(0.0)
            continue
        high = 1.0
        while excess(high, deaths) < 0:
            high *= 2.0
        boundary.append(float(optimize.brentq(excess, low, high, args=(deaths,), xtol=1e-12,
                                              rtol=4 * np.finfo(float).eps)))
    return boundary
