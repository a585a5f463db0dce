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

__all__ = ["InverseGammaPrior", "prob_experimental_better"]

# Tail mass of the standard's prior left outside the integration range (each side).
_TAIL_MASS = 1e-17
# Trapezoid step as a fraction of the narrowest feature of the integrand in log X.
_STEP_FRACTION = 0.1


@dataclass(frozen=True)
class InverseGammaPrior:
    """Inverse-gamma distribution of a mean survival time (months), density ∝ mu^-(a+1) e^(-b/mu).

    ``shape`` counts like deaths and ``scale`` like patient-months of follow-up, which is why the
    posterior after ``d`` deaths in ``T`` months is ``IG(shape + d, scale + T)``.
    """

    shape: float
    scale: float

    def __post_init__(self) -> None:
        for name in ("shape", "scale"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise MonitoringError(
                    f"an inverse-gamma {name} must be a positive number, found {value!r}",
                    field=name,
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
    """
    deaths = _check_count(deaths, "deaths")
    exposure_months = _check_nonnegative(exposure_months, "exposure_months")
    delta_months = _check_nonnegative(delta_months, "delta_months")
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
        ratio = scale_post / (scale_post + standard.scale)
        return np.asarray(special.betainc(shape_post, standard.shape, ratio), dtype=np.float64)
    return _trapezoid_prob(shape_post, scale_post, standard, delta_months)


def _trapezoid_prob(
    shape_post: NDArray[np.float64],
    scale_post: NDArray[np.float64],
    standard: InverseGammaPrior,
    delta_months: float,
) -> NDArray[np.float64]:
    """``E_X[P(A, B X / (b_S + delta X))]`` with X ~ Gamma(a_S, 1), trapezoid rule in log X."""
    from scipy import special  # imported here: ~0.2 s, not needed to start the CLI
    a_s = standard.shape
    log_lo = math.log(float(special.gammaincinv(a_s, _TAIL_MASS)))
    log_hi = math.log(float(special.gammainccinv(a_s, _TAIL_MASS)))
    # Features of the integrand in log X: the prior's width (~1/sqrt(a_S), or 1 for small a_S)
    # and the posterior's transition (~1/sqrt(A)); the step resolves the narrower one.
    widest_shape = max(1.0, a_s, float(shape_post.max(initial=1.0)))
    step = _STEP_FRACTION / math.sqrt(widest_shape)
    n_nodes = max(math.ceil((log_hi - log_lo) / step) + 1, 33)
    log_x = np.linspace(log_lo, log_hi, n_nodes)
    x = np.exp(log_x)
    log_density = a_s * log_x - x - special.gammaln(a_s)
    weights = np.exp(log_density) * (log_x[1] - log_x[0])
    weights /= weights.sum()  # the retained mass is 1 - 2e-17; renormalising absorbs rounding
    argument = scale_post[..., None] * x / (standard.scale + delta_months * x)
    values = special.gammainc(shape_post[..., None], argument)
    return np.asarray(values @ weights, dtype=np.float64)
