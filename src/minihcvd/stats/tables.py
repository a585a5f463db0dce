"""The paper's Tables 1–3 as numbers: baseline characteristics, best response, adverse events.

Counts are ``{"count", "denominator", "percent"}`` with the denominator the patients whose value
is known; continuous values ``{"n", "median", "min", "max"}``. Each comparison carries its
p-value and the test used (:mod:`minihcvd.stats.group_tests`), or a note when it cannot be run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from minihcvd.clinical import DistinctColumns, DistinctValues
from minihcvd.errors import AnalysisError
from minihcvd.stats.covariates import COHORT_LEVELS, FLAG_VALUES
from minihcvd.stats.group_tests import compare_categorical, compare_continuous

__all__ = ["SALVAGE_LABELS", "adverse_event_table", "baseline_table", "response_table"]

#: ADSL SALV1FL → the paper's two salvage groups (Fig. 1C, Table 2).
SALVAGE_LABELS = {"Y": "Salvage 1", "N": "Salvage 2+"}
RESPONSE_ROWS = (("CR", ("CR",)), ("CRp", ("CRp",)), ("CRi", ("CRi",)))
NON_RESPONSE_ROWS = (("No response", ("NR",)), ("Early death", ("ED",)))
AE_GRADES = (3, 4, 5)
AE_MIN_PATIENTS = 2
#: Flag texts: ADSL's Y/N and the package's booleans (as the text of True/False).
FLAG_TRUTH = {"Y": True, "N": False, "True": True, "False": False}


def baseline_table(
    adsl: pd.DataFrame, variables: Sequence[str], *, distinct: DistinctColumns | None = None
) -> dict[str, Any]:
    """Table 1: each baseline variable overall and by cohort, with its p-value (``distinct``:
    ADSL's columns hashed so far, shared with the rest of an analysis)."""
    distinct = distinct or DistinctColumns(adsl)
    cohort = _Groups.of(distinct["COHORT"].texts())
    rows: list[dict[str, Any]] = []
    for name in [*variables, "SALVGRP"]:
        if name not in adsl.columns:
            continue
        column = adsl[name]
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            if column.notna().any():
                rows.append(_continuous_row(name, column, cohort))
            continue
        values = distinct[name].texts()
        if not values.values:  # no known value
            continue
        if pd.api.types.is_bool_dtype(column) or _are_flags(values):
            rows.append(_binary_row(name, *_flag(values), cohort))
        else:
            rows.extend(_categorical_rows(name, values, cohort))
    return {"n": cohort.sizes(), "rows": rows}


def response_table(
    adsl: pd.DataFrame, *, distinct: DistinctColumns | None = None
) -> dict[str, Any]:
    """Table 2: best response and MRD negativity overall, by cohort and by salvage status
    (``distinct`` as for :func:`baseline_table`)."""
    distinct = distinct or DistinctColumns(adsl)
    bor = distinct["BOR"].texts()
    if not any(text != "ED" for text in bor.values):
        # early deaths are derivable from dates alone; a response table needs responses
        raise AnalysisError("the package has no best response (best_response or assessments)")
    cohort = _Groups.of(distinct["COHORT"].texts())
    salvage = _Groups.of(distinct["SALV1FL"].texts().mapped(SALVAGE_LABELS))
    indicators: list[tuple[str, tuple[np.ndarray, np.ndarray]]] = []
    for label, codes in (*RESPONSE_ROWS, ("ORR", ("CR", "CRp", "CRi")), *NON_RESPONSE_ROWS):
        indicators.append((label, (bor.isin(codes), bor.known())))
    for label, column in (("MRD negative at response", "MRDRSPFL"), ("MRD negative", "MRDNEGFL")):
        if column in adsl.columns and adsl[column].notna().any():
            indicators.append((label, _flag(distinct[column].texts())))
    rows = []
    for label, (yes, known) in indicators:
        row = _binary_row(label, yes, known, cohort)
        by_salvage = _binary_row(label, yes, known, salvage)
        row["by_salvage"] = by_salvage["by_group"]
        row["p_salvage"] = by_salvage["p"]
        row["test_salvage"] = by_salvage["test"]
        row["note_salvage"] = by_salvage["note"]
        rows.append(row)
    return {"n": cohort.sizes(), "n_by_salvage": salvage.sizes(), "rows": rows}


def adverse_event_table(adae: pd.DataFrame, n_patients: int) -> dict[str, Any]:
    """Table 3: treatment-emergent (ADAE ``TRTEMFL``) grade 3, 4, 5 non-hematologic events in
    >= 2 patients, each patient counted once per term at the worst grade."""
    needed = {"USUBJID", "AETERM", "AETOXGRN", "AEHEMFL", "TRTEMFL"}
    missing = needed - set(adae.columns)
    if missing:
        raise AnalysisError(f"ADAE lacks column(s) {', '.join(sorted(missing))}")
    emergent = adae["TRTEMFL"].to_numpy(dtype=object) == "Y"
    non_hematologic = adae["AEHEMFL"].to_numpy(dtype=object) != "Y"
    severe = adae["AETOXGRN"].astype("Float64").fillna(0).to_numpy() >= min(AE_GRADES)
    events = adae.loc[emergent & non_hematologic & severe, ["AETERM", "USUBJID", "AETOXGRN"]]
    worst = events.groupby(["AETERM", "USUBJID"])["AETOXGRN"].max().astype(int).reset_index()
    labels = [f"grade_{g}" for g in AE_GRADES]
    counts = (
        pd.crosstab(worst["AETERM"], worst["AETOXGRN"])
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
    return {
        "n": n_patients,
        "events_outside_window": int((~emergent & non_hematologic & severe).sum()),
        "rows": rows,
    }


@dataclass(frozen=True)
class _Groups:
    """The levels of a grouping (cohorts first in protocol order) and a mask for each."""

    levels: list[str]
    masks: list[np.ndarray]
    size: int

    @classmethod
    def of(cls, values: DistinctValues) -> _Groups:
        """Groups of the texts of ``values``."""
        codes, names = values.codes, values.values
        ordered = [level for level in COHORT_LEVELS if level in names]
        ordered += sorted(set(names) - set(ordered))
        masks = [codes == names.index(level) for level in ordered]
        return cls(ordered, masks, values.codes.size)

    def sizes(self) -> dict[str, int]:
        """``overall`` and each level's number of patients."""
        sizes = {"overall": self.size}
        sizes.update(
            {level: int(m.sum()) for level, m in zip(self.levels, self.masks, strict=True)}
        )
        return sizes


def _are_flags(texts: DistinctValues) -> bool:
    return bool(texts.values) and set(texts.values) <= FLAG_VALUES


def _flag(texts: DistinctValues) -> tuple[np.ndarray, np.ndarray]:
    """(true, known) per row of a Y/N or true/false column (others count as unknown)."""
    truth = [FLAG_TRUTH.get(text) for text in texts.values]
    return texts.each([t is True for t in truth], False), texts.each(
        [t is not None for t in truth], False
    )


def _binary_row(
    label: str, yes: np.ndarray, flag_known: np.ndarray, groups: _Groups
) -> dict[str, Any]:
    yes = yes & flag_known
    in_group = [mask & flag_known for mask in groups.masks]
    counts = np.array([[int((yes & g).sum()), int((~yes & g).sum())] for g in in_group])
    row: dict[str, Any] = {
        "variable": label,
        "kind": "binary",
        "overall": _count(int(yes[flag_known].sum()), int(flag_known.sum())),
        "by_group": {
            level: _count(int(c[0]), int(c.sum()))
            for level, c in zip(groups.levels, counts, strict=True)
        },
    }
    return {**row, **_categorical_p(label, counts.T)}


def _continuous_row(name: str, column: pd.Series, groups: _Groups) -> dict[str, Any]:
    values = column.astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
    row: dict[str, Any] = {
        "variable": name,
        "kind": "continuous",
        "overall": _distribution(values),
        "by_group": {
            level: _distribution(values[mask])
            for level, mask in zip(groups.levels, groups.masks, strict=True)
        },
    }
    if len(groups.levels) != 2:
        return {**row, "p": None, "test": None, "note": f"{name}: needs two groups for a test"}
    try:
        result = compare_continuous(values[groups.masks[0]], values[groups.masks[1]])
    except AnalysisError as error:
        return {**row, "p": None, "test": None, "note": f"{name}: {error.message}"}
    return {**row, "p": result.p_value, "test": result.test, "note": result.note}


def _categorical_rows(name: str, values: DistinctValues, groups: _Groups) -> list[dict[str, Any]]:
    categories = sorted(values.values)
    table = np.array(
        [
            [int((values.codes[mask] == values.values.index(c)).sum()) for mask in groups.masks]
            for c in categories
        ]
    )
    overall = _categorical_p(name, table)
    known = values.known()
    rows = []
    for category in categories:
        row = _binary_row(name, values.codes == values.values.index(category), known, groups)
        row.update(
            kind="categorical",
            level=category,
            p_variable=overall["p"],
            test_variable=overall["test"],
            note_variable=overall["note"],
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
        "median": _median(finite),
        "min": float(finite.min()),
        "max": float(finite.max()),
    }


def _median(values: np.ndarray) -> float:
    """R's median (the mean of the two middle values of an even count), as half of each
    added, so that two values near the float maximum do not overflow (``np.median`` adds
    them first: inf and a RuntimeWarning). Equal to ``(a + b) / 2`` wherever that is finite:
    halving is exact, and the sum of the halves rounds as the sum does."""
    middle = values.size // 2
    if values.size % 2:
        return float(np.partition(values, middle)[middle])
    ordered = np.partition(values, [middle - 1, middle])
    return float(ordered[middle - 1] / 2 + ordered[middle] / 2)


def _count(count: int, denominator: int) -> dict[str, Any]:
    percent = 100.0 * count / denominator if denominator else None
    return {"count": count, "denominator": denominator, "percent": percent}
