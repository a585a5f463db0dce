"""The boundary picture."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from minihcvd.monitoring import InterimLook, InverseGammaPrior, MonitoringDesign
from minihcvd.monitoring.plot import plot_boundary

DESIGN = MonitoringDesign(
    standard=InverseGammaPrior(100.0, 1100.0), experimental=InverseGammaPrior(3.0, 22.0),
    delta_months=0.0, p_lower=0.171, min_patients=10, max_patients=30, followup_months=12.0,
)


class TestPlotBoundary:
    def test_writes_a_png_with_a_trial_path(self, tmp_path: Path) -> None:
        """A PNG file appears, with or without the trial's looks."""
        looks = [InterimLook(dt.date(2020, 1, 1), 10, 1, 30.0, 0.6, True, False),
                 InterimLook(dt.date(2020, 2, 1), 11, 2, 40.0, 0.5, True, False)]
        path = tmp_path / "boundary.png"
        plot_boundary(DESIGN, path, looks)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
