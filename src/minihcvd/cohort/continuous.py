"""Continuous Table 1 variables with the published medians, ranges and threshold counts.

Each cohort's values are laid out by rank: every rank gets an interval it must fall in (below
or above the cohort median, below or above a Table 1 threshold such as WBC 50), the minimum,
median and maximum ranks are fixed to the published values. On top of that the two cohorts
share out the ranks below and above the *overall* median so that it, too, is the published
one: of all feasible splits, the one closest to what unconstrained draws would give is used.
Within its interval a value is drawn from a normal on a transformed scale (log, logit,
reflected log), truncated to the interval, and rounded to the paper's precision.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from statistics import NormalDist
from typing import Final

import numpy as np
import numpy.typing as npt

from minihcvd.cohort.targets import published_value, scaled_count

__all__ = ["CONTINUOUS", "ContinuousSpec", "continuous_values"]

FloatArray = npt.NDArray[np.float64]
Bounds = tuple[FloatArray, FloatArray]

#: Standard normal CDF and quantile, elementwise (a few hundred values; avoids importing scipy).
_ndtr: Final = np.vectorize(NormalDist().cdf, otypes=[float])
_ndtri: Final = np.vectorize(NormalDist().inv_cdf, otypes=[float])
_TOLERANCE: Final = 1e-9


@dataclass(frozen=True)
class ContinuousSpec:
    """How a continuous Table 1 variable is drawn between its published anchors."""

    column: str
    target: str  # prefix of the target ids: <target>_median, _min, _max
    to_scale: Callable[[FloatArray], FloatArray]
    from_scale: Callable[[FloatArray], FloatArray]
    spread: float  # standard deviation of the parent normal on the transformed scale
    decimals: int
    threshold: float | None = None
    threshold_target: str | None = None

    @property
    def step(self) -> float:
        """The smallest difference at the paper's precision."""
        return float(10.0**-self.decimals)


def _identity(x: FloatArray) -> FloatArray:
    return x


def _logit_pct(x: FloatArray) -> FloatArray:
    p = np.clip(x / 100.0, 0.005, 0.995)
    return np.asarray(np.log(p / (1 - p)))


def _expit_pct(z: FloatArray) -> FloatArray:
    return np.asarray(100.0 / (1.0 + np.exp(-z)))


def _reflect_log(x: FloatArray) -> FloatArray:
    return np.asarray(np.log(100.5 - x))


def _reflect_exp(z: FloatArray) -> FloatArray:
    return np.asarray(100.5 - np.exp(z))


CONTINUOUS: Final = (
    ContinuousSpec("age", "age", _identity, _identity, 14.0, 0),
    ContinuousSpec("wbc", "wbc", np.log, np.exp, 1.3, 1, 50.0, "wbc_50plus"),
    ContinuousSpec("pb_blasts_pct", "pb_blasts", np.log1p, np.expm1, 1.6, 0),
    ContinuousSpec("bm_blasts_pct", "bm_blasts", _logit_pct, _expit_pct, 1.4, 0, 50.0,
                   "bm_blasts_50plus"),
    ContinuousSpec("cd22_pct", "cd22", _reflect_log, _reflect_exp, 1.2, 1),
    ContinuousSpec("cd19_pct", "cd19", _reflect_log, _reflect_exp, 1.2, 1),
)


def _feasible(bounds: Bounds) -> bool:
    return bool(np.all(bounds[0] <= bounds[1] + _TOLERANCE))


def _cohort_bounds(spec: ContinuousSpec, cohort: str, n: int) -> Bounds:
    """Per-rank intervals from the cohort's median, minimum, maximum and threshold count."""
    median = published_value(f"{spec.target}_median", cohort)
    lower = np.full(n, published_value(f"{spec.target}_min", cohort))
    upper = np.full(n, published_value(f"{spec.target}_max", cohort))
    if n < 3:
        return np.full(n, median), np.full(n, median)
    low_mid, high_mid = (n - 1) // 2, n // 2
    upper[0], lower[-1] = lower[0], upper[-1]
    upper[:low_mid] = np.minimum(upper[:low_mid], median)
    lower[high_mid + 1:] = np.maximum(lower[high_mid + 1:], median)
    lower[low_mid:high_mid + 1] = upper[low_mid:high_mid + 1] = median
    if spec.threshold is None or spec.threshold_target is None:
        return lower, upper
    first_above = n - scaled_count(spec.threshold_target, cohort, n)
    with_threshold = (lower.copy(), upper.copy())
    with_threshold[1][:first_above] = np.minimum(upper[:first_above], spec.threshold - spec.step)
    with_threshold[0][first_above:] = np.maximum(lower[first_above:], spec.threshold)
    return with_threshold if _feasible(with_threshold) else (lower, upper)


def _split(bounds: Bounds, below: int, hosted: tuple[float, ...], pinned: list[float],
           step: float) -> Bounds | None:
    """``bounds`` with ``below`` ranks under the overall median values, then ``hosted`` ones."""
    lower, upper = bounds[0].copy(), bounds[1].copy()
    n = lower.size
    above_from = below + len(hosted)
    if not 0 <= below <= n or above_from > n:
        return None
    upper[:below] = np.minimum(upper[:below], pinned[0] - step)
    for rank, value in enumerate(hosted, start=below):
        lower[rank] = max(lower[rank], value)
        upper[rank] = min(upper[rank], value)
    lower[above_from:] = np.maximum(lower[above_from:], pinned[-1] + step)
    return (lower, upper) if _feasible((lower, upper)) else None


def _draw(rng: np.random.Generator, spec: ContinuousSpec, cohort: str,
          bounds: Bounds) -> FloatArray:
    """One value per rank inside its interval (shuffled)."""
    lower, upper = bounds
    centre = float(spec.to_scale(np.array([published_value(f"{spec.target}_median", cohort)]))[0])
    a, b = spec.to_scale(lower), spec.to_scale(upper)
    pa = _ndtr((np.minimum(a, b) - centre) / spec.spread)
    pb = _ndtr((np.maximum(a, b) - centre) / spec.spread)
    uniform = np.clip(rng.uniform(pa, pb), 1e-12, 1 - 1e-12)
    draws = spec.from_scale(centre + spec.spread * _ndtri(uniform))
    values = np.clip(np.round(draws, spec.decimals), lower, upper)
    return np.asarray(rng.permutation(values))


def _pinned(spec: ContinuousSpec, total: int) -> list[float]:
    """The middle value(s) that make the overall median the published one."""
    median = published_value(f"{spec.target}_median")
    if total % 2:
        return [round(median, spec.decimals)]
    if abs(round(median, spec.decimals) - median) < _TOLERANCE:
        return [median, median]
    return [round(median - spec.step / 2, spec.decimals), round(median + spec.step / 2,
                                                                spec.decimals)]


def continuous_values(rng: np.random.Generator, spec: ContinuousSpec,
                      sizes: dict[str, int]) -> dict[str, FloatArray]:
    """Values for each cohort; the overall median too is exact whenever a split allows it."""
    own = {c: _cohort_bounds(spec, c, n) for c, n in sizes.items()}
    natural = {c: _draw(rng, spec, c, own[c]) for c in sizes}
    (first, second), total = sizes, sum(sizes.values())
    pinned = _pinned(spec, total)
    below_total = (total - len(pinned)) // 2
    target = {c: int(np.sum(natural[c] < pinned[0])) for c in sizes}
    best: tuple[int, dict[str, Bounds]] | None = None
    for hosts in itertools.product((first, second), repeat=len(pinned)):
        hosted = {c: tuple(v for v, h in zip(pinned, hosts, strict=True) if h == c)
                  for c in sizes}
        for below_first in range(sizes[first] + 1):
            below = {first: below_first, second: below_total - below_first}
            cost = sum(abs(below[c] - target[c]) for c in sizes)
            if best is not None and cost >= best[0]:
                continue
            split = {c: _split(own[c], below[c], hosted[c], pinned, spec.step) for c in sizes}
            if all(s is not None for s in split.values()):
                best = (cost, {c: s for c, s in split.items() if s is not None})
    if best is None:
        return natural
    return {c: _draw(rng, spec, c, best[1][c]) for c in sizes}
