"""The report's treatment-exposure and safety tables (results.json ``exposure`` and ``safety``;
definitions in docs/results-schema.md)."""

from __future__ import annotations

from typing import Any, Final

from minihcvd.report.formatting import format_count, format_distribution, format_p

__all__ = ["SECTIONS", "exposure_safety_tables"]

#: (results.json section, title, [(path inside the section, label)]); a count or distribution
#: cell is told apart by its keys.
SECTIONS: Final[tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]] = (
    (
        "exposure",
        "Treatment exposure",
        (
            ("intensive_courses", "Induction/consolidation courses per patient"),
            ("inotuzumab_all_planned_courses", "Received all 4 planned inotuzumab courses"),
            ("inotuzumab_cumulative_mg_per_m2", "Cumulative inotuzumab, mg/m²"),
            ("inotuzumab_percent_of_plan", "Cumulative inotuzumab, % of the version's plan"),
            ("blinatumomab_received", "Received blinatumomab (in or off study)"),
            ("blinatumomab_on_study", "Blinatumomab on study"),
            ("blinatumomab_off_study", "Blinatumomab off study only"),
            ("blinatumomab_courses", "Blinatumomab courses (among those with any)"),
            ("blinatumomab_all_planned_courses", "All 4 planned blinatumomab courses (amended)"),
            ("months_to_blinatumomab", "Months from start to first blinatumomab"),
            ("months_to_sct", "Months from start to allogeneic SCT"),
        ),
    ),
    (
        "safety",
        "Safety: SOS, early death, deaths in remission",
        (
            ("sos", "SOS (any grade, any time)"),
            ("sos_sct", "SOS among transplanted patients"),
            ("sos_no_sct", "SOS among non-transplanted patients"),
            ("sos_fatal", "Grade 5 SOS, among SOS patients"),
            ("sos_died", "SOS patients who died without relapse"),
            ("courses_before_sos", "Induction/consolidation courses before SOS"),
            ("last_inotuzumab_to_sct_weeks", "Weeks from the last inotuzumab dose to SCT"),
            ("early_death", "Early death (within 4 weeks)"),
            ("early_death.day", "Day of early death"),
            ("deaths_in_remission.sct", "Died in remission, responders with SCT"),
            ("deaths_in_remission.no_sct", "Died in remission, responders without SCT"),
        ),
    ),
)
_GROUPS: Final = ("original", "amended")


def _at(node: Any, path: str) -> Any:
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _row(label: str, cell: dict[str, Any]) -> dict[str, str]:
    show = format_distribution if "median" in cell["overall"] else format_count
    return {
        "label": label,
        "overall": show(cell["overall"]),
        **{group: show(cell["by_group"].get(group)) for group in _GROUPS},
        "p": format_p(cell.get("p")),
        "test": cell.get("test") or "",
    }


def exposure_safety_tables(document: dict[str, Any]) -> list[dict[str, Any]]:
    """One table per section: its title, its rows (label, overall, by version, p, test; a
    skipped item, null in results.json, has none: the notes say why) and the early deaths'
    causes."""
    tables = []
    for section, title, items in SECTIONS:
        content = document.get(section) or {}
        rows = [
            _row(label, cell)
            for path, label in items
            if isinstance(cell := _at(content, path), dict) and "overall" in cell
        ]
        causes = _at(content, "early_death.causes") or {}
        tables.append(
            {
                "title": title,
                "rows": rows,
                "causes": ", ".join(f"{term} {n}" for term, n in causes.items()),
            }
        )
    return tables
