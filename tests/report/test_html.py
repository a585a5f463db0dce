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

    def test_table2_and_table3_footnotes(self, results: AnalysisResults) -> None:
        """Table 2 names its tests; Table 3 says it counts treatment-emergent events only and
        how many events outside the window it leaves out."""
        document = results.to_json_dict()
        document["response"]["rows"][0].update(test="Fisher's exact", test_salvage="chi-squared")
        document["adverse_events"]["events_outside_window"] = 7
        html = render_html(document, [])
        assert "(the tests used: chi-squared, Fisher&#39;s exact" in html
        assert "Treatment-emergent events only" in html
        assert "7\ngrade 3–5 non-hematologic events outside that window are not counted" in html
