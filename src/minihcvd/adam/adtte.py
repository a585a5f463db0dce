"""ADTTE: time-to-event parameters from declared event and censoring sources.

``derive_param_tte`` works like admiral's: for each subject the earliest event date among the
event sources wins (ties go to the source listed first); a subject without an event is censored
at the latest censoring date. ``AVAL = ADT - STARTDT + 1`` days.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import pandas as pd

from minihcvd.adam._checks import require_columns
from minihcvd.adam.compute import compute_duration_days, text_take
from minihcvd.adam.sources import CensorSource, EventSource
from minihcvd.clinical import text_equals
from minihcvd.errors import DerivationError

__all__ = ["ADTTE_COLUMNS", "derive_param_tte", "empty_adtte"]

ADTTE_COLUMNS: Final = (
    "STUDYID",
    "USUBJID",
    "PARAMCD",
    "PARAM",
    "STARTDT",
    "ADT",
    "AVAL",
    "AVALU",
    "CNSR",
    "EVNTDESC",
    "CNSDTDSC",
    "SRCDOM",
    "SRCVAR",
)
_EPOCH = np.datetime64("1970-01-01", "D")


def empty_adtte() -> pd.DataFrame:
    """An ADTTE with no rows, to add parameters to."""
    return pd.DataFrame({name: pd.Series(dtype="object") for name in ADTTE_COLUMNS})


def _days(column: pd.Series) -> np.ndarray:
    """Dates as float days since 1970 (NaN for missing), for row-wise min/max."""
    values = column.to_numpy(dtype="datetime64[D]")
    return np.where(np.isnat(values), np.nan, (values - _EPOCH).astype("float64"))


def _text_column(column: pd.Series) -> object:
    """A text column's values for a new frame that does not copy its inputs: ``str`` ones as a
    Series (copy-on-write keeps the source safe), others as a copied array."""
    if str(column.dtype) == "str":
        return column.reset_index(drop=True)
    return column.to_numpy(copy=True)


def _pick(dates: np.ndarray, fill: float, choose: str) -> tuple[np.ndarray, np.ndarray]:
    """Index of the chosen source per row and whether any source had a date."""
    filled = np.where(np.isnan(dates), fill, dates)
    index = filled.argmin(axis=1) if choose == "min" else filled.argmax(axis=1)
    return index, ~np.isnan(dates).all(axis=1)


def derive_param_tte(
    dataset: pd.DataFrame,
    *,
    source: pd.DataFrame,
    start_date: str,
    event_sources: Sequence[EventSource],
    censor_sources: Sequence[CensorSource],
    paramcd: str,
    param: str,
    subject_filter: str | None = None,
) -> pd.DataFrame:
    """Add the rows of parameter ``paramcd`` to ADTTE ``dataset`` from subject-level ``source``.

    ``subject_filter`` names a ``Y``/``N`` column of ``source``; only ``Y`` subjects get a row.
    """
    step = f"derive_param_tte({paramcd})"
    if not event_sources or not censor_sources:
        raise DerivationError(f"{step} needs at least one event and one censor source")
    if not all(isinstance(s, EventSource) for s in event_sources) or not all(
        isinstance(s, CensorSource) for s in censor_sources
    ):
        raise DerivationError(f"{step} takes EventSource and CensorSource objects only")
    sources: list[EventSource | CensorSource] = [*event_sources, *censor_sources]
    require_columns(dataset, ADTTE_COLUMNS, step=step)
    require_columns(
        source, ["STUDYID", "USUBJID", start_date, *[s.date for s in sources]], step=step
    )
    if bool(text_equals(dataset["PARAMCD"], paramcd).any()):
        raise DerivationError(f"{step}: ADTTE already has parameter {paramcd}")
    used = list(dict.fromkeys(["STUDYID", "USUBJID", start_date, *[s.date for s in sources]]))
    subjects = source[used]  # only what is used: a subject filter then takes fewer columns
    if subject_filter is not None:
        require_columns(source, [subject_filter], step=step)
        subjects = subjects[source[subject_filter].eq("Y")]

    events = np.column_stack([_days(subjects[s.date]) for s in event_sources])
    censors = np.column_stack([_days(subjects[s.date]) for s in censor_sources])
    event_index, has_event = _pick(events, np.inf, "min")
    censor_index, has_censor = _pick(censors, -np.inf, "max")
    if not bool((has_event | has_censor).all()):
        where = subjects["USUBJID"][~(has_event | has_censor)].iloc[0]
        raise DerivationError(f"{step}: subject {where} has neither an event nor a censor date")

    source_number = np.where(has_event, event_index, len(event_sources) + censor_index)
    all_dates = np.column_stack([events, censors])
    adt_days = all_dates[np.arange(len(subjects)), source_number]
    start = subjects[start_date].reset_index(drop=True)
    adt = pd.Series(_EPOCH + adt_days.astype("int64"), dtype=start.dtype)
    everyone = np.zeros(len(subjects), dtype=np.intp)
    rows = pd.DataFrame(
        {
            "STUDYID": _text_column(subjects["STUDYID"]),
            "USUBJID": _text_column(subjects["USUBJID"]),
            "PARAMCD": text_take([paramcd], everyone),
            "PARAM": text_take([param], everyone),
            "STARTDT": start,
            "ADT": adt,
            "AVAL": compute_duration_days(start, adt),
            "AVALU": text_take(["DAYS"], everyone),
            "CNSR": np.array([s.censor for s in sources], dtype=np.int64)[source_number],
            "EVNTDESC": text_take([s.event_description for s in sources], source_number),
            "CNSDTDSC": text_take(
                [getattr(s, "censor_date_description", None) for s in sources], source_number
            ),
            "SRCDOM": text_take([s.dataset_name for s in sources], source_number),
            "SRCVAR": text_take([s.date for s in sources], source_number),
        },
        copy=False,  # every column is new or a Series (copy-on-write keeps ADSL safe)
    )
    no_origin = rows["STARTDT"].isna()
    if bool(no_origin.any()):
        where = rows.loc[no_origin, "USUBJID"].iloc[0]
        raise DerivationError(f"{step}: subject {where} has no {start_date} (the time origin)")
    early = rows["AVAL"].lt(1).fillna(False)
    if bool(early.any()):
        where = rows.loc[early, "USUBJID"].iloc[0]
        raise DerivationError(f"{step}: subject {where} has its event before {start_date}")
    if dataset.empty:
        return rows
    return pd.concat([dataset, rows], ignore_index=True)
