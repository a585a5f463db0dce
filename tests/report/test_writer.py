"""write_report: the files, their agreement with results.json, atomic failure."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from minihcvd.errors import ReportError
from minihcvd.report import write_report
from minihcvd.stats.analysis import AnalysisResults

FIGURES = [
    "forest_cox",
    "landmark_blinatumomab_2m",
    "landmark_sct_4m",
    "os_by_cohort",
    "os_by_cytogenetics",
    "os_by_mrd",
    "os_by_salvage",
    "os_by_sct",
    "os_by_tp53",
    "os_rfs",
]
TABLES = [
    "cox_multivariate",
    "cox_univariate",
    "survival",
    "table1_baseline",
    "table2_response",
    "table3_adverse_events",
]


class TestWriteReport:
    def test_writes_every_file(self, report_dir: Path) -> None:
        """results.json, report.html, each table as CSV and each figure as PNG and SVG."""
        assert sorted(p.name for p in report_dir.iterdir()) == [
            "figures",
            "report.html",
            "results.json",
            "tables",
        ]
        assert sorted(p.stem for p in (report_dir / "tables").iterdir()) == TABLES
        names = sorted(p.name for p in (report_dir / "figures").iterdir())
        assert names == sorted([f"{f}.png" for f in FIGURES] + [f"{f}.svg" for f in FIGURES])

    def test_results_json_is_the_document(self, results: AnalysisResults, report_dir: Path) -> None:
        """The JSON file holds exactly to_json_dict()."""
        written = json.loads((report_dir / "results.json").read_text(encoding="utf-8"))
        assert written == json.loads(json.dumps(results.to_json_dict()))

    def test_survival_csv_matches_json(self, results: AnalysisResults, report_dir: Path) -> None:
        """The survival table's OS row carries the JSON's OS median and 36-month estimate."""
        table = pd.read_csv(report_dir / "tables" / "survival.csv")
        os_row = table[table["analysis"] == "OS"].iloc[0]
        document = results.to_json_dict()["os"]
        assert os_row["median_months"] == pytest.approx(document["median_months"])
        assert os_row["survival_36m"] == pytest.approx(document["survival"]["36"]["estimate"])

    def test_html_is_self_contained(self, report_dir: Path) -> None:
        """report.html inlines its figures as SVG and loads nothing from elsewhere."""
        html = (report_dir / "report.html").read_text(encoding="utf-8")
        assert html.count("<svg") == len(FIGURES)
        for external in ("<img", 'src="http', 'href="http', "<link", "<script src"):
            assert external not in html

    def test_png_files_are_png(self, report_dir: Path) -> None:
        """Each PNG starts with the PNG signature."""
        for figure in FIGURES:
            data = (report_dir / "figures" / f"{figure}.png").read_bytes()
            assert data[:8] == b"\x89PNG\r\n\x1a\n"

    def test_nan_in_results_is_refused_and_nothing_written(
        self, results: AnalysisResults, tmp_path: Path
    ) -> None:
        """A non-finite number is a bug upstream: ReportError, and no output folder."""
        broken = AnalysisResults(
            options=results.options,
            n_patients=results.n_patients,
            os=results.os,
            response={"bad": float("nan")},
        )
        with pytest.raises(ReportError, match="non-finite number"):
            write_report(broken, tmp_path / "out")
        assert not (tmp_path / "out").exists()

    def test_reproduction_table_is_rendered(self, results: AnalysisResults, tmp_path: Path) -> None:
        """A reproduction table (anything with to_frame()) appears as its own section."""

        class Table:
            def to_frame(self) -> pd.DataFrame:
                return pd.DataFrame({"quantity": ["3-year OS"], "published": [0.40]})

        write_report(results, tmp_path / "out", reproduction=Table())
        html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
        assert "Reproduction of the published results" in html
        assert "3-year OS" in html
