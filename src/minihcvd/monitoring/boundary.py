"""The stopping boundary: for each number of deaths, the least follow-up needed to continue.

``Pr(mu_E > mu_S + delta | d, T)`` rises with the follow-up ``T`` (more months per death means a
longer mean survival) and falls with ``d``, so the rule "stop when the probability is below
``p_L``" is the same as "stop when ``T < T_min(d)``", with ``T_min`` non-decreasing in ``d``.
Precomputing ``T_min`` turns every look of a simulated trial into a comparison.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from minihcvd.errors import MonitoringError
from minihcvd.monitoring.posterior import InverseGammaPrior, _calc_prob_experimental_better

__all__ = ["check_p_lower", "stopping_boundary"]

def check_p_lower(p_lower: object) -> float:
    """The stopping threshold as a float, or a one-line error unless it lies in (0, 1)."""
    if not isinstance(p_lower, int | float) or not 0.0 < p_lower < 1.0:
        raise MonitoringError(
            f"p_L (the stopping threshold) must lie strictly between 0 and 1, found {p_lower!r}",
            field="p_lower",
        )
    return float(p_lower)


def stopping_boundary(
    *,
    standard: InverseGammaPrior,
    experimental: InverseGammaPrior,
    delta_months: float,
    p_lower: float,
    max_deaths: int,
) -> NDArray[np.float64]:
    """``T_min[d]`` for ``d = 0..max_deaths``: continue iff follow-up ``T >= T_min[d]`` months.

    Each entry is the upper end of a bisection bracket, so the posterior probability at
    ``T_min[d]`` is at least ``p_L`` and just below it is less (0 means never stop).
    """
    p_lower = check_p_lower(p_lower)
    if max_deaths < 0:
        raise MonitoringError(f"max_deaths must be >= 0, found {max_deaths}", field="max_deaths")
    if not (math.isfinite(delta_months) and delta_months >= 0):
        raise MonitoringError(
            f"delta_months must be a finite number >= 0, found {delta_months!r}",
            field="delta_months",
        )
    return _calc_boundary(standard, experimental, delta_months, p_lower, max_deaths)


def _calc_boundary(
    standard: InverseGammaPrior,
    experimental: InverseGammaPrior,
    delta_months: float,
    p_lower: float,
    max_deaths: int,
) -> NDArray[np.float64]:
    """Chandrupatla's bracketing root finder, vectorised over the death counts."""
    from scipy.optimize import elementwise

    def excess(exposure: NDArray[np.float64], deaths: NDArray[np.float64]) -> NDArray[np.float64]:
        return (
            _calc_prob_experimental_better(deaths, exposure, standard, experimental, delta_months)
            - p_lower
        )

    deaths = np.arange(max_deaths + 1, dtype=np.float64)
    low = np.zeros(deaths.size)
    already_continues = excess(low, deaths) >= 0
    # Grow an upper bracket until every death count continues there (the probability -> 1).
    high = np.full(deaths.size, max(standard.scale, experimental.scale, 1.0))
    while not np.all(ok := excess(high, deaths) >= 0):
        high = np.where(ok, high, 4.0 * high)
        if high.max() > 1e12:
            raise MonitoringError(
                f"no follow-up up to 1e12 months reaches p_L = {p_lower}; raise p_L",
                field="p_lower",
            )
    searching = ~already_continues
    result = elementwise.find_root(
        excess,
        (low[searching], high[searching]),
        args=(deaths[searching],),
        tolerances={"xatol": 1e-12, "xrtol": 4 * np.finfo(float).eps, "fatol": 0.0},
    )
    # The bracket end where the rule continues, so Pr >= p_L holds exactly at the boundary.
    upper = np.where(result.f_bracket[1] >= 0, result.bracket[1], result.bracket[0])
    boundary = np.zeros(deaths.size)
    boundary[searching] = upper
    return boundary
