"""The calibrated survival targets hold on average over seeds, within stated tolerances.

Tolerances are about three standard errors of a 20-seed mean (seed-to-seed spread measured
over 200 seeds) plus the remaining calibration gap; the amended cohort's 3-year OS (43 patients,
shorter follow-up) varies most between seeds (docs/virtual-cohort.md).
"""

from __future__ import annotations

import numpy as np
import pytest

from minihcvd.cohort import reproduction_table, run_seeds
from minihcvd.cohort.targets import published_value

SEEDS = range(101, 121)
#: target key → allowed distance of the 20-seed mean from the published value (paper's unit).
TOLERANCES = {
    "os_median/overall": 3.5,
    "os_3y/overall": 4.0,
    "os_3y/original": 5.0,
    "os_3y/amended": 8.0,
    "rfs_3y/overall": 4.0,
    "followup_median/overall": 4.0,
    "alive/overall": 3.0,
}


@pytest.fixture(scope="module")
def per_seed() -> list[dict[str, float]]:
    return run_seeds(SEEDS, workers=2)


@pytest.mark.slow
class TestCalibration:
    @pytest.mark.parametrize(("key", "tolerance"), sorted(TOLERANCES.items()))
    def test_mean_over_seeds_near_paper(self, per_seed: list[dict[str, float]], key: str,
                                        tolerance: float) -> None:
        """The mean over 20 seeds is within the tolerance of the published value."""
        target_id, group = key.split("/")
        mean = float(np.mean([s[key] for s in per_seed]))
        assert abs(mean - published_value(target_id, group)) <= tolerance

    def test_calibrated_targets_inside_seed_range(
            self, per_seed: list[dict[str, float]]) -> None:
        """No calibrated number falls outside the 2.5-97.5% range over seeds."""
        table = reproduction_table(per_seed[0], per_seed)
        outside = [r.target.key for r in table.outside() if r.target.kind == "calibrated"]
        assert outside == []
