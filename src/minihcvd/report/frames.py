"""The report's tables as DataFrames, built from the results.json document.

One function per table; the same frames are written as CSV (``OUT/tables``) and rendered in
report.html, so the two never disagree. Numbers stay numbers here; formatting for reading
(``12 (11%)``, ``0.54 (0.42–0.65)``) is :mod:`minihcvd.report.formatting`'s job.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = [
    "adverse_event_frame",
    "baseline_frame",
    "cox_frame",
    "response_frame",
    "survival_frame",
]

MONTHS = ("12", "24", "36")


def survival_frame(document: dict[str, Any]) -> pd.DataFrame:
    """One row per curve: OS, RFS, every OS-by-factor group and landmark group."""
    rows: list[dict[str, Any]] = []
    for endpoint, population in (("os", "all patients"), ("rfs", "responders")):
        if document[endpoint] is not None:
            rows.append(_survival_row(endpoint.upper(), population, document[endpoint], None))
    for factor, comparison in document["os_by"].items():
        for level, summary in comparison["groups"].items():
            rows.append(_survival_row(f"OS by {factor}", level, summary, comparison["logrank_p"]))
    for key, landmark in document["landmarks"].items():
        for level, summary in landmark["groups"].items():
            label = f"OS after landmark {key} ({landmark['population']})"
            rows.append(_survival_row(label, f"exposed: {level}", summary, landmark["logrank_p"]))
    return _frame(rows)


def _survival_row(
    analysis: str, group: str, summary: dict[str, Any], logrank_p: float | None
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "analysis": analysis,
        "group": group,
        "n": summary["n"],
        "events": summary["events"],
        "median_months": summary["median_months"],
        "median_lower": summary["median_ci_months"][0],
        "median_upper": summary["median_ci_months"][1],
    }
    for month in MONTHS:
        point = summary["survival"][month]
        row[f"survival_{month}m"] = point["estimate"]
        row[f"survival_{month}m_lower"] = point["lower"]
        row[f"survival_{month}m_upper"] = point["upper"]
    row["logrank_p"] = logrank_p
    return row


def cox_frame(document: dict[str, Any], model: str) -> pd.DataFrame:
    """Terms of the ``univariate`` or ``multivariate`` Cox model: HR, 95% CI, p, n, events."""
    terms = document["cox"][model]
    columns = ["term", "covariate", "hr", "lower", "upper", "p", "n", "events"]
    return pd.DataFrame(
        [{"term": term, **values} for term, values in terms.items()], columns=columns
    )


def baseline_frame(document: dict[str, Any]) -> pd.DataFrame:
    """Table 1, one row per variable (or level): counts or distributions, p and test."""
    table = document["table1"]
    if table is None:
        return pd.DataFrame()
    return _frame([_flatten(row) for row in table["rows"]])


def response_frame(document: dict[str, Any]) -> pd.DataFrame:
    """Table 2: each response row by cohort and by salvage status, with p-values."""
    table = document["response"]
    if table is None:
        return pd.DataFrame()
    return _frame([_flatten(row) for row in table["rows"]])


def adverse_event_frame(document: dict[str, Any]) -> pd.DataFrame:
    """Table 3: patients with a grade 3, 4 or 5 non-hematologic event, by term."""
    table = document["adverse_events"]
    if table is None:
        return pd.DataFrame()
    return _frame([_flatten(row) for row in table["rows"]])


def _flatten(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dicts become ``outer.inner`` columns (by_group.original.count, ...)."""
    flat: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows as a frame whose counts stay integers next to missing cells (110, not 110.0)."""
    return pd.DataFrame(rows).convert_dtypes()
