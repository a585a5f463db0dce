"""Argument checks shared by the fitters: coerce each input by name, then hand clean arrays on.

Statsmodels-style: a public function calls these first and its private ``_calc_*`` afterwards,
so the arithmetic never sees NaN, negative times or a mis-sized event vector.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from minihcvd.clinical import DistinctValues
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
        values = numeric == 1.0
        if not np.all(values | (numeric == 0.0)):  # two comparisons: faster than an isin
            raise AnalysisError("event_observed must hold only 0/1 or true/false")
    return values.astype(np.bool_)


def check_labels(groups: Any, size: int) -> tuple[list[str], IntArray]:
    """Group labels as (level names, integer code per subject): the levels are the texts of
    the distinct labels (``str(label)``), sorted as text; a missing label is an error."""
    values = np.asarray(groups)
    if values.shape != (size,):
        raise AnalysisError(f"groups has shape {values.shape}; expected ({size},)")
    # hash the values as they are and turn only the distinct ones into text (np.unique on
    # 10^5 strings sorts them, ten times slower; text for every value, 50x slower on flags)
    distinct = DistinctValues.of(values)
    if not distinct.known().all():
        raise AnalysisError("groups has missing labels; drop those subjects first")
    levels = distinct.mapped({value: str(value) for value in distinct.values})
    return levels.values, levels.codes.astype(np.int64)


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


#: Whole days up to this fit NumPy's 16-bit radix sort.
_RADIX_MAX = 65535


def _whole_numbers_within(values: FloatArray, low: float, high: float) -> bool:
    """Every value a whole number in [low, high] (False for NaN)."""
    return bool(
        values.size
        and values.min() >= low
        and values.max() <= high
        and np.array_equal(values, np.floor(values))
    )


def stable_argsort(values: FloatArray) -> IntArray:
    """``np.argsort(values, kind="stable")``; for whole days in 0..65535 (survival times in
    days) by NumPy's radix sort of 16-bit keys, about 15x faster at 10^5 values.

    The permutation is the same either way: a stable sort's result is defined by the values.
    """
    if _whole_numbers_within(values, 0, _RADIX_MAX):
        order: IntArray = np.argsort(values.astype(np.uint16), kind="stable")
    else:
        order = np.argsort(values, kind="stable")
    return order


def search_sorted(
    sorted_values: FloatArray, values: FloatArray, side: Literal["left", "right"]
) -> IntArray:
    """``np.searchsorted(sorted_values, values, side=side)``; for many whole numbers in a
    range no wider than their count (days) by a table of every day in the range, about 10x
    faster at 10^5 values. The indices are the same either way."""
    if values.size >= 1024:
        low, high = float(values.min()), float(values.max())
        if high - low <= values.size and _whole_numbers_within(values, low, high):
            table = np.searchsorted(sorted_values, np.arange(low, high + 1.0), side=side)
            return np.asarray(table[(values - low).astype(np.intp)], dtype=np.int64)
    return np.asarray(np.searchsorted(sorted_values, values, side=side), dtype=np.int64)


def unique_times(times: FloatArray) -> tuple[FloatArray, IntArray, IntArray]:
    """``np.unique(times, return_inverse=True, return_counts=True)``, without a sort when the
    times are already in order (callers that split one sample into groups sort it once), else
    after :func:`stable_argsort`.

    The outputs are the same arrays either way: they are defined by the values, not the method.
    """
    if times.size and not np.all(times[1:] >= times[:-1]):
        order = stable_argsort(times)
        timeline, in_order, counts = unique_times(times[order])
        inverse = np.empty_like(in_order)
        inverse[order] = in_order
        return timeline, inverse, counts
    starts = np.empty(times.size, dtype=np.bool_)
    starts[:1] = True
    np.not_equal(times[1:], times[:-1], out=starts[1:])
    first = np.flatnonzero(starts)
    counts = np.diff(np.append(first, times.size)).astype(np.int64)
    inverse = np.cumsum(starts, dtype=np.int64) - 1
    return times[first], inverse, counts
