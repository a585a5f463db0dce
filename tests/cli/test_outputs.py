"""Output paths and bad input across commands (issue 19), as a table: each row is (name,
command, expected line, exit code), and the folder the command ran in (its --out targets,
the current folder) is exactly as before. Then the whole-folder swap: a stale file of an
earlier run is gone, and a run killed mid-write leaves the old output whole and its staging
folder is removed by the next run."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.folders import snapshot
from tests.stats.packages import write_package
from typer.testing import CliRunner

from minihcvd.cli import app

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "trial-package"
PATIENT = ["--height-cm", "170", "--weight-kg", "70", "--start", "2025-01-06", "--format", "csv"]
AMENDED = ["schedule", "--protocol", "amended", *PATIENT]
DERIVE = ["derive", str(EXAMPLE)]
ANALYZE = ["analyze", str(EXAMPLE)]
SYNTH = ["synthesize", "--patients", "5"]
FOLDER_KIND = "--out must name a folder to write"
FILE_KIND = "--out must name a file to write"
REPLACED = "(it is replaced as a whole); this is"

TABLE: list[tuple[str, list[str], str, int]] = [
    # --out that must not be replaced, for every command with --out
    ("schedule: --out a FIFO", [*AMENDED, "--out", "{tmp}/fifo"],
     f"{{tmp}}/fifo: {FILE_KIND}; this is not a regular file", 2),
    ("schedule: --out a symbolic link", [*AMENDED, "--out", "{tmp}/filelink"],
     f"{{tmp}}/filelink: {FILE_KIND}; this is a symbolic link", 2),
    ("schedule: --out a device", [*AMENDED, "--out", "/dev/full"],
     f"/dev/full: {FILE_KIND}; this is not a regular file", 2),
    ("schedule: --out ''", [*AMENDED, "--out", ""],
     "field 'out': expected a file name, found the folder '.'", 2),
    ("monitor design: --out a device",
     ["monitor", "design", "--historical-median-months", "7.7", "--target-improvement-months",
      "4", "--calibration-trials", "300", "--out", "/dev/full"],
     f"/dev/full: {FILE_KIND}; this is not a regular file", 2),
    ("derive: --out a FIFO", [*DERIVE, "--out", "{tmp}/fifo"],
     f"{{tmp}}/fifo: {FOLDER_KIND}; this is a FIFO", 2),
    ("derive: --out a device", [*DERIVE, "--out", "/dev/full"],
     f"/dev/full: {FOLDER_KIND}; this is a device", 2),
    ("derive: --out a symbolic link", [*DERIVE, "--out", "{tmp}/link"],
     f"{{tmp}}/link: {FOLDER_KIND}; this is a symbolic link", 2),
    ("derive: --out ''", [*DERIVE, "--out", ""],
     f".: {FOLDER_KIND} {REPLACED} the current folder", 2),
    ("derive: --out /", [*DERIVE, "--out", "/"],
     f"/: {FOLDER_KIND} {REPLACED} the root folder", 2),
    ("derive: --out a folder with other files", [*DERIVE, "--out", "{tmp}/mine"],
     "{tmp}/mine: holds notes.txt, which is not part of the datasets; the folder is replaced"
     " as a whole: remove it or write to a new folder", 2),
    ("synthesize: --out a device", [*SYNTH, "--out", "/dev/full"],
     f"/dev/full: {FOLDER_KIND}; this is a device", 2),
    ("synthesize: --out /", [*SYNTH, "--out", "/"],
     f"/: {FOLDER_KIND} {REPLACED} the root folder", 2),
    ("reproduce: --out a symbolic link", ["reproduce", "--seeds", "1", "--out", "{tmp}/link"],
     f"{{tmp}}/link: {FOLDER_KIND}; this is a symbolic link", 2),
    ("demo: --out ''", ["demo", "--out", ""],
     f".: {FOLDER_KIND} {REPLACED} the current folder", 2),
    ("analyze: --out a file", [*ANALYZE, "--out", "{tmp}/file"],
     "{tmp}/file: the output path exists and is not a folder", 2),
    ("analyze: --out under a file", [*ANALYZE, "--out", "{tmp}/file/report"],
     "{tmp}/file/report: cannot write the report: Not a directory", 2),
    ("analyze: --out a device", [*ANALYZE, "--out", "/dev/full"],
     f"/dev/full: {FOLDER_KIND}; this is a device", 2),
    ("analyze: --out a FIFO", [*ANALYZE, "--out", "{tmp}/fifo"],
     f"{{tmp}}/fifo: {FOLDER_KIND}; this is a FIFO", 2),
    ("analyze: --out /", [*ANALYZE, "--out", "/"],
     f"/: {FOLDER_KIND} {REPLACED} the root folder", 2),
    ("analyze: --covariates sex,sex", [*ANALYZE, "--covariates", "sex,sex", "--out",
                                       "{tmp}/new"],
     "field 'covariates': covariate(s) sex given twice; name each covariate once", 2),
    # custom protocol files
    ("schedule: protocol not UTF-8", ["schedule", "--protocol", "{tmp}/latin.yaml", *PATIENT,
                                      "--out", "{tmp}/new.csv"],
     "latin.yaml: not UTF-8 text: byte 0xe9 at line 2; save the file as UTF-8", 2),
    ("schedule: protocol nested 100,000 deep",
     ["schedule", "--protocol", "{tmp}/deep.yaml", *PATIENT, "--out", "{tmp}/new.csv"],
     "deep.yaml: not a protocol file: its lists or mappings nest too deeply", 2),
    ("schedule: protocol of 300 KB",
     ["schedule", "--protocol", "{tmp}/huge.yaml", *PATIENT, "--out", "{tmp}/new.csv"],
     "huge.yaml: larger than 256 KiB (300,000 bytes): not a protocol file (the shipped ones"
     " are under 20 KiB)", 2),
    ("schedule: protocol extends a path outside its folder",
     ["schedule", "--protocol", "{tmp}/sub/escape.yaml", *PATIENT, "--out", "{tmp}/new.csv"],
     "escape.yaml, field 'extends': expected the name of a protocol file in the same folder or"
     " a shipped protocol, found '../other' (a path outside the folder is not followed)", 2),
    ("schedule: protocol days 1-99999999",
     ["schedule", "--protocol", "{tmp}/days.yaml", *PATIENT, "--out", "{tmp}/new.csv"],
     "days.yaml, field 'components[extra].days': Value error, expected numbers up to 1000,"
     " found '1-99999999' (1 problem in all)", 2),
    ("schedule: protocol dose .inf",
     ["schedule", "--protocol", "{tmp}/inf.yaml", *PATIENT, "--out", "{tmp}/new.csv"],
     "inf.yaml, field 'components[extra]': Value error, cyclophosphamide IV Infinity mg/m2 is"
     " above the hard limit of 300 mg/m2 a dose", 2),
]

EXTRA = """  - id: extra
    drug: cyclophosphamide
    route: IV
    phase: intensive
    courses: "1"
    days: "{days}"
    dose: {dose}
    unit: mg/m2
    source: a site
"""


def _inputs(folder: Path) -> None:
    """The files the table's commands read or point their outputs at."""
    os.mkfifo(folder / "fifo")
    (folder / "target").mkdir()
    (folder / "link").symlink_to(folder / "target")
    (folder / "file").write_text("x\n", encoding="utf-8")
    (folder / "filelink").symlink_to(folder / "file")
    (folder / "mine").mkdir()
    (folder / "mine" / "notes.txt").write_text("mine\n", encoding="utf-8")
    (folder / "latin.yaml").write_bytes(b"extends: amended\nname: caf\xe9\n")
    (folder / "deep.yaml").write_text("a: " + "[" * 100_000 + "]" * 100_000 + "\n")
    (folder / "huge.yaml").write_text("#" * 299_999 + "\n")
    (folder / "sub").mkdir()
    (folder / "sub" / "escape.yaml").write_text("extends: ../other\nname: x\n")
    shipped = (Path(__file__).resolve().parents[2] / "src" / "minihcvd" / "protocol" / "data"
               / "amended.yaml").read_text(encoding="utf-8")
    for name, days, dose in (("days", "1-99999999", "10"), ("inf", "2", ".inf")):
        (folder / f"{name}.yaml").write_text(
            shipped.replace("\ncomponents:\n", "\ncomponents:\n" + EXTRA.format(days=days,
                                                                              dose=dose)),
            encoding="utf-8")


@pytest.mark.parametrize(("name", "command", "line", "code"), TABLE, ids=[r[0] for r in TABLE])
def test_bad_input_is_one_line_and_nothing_written(
    name: str, command: list[str], line: str, code: int, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One red line naming the input, its exit code, and the folder exactly as before."""
    _inputs(tmp_path)
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path)
    dev_full = os.lstat("/dev/full")
    args = [part.replace("{tmp}", str(tmp_path)) for part in command]
    result = CliRunner().invoke(app, args)
    expected = line.replace("{tmp}", str(tmp_path))
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {expected}"), result.stderr
    assert snapshot(tmp_path) == before
    assert os.lstat("/dev/full").st_rdev == dev_full.st_rdev  # still the device


def _same_day_package(folder: Path) -> Path:
    folder.mkdir()
    rows = [f"P{i},{'original' if i % 2 else 'amended'},2013-01-10,2013-03-01,2013-03-01,"
            f"{'MF'[i % 2]}" for i in range(1, 7)]
    (folder / "patients.csv").write_text(
        "patient_id,cohort,start_date,last_followup_date,death_date,sex\n"
        + "\n".join(rows) + "\n", encoding="utf-8")
    return folder


def test_every_patient_dying_the_same_day_is_a_note(tmp_path: Path) -> None:
    """The log-rank variance is zero: no statistic (R's survdiff stops), a note naming why,
    the rest of the report written, exit 0."""
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["analyze", str(_same_day_package(tmp_path / "pkg")),
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert ("note: cohort: the log-rank test is undefined: its variance is zero: at every death"
            " time all patients at risk died") in " ".join(result.stderr.split())
    assert (out / "report.html").is_file()


def test_overflowing_covariate_is_a_note_without_warnings(tmp_path: Path) -> None:
    """A covariate of 1.7e308 (a typo): no RuntimeWarning reaches the terminal (numpy's
    overflow warnings are errors here), the note names the value and what to do."""
    package = write_package(tmp_path / "pkg")
    patients = (package / "patients.csv").read_text(encoding="utf-8").splitlines()
    header = patients[0].split(",")
    column = header.index("age")
    rows = []
    for i, row in enumerate(patients[1:]):
        cells = row.split(",")
        cells[column] = "1.7e308" if i % 3 else "1"
        rows.append(",".join(cells))
    header[column] = "wbc"
    (package / "patients.csv").write_text("\n".join([",".join(header), *rows]) + "\n",
                                          encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-W", "error::RuntimeWarning", "-m", "minihcvd", "analyze",
         str(package), "--covariates", "wbc", "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr
    assert ("multivariate Cox model skipped: covariate(s) wbc reach 1.7e+308: a Cox model"
            " cannot be computed with values more than 1e+12 from their mean") in done.stderr


class TestWholeFolderSwap:
    def test_a_run_without_a_figure_removes_the_old_one(self, tmp_path: Path) -> None:
        """A run with a multivariate model writes forest_cox.png; a rerun without one leaves
        no forest_cox.png behind (nor any other file of the first run)."""
        out = tmp_path / "out"
        package = write_package(tmp_path / "pkg")
        first = CliRunner().invoke(app, ["analyze", str(package), "--out", str(out),
                                         "--covariates", "salvage,tp53_mutated"])
        assert first.exit_code == 0, first.output
        assert (out / "figures" / "forest_cox.png").is_file()
        (out / "figures" / "stale.png").write_bytes(b"old")
        second = CliRunner().invoke(app, ["analyze", str(EXAMPLE), "--out", str(out)])
        assert second.exit_code == 0, second.output
        figures = {p.name for p in (out / "figures").iterdir()}
        assert "forest_cox.png" not in figures and "stale.png" not in figures
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "pkg"]

    def test_full_disk_keeps_the_old_output(self, tmp_path: Path) -> None:
        """A write that fails (a file-size limit stands in for a full disk: EFBIG as ENOSPC
        would be) is one line, exit 2, and the earlier report is as it was."""
        out = tmp_path / "out"
        package = write_package(tmp_path / "pkg")
        assert CliRunner().invoke(app, ["analyze", str(package), "--out", str(out)]).exit_code == 0
        before = snapshot(out)

        def limit() -> None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

        done = subprocess.run(
            [sys.executable, "-m", "minihcvd", "analyze", str(package), "--out", str(out)],
            capture_output=True, text=True, timeout=120, preexec_fn=limit,
        )
        assert done.returncode == 2, done.stderr
        assert done.stderr.strip().splitlines() == [
            f"error: {out}: cannot write the report: File too large"]
        assert snapshot(out) == before
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "pkg"]

    def test_killed_mid_write_then_rerun(self, tmp_path: Path) -> None:
        """SIGKILL while the new datasets are being written (the staging folder exists): the
        old output is whole, and the next run removes the staging folder and replaces it."""
        out = tmp_path / "out"
        package = write_package(tmp_path / "pkg", n=20_000)
        assert CliRunner().invoke(app, ["derive", str(EXAMPLE), "--out", str(out)]).exit_code == 0
        before = snapshot(out)
        process = subprocess.Popen(
            [sys.executable, "-m", "minihcvd", "derive", str(package), "--out", str(out),
             "--xpt"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while not list(tmp_path.glob(".out.minihcvd-*.staging/*")):
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.005)
        process.kill()
        process.wait()
        assert snapshot(out) == before
        assert list(tmp_path.glob(".out.minihcvd-*.staging"))  # left by the kill
        result = CliRunner().invoke(app, ["derive", str(package), "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "pkg"]
        assert len((out / "adsl.csv").read_text(encoding="utf-8").splitlines()) == 20_001
