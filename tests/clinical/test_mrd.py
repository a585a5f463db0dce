"""MRD negativity by assay."""

from __future__ import annotations

import pytest

from minihcvd.clinical.mrd import mrd_negative
from minihcvd.errors import ClinicalRuleError


class TestMrdNegative:
    def test_flow_threshold(self) -> None:
        """Flow: below 1e-4 is negative, 1e-4 itself is positive, missing stays unknown."""
        result = mrd_negative([0.0, 9.9e-5, 1e-4, None], assay="flow")
        assert result.tolist() == [True, True, False, None]

    def test_ngs_threshold(self) -> None:
        """NGS has its own, deeper threshold of 1e-6."""
        assert mrd_negative([5e-5, 5e-7], assay="ngs").tolist() == [False, True]

    def test_unknown_assay(self) -> None:
        """Only flow and ngs exist."""
        with pytest.raises(ClinicalRuleError, match="assay must be"):
            mrd_negative([0.0], assay="pcr")
