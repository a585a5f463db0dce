"""Loading the R oracle's datasets and its recorded outputs (tests/data/r_oracle)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

ORACLE_DIR = Path(__file__).resolve().parents[1] / "data" / "r_oracle"
RECORDED_DIR = ORACLE_DIR / "recorded"
DATASETS = ("edge", "ties", "registry")
TOLERANCE = 1e-6


def dataset(name: str) -> pd.DataFrame:
    """One input dataset: id, time, status, group, x, z, sct_time (days)."""
    return pd.read_csv(ORACLE_DIR / f"{name}.csv")


def recorded(name: str, what: str, directory: Path = RECORDED_DIR) -> pd.DataFrame:
    """One of R's output tables for ``name`` (NA read as NaN)."""
    return pd.read_csv(directory / f"{name}_{what}.csv", keep_default_na=False, na_values=["NA"])


def subset(frame: pd.DataFrame, fit: str) -> pd.DataFrame:
    """Rows of the input for an R fit label: ``overall`` or ``group=<level>``."""
    if fit == "overall":
        return frame
    return frame[frame["group"] == fit.removeprefix("group=")]
