"""Argument checks shared by the fitters: coerce each input by name, then hand clean arrays on.

Statsmodels-style: a public function calls these first and its private ``_calc_*`` afterwards,
so the arithmetic never sees NaN, negative times or a mis-sized event vector.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from minihcvd.errors import AnalysisError

FloatArray = NDArray[np.floating[Any]]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

CI_TYPES = ("log-log", "log", "plain")


def check_durations(durations: Any, *, name: str = "durations") -> FloatArray:
    """Finite, non-negative, one-dimensional float times."""
    values = np.asarray(durations, dtype=np.float64)
    if values.ndim != 1:
        raise AnalysisError(f"{name} must be one-dimensional, got shape {values.shape}")
    if values.size == 0:
        raise AnalysisError(f"{name} is empty: there are no patients to analyse")
    if not np.all(np.isfinite(values)):
        raise AnalysisError(f"{name} has missing or infinite values; drop those patients first")
    if np.any(values < 0):
        raise AnalysisError(f"{name} has negative times (first at index {_first(values < 0)})")
    return values


def check_event_observed(event_observed: Any, size: int) -> BoolArray:
    """0/1 or boolean event flags, one per duration; ``None`` means every time is an event."""
    if event_observed is None:
        return np.ones(size, dtype=np.bool_)
    values = np.asarray(event_observed)
    if values.shape != (size,):
        raise AnalysisError(f"event_observed has shape {values.shape}; expected ({size},)")
    if values.dtype != np.bool_:
        numeric = values.astype(np.float64)
        if not np.all(np.isin(numeric, (0.0, 1.0))):
            raise AnalysisError("event_observed must hold only 0/1 or true/false")
        values = numeric == 1.0
    return values.astype(np.bool_)


def check_labels(groups: Any, size: int) -> tuple[list[str], IntArray]:
    """Group labels as (level names, integer code per subject): the levels are the texts of
    the distinct labels (``str(label)``), sorted as text; a missing label is an error."""
    values = np.asarray(groups)
    if values.shape != (size,):
        raise AnalysisError(f"groups has shape {values.shape}; expected ({size},)")
    # hash the values as they are and turn only the distinct ones into text (np.unique on
    # 10^5 strings sorts them, ten times slower; text for every value, 50x slower on flags);
    # levels are the distinct texts, sorted
    codes, uniques = pd.factorize(values)
    if (codes < 0).any():
        raise AnalysisError("groups has missing labels; drop those subjects first")
    texts = [str(value) for value in uniques]
    levels = sorted(set(texts))
    lookup = np.array([levels.index(text) for text in texts], dtype=np.int64)
    return levels, lookup[codes]


def check_ci_type(ci_type: str) -> str:
    """One of the confidence-interval transforms R's survfit knows and we implement."""
    if ci_type not in CI_TYPES:
        raise AnalysisError(f"unknown CI type {ci_type!r}; expected one of {', '.join(CI_TYPES)}")
    return ci_type


def check_alpha(alpha: float) -> float:
    """A two-sided level strictly between 0 and 1."""
    if not 0.0 < alpha < 1.0:
        raise AnalysisError(f"alpha must lie in (0, 1), got {alpha}")
    return float(alpha)


def check_times(times: Sequence[float] | FloatArray) -> FloatArray:
    """Finite, non-negative evaluation times."""
    return check_durations(times, name="times")


def _first(mask: BoolArray) -> int:
    return int(np.flatnonzero(mask)[0])


def unique_times(times: FloatArray) -> tuple[FloatArray, IntArray, IntArray]:
    """``np.unique(times, return_inverse=True, return_counts=True)``, without a sort when the
    times are already in order (callers that split one sample into groups sort it once).

    The outputs are the same arrays either way: they are defined by the values, not the method.
    """
    if times.size and not np.all(times[1:] >= times[:-1]):
        timeline, inverse, counts = np.unique(times, return_inverse=True, return_counts=True)
        return timeline, inverse.reshape(-1).astype(np.int64), counts.astype(np.int64)
    starts = np.empty(times.size, dtype=np.bool_)
    starts[:1] = True
    np.not_equal(times[1:], times[:-1], out=starts[1:])
    first = np.flatnonzero(starts)
    counts = np.diff(np.append(first, times.size)).astype(np.int64)
    inverse = np.cumsum(starts, dtype=np.int64) - 1
    return times[first], inverse, counts
