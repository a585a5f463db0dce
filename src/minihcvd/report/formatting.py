"""How numbers read in the report: p-values, counts with percentages, estimates with CIs."""

from __future__ import annotations

from typing import Any

__all__ = ["format_count", "format_distribution", "format_estimate", "format_p"]


def format_p(p: float | None) -> str:
    """A p-value as the paper prints it: 2–3 significant decimals, ``< 0.0001`` when tiny."""
    if p is None:
        return "—"
    if p < 0.0001:
        return "< 0.0001"
    if p < 0.001:
        return f"{p:.4f}"
    return f"{p:.3f}" if p < 0.1 else f"{p:.2f}"


def format_count(cell: dict[str, Any] | None) -> str:
    """``count/denominator (percent%)``, or ``count (percent%)`` when nothing is missing."""
    if not cell or cell["percent"] is None:
        return "—"
    return f"{cell['count']}/{cell['denominator']} ({cell['percent']:.0f}%)"


def format_distribution(cell: dict[str, Any] | None) -> str:
    """``median (min–max)`` of a continuous variable."""
    if not cell or cell["median"] is None:
        return "—"
    return f"{cell['median']:g} ({cell['min']:g}–{cell['max']:g})"


def format_estimate(
    value: float | None,
    lower: float | None,
    upper: float | None,
    *,
    percent: bool = False,
    digits: int = 1,
) -> str:
    """``value (lower–upper)``; survival as percentages; NA parts as ``NR`` (not reached)."""

    def one(number: float | None) -> str:
        if number is None:
            return "NR"
        return f"{100 * number:.0f}%" if percent else f"{number:.{digits}f}"

    if value is None and lower is None and upper is None:
        return "NR" if not percent else "—"
    return f"{one(value)} ({one(lower)}–{one(upper)})"
