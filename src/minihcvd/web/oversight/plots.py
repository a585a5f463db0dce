"""The dashboard's drawings: the report's own Kaplan–Meier figure, and enrollment over time."""

from __future__ import annotations

import base64
import io
from collections import Counter
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from minihcvd.stats.analysis import AnalysisResults
    from minihcvd.web.patients.models import Patient


def survival_svg(results: AnalysisResults) -> str | None:
    """Fig. 1A (OS and RFS with bands and numbers at risk) as ``minihcvd analyze`` draws it."""
    from minihcvd.report.writer import figure_jobs

    jobs = dict(figure_jobs(results, forest=False))
    return jobs["os_rfs"]().svg if "os_rfs" in jobs else None


def enrollment_svg(patients: list[Patient]) -> str:
    """Cumulative enrollment by start date, one line per site and protocol version."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7.0, 3.2), layout="constrained")
    axes = figure.add_subplot()
    groups: dict[str, list[Patient]] = {}
    for patient in sorted(patients, key=lambda p: p.start_date):
        groups.setdefault(f"site {patient.site.code}, {patient.protocol}", []).append(patient)
    for label, members in sorted(groups.items()):
        days = np.array([p.start_date for p in members], dtype="datetime64[D]")
        axes.step(days, range(1, len(days) + 1), where="post", label=f"{label} ({len(days)})")
    axes.set_xlabel("Start of treatment")
    axes.set_ylabel("Patients enrolled")
    axes.grid(alpha=0.3)
    if groups:
        axes.legend(fontsize=8, frameon=False)
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None})
    text = out.getvalue()
    return text[text.index("<svg") :]


def image_source(svg: str) -> str:
    """An SVG as an ``<img>`` source: drawn as an image it keeps its own styles, which the
    page's Content-Security-Policy (no inline style) would strip from inline SVG."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def screening_reasons(entries: list[object]) -> list[tuple[str, int]]:
    """How often each criterion failed or was unknown at screening, most frequent first."""
    counts: Counter[str] = Counter()
    for entry in entries:
        for reason in getattr(entry, "reasons", []):
            counts[f"{reason.get('criterion')} ({reason.get('status')})"] += 1
    return counts.most_common()
