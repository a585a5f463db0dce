"""The paper's Tables 1–3 as numbers: baseline characteristics, best response, adverse events.

Counts are ``{"count", "denominator", "percent"}`` with the denominator the patients whose value
is known; continuous values ``{"n", "median", "min", "max"}``. Each comparison carries its
p-value and the test used (:mod:`minihcvd.stats.group_tests`), or a note when it cannot be run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from minihcvd.errors import AnalysisError
from minihcvd.stats.covariates import COHORT_LEVELS, FLAG_VALUES
from minihcvd.stats.group_tests import compare_categorical, compare_continuous

__all__ = ["adverse_event_table", "baseline_table", "response_table"]

RESPONSE_ROWS = (("CR", ("CR",)), ("CRp", ("CRp",)), ("CRi", ("CRi",)))
NON_RESPONSE_ROWS = (("No response", ("NR",)), ("Early death", ("ED",)))
AE_GRADES = (3, 4, 5)
AE_MIN_PATIENTS = 2


def baseline_table(adsl: pd.DataFrame, variables: Sequence[str]) -> dict[str, Any]:
    """Table 1: each baseline variable overall and by cohort, with its p-value."""
    cohort = adsl["COHORT"].astype(object)
    rows: list[dict[str, Any]] = []
    for name in [*variables, "SALVGRP"]:
        if name not in adsl.columns or adsl[name].isna().all():
            continue
        column = adsl[name]
        if pd.api.types.is_bool_dtype(column) or _is_flag(column):
            rows.append(_binary_row(name, _as_flag(column), cohort))
        elif pd.api.types.is_numeric_dtype(column):
            rows.append(_continuous_row(name, column, cohort))
        else:
            rows.extend(_categorical_rows(name, column.astype(object), cohort))
    return {"n": _group_sizes(cohort), "rows": rows}


def response_table(adsl: pd.DataFrame) -> dict[str, Any]:
    """Table 2: best response and MRD negativity overall, by cohort and by salvage status."""
    bor = adsl["BOR"].astype(object)
    known = bor.notna()
    if not (known & (bor != "ED")).any():
        # early deaths are derivable from dates alone; a response table needs responses
        raise AnalysisError("the package has no best response (best_response or assessments)")
    cohort = adsl["COHORT"].astype(object)
    salvage = adsl["SALV1FL"].astype(object).map({"Y": "Salvage 1", "N": "Salvage 2+"})
    indicators: list[tuple[str, pd.Series]] = []
    for label, codes in (*RESPONSE_ROWS, ("ORR", ("CR", "CRp", "CRi")), *NON_RESPONSE_ROWS):
        indicators.append((label, bor.isin(codes).astype("boolean").where(known)))
    for label, column in (("MRD negative at response", "MRDRSPFL"), ("MRD negative", "MRDNEGFL")):
        if column in adsl.columns:
            indicators.append((label, _as_flag(adsl[column].astype(object))))
    rows = []
    for label, flag in indicators:
        row = _binary_row(label, flag, cohort)
        by_salvage = _binary_row(label, flag, salvage)
        row["by_salvage"] = by_salvage["by_group"]
        row["p_salvage"] = by_salvage["p"]
        row["test_salvage"] = by_salvage["test"]
        rows.append(row)
    return {"n": _group_sizes(cohort), "n_by_salvage": _group_sizes(salvage), "rows": rows}


def adverse_event_table(adverse_events: pd.DataFrame, n_patients: int) -> dict[str, Any]:
    """Table 3: grade 3, 4, 5 non-hematologic events in >= 2 patients (worst grade a patient)."""
    needed = {"patient_id", "term", "grade", "hematologic"}
    missing = needed - set(adverse_events.columns)
    if missing:
        raise AnalysisError(f"adverse_events.csv lacks column(s) {', '.join(sorted(missing))}")
    events = adverse_events[~adverse_events["hematologic"].astype("boolean").fillna(False)]
    events = events[events["grade"].astype("Float64").fillna(0) >= min(AE_GRADES)]
    worst = events.groupby(["term", "patient_id"])["grade"].max().astype(int).reset_index()
    labels = [f"grade_{g}" for g in AE_GRADES]
    counts = (
        pd.crosstab(worst["term"], worst["grade"])
        .reindex(columns=list(AE_GRADES), fill_value=0)
        .set_axis(labels, axis=1)
    )
    counts["total"] = counts.sum(axis=1)
    counts = counts[counts["total"] >= AE_MIN_PATIENTS]
    counts = counts.sort_values(["total", *labels], ascending=False, kind="stable")
    rows = [
        {"term": str(term), **{g: _count(int(row[g]), n_patients) for g in labels}}
        for term, row in zip(counts.index, counts.to_dict("records"), strict=True)
    ]
    return {"n": n_patients, "rows": rows}


def _binary_row(label: str, flag: pd.Series, groups: pd.Series) -> dict[str, Any]:
    flag_known = flag.notna().to_numpy()
    yes = flag.fillna(False).to_numpy(dtype=bool)
    levels = _levels(groups)
    in_group = [(groups == level).to_numpy(dtype=bool) & flag_known for level in levels]
    counts = np.array([[int((yes & g).sum()), int((~yes & g).sum())] for g in in_group])
    row: dict[str, Any] = {
        "variable": label,
        "kind": "binary",
        "overall": _count(int(yes[flag_known].sum()), int(flag_known.sum())),
        "by_group": {
            level: _count(int(c[0]), int(c.sum())) for level, c in zip(levels, counts, strict=True)
        },
    }
    return {**row, **_categorical_p(label, counts.T)}


def _continuous_row(name: str, column: pd.Series, groups: pd.Series) -> dict[str, Any]:
    values = column.astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
    levels = _levels(groups)
    row: dict[str, Any] = {
        "variable": name,
        "kind": "continuous",
        "overall": _distribution(values),
        "by_group": {str(level): _distribution(values[groups == level]) for level in levels},
    }
    if len(levels) != 2:
        return {**row, "p": None, "test": None, "note": f"{name}: needs two groups for a test"}
    try:
        result = compare_continuous(values[groups == levels[0]], values[groups == levels[1]])
    except AnalysisError as error:
        return {**row, "p": None, "test": None, "note": f"{name}: {error.message}"}
    return {**row, "p": result.p_value, "test": result.test, "note": result.note}


def _categorical_rows(name: str, column: pd.Series, groups: pd.Series) -> list[dict[str, Any]]:
    known = column.notna() & groups.notna()
    text = column.astype(str).to_numpy()
    categories = sorted({str(v) for v in column.dropna()})
    masks = {
        level: (groups == level).to_numpy(dtype=bool) & known.to_numpy()
        for level in _levels(groups)
    }
    table = np.array([[int((text[m] == c).sum()) for m in masks.values()] for c in categories])
    overall = _categorical_p(name, table)
    rows = []
    for category in categories:
        flag = pd.Series(text == category, index=column.index).astype("boolean")
        row = _binary_row(name, flag.where(column.notna()), groups)
        row.update(
            kind="categorical",
            level=category,
            p_variable=overall["p"],
            test_variable=overall["test"],
        )
        rows.append(row)
    return rows


def _categorical_p(label: str, table: np.ndarray) -> dict[str, Any]:
    try:
        result = compare_categorical(table)
    except AnalysisError as error:
        return {"p": None, "test": None, "note": f"{label}: {error.message}"}
    return {"p": result.p_value, "test": result.test, "note": result.note}


def _distribution(values: np.ndarray) -> dict[str, Any]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return {"n": 0, "median": None, "min": None, "max": None}
    return {
        "n": int(finite.size),
        "median": float(np.median(finite)),
        "min": float(finite.min()),
        "max": float(finite.max()),
    }


def _count(count: int, denominator: int) -> dict[str, Any]:
    percent = 100.0 * count / denominator if denominator else None
    return {"count": count, "denominator": denominator, "percent": percent}


def _levels(groups: pd.Series) -> list[str]:
    present = {str(v) for v in groups.dropna()}
    ordered = [level for level in COHORT_LEVELS if level in present]
    return ordered + sorted(present - set(ordered))


def _group_sizes(groups: pd.Series) -> dict[str, int]:
    sizes = {"overall": len(groups)}
    sizes.update({level: int((groups == level).sum()) for level in _levels(groups)})
    return sizes


def _is_flag(column: pd.Series) -> bool:
    if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        return False
    present = {str(v) for v in column.dropna()}
    return bool(present) and present <= FLAG_VALUES


def _as_flag(column: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(column):
        return column.astype("boolean")
    return column.astype(object).map({"Y": True, "N": False}).astype("boolean")
