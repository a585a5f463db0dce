"""Turning ADSL columns into Cox model terms, the way R's model.matrix would.

Numbers enter as they are; booleans and Y/N flags as 0/1; text as treatment contrasts against
the first level in sorted order (R's factor default), named ``<covariate>[<level>]``. Two names
are special: ``cohort`` (the amended protocol against the original one) and ``sct`` (allogeneic
transplant as a time-dependent covariate, handled by the Cox model builder, not here).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from minihcvd.clinical import DistinctColumns
from minihcvd.errors import AnalysisError
from minihcvd.trialdata.schema import COHORT_CODES, PATIENT_NON_BASELINE_COLUMNS

__all__ = [
    "COHORT",
    "SCT",
    "Covariate",
    "baseline_covariates",
    "encode_covariate",
    "has_values",
]

COHORT = "cohort"
SCT = "sct"
#: Cohort levels, the reference (original) first.
COHORT_LEVELS = COHORT_CODES
FLAG_VALUES = frozenset({"Y", "N"})
#: Dosing inputs, not baseline characteristics: out of Table 1 and the Cox screen (a model
#: may still name them with --covariates).
DOSING_COLUMNS = frozenset({"height_cm", "weight_kg"})


@dataclass(frozen=True)
class Covariate:
    """A covariate's model columns: ``values`` (patients × terms, NaN = missing), term names."""

    name: str
    terms: list[str]
    values: np.ndarray


def baseline_covariates(adsl: pd.DataFrame) -> list[str]:
    """The baseline characteristics ADSL carries from patients.csv (lower-case, not dates,
    not the dosing inputs height and weight)."""
    return [
        column
        for column in adsl.columns
        if column == column.lower()
        and column not in PATIENT_NON_BASELINE_COLUMNS
        and column not in DOSING_COLUMNS
        and not pd.api.types.is_datetime64_any_dtype(adsl[column])
        and has_values(adsl[column])
    ]


def has_values(column: pd.Series) -> bool:
    """Whether any cell of ``column`` has a value (the first one, mostly: a text column's
    missing check is a loop over its objects, 4 ms at 200,000 rows)."""
    return len(column) > 0 and (bool(pd.notna(column.iloc[0])) or bool(column.notna().any()))


def encode_covariate(
    adsl: pd.DataFrame, name: str, *, distinct: DistinctColumns | None = None
) -> Covariate:
    """The model columns of ``name`` for every ADSL row; AnalysisError if it cannot be used
    (``distinct``: ADSL's columns hashed so far, shared with the rest of an analysis)."""
    distinct = distinct or DistinctColumns(adsl)
    if name == COHORT:
        cohort = distinct["COHORT"]
        amended = np.where(cohort.known(), cohort.isin({COHORT_LEVELS[1]}), np.nan)
        return Covariate(name, [f"{COHORT}[{COHORT_LEVELS[1]}]"], amended[:, None])
    if name not in adsl.columns:
        available = ", ".join([COHORT, SCT, *baseline_covariates(adsl)])
        raise AnalysisError(f"unknown covariate {name!r}; available: {available}")
    column = adsl[name]
    if pd.api.types.is_datetime64_any_dtype(column):
        raise AnalysisError(f"covariate {name!r} is a date; use a duration or a flag instead")
    if pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
        values = column.astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
        return Covariate(name, [name], values[:, None])
    texts = distinct[name].texts()  # missing values get code -1
    codes = texts.codes
    code_of = {text: code for code, text in enumerate(texts.values)}
    levels = sorted(code_of)
    missing = codes < 0
    if set(levels) <= FLAG_VALUES:
        flag = np.where(missing, np.nan, codes == code_of.get("Y", -2))
        return Covariate(name, [name], flag[:, None].astype(np.float64))
    if len(levels) < 2:
        raise AnalysisError(f"covariate {name!r} has a single level ({', '.join(levels)})")
    columns = [np.where(missing, np.nan, codes == code_of[level]) for level in levels[1:]]
    values = np.column_stack(columns).astype(np.float64)
    return Covariate(name, [f"{name}[{level}]" for level in levels[1:]], values)
