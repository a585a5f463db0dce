"""The in-memory trial data package."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

__all__ = ["TrialPackage"]


@dataclass(frozen=True)
class TrialPackage:
    """A whole trial's records: typed frames, one per CSV file (optional files may be None).

    Dates are ``datetime64`` columns, booleans the nullable ``boolean`` dtype, integers ``Int64``,
    text ``str`` with missing values as NaN. ``source`` is the folder it was read from, if any.
    """

    patients: pd.DataFrame
    assessments: pd.DataFrame | None = None
    adverse_events: pd.DataFrame | None = None
    administrations: pd.DataFrame | None = None
    source: Path | None = None
