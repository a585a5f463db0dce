"""Baseline generation: Table 1 medians, ranges and threshold counts per cohort and overall."""

from __future__ import annotations

import numpy as np
import pytest

from minihcvd.cohort.baseline import allocate, generate_baseline
from minihcvd.cohort.continuous import CONTINUOUS
from minihcvd.cohort.targets import published_value


class TestContinuousValues:
    @pytest.mark.parametrize("seed", [0, 1, 2])
    def test_medians_and_ranges_exact_per_cohort_and_overall(self, seed: int) -> None:
        """Median, minimum and maximum are Table 1's, for each cohort and overall."""
        baseline = generate_baseline(np.random.default_rng(seed), 110)
        groups = {"overall": baseline, **dict(tuple(baseline.groupby("cohort")))}
        for spec in CONTINUOUS:
            for group, frame in groups.items():
                values = frame[spec.column]
                for stat in ("median", "min", "max"):
                    published = published_value(f"{spec.target}_{stat}", group)
                    assert getattr(values, stat)() == pytest.approx(published), (
                        spec.column, group, stat)

    def test_threshold_counts(self) -> None:
        """WBC >= 50 and marrow blasts >= 50% have Table 1's counts in each cohort."""
        baseline = generate_baseline(np.random.default_rng(5), 110)
        by_cohort = baseline.groupby("cohort")
        assert by_cohort["wbc"].apply(lambda v: int((v >= 50).sum())).to_dict() == {
            "amended": 2, "original": 2}
        assert by_cohort["bm_blasts_pct"].apply(lambda v: int((v >= 50).sum())).to_dict() == {
            "amended": 22, "original": 47}

    def test_values_at_the_papers_precision(self) -> None:
        """Ages are whole years, WBC has one decimal."""
        baseline = generate_baseline(np.random.default_rng(6), 110)
        assert (baseline["age"] % 1 == 0).all()
        assert np.allclose(baseline["wbc"] * 10, np.round(baseline["wbc"] * 10))


class TestAllocate:
    def test_unchanged_at_published_total(self) -> None:
        """Counts that already sum to the total are kept."""
        assert allocate({"a": 3, "b": 2}, 5) == {"a": 3, "b": 2}

    def test_largest_remainder(self) -> None:
        """Scaled counts sum to the new total; remainders decide the rounding."""
        assert allocate({"a": 67, "b": 43}, 11) == {"a": 7, "b": 4}
