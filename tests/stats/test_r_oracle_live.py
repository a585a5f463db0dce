"""Re-run R's survival on the oracle datasets and check the recorded outputs are still R's."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.stats.oracle import DATASETS, ORACLE_DIR, RECORDED_DIR, recorded

OUTPUTS = ("km", "median", "at", "survdiff", "cox", "tmerge", "followup", "landmark")


@pytest.mark.r_oracle
def test_recorded_outputs_are_what_r_computes_now(tmp_path: Path) -> None:
    """Running oracle.R afresh reproduces every recorded table (so tests compare with R)."""
    subprocess.run(
        ["Rscript", str(ORACLE_DIR / "oracle.R"), str(ORACLE_DIR), str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    for name in DATASETS:
        for what in OUTPUTS:
            live = recorded(name, what, tmp_path)
            kept = recorded(name, what, RECORDED_DIR)
            assert list(live.columns) == list(kept.columns), (name, what)
            numeric = live.select_dtypes("number").columns
            np.testing.assert_allclose(
                live[numeric].to_numpy(float), kept[numeric].to_numpy(float), rtol=1e-12
            )
            other = live.columns.difference(numeric)
            pd.testing.assert_frame_equal(live[other], kept[other])
