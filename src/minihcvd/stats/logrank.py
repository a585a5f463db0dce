"""The k-group log-rank test, equal to R's ``survdiff`` (rho = 0).

Observed and expected deaths and the hypergeometric covariance are sums over the unique event
times of per-group at-risk counts (reverse cumulative sums), so no loop runs over times.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from minihcvd.errors import AnalysisError
from minihcvd.stats._checks import (
    BoolArray,
    FloatArray,
    IntArray,
    check_durations,
    check_event_observed,
    check_labels,
    unique_times,
)
from minihcvd.stats._distributions import chi2_sf

__all__ = ["LogrankResult", "logrank_test", "logrank_test_codes"]


@dataclass(frozen=True)
class LogrankResult:
    """Outcome of :func:`logrank_test`; per-group arrays follow ``groups``' order."""

    groups: list[str]
    n: list[int]
    observed: list[float]
    expected: list[float]
    test_statistic: float
    degrees_of_freedom: int
    p_value: float

    def summary_rows(self) -> list[dict[str, float | int | str]]:
        """One row per group (N, observed, expected, (O−E)²/E) as ``print(survdiff)`` shows."""
        return [
            {
                "group": group,
                "n": n,
                "observed": obs,
                "expected": exp,
                "(O-E)^2/E": (obs - exp) ** 2 / exp if exp > 0 else float("nan"),
            }
            for group, n, obs, exp in zip(
                self.groups, self.n, self.observed, self.expected, strict=True
            )
        ]


def logrank_test(durations: Any, groups: Any, event_observed: Any = None) -> LogrankResult:
    """Test equality of the survival curves of two or more groups (chi-squared, k − 1 df)."""
    times = check_durations(durations)
    levels, codes = check_labels(groups, times.size)
    return logrank_test_codes(times, levels, codes, event_observed)


def logrank_test_codes(
    durations: Any, levels: list[str], codes: IntArray, event_observed: Any = None
) -> LogrankResult:
    """:func:`logrank_test` on groups already coded: ``levels`` sorted, ``codes`` indexing it."""
    times = check_durations(durations)
    events = check_event_observed(event_observed, times.size)
    if len(levels) < 2:
        raise AnalysisError(f"the log-rank test needs at least two groups; found only {levels!r}")
    if not events.any():
        raise AnalysisError("the log-rank test needs at least one event; all are censored")
    return _calc_logrank(times, events, levels, codes)


def _calc_logrank(
    times: FloatArray, events: BoolArray, levels: list[str], codes: IntArray
) -> LogrankResult:
    n_groups = len(levels)
    timeline, inverse, _ = unique_times(times)
    n_times = timeline.size
    flat = inverse * n_groups + codes
    leaving = np.bincount(flat, minlength=n_times * n_groups).reshape(n_times, n_groups)
    dying = np.bincount(flat, weights=events, minlength=n_times * n_groups).reshape(
        n_times, n_groups
    )
    # at risk at t: everyone whose time is >= t (reverse cumulative sum over unique times)
    at_risk = np.cumsum(leaving[::-1], axis=0)[::-1].astype(np.float64)
    has_death = dying.sum(axis=1) > 0
    at_risk, dying = at_risk[has_death], dying[has_death]
    n_total = at_risk.sum(axis=1)
    d_total = dying.sum(axis=1)
    expected = (at_risk * (d_total / n_total)[:, None]).sum(axis=0)
    observed = dying.sum(axis=0)
    # hypergeometric variance factor; zero when only one subject is at risk (as in survdiff)
    factor = np.divide(
        d_total * (n_total - d_total),
        n_total**2 * (n_total - 1.0),
        out=np.zeros_like(n_total),
        where=n_total > 1.0,
    )
    weighted = at_risk * factor[:, None]
    covariance = np.diag((weighted * n_total[:, None]).sum(axis=0)) - weighted.T @ at_risk
    statistic, df = _chi_squared(observed - expected, covariance, expected > 0)
    counts = np.bincount(codes, minlength=n_groups)
    return LogrankResult(
        groups=levels,
        n=[int(c) for c in counts],
        observed=[float(v) for v in observed],
        expected=[float(v) for v in expected],
        test_statistic=statistic,
        degrees_of_freedom=df,
        p_value=chi2_sf(statistic, df),
    )


def _chi_squared(
    difference: FloatArray, covariance: FloatArray, informative: BoolArray
) -> tuple[float, int]:
    """survdiff's statistic: drop groups never at risk at an event, then the first group."""
    kept = np.flatnonzero(informative)
    if kept.size < 2:
        raise AnalysisError(
            "the log-rank test needs two groups at risk at some event time; only one is"
        )
    index = kept[1:]
    sub_difference = difference[index]
    sub_covariance = covariance[np.ix_(index, index)]
    try:
        solved = np.linalg.solve(sub_covariance, sub_difference)
    except np.linalg.LinAlgError:
        cause = (
            "is zero: at every death time all patients at risk died, so each group's observed"
            " deaths equal its expected ones and the data cannot tell the groups apart"
            if not sub_covariance.any()
            else "is singular"
        )
        raise AnalysisError(
            f"the log-rank test is undefined: its variance {cause} (R's survdiff stops with"
            " 'system is exactly singular')"
        ) from None
    return float(sub_difference @ solved), int(index.size)
