"""minihcvd analyze: exit codes, output files and one-line errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from tests.stats.packages import write_package
from typer.testing import CliRunner

from minihcvd.cli import app
from minihcvd.cli.analysis_commands import parse_covariates, parse_landmarks
from minihcvd.errors import AnalysisError

runner = CliRunner()


@pytest.fixture(scope="module")
def package_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 110-patient package."""
    return write_package(tmp_path_factory.mktemp("package"))


class TestAnalyze:
    def test_default_plan_writes_report(self, package_dir: Path, tmp_path: Path) -> None:
        """Exit 0, the report path on stdout, results.json with the paper's keys."""
        out = tmp_path / "out"
        result = runner.invoke(app, ["analyze", str(package_dir), "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert result.stdout.strip().splitlines()[-1] == f"wrote {out / 'report.html'}"
        document = json.loads((out / "results.json").read_text(encoding="utf-8"))
        assert document["options"]["landmarks"] == {"blinatumomab_2m": 2.0, "sct_4m": 4.0}

    def test_garbage_collection_is_as_it_was_after_an_in_process_run(
        self, package_dir: Path, tmp_path: Path
    ) -> None:
        """The command freezes the collector's objects while it runs (its helper shares them)
        and thaws them at the end; a caller's own freeze is left alone."""
        import gc

        gc.unfreeze()  # whatever an earlier test left frozen
        result = runner.invoke(app, ["analyze", str(package_dir), "--out", str(tmp_path / "a")])
        assert result.exit_code == 0, result.output
        assert gc.get_freeze_count() == 0
        gc.freeze()
        try:
            frozen = gc.get_freeze_count()
            result = runner.invoke(app, ["analyze", str(package_dir), "--out", str(tmp_path / "b")])
            assert result.exit_code == 0, result.output
            assert gc.get_freeze_count() >= frozen
        finally:
            gc.unfreeze()

    def test_console_script_ends_without_teardown_and_loses_nothing(
        self, package_dir: Path, tmp_path: Path
    ) -> None:
        """As a process (the console script's path: it ends with os._exit once all is
        written), every output file is complete, stdout and stderr are flushed, exit 0 — and
        a usage error still exits 2 with its message."""
        import subprocess
        import sys

        out = tmp_path / "out"
        done = subprocess.run(
            [sys.executable, "-m", "minihcvd", "analyze", str(package_dir), "--out", str(out)],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip().splitlines()[-1] == f"wrote {out / 'report.html'}"
        json.loads((out / "results.json").read_text(encoding="utf-8"))
        assert (out / "report.html").read_text(encoding="utf-8").rstrip().endswith("</html>")
        assert len(list((out / "figures").glob("*.svg"))) == len(
            list((out / "figures").glob("*.png"))
        ) > 0
        bad = subprocess.run(
            [sys.executable, "-m", "minihcvd", "analyze", str(package_dir), "--out", str(out),
             "--ci", "nope"],
            capture_output=True,
            text=True,
        )
        assert bad.returncode == 2
        assert bad.stderr.startswith("error:")

    def test_sigterm_stops_cleanly(self, tmp_path: Path) -> None:
        """SIGTERM in the middle of a run ends it like Ctrl-C: exit 143, no report folder,
        the helper processes' spool folder removed."""
        import signal
        import subprocess
        import sys
        import time

        package = write_package(tmp_path / "package", 4000)
        temporary = tmp_path / "tmp"
        temporary.mkdir()
        out = tmp_path / "out"
        run = subprocess.Popen(
            [sys.executable, "-m", "minihcvd", "analyze", str(package), "--out", str(out)],
            env={**os.environ, "TMPDIR": str(temporary)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while not list(temporary.glob("minihcvd-jobs-*")) and time.monotonic() < deadline:
            time.sleep(0.01)
        run.send_signal(signal.SIGTERM)
        assert run.wait(timeout=30) == 128 + signal.SIGTERM
        time.sleep(0.3)
        assert list(temporary.iterdir()) == []
        assert not out.exists()

    def test_options_reach_the_analysis(self, package_dir: Path, tmp_path: Path) -> None:
        """--covariates, --landmarks and --ci are applied."""
        out = tmp_path / "out"
        result = runner.invoke(
            app,
            [
                "analyze",
                str(package_dir),
                "--out",
                str(out),
                "--covariates",
                "sct,age",
                "--landmarks",
                "sct:6",
                "--ci",
                "plain",
            ],
        )
        assert result.exit_code == 0, result.output
        document = json.loads((out / "results.json").read_text(encoding="utf-8"))
        assert list(document["cox"]["multivariate"]) == ["sct", "age"]
        assert list(document["landmarks"]) == ["sct_6m"]
        assert document["options"]["ci"] == "plain"

    def test_unknown_covariate_is_one_line(self, package_dir: Path, tmp_path: Path) -> None:
        """Exit 2 and one red line naming the available covariates; nothing written."""
        out = tmp_path / "out"
        result = runner.invoke(
            app, ["analyze", str(package_dir), "--out", str(out), "--covariates", "nope"]
        )
        assert result.exit_code == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1
        assert lines[0].startswith("error: unknown covariate(s) nope; available: age, sex")
        assert not out.exists()

    def test_bad_ci_is_one_line(self, package_dir: Path, tmp_path: Path) -> None:
        """An unknown CI transform exits 2 with the allowed ones."""
        result = runner.invoke(
            app, ["analyze", str(package_dir), "--out", str(tmp_path / "o"), "--ci", "logit"]
        )
        assert result.exit_code == 2
        assert result.stderr.strip() == (
            "error: unknown CI type 'logit'; expected one of log-log, log, plain"
        )

    def test_missing_package_is_one_line(self, tmp_path: Path) -> None:
        """A folder without patients.csv is the trial-data error, exit 2."""
        result = runner.invoke(app, ["analyze", str(tmp_path), "--out", str(tmp_path / "o")])
        assert result.exit_code == 2
        assert len(result.stderr.strip().splitlines()) == 1
        assert "patients.csv" in result.stderr

    def test_notes_keep_bracketed_term_names(
        self, package_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A note naming a term like salvage[S2] is printed literally, not read as markup."""
        from minihcvd.stats.analysis import AnalysisResults

        monkeypatch.setattr(AnalysisResults, "all_notes", lambda self: ["salvage[S2] skipped"])
        result = runner.invoke(app, ["analyze", str(package_dir), "--out", str(tmp_path / "o")])
        assert result.exit_code == 0, result.output
        assert result.stderr.strip() == "note: salvage[S2] skipped"


class TestParsers:
    def test_landmarks(self) -> None:
        """EXPOSURE:MONTHS pairs, comma-separated."""
        assert parse_landmarks("blinatumomab:2, sct:4") == (("blinatumomab", 2.0), ("sct", 4.0))

    def test_landmark_without_months(self) -> None:
        """A pair without months is a clear error."""
        with pytest.raises(AnalysisError, match="'sct' is not EXPOSURE:MONTHS"):
            parse_landmarks("sct")

    def test_covariates(self) -> None:
        """Blank means screening; names are trimmed."""
        assert parse_covariates(" sct , age ") == ("sct", "age")
        assert parse_covariates("") is None
