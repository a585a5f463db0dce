"""The stopping boundary: for each number of deaths, the least follow-up needed to continue.

``Pr(mu_E > mu_S + delta | d, T)`` rises with the follow-up ``T`` (more months per death means a
longer mean survival) and falls with ``d``, so the rule "stop when the probability is below
``p_L``" is the same as "stop when ``T < T_min(d)``", with ``T_min`` non-decreasing in ``d``.
Precomputing ``T_min`` turns every look of a simulated trial into a comparison.

With ``delta = 0`` the probability is the regularized incomplete beta function
``I_x(a_E + d, a_S)`` at ``x = (b_E + T) / (b_E + T + b_S)``, so ``T_min`` comes from its inverse
in closed form (``scipy.special.betaincinv``), for every death count at once; a few vectorised
bisection steps on the probability itself then pin each value to the same bracket end the root
finder gives. With ``delta > 0`` the probability is a quadrature; the closed-form boundary of
``delta = 0`` is a lower bracket (a margin only makes continuing harder) and Chandrupatla's root
finder (``scipy.optimize.elementwise``) searches all death counts at once. Boundaries are cached
per design (priors, margin, threshold, size): calibration and repeated simulations reuse them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from minihcvd.errors import MonitoringError
from minihcvd.monitoring.limits import MAX_PATIENTS
from minihcvd.monitoring.posterior import InverseGammaPrior, _calc_prob_experimental_better

__all__ = ["check_p_lower", "stopping_boundary"]

# Root tolerances: the boundary is known to ~1e-12 months absolute or 4 ulps relative.
_XATOL = 1e-12
_XRTOL = 4 * np.finfo(float).eps

_Excess = Callable[[NDArray[np.float64], NDArray[np.float64]], NDArray[np.float64]]


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

    Each entry is the upper end of a bracket of width ~1e-12 months around the root, so the
    posterior probability at ``T_min[d]`` is at least ``p_L`` and just below it is less (0 means
    never stop). The array is read-only (it is shared through the cache).
    """
    p_lower = check_p_lower(p_lower)
    if (isinstance(max_deaths, bool) or not isinstance(max_deaths, int)
            or not 0 <= max_deaths <= MAX_PATIENTS):
        raise MonitoringError(f"max_deaths must be a whole number from 0 to {MAX_PATIENTS:,}, "
                              f"found {max_deaths!r}", field="max_deaths")
    if not (isinstance(delta_months, int | float) and math.isfinite(delta_months)
            and delta_months >= 0):
        raise MonitoringError(
            f"delta_months must be a finite number >= 0, found {delta_months!r}",
            field="delta_months",
        )
    return _cached_boundary(standard, experimental, float(delta_months), p_lower, max_deaths)


@lru_cache(maxsize=128)
def _cached_boundary(
    standard: InverseGammaPrior,
    experimental: InverseGammaPrior,
    delta_months: float,
    p_lower: float,
    max_deaths: int,
) -> NDArray[np.float64]:
    deaths = np.arange(max_deaths + 1, dtype=np.float64)
    lower = _closed_form_boundary(standard, experimental, p_lower, deaths)
    if delta_months == 0.0:
        boundary = _polish(standard, experimental, p_lower, deaths, lower)
    else:
        boundary = _root_boundary(standard, experimental, delta_months, p_lower, deaths, lower)
    boundary.flags.writeable = False
    return boundary


def _closed_form_boundary(
    standard: InverseGammaPrior,
    experimental: InverseGammaPrior,
    p_lower: float,
    deaths: NDArray[np.float64],
) -> NDArray[np.float64]:
    """``T`` solving ``I_x(a_E + d, a_S) = p_L``: ``x / (1 - x) = (b_E + T) / b_S``.

    ``x`` and ``1 - x`` each come from their own inverse (``I_{1-x}(a_S, A) = 1 - p_L``), so the
    odds keep full precision whether ``x`` is near 0 or near 1.
    """
    from scipy import special  # imported here: ~0.2 s, not needed to start the CLI

    shape_post = experimental.shape + deaths
    x = special.betaincinv(shape_post, standard.shape, p_lower)
    one_minus_x = special.betaincinv(standard.shape, shape_post, 1.0 - p_lower)
    months = standard.scale * (x / one_minus_x) - experimental.scale
    return np.asarray(np.maximum(months, 0.0), dtype=np.float64)


def _excess(
    standard: InverseGammaPrior,
    experimental: InverseGammaPrior,
    delta_months: float,
    p_lower: float,
) -> _Excess:
    def excess(months: NDArray[np.float64], deaths: NDArray[np.float64]) -> NDArray[np.float64]:
        return (_calc_prob_experimental_better(deaths, months, standard, experimental,
                                               delta_months) - p_lower)
    return excess


def _polish(
    standard: InverseGammaPrior,
    experimental: InverseGammaPrior,
    p_lower: float,
    deaths: NDArray[np.float64],
    estimate: NDArray[np.float64],
) -> NDArray[np.float64]:
    """The closed form's roots as the continuing end of a ~1e-12 bracket on the probability.

    The inverse is accurate to a few ulps of ``x``; bisection on the probability itself (the
    function every look uses) makes ``Pr(T_min) >= p_L`` exact and the bracket as tight as the
    root finder's tolerances.
    """
    excess = _excess(standard, experimental, 0.0, p_lower)
    boundary = estimate.copy()
    searching = excess(np.zeros(deaths.size), deaths) < 0  # the others never stop: 0
    boundary[~searching] = 0.0
    if not searching.any():
        return boundary
    d = deaths[searching]
    root = estimate[searching]
    width = np.maximum(1e-9 * root, 1e-9)
    low, high = np.maximum(root - width, 0.0), root + width
    # Widen (rarely needed) until the bracket holds the sign change.
    for _ in range(60):
        bad_low, bad_high = excess(low, d) >= 0, excess(high, d) < 0
        if not (bad_low.any() or bad_high.any()):
            break
        width = np.where(bad_low | bad_high, 4.0 * width, width)
        low = np.where(bad_low, np.maximum(root - width, 0.0), low)
        high = np.where(bad_high, root + width, high)
    else:  # pragma: no cover - the closed form would have to be wrong by orders of magnitude
        raise MonitoringError("the stopping boundary could not be bracketed", field="p_lower")
    boundary[searching] = _bisect(excess, low, high, d)
    return boundary


def _bisect(
    excess: _Excess,
    low: NDArray[np.float64],
    high: NDArray[np.float64],
    deaths: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Halve every bracket (``excess < 0`` at ``low``, ``>= 0`` at ``high``) to the tolerance."""
    for _ in range(200):
        if np.all(high - low <= _XATOL + _XRTOL * high):
            break
        middle = 0.5 * (low + high)
        ok = excess(middle, deaths) >= 0
        high = np.where(ok, middle, high)
        low = np.where(ok, low, middle)
    return high


def _root_boundary(
    standard: InverseGammaPrior,
    experimental: InverseGammaPrior,
    delta_months: float,
    p_lower: float,
    deaths: NDArray[np.float64],
    lower: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Chandrupatla's bracketing root finder, vectorised over the death counts."""
    from scipy.optimize import elementwise

    excess = _excess(standard, experimental, delta_months, p_lower)
    already_continues = excess(np.zeros(deaths.size), deaths) >= 0
    # Below the delta = 0 boundary the rule stops whatever the margin: a lower bracket.
    low = lower * (1.0 - 1e-9)
    low = np.where(excess(low, deaths) < 0, low, 0.0)
    # Grow an upper bracket until every death count continues there (the probability -> 1).
    high = np.maximum(2.0 * lower, max(standard.scale, experimental.scale, 1.0))
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
        tolerances={"xatol": _XATOL, "xrtol": _XRTOL, "fatol": 0.0},
    )
    # The lower bracket end if the rule continues there (the search ends when Pr = p_L
    # exactly), else the upper: Pr >= p_L holds exactly at the boundary, and not just below.
    upper = np.where(result.f_bracket[0] >= 0, result.bracket[0], result.bracket[1])
    boundary = np.zeros(deaths.size)
    boundary[searching] = upper
    return boundary
