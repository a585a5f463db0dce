"""Pure vector maths of the derivations (admiral's ``compute_*``)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from minihcvd.clinical import study_day

__all__ = ["compute_duration_days", "y_or_n", "yes_no"]

_YES_NO = np.array(["N", "Y", None], dtype=object)  # by False, True, missing
_Y_OR_N = pd.array(["N", "Y"], dtype="str")  # by False, True


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
    values = flag.astype("boolean")
    known = values.notna().to_numpy(dtype=bool)
    which = np.where(known, values.to_numpy(dtype=bool, na_value=False), 2)
    return pd.Series(_YES_NO[which], index=flag.index, dtype=object)


def y_or_n(condition: npt.ArrayLike) -> pd.api.extensions.ExtensionArray:
    """``Y``/``N`` text (no missing) from a boolean array, as a text column of a frame: built by
    a take from the two values, not by checking every row's string."""
    return _Y_OR_N.take(np.asarray(condition, dtype=np.intp))
