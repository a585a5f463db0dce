"""Kaplan–Meier summaries and group comparisons as the report and results.json show them.

Times go in as days (ADaM AVAL) and come out in months (days / 30.4375, the reference README's
convention); anything R would give as NA is ``None`` (JSON null), never a NaN.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from minihcvd.clinical import DAYS_PER_MONTH, DistinctValues
from minihcvd.errors import AnalysisError
from minihcvd.stats._checks import stable_argsort
from minihcvd.stats.kaplan_meier import KaplanMeierFitter
from minihcvd.stats.logrank import LogrankResult, logrank_test_codes

__all__ = [
    "DAYS_PER_MONTH",
    "SURVIVAL_MONTHS",
    "GroupComparison",
    "SurvivalSummary",
    "compare_coded_groups",
    "compare_groups",
    "summarize",
]

SURVIVAL_MONTHS = (12, 24, 36)


def number_or_none(value: Any) -> float | None:
    """A finite float, or None for R's NA (not estimable)."""
    number = float(value)
    return number if np.isfinite(number) else None


@dataclass(frozen=True)
class SurvivalSummary:
    """One Kaplan–Meier curve (fitted on days) with the numbers the paper quotes."""

    fitter: KaplanMeierFitter
    survival_months: Sequence[int] = SURVIVAL_MONTHS

    def to_json_dict(self) -> dict[str, Any]:
        """``n``, ``events``, ``median_months``, ``median_ci_months``, ``survival``."""
        km = self.fitter
        days = np.array(self.survival_months, dtype=np.float64) * DAYS_PER_MONTH
        estimate, lower, upper = km.predict(days)
        return {
            "n": km.n_,
            "events": km.events_,
            "median_months": _months(km.median_survival_time_),
            "median_ci_months": [_months(km.median_ci_[0]), _months(km.median_ci_[1])],
            "survival": {
                str(month): {
                    "estimate": number_or_none(estimate[i]),
                    "lower": number_or_none(lower[i]),
                    "upper": number_or_none(upper[i]),
                }
                for i, month in enumerate(self.survival_months)
            },
        }


@dataclass(frozen=True)
class GroupComparison:
    """Curves by the levels of one factor with the log-rank test, or why it was skipped."""

    factor: str
    groups: dict[str, SurvivalSummary] = field(default_factory=dict)
    logrank: LogrankResult | None = None
    note: str | None = None

    @property
    def n(self) -> int:
        """Patients with a known level of the factor."""
        return sum(summary.fitter.n_ for summary in self.groups.values())

    def to_json_dict(self) -> dict[str, Any]:
        """``groups`` (level → summary), ``logrank_p`` and, when skipped, ``note``."""
        out: dict[str, Any] = {
            "groups": {level: s.to_json_dict() for level, s in self.groups.items()},
            "logrank_p": None if self.logrank is None else number_or_none(self.logrank.p_value),
        }
        if self.note is not None:
            out["note"] = self.note
        return out


def summarize(durations_days: Any, event_observed: Any, *, ci_type: str) -> SurvivalSummary:
    """Fit one curve; raises AnalysisError on empty or invalid input."""
    return SurvivalSummary(KaplanMeierFitter(ci_type=ci_type).fit(durations_days, event_observed))


def compare_groups(
    factor: str,
    durations_days: Any,
    event_observed: Any,
    labels: Any,
    *,
    levels: Sequence[str],
    ci_type: str,
) -> GroupComparison:
    """Curves for each of ``levels`` (in that order) and their log-rank p.

    Patients whose label is missing (None/NaN) are left out. An empty level or fewer than two
    levels, or no events, gives a comparison with a note instead of an exception, because the
    report must still be written.
    """
    texts = DistinctValues.of(pd.Series(labels, dtype=object).reset_index(drop=True)).texts()
    return compare_coded_groups(
        factor,
        durations_days,
        event_observed,
        texts.codes,
        texts.values,
        levels=levels,
        ci_type=ci_type,
    )


def compare_coded_groups(
    factor: str,
    durations_days: Any,
    event_observed: Any,
    codes: Any,
    names: Sequence[str],
    *,
    levels: Sequence[str],
    ci_type: str,
) -> GroupComparison:
    """:func:`compare_groups` on labels given as codes: patient i has label ``names[codes[i]]``
    (-1: missing). Several codes may share a name (values mapped to one level)."""
    times = np.asarray(durations_days, dtype=np.float64)
    events = np.asarray(event_observed, dtype=np.float64)
    codes = np.asarray(codes, dtype=np.intp)
    # one stable sort by time, shared by every group's curve and the log-rank test (a sorted
    # sample needs no further sort)
    if times.size and not np.all(times[1:] >= times[:-1]):
        order = stable_argsort(times)
        times, events, codes = times[order], events[order], codes[order]
    known = codes >= 0
    groups: dict[str, SurvivalSummary] = {}
    empty = []
    for level in levels:
        matching = [code for code, name in enumerate(names) if name == level]
        if len(matching) == 1:
            mask = codes == matching[0]  # one comparison: faster than an isin
        else:
            mask = np.isin(codes, matching) if matching else np.zeros(codes.size, dtype=np.bool_)
        if mask.any():
            groups[level] = summarize(times[mask], events[mask], ci_type=ci_type)
        else:
            empty.append(level)
    if empty:
        note = f"{factor}: no patients in group(s) {', '.join(empty)}; log-rank test skipped"
        return GroupComparison(factor, groups, None, note)
    # the log-rank test's coding: the distinct label texts, sorted
    sorted_levels = sorted(set(names))
    recode = np.array([sorted_levels.index(name) for name in names], dtype=np.int64)[codes[known]]
    try:
        result = logrank_test_codes(times[known], sorted_levels, recode, events[known])
    except AnalysisError as error:
        return GroupComparison(factor, groups, None, f"{factor}: {error.message}")
    return GroupComparison(factor, groups, result, None)


def _months(days: float) -> float | None:
    return number_or_none(days / DAYS_PER_MONTH)
