"""report.html content: sections, notes, formatted numbers, escaping."""

from __future__ import annotations

from minihcvd.report.html import render_html
from minihcvd.stats.analysis import AnalysisResults


class TestRenderHtml:
    def test_sections_and_numbers(self, results: AnalysisResults) -> None:
        """Every section is present and the OS median reads as in the JSON."""
        document = results.to_json_dict()
        html = render_html(document, [])
        for heading in (
            "Survival",
            "Cox regression of overall survival",
            "Table 1 — Patient characteristics",
            "Table 2 — Best response",
            "Table 3 — Grade 3–5 non-hematologic adverse events in two or more patients",
            "Methods",
        ):
            assert f">{heading}<" in html
        assert "<td>Age, years</td>" in html  # Table 1 labels, not column names
        median = document["os"]["median_months"]
        assert f"{median:.1f} (" in html

    def test_notes_are_listed_and_escaped(self, results: AnalysisResults) -> None:
        """Skipped analyses are listed; their text is HTML-escaped."""
        document = results.to_json_dict()
        document["notes"] = ["tp53: <none> & skipped"]
        html = render_html(document, [])
        assert "<li>tp53: &lt;none&gt; &amp; skipped</li>" in html

    def test_variable_test_and_its_note_show_once_per_variable(
        self, results: AnalysisResults
    ) -> None:
        """A categorical variable's own p, test and note (e.g. Monte Carlo) show on its first
        level's row only."""
        document = results.to_json_dict()
        rows = [r for r in document["table1"]["rows"] if r["variable"] == "SALVGRP"]
        for row in rows:
            row.update(test_variable="Fisher's exact (Monte Carlo)", note_variable="MC note")
        html = render_html(document, [])
        assert html.count("Fisher&#39;s exact (Monte Carlo); MC note") == 1
