"""Posterior probability that the experimental arm beats the historical standard.

Model (Thall, Wooten & Tannir, Clinical Trials 2005;2:467–478): survival is exponential with
mean ``mu``; ``mu_S ~ IG(a_S, b_S)`` (informative, historical) and ``mu_E ~ IG(a_E, b_E)``
(vague). After ``d`` deaths in ``T`` patient-months, ``mu_E | data ~ IG(a_E + d, b_E + T)`` while
``mu_S`` keeps its prior, and the rule looks at ``Pr(mu_E > mu_S + delta | data)``.

With ``X = b_S / mu_S ~ Gamma(a_S, 1)`` the probability is the one-dimensional expectation
``E_X[P(a_E + d, (b_E + T) X / (b_S + delta X))]`` (``P`` the regularised lower incomplete gamma
function). For ``delta = 0`` it has the closed form ``I_{B/(B+b_S)}(a_E + d, a_S)`` (a beta
distribution function: the ratio of the two gamma variables is beta-prime); otherwise it is
integrated with the trapezoidal rule in ``log X``, which converges geometrically for this smooth,
rapidly decaying integrand.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from minihcvd.errors import MonitoringError
from minihcvd.monitoring.limits import (
    MAX_DEATHS,
    MAX_EXPOSURE_MONTHS,
    MAX_PRIOR_SCALE,
    MAX_PRIOR_SHAPE,
    MAX_QUADRATURE_NODES,
    MIN_PRIOR_SHAPE,
)

__all__ = ["InverseGammaPrior", "prob_experimental_better"]

# Tail mass of the standard's prior left outside the integration range (each side).
_TAIL_MASS = 1e-17
# Trapezoid step as a fraction of the narrowest feature of the integrand in log X.
_STEP_FRACTION = 0.1
# Cells of a (probabilities x nodes) block of the quadrature: bounds its memory (~32 MB).
_QUADRATURE_CELLS = 4_000_000


@dataclass(frozen=True)
class InverseGammaPrior:
    """Inverse-gamma distribution of a mean survival time (months), density ∝ mu^-(a+1) e^(-b/mu).

    ``shape`` counts like deaths and ``scale`` like patient-months of follow-up, which is why the
    posterior after ``d`` deaths in ``T`` months is ``IG(shape + d, scale + T)``.
    """

    shape: float
    scale: float

    def __post_init__(self) -> None:
        for name, bound in (("shape", MAX_PRIOR_SHAPE), ("scale", MAX_PRIOR_SCALE)):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise MonitoringError(
                    f"an inverse-gamma {name} must be a positive number, found {value!r}",
                    field=name,
                )
            if value > bound:
                raise MonitoringError(
                    f"an inverse-gamma {name} must be at most {bound:g}, found {value!r}",
                    field=name,
                )
        if self.shape < MIN_PRIOR_SHAPE:
            raise MonitoringError(
                f"an inverse-gamma shape must be at least {MIN_PRIOR_SHAPE:g}, found "
                f"{self.shape!r}",
                field="shape",
            )

    @classmethod
    def with_mean(cls, mean_months: float, shape: float) -> InverseGammaPrior:
        """The prior with this ``shape`` and mean ``scale / (shape - 1)`` (needs shape > 1)."""
        if not shape > 1:
            raise MonitoringError(
                f"a prior with a finite mean needs shape > 1, found {shape!r}", field="shape"
            )
        return cls(shape=float(shape), scale=float(mean_months) * (float(shape) - 1.0))

    @property
    def mean_months(self) -> float:
        """Prior mean survival time; infinite when ``shape <= 1``."""
        return self.scale / (self.shape - 1.0) if self.shape > 1 else math.inf

    def quantile_months(self, probability: float) -> float:
        """The ``probability`` quantile of the mean survival time."""
        from scipy import special  # imported here: ~0.2 s, not needed to start the CLI
        return float(self.scale / special.gammainccinv(self.shape, probability))


def prob_experimental_better(
    deaths: int,
    exposure_months: float,
    *,
    standard: InverseGammaPrior,
    experimental: InverseGammaPrior,
    delta_months: float = 0.0,
    patients: int | None = None,
) -> float:
    """``Pr(mu_E > mu_S + delta | d deaths in T patient-months)``, accurate to about 1e-9.

    ``patients`` is optional and only checks that there are no more deaths than patients.
    Deaths without any follow-up are refused: every death adds its patient's time from the
    start to the death.
    """
    deaths = _check_count(deaths, "deaths")
    exposure_months = _check_nonnegative(exposure_months, "exposure_months")
    delta_months = _check_nonnegative(delta_months, "delta_months")
    if deaths > MAX_DEATHS:
        raise MonitoringError(f"deaths must be at most {MAX_DEATHS:,}, found {deaths}",
                              field="deaths")
    if exposure_months > MAX_EXPOSURE_MONTHS:
        raise MonitoringError(f"exposure_months must be at most {MAX_EXPOSURE_MONTHS:g}, found "
                              f"{exposure_months!r}", field="exposure_months")
    if delta_months > MAX_PRIOR_SCALE:
        raise MonitoringError(f"delta_months must be at most {MAX_PRIOR_SCALE:g}, found "
                              f"{delta_months!r}", field="delta_months")
    if deaths > 0 and exposure_months == 0:
        raise MonitoringError(
            f"{deaths} death(s) with no follow-up: each death adds its patient's months from "
            "the start to the death, so the exposure must be > 0",
            field="exposure_months",
        )
    if patients is not None and deaths > _check_count(patients, "patients"):
        raise MonitoringError(
            f"there cannot be more deaths ({deaths}) than patients ({patients})", field="deaths"
        )
    return float(
        _calc_prob_experimental_better(
            np.array([deaths]), np.array([exposure_months]), standard, experimental, delta_months
        )[0]
    )


def _check_count(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise MonitoringError(f"{name} must be a whole number >= 0, found {value!r}", field=name)
    return int(value)


def _check_nonnegative(value: object, name: str) -> float:
    number = math.nan
    if isinstance(value, int | float | np.floating) and not isinstance(value, bool):
        number = float(value)
    if not math.isfinite(number) or number < 0:
        raise MonitoringError(f"{name} must be a finite number >= 0, found {value!r}", field=name)
    return number


def _calc_prob_experimental_better(
    deaths: ArrayLike,
    exposure_months: ArrayLike,
    standard: InverseGammaPrior,
    experimental: InverseGammaPrior,
    delta_months: float,
) -> NDArray[np.float64]:
    """Vectorised over ``deaths`` and ``exposure_months`` (broadcast); inputs assumed clean."""
    from scipy import special  # imported here: ~0.2 s, not needed to start the CLI
    shape_post = experimental.shape + np.asarray(deaths, dtype=np.float64)
    scale_post = experimental.scale + np.asarray(exposure_months, dtype=np.float64)
    shape_post, scale_post = np.broadcast_arrays(shape_post, scale_post)
    if delta_months == 0.0:
        # b / (b + b_S) written so that it cannot overflow (b + b_S may exceed the float range)
        ratio = 1.0 / (1.0 + standard.scale / scale_post)
        return np.asarray(special.betainc(shape_post, standard.shape, ratio), dtype=np.float64)
    return _trapezoid_prob(shape_post, scale_post, standard, delta_months)


def _trapezoid_prob(
    shape_post: NDArray[np.float64],
    scale_post: NDArray[np.float64],
    standard: InverseGammaPrior,
    delta_months: float,
) -> NDArray[np.float64]:
    """``E_X[P(A, B X / (b_S + delta X))]`` with X ~ Gamma(a_S, 1), trapezoid rule in log X.

    Each value's grid depends on its own ``A`` only (a power of two of intervals), so a
    probability does not change with the other values computed alongside it: the boundary's
    root finder and a later look at the same data agree to the last bit.
    """
    from scipy import special  # imported here: ~0.2 s, not needed to start the CLI
    a_s = standard.shape
    low = float(special.gammaincinv(a_s, _TAIL_MASS))
    # P(a, x) ~ x^a / Gamma(a + 1) as x -> 0: the lower limit in log space when it underflows.
    log_lo = (math.log(low) if low > 1e-300
              else (math.log(_TAIL_MASS) + float(special.gammaln(a_s + 1.0))) / a_s)
    log_hi = math.log(float(special.gammainccinv(a_s, _TAIL_MASS)))
    # Features of the integrand in log X: the prior's width (~1/sqrt(a_S), or 1 for small a_S)
    # and the posterior's transition (~1/sqrt(A)); the step resolves the narrower one.
    flat_shape, flat_scale = shape_post.ravel(), scale_post.ravel()
    widest = np.maximum(max(1.0, a_s), flat_shape)
    intervals = np.ceil((log_hi - log_lo) * np.sqrt(widest) / _STEP_FRACTION)
    levels = np.ceil(np.log2(np.maximum(intervals, 32.0))).astype(np.int64)
    if levels.size and 2 ** int(levels.max()) + 1 > MAX_QUADRATURE_NODES:  # before allocating
        raise MonitoringError(
            f"with a margin, a standard prior of shape {a_s:g} and a posterior shape of "
            f"{float(flat_shape.max()):g} need a quadrature of {2 ** int(levels.max()) + 1:,} "
            f"nodes, more than {MAX_QUADRATURE_NODES:,}: give the standard prior a larger shape",
            field="shape",
        )
    result = np.empty(flat_shape.size)
    for level in np.unique(levels):
        n_nodes = 2 ** int(level) + 1
        log_x = np.linspace(log_lo, log_hi, n_nodes)
        x = np.exp(log_x)
        log_density = a_s * log_x - x - special.gammaln(a_s)
        weights = np.exp(log_density) * (log_x[1] - log_x[0])
        weights /= weights.sum()  # the retained mass is 1 - 2e-17; renormalising absorbs rounding
        # B X / (b_S + delta X) as B times a factor below 1 / delta (x may underflow to 0).
        per_scale = x / (standard.scale + delta_months * x)
        rows = np.flatnonzero(levels == level)
        block = max(1, _QUADRATURE_CELLS // n_nodes)
        for start in range(0, rows.size, block):
            part = rows[start : start + block]
            values = special.gammainc(flat_shape[part, None], flat_scale[part, None] * per_scale)
            result[part] = values @ weights
    return result.reshape(shape_post.shape)
