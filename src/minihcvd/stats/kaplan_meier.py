"""Kaplan–Meier estimation equal to R's ``survfit`` (Greenwood variance, R's CI and median rules).

Everything is computed on the unique times with cumulative sums, so 10^6 patients cost one sort.
Conventions follow ``survival`` 3.5: ``std_err_`` is the standard error of the cumulative hazard
(Greenwood), the CI transforms are those of ``survfit_confint`` (log-log gives no interval where
the estimate is 0 or 1), and quantiles use ``quantile.survfit``'s rule: where the curve is
within sqrt(machine epsilon) of the probability over an interval, the midpoint of that interval.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minihcvd.errors import AnalysisError
from minihcvd.stats._checks import (
    BoolArray,
    FloatArray,
    check_alpha,
    check_ci_type,
    check_durations,
    check_event_observed,
    check_times,
    unique_times,
)
from minihcvd.stats._distributions import normal_quantile

__all__ = ["KaplanMeierFitter", "median_followup"]

#: R's ``quantile.survfit`` tolerance, ``sqrt(.Machine$double.eps)``.
QUANTILE_TOLERANCE = float(np.sqrt(np.finfo(np.float64).eps))


class KaplanMeierFitter:
    """Product-limit estimate of S(t) with pointwise CIs, median and its CI.

    After :meth:`fit`: ``timeline_`` (unique times), ``n_at_risk_``, ``n_events_``,
    ``n_censored_``, ``survival_function_``, ``std_err_``, ``ci_lower_``, ``ci_upper_``,
    ``median_survival_time_`` and ``median_ci_`` (NaN where R gives NA), ``n_``, ``events_``.
    """

    def __init__(self, *, alpha: float = 0.05, ci_type: str = "log-log") -> None:
        self.alpha = check_alpha(alpha)
        self.ci_type = check_ci_type(ci_type)

    def fit(self, durations: Any, event_observed: Any = None) -> KaplanMeierFitter:
        """Estimate from right-censored times; ``event_observed`` 1 = event, 0 = censored."""
        times = check_durations(durations)
        events = check_event_observed(event_observed, times.size)
        self._calc_fit(times, events)
        return self

    def _calc_fit(self, times: FloatArray, events: BoolArray) -> None:
        timeline, inverse, counts = unique_times(times)
        deaths = np.bincount(inverse, weights=events, minlength=timeline.size)
        at_risk = times.size - np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.float64)
        survival = np.cumprod(1.0 - deaths / at_risk)
        # Greenwood; R gives an infinite standard error once every subject at risk has died.
        remaining = at_risk - deaths
        increment = np.divide(
            deaths,
            at_risk * remaining,
            out=np.full(timeline.size, np.inf),
            where=remaining > 0,
        )
        increment[deaths == 0] = 0.0
        std_err = np.sqrt(np.cumsum(increment))
        self.timeline_ = timeline
        self.n_at_risk_ = at_risk
        self.n_events_ = deaths
        self.n_censored_ = counts - deaths
        self.survival_function_ = survival
        self.std_err_ = std_err
        self.ci_lower_, self.ci_upper_ = confidence_band(
            survival, std_err, ci_type=self.ci_type, alpha=self.alpha
        )
        self.n_ = int(times.size)
        self.events_ = int(events.sum())
        self.median_survival_time_ = self.quantile(0.5)
        # the lower band reaches 0.5 first, so it gives the lower limit of the median
        self.median_ci_ = (
            _find_quantile(timeline, 1.0 - self.ci_lower_, 0.5),
            _find_quantile(timeline, 1.0 - self.ci_upper_, 0.5),
        )

    def quantile(self, probability: float) -> float:
        """Time at which the curve first reaches 1 − ``probability`` (R's rule); NaN if never."""
        self._check_fitted()
        return _find_quantile(self.timeline_, 1.0 - self.survival_function_, probability)

    def predict(self, times: Any) -> tuple[FloatArray, FloatArray, FloatArray]:
        """(estimate, lower, upper) at ``times`` like ``summary(fit, times)``.

        Times beyond the last observed time are not estimable (NaN), as R drops them, unless
        the curve reached 0 there: then S is 0 (R's ``summary(extend = TRUE)``), its band NaN.
        """
        self._check_fitted()
        at = check_times(times)
        index = np.searchsorted(self.timeline_, at, side="right") - 1
        before_first = index < 0
        safe = np.maximum(index, 0)
        estimate = np.where(before_first, 1.0, self.survival_function_[safe])
        # before the first observed time R's summary() reports S = 1 with the band [1, 1]
        lower = np.where(before_first, 1.0, self.ci_lower_[safe])
        upper = np.where(before_first, 1.0, self.ci_upper_[safe])
        beyond = at > self.timeline_[-1]
        if self.survival_function_[-1] == 0.0:
            # the curve reached 0 with a death at the last time: 0 from then on (R's
            # summary(extend = TRUE)), its band not estimable (NA) as at the last time
            estimate[beyond] = 0.0
            lower[beyond] = upper[beyond] = np.nan
            return estimate, lower, upper
        for values in (estimate, lower, upper):
            values[beyond] = np.nan
        return estimate, lower, upper

    def _check_fitted(self) -> None:
        if not hasattr(self, "timeline_"):
            raise AnalysisError("KaplanMeierFitter is not fitted yet; call fit() first")


def confidence_band(
    survival: FloatArray, std_err: FloatArray, *, ci_type: str, alpha: float
) -> tuple[FloatArray, FloatArray]:
    """Pointwise CI of S(t) from the SE of the cumulative hazard (R's ``survfit_confint``)."""
    z = normal_quantile(1.0 - alpha / 2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        if ci_type == "plain":
            half = z * std_err * survival
            return np.maximum(survival - half, 0.0), np.minimum(survival + half, 1.0)
        if ci_type == "log":
            defined = np.where(survival == 0.0, np.nan, survival)
            lower = np.exp(np.log(defined) - z * std_err)
            return lower, np.minimum(np.exp(np.log(defined) + z * std_err), 1.0)
        defined = np.where((survival == 0.0) | (survival == 1.0), np.nan, survival)
        shift = z * std_err / np.log(defined)
        log_minus_log = np.log(-np.log(defined))
        return np.exp(-np.exp(log_minus_log - shift)), np.exp(-np.exp(log_minus_log + shift))


def _find_quantile(timeline: FloatArray, failure: FloatArray, probability: float) -> float:
    """R's ``findq``: first time the cumulative failure reaches p, midpoint on a flat 1 − p."""
    times = np.concatenate(([0.0], timeline))
    curve = np.concatenate(([0.0], failure))
    if np.all(np.isnan(curve)) or np.nanmax(curve) < probability:
        return float("nan")
    last_time = times[-1]
    last_value = curve[-1]
    # keep the first time of each distinct value (a NaN counts once, as in R's duplicated())
    keys = np.where(np.isnan(curve), np.inf, curve)
    _, first = np.unique(keys, return_index=True)
    keep = np.sort(first)
    times, curve = times[keep], curve[keep]
    defined = ~np.isnan(curve)
    positions = np.flatnonzero(defined)
    values = curve[defined]
    tol = QUANTILE_TOLERANCE
    low = np.flatnonzero(values + tol >= probability)
    high = np.flatnonzero(values - tol >= probability)
    if low.size == 0:
        return float("nan")
    first_time = times[positions[low[0]]]
    if not np.isnan(last_value) and abs(probability - last_value) < tol:
        return float((first_time + last_time) / 2.0)
    if high.size == 0:
        return float("nan")
    return float((first_time + times[positions[high[0]]]) / 2.0)


def median_followup(durations: Any, event_observed: Any) -> tuple[float, float, float]:
    """Median follow-up by reverse Kaplan–Meier (censoring is the event), with its log-log CI."""
    times = check_durations(durations)
    events = check_event_observed(event_observed, times.size)
    fitter = KaplanMeierFitter().fit(times, ~events)
    lower, upper = fitter.median_ci_
    return fitter.median_survival_time_, lower, upper
