"""Pure vector maths of the derivations (admiral's ``compute_*``)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from minihcvd.clinical import study_day
from minihcvd.errors import DerivationError

__all__ = [
    "adsl_rows",
    "compute_duration_days",
    "text_take",
    "y_or_n",
    "yes_no",
    "yes_no_where",
]

_YES_NO = np.array(["N", "Y", None], dtype=object)  # by False, True, missing


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
    return yes_no_where(values.to_numpy(dtype=bool, na_value=False), known, flag.index)


def yes_no_where(true: npt.ArrayLike, known: npt.ArrayLike, index: pd.Index) -> pd.Series:
    """:func:`yes_no` of a flag given as two boolean arrays: ``Y``/``N`` by ``true`` where
    ``known``, missing elsewhere."""
    which = np.where(known, true, 2)
    return pd.Series(_YES_NO[which], index=index, dtype=object)


def text_take(values: list[str | None], index: npt.ArrayLike) -> pd.api.extensions.ExtensionArray:
    """``values[index]`` as a text column (what a frame makes of strings): built by a take from
    the few values, not by checking every row's string."""
    return pd.array(values, dtype="str").take(np.asarray(index, dtype=np.intp))


def y_or_n(condition: npt.ArrayLike) -> pd.api.extensions.ExtensionArray:
    """``Y``/``N`` text (no missing) from a boolean array, as a text column of a frame."""
    return text_take(["N", "Y"], condition)


def adsl_rows(adsl_subjects: pd.Index, usubjid: object) -> npt.NDArray[np.int64]:
    """The ADSL row of each USUBJID in ``usubjid`` (-1 where ADSL lacks it); ``adsl_subjects``
    is ADSL's USUBJID column as a ``pandas.Index``; DerivationError if it has a subject twice
    (where that matters: when the rows must be looked up).

    Derived datasets list ADSL's subjects in ADSL's order, one row or a run of rows each (OS:
    one, sct_intervals: one or two): then the rows are found by comparing each with its
    neighbour and the run starts with ADSL (2 ms at 200,000 patients). Anything else (RFS: the
    responders only) is looked up by pandas, on the texts as they are (object dtype, so a
    lookup never converts them and compares by value).
    """
    values = np.asarray(usubjid, dtype=object)
    subjects = np.asarray(adsl_subjects, dtype=object)
    if values.size:
        starts = np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1])))
        if starts.size == subjects.size and np.array_equal(values[starts], subjects):
            runs = np.diff(np.append(starts, values.size))
            rows: npt.NDArray[np.int64] = np.repeat(np.arange(starts.size, dtype=np.int64), runs)
            return rows
    lookup = pd.Index(subjects, dtype=object)
    if not lookup.is_unique:
        raise DerivationError("a subject appears twice in ADSL (USUBJID)")
    found = lookup.get_indexer(pd.Index(values, dtype=object))
    looked_up: npt.NDArray[np.int64] = np.asarray(found, dtype=np.int64)
    return looked_up
