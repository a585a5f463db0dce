"""Salvage groups and high-risk cytogenetics."""

from __future__ import annotations

from minihcvd.clinical.risk import is_high_risk_karyotype, salvage_group


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


class TestIsHighRiskKaryotype:
    def test_categories(self) -> None:
        """KMT2A and Ho-Tr are high risk; IM/ND and missing are unknown."""
        result = is_high_risk_karyotype(["KMT2A", "Ho-Tr", "diploid", "complex", "IM/ND", None])
        assert result.tolist() == [True, True, False, False, None, None]
