"""Pure vector maths of the derivations (admiral's ``compute_*``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["compute_duration_days", "yes_no"]

_DAY = np.timedelta64(1, "D")


def compute_duration_days(start: pd.Series, end: pd.Series) -> pd.Series:
    """Days from ``start`` to ``end``, both counted (``end - start + 1``); Int64, NA if missing.

    Works on whole days: any time of day is dropped first.
    """
    days: pd.Series = (end.dt.normalize() - start.dt.normalize()) / _DAY + 1
    return days.round().astype("Int64")


def yes_no(flag: pd.Series) -> pd.Series:
    """``Y``/``N`` from booleans, missing stays missing (ADaM flag coding)."""
    values = flag.astype("boolean").map({True: "Y", False: "N"})
    return values.astype("object").where(values.notna(), None)
