"""Salvage groups and high-risk cytogenetics."""

from __future__ import annotations

from minihcvd.clinical import DistinctValues
from minihcvd.clinical.risk import (
    SALVAGE_GROUPS,
    is_high_risk_karyotype,
    salvage_group,
    salvage_group_index,
)


class TestSalvageGroup:
    def test_table_1_groups(self) -> None:
        """Refractory first; 12 months exactly is '>= 12'; S1 without detail stays unknown."""
        result = salvage_group(
            ["S1", "S1", "S1", "S1", "S2", "S3+", None],
            [True, False, False, None, None, None, None],
            [None, 11.9, 12.0, None, None, None, None],
        )
        assert result.tolist() == [
            "S1 primary refractory",
            "S1 CR1 < 12 months",
            "S1 CR1 >= 12 months",
            None,
            "S2",
            "S3+",
            None,
        ]

    def test_index_of_hashed_salvage_is_the_same(self) -> None:
        """The group's index in SALVAGE_GROUPS (its length: none), salvage given hashed."""
        salvage = ["S1", "S2", None, "S3+", "S1"]
        refractory = [True, None, None, None, None]
        index = salvage_group_index(DistinctValues.of(salvage), refractory, [None] * 5)
        labels = [*SALVAGE_GROUPS, None]
        assert [labels[i] for i in index] == salvage_group(salvage, refractory, [None] * 5).tolist()
        assert index.tolist() == [0, 3, len(SALVAGE_GROUPS), 4, len(SALVAGE_GROUPS)]


class TestIsHighRiskKaryotype:
    def test_categories(self) -> None:
        """KMT2A and Ho-Tr are high risk; IM/ND and missing are unknown."""
        result = is_high_risk_karyotype(["KMT2A", "Ho-Tr", "diploid", "complex", "IM/ND", None])
        assert result.tolist() == [True, True, False, False, None, None]
