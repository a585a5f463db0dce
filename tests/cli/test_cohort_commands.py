"""minihcvd synthesize, reproduce and demo: exit codes, output files and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from minihcvd.cli import app
from minihcvd.cohort import published_targets
from minihcvd.trialdata import validate_package

runner = CliRunner()


class TestSynthesize:
    def test_writes_a_valid_package(self, tmp_path: Path) -> None:
        """Exit 0, the four files, a package that validates."""
        out = tmp_path / "trial"
        result = runner.invoke(app, ["synthesize", "--out", str(out), "--seed", "4"])
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith(f"wrote {out}: 110 patients")
        names = {p.name for p in out.iterdir()}
        assert names == {"patients.csv", "assessments.csv", "adverse_events.csv",
                         "administrations.csv"}
        assert validate_package(out) == []

    def test_patient_count(self, tmp_path: Path) -> None:
        """--patients sets the cohort size."""
        out = tmp_path / "small"
        result = runner.invoke(app, ["synthesize", "--out", str(out), "--patients", "20"])
        assert result.exit_code == 0, result.output
        assert "20 patients" in result.stdout

    def test_zero_patients_is_a_one_line_error(self, tmp_path: Path) -> None:
        """--patients 0: exit 2, one red line naming the option, nothing written."""
        out = tmp_path / "none"
        result = runner.invoke(app, ["synthesize", "--out", str(out), "--patients", "0"])
        assert result.exit_code == 2
        assert result.stderr.strip() == (
            "error: field 'patients': the number of patients must be a whole number from 1 "
            "to 10000, found 0")
        assert not out.exists()

    def test_unwritable_output_is_a_one_line_error(self, tmp_path: Path) -> None:
        """An output path below a file: exit 2 and one line, no traceback."""
        blocker = tmp_path / "file.txt"
        blocker.write_text("x", encoding="utf-8")
        out = blocker / "trial"
        result = runner.invoke(app, ["synthesize", "--out", str(out)])
        assert result.exit_code == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1
        assert lines[0].startswith(f"error: {out}: cannot write")


class TestReproduce:
    def test_writes_the_table(self, tmp_path: Path) -> None:
        """Exit 0; CSV and Markdown with one row per published number."""
        out = tmp_path / "rep"
        result = runner.invoke(app, ["reproduce", "--seeds", "2", "--workers", "1",
                                     "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert f"{len(published_targets())} published numbers, 2 seeds" in result.stdout
        csv_lines = (out / "reproduction.csv").read_text(encoding="utf-8").splitlines()
        assert len(csv_lines) == len(published_targets()) + 1
        assert (out / "reproduction.md").exists()

    def test_zero_seeds_is_an_error(self, tmp_path: Path) -> None:
        """--seeds 0: exit 2 with one line."""
        result = runner.invoke(app, ["reproduce", "--seeds", "0", "--out", str(tmp_path)])
        assert result.exit_code == 2
        assert result.stderr.strip() == (
            "error: field 'seeds': expected a whole number >= 1, found 0")


@pytest.mark.slow
class TestDemo:
    def test_report_and_headlines(self, tmp_path: Path) -> None:
        """Exit 0; report.html and the package exist; the paper's numbers are printed."""
        out = tmp_path / "demo"
        result = runner.invoke(app, ["demo", "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert (out / "report.html").exists()
        assert validate_package(out / "package") == []
        assert "Median OS" in result.stdout
        assert f"report: {out / 'report.html'}" in result.stdout
        html = (out / "report.html").read_text(encoding="utf-8")
        assert "Reproduction of the published results" in html
