"""The counting-process (start, stop] table for allogeneic SCT as a time-dependent covariate.

R ``survival::tmerge`` semantics (docs/architecture.md): the transplant time is
``SCTDT - STARTDT + 1`` days; a patient transplanted at time t with an OS time T > t gets
(0, t] with SCT 0 and (t, T] with SCT 1, the OS event (if any) on the second row; a transplant
at or after T leaves one row (0, T] with SCT 0, so a death on the transplant day counts before it.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from minihcvd.adam._checks import require_columns
from minihcvd.adam.compute import adsl_rows, compute_duration_days
from minihcvd.clinical import text_equals
from minihcvd.errors import DerivationError

__all__ = ["SCT_INTERVAL_COLUMNS", "derive_sct_intervals"]

SCT_INTERVAL_COLUMNS: Final = ("USUBJID", "TSTART", "TSTOP", "EVENT", "SCT")


def derive_sct_intervals(
    adtte: pd.DataFrame, adsl: pd.DataFrame, *, paramcd: str = "OS"
) -> pd.DataFrame:
    """One or two rows per subject of parameter ``paramcd``, in ADTTE order."""
    require_columns(
        adtte, ["USUBJID", "PARAMCD", "STARTDT", "AVAL", "CNSR"], step="derive_sct_intervals"
    )
    require_columns(adsl, ["USUBJID", "SCTDT"], step="derive_sct_intervals")
    used = ["USUBJID", "STARTDT", "AVAL", "CNSR"]
    tte = adtte.loc[text_equals(adtte["PARAMCD"], paramcd), used].reset_index(drop=True)
    adsl_row = adsl_rows(pd.Index(adsl["USUBJID"]), tte["USUBJID"])
    if np.bincount(adsl_row[adsl_row >= 0], minlength=1).max(initial=0) > 1:
        raise DerivationError(f"derive_sct_intervals: a subject appears twice in {paramcd}")
    # a subject ADSL lacks (row -1) has no transplant date
    sct_date = adsl["SCTDT"].reset_index(drop=True).reindex(adsl_row).reset_index(drop=True)
    sct_time = compute_duration_days(tte["STARTDT"], sct_date.astype(tte["STARTDT"].dtype))
    total = tte["AVAL"].astype("int64").to_numpy()
    event = (tte["CNSR"].astype("int64").to_numpy() == 0).astype("int64")
    sct = sct_time.to_numpy(dtype="float64", na_value=np.nan)
    split = ~np.isnan(sct) & (sct < total)
    split_time = np.where(split, sct, 0).astype("int64")
    subjects = tte["USUBJID"].to_numpy()
    if bool(np.any(split_time[split] < 0)):
        return _sorted_table(subjects, split, split_time, total, event)
    # each subject's row (0, t] and, if split, its row (t, T] right after it: the order of a
    # stable sort by subject order and TSTART, built directly
    rows = np.ones(len(tte), dtype=np.int64) + split
    first = np.cumsum(rows) - rows
    second = (first + 1)[split]
    size = int(rows.sum())
    columns = {
        "USUBJID": (subjects, subjects[split], object),
        "TSTART": (0, split_time[split], np.int64),
        "TSTOP": (np.where(split, split_time, total), total[split], np.int64),
        "EVENT": (np.where(split, 0, event), event[split], np.int64),
        "SCT": (0, 1, np.int64),
    }
    table = {}
    for name, (before, after, dtype) in columns.items():
        values = np.empty(size, dtype=dtype)
        values[first] = before
        values[second] = after
        table[name] = values
    return pd.DataFrame(table, copy=False)  # arrays made here: no copy needed


def _sorted_table(
    subjects: np.ndarray, split: np.ndarray, split_time: np.ndarray, total: np.ndarray,
    event: np.ndarray,
) -> pd.DataFrame:
    """The table by sorting the rows (a transplant before the origin: its row sorts first)."""
    before = pd.DataFrame(
        {
            "order": np.arange(len(subjects)),
            "USUBJID": subjects,
            "TSTART": 0,
            "TSTOP": np.where(split, split_time, total),
            "EVENT": np.where(split, 0, event),
            "SCT": 0,
        }
    )
    after = pd.DataFrame(
        {
            "order": np.flatnonzero(split),
            "USUBJID": subjects[split],
            "TSTART": split_time[split],
            "TSTOP": total[split],
            "EVENT": event[split],
            "SCT": 1,
        }
    )
    table = pd.concat([before, after], ignore_index=True)
    table = table.sort_values(["order", "TSTART"], kind="stable").reset_index(drop=True)
    return table.drop(columns="order").astype(
        {"TSTART": "int64", "TSTOP": "int64", "EVENT": "int64", "SCT": "int64"}
    )
