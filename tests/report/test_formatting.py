"""How numbers read in the report."""

from __future__ import annotations

import pytest

from minihcvd.report.formatting import (
    format_count,
    format_distribution,
    format_estimate,
    format_p,
)


class TestFormatP:
    @pytest.mark.parametrize(
        ("p", "text"),
        [
            (None, "—"),
            (0.00002, "< 0.0001"),
            (0.0002, "0.0002"),
            (0.033, "0.033"),
            (0.16, "0.16"),
            (0.98, "0.98"),
        ],
    )
    def test_paper_style(self, p: float | None, text: str) -> None:
        """Small p-values keep their significant digit; tiny ones read < 0.0001."""
        assert format_p(p) == text


class TestFormatCount:
    def test_count_with_denominator(self) -> None:
        """n/N (percent%)."""
        assert format_count({"count": 19, "denominator": 60, "percent": 31.67}) == "19/60 (32%)"

    def test_empty_group(self) -> None:
        """No denominator, no percentage: a dash."""
        assert format_count({"count": 0, "denominator": 0, "percent": None}) == "—"


class TestFormatDistribution:
    def test_median_and_range(self) -> None:
        """median (min–max)."""
        cell = {"n": 3, "median": 37.0, "min": 17.0, "max": 87.0}
        assert format_distribution(cell) == "37 (17–87)"


class TestFormatEstimate:
    def test_median_not_reached(self) -> None:
        """An NA upper limit reads NR (not reached)."""
        assert format_estimate(17.02, 12.5, None) == "17.0 (12.5–NR)"

    def test_survival_percent(self) -> None:
        """Survival reads as whole percentages."""
        assert format_estimate(0.401, 0.30, 0.49, percent=True) == "40% (30%–49%)"
