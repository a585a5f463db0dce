"""Pure vector maths of the derivations (admiral's ``compute_*``)."""

from __future__ import annotations

import pandas as pd

from minihcvd.clinical import study_day

__all__ = ["compute_duration_days", "yes_no"]


def compute_duration_days(start: pd.Series, end: pd.Series) -> pd.Series:
    """Days from ``start`` to ``end``, both counted (``end - start + 1``); Int64, NA if missing.

    The day count is the clinical rules' own (:func:`minihcvd.clinical.study_day`, which early
    death uses too), so ADaM durations and rule decisions cannot drift apart. Works on whole
    days: any time of day is dropped first.
    """
    start, end = start.align(end)
    days = study_day(start.to_numpy(dtype="datetime64[D]"), end.to_numpy(dtype="datetime64[D]"))
    return pd.Series(days, index=end.index).round().astype("Int64")


def yes_no(flag: pd.Series) -> pd.Series:
    """``Y``/``N`` from booleans, missing stays missing (ADaM flag coding)."""
    values = flag.astype("boolean").map({True: "Y", False: "N"})
    return values.astype("object").where(values.notna(), None)
