"""report.html: one self-contained page (inline SVG figures and CSS, no external files)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

import pandas as pd

from minihcvd.report.exposure_safety import exposure_safety_tables
from minihcvd.report.figures import RenderedFigure
from minihcvd.report.formatting import (
    format_count,
    format_distribution,
    format_estimate,
    format_p,
)

if TYPE_CHECKING:
    from jinja2 import Template

__all__ = ["render_html", "report_template"]

#: Table 1 labels for patients.csv's baseline columns (docs/data-format.md); others show as is.
VARIABLE_LABELS = {
    "age": "Age, years",
    "sex": "Sex",
    "ecog": "ECOG performance status",
    "wbc": "WBC, ×10⁹/L",
    "pb_blasts_pct": "Peripheral blood blasts, %",
    "bm_blasts_pct": "Bone marrow blasts, %",
    "karyotype": "Karyotype",
    "high_risk_cytogenetics": "High-risk cytogenetics",
    "ph_like": "Ph-like",
    "crlf2": "CRLF2 overexpression",
    "tp53_mutated": "TP53 mutation",
    "cns_disease": "CNS disease",
    "cd19_pct": "CD19 expression, %",
    "cd20_pct": "CD20 expression, %",
    "cd22_pct": "CD22 expression, %",
    "prior_sct": "Prior allogeneic SCT",
    "salvage": "Salvage status",
    "first_remission_months": "First CR duration, months",
    "primary_refractory": "Primary refractory",
    "SALVGRP": "Salvage group",
}
COHORT_HEADINGS = (("original", "Before amendment"), ("amended", "After amendment"))
SALVAGE_HEADINGS = (("Salvage 1", "Salvage 1"), ("Salvage 2+", "Salvage 2+"))


@cache
def report_template() -> Template:
    """The page's Jinja2 template, loaded and compiled once per process (``write_report``
    asks for it while the figures are still being drawn)."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    environment = Environment(
        loader=PackageLoader("minihcvd.report", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template("report.html.j2")


def render_html(
    document: dict[str, Any],
    figures: list[RenderedFigure],
    reproduction: pd.DataFrame | None = None,
) -> str:
    """The report page from the results document and the rendered figures."""
    from markupsafe import Markup

    # Markup (bandit B704): the figures' SVG is matplotlib's drawing of our own results, and
    # pandas' to_html escapes every cell (escape=True), so no input reaches the page unescaped.
    drawn = [(f.name, f.title, Markup(f.svg)) for f in figures]  # nosec B704
    table = None
    if reproduction is not None:
        html = reproduction.to_html(index=False, na_rep="—", classes="data", border=0, escape=True)
        table = Markup(html)  # nosec B704
    page: str = report_template().render(
        document=document,
        survival_rows=_survival_rows(document),
        figures=drawn,
        cox=_cox_rows(document),
        table1=_table1_rows(document),
        table2=_table2_rows(document),
        table2_tests=_table2_tests(document),
        table3=_table3_rows(document),
        exposure_safety=exposure_safety_tables(document),
        cohort_headings=COHORT_HEADINGS,
        salvage_headings=SALVAGE_HEADINGS,
        reproduction=table,
        followup=format_estimate(
            document["followup"]["median_months"], *document["followup"]["median_ci_months"]
        ),
        format_p=format_p,
    )
    return page


def _survival_rows(document: dict[str, Any]) -> list[dict[str, str]]:
    rows = []
    sections: list[tuple[str, str, dict[str, Any] | None, float | None]] = [
        ("Overall survival", "all patients", document["os"], None),
        ("Relapse-free survival", "responders", document["rfs"], None),
    ]
    for factor, comparison in document["os_by"].items():
        sections += [
            (f"OS by {factor}", level, summary, comparison["logrank_p"])
            for level, summary in comparison["groups"].items()
        ]
    for key, landmark in document["landmarks"].items():
        sections += [
            (
                f"Landmark {key} ({landmark['population']})",
                f"exposed: {level}",
                summary,
                landmark["logrank_p"],
            )
            for level, summary in landmark["groups"].items()
        ]
    for analysis, group, summary, p in sections:
        if summary is None:
            continue
        survival = summary["survival"]
        rows.append(
            {
                "analysis": analysis,
                "group": group,
                "n": str(summary["n"]),
                "events": str(summary["events"]),
                "median": format_estimate(summary["median_months"], *summary["median_ci_months"]),
                **{
                    f"s{m}": format_estimate(
                        survival[m]["estimate"],
                        survival[m]["lower"],
                        survival[m]["upper"],
                        percent=True,
                    )
                    for m in ("12", "24", "36")
                },
                "p": format_p(p)
                if p is not None or analysis.startswith(("OS by", "Landmark"))
                else "",
            }
        )
    return rows


def _cox_rows(document: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    return {
        model: [
            {
                "term": term,
                "hr": f"{values['hr']:.3f}",
                "ci": f"{values['lower']:.3f}–{values['upper']:.3f}",
                "p": format_p(values["p"]),
                "n": f"{values['n']} ({values['events']} events)",
            }
            for term, values in document["cox"][model].items()
        ]
        for model in ("univariate", "multivariate")
    }


def _table1_rows(document: dict[str, Any]) -> list[dict[str, str]]:
    table = document["table1"]
    if table is None:
        return []
    rows = []
    first_levels = {row["variable"]: row.get("level") for row in reversed(table["rows"])}
    for row in table["rows"]:
        show = format_distribution if row["kind"] == "continuous" else format_count
        notes = [row.get("note")]
        if row["kind"] == "categorical" and row["level"] == first_levels[row["variable"]]:
            # the whole variable's test (levels × cohorts), once, on its first level
            notes.append(
                f"all levels: p {format_p(row['p_variable'])}, {row['test_variable']}"
                + (f"; {row['note_variable']}" if row.get("note_variable") else "")
            )
        rows.append(
            {
                "variable": VARIABLE_LABELS.get(row["variable"], row["variable"]),
                "level": row.get("level") or "",
                "overall": show(row["overall"]),
                **{key: show(row["by_group"].get(key)) for key, _ in COHORT_HEADINGS},
                "p": format_p(row["p"]),
                "test": row["test"] or "",
                "note": "; ".join(note for note in notes if note),
            }
        )
    return rows


def _table2_rows(document: dict[str, Any]) -> list[dict[str, str]]:
    table = document["response"]
    if table is None:
        return []
    return [
        {
            "parameter": row["variable"],
            "overall": format_count(row["overall"]),
            **{key: format_count(row["by_group"].get(key)) for key, _ in COHORT_HEADINGS},
            "p": format_p(row["p"]),
            **{key: format_count(row["by_salvage"].get(key)) for key, _ in SALVAGE_HEADINGS},
            "p_salvage": format_p(row["p_salvage"]),
        }
        for row in table["rows"]
    ]


def _table2_tests(document: dict[str, Any]) -> str:
    """The tests Table 2's p-values come from, as its footnote names them."""
    table = document["response"]
    if table is None:
        return ""
    tests = {row[key] for row in table["rows"] for key in ("test", "test_salvage") if row[key]}
    return ", ".join(sorted(tests, key=str.lower)) or "none could be run"


def _table3_rows(document: dict[str, Any]) -> list[dict[str, str]]:
    table = document["adverse_events"]
    if table is None:
        return []
    return [
        {"term": row["term"], **{g: format_count(row[f"grade_{g}"]) for g in ("3", "4", "5")}}
        for row in table["rows"]
    ]
