"""Bad input to ``minihcvd monitor``, as a table: each is one line on stderr, exit 2, and
nothing is written or replaced (issue 19). Each row is (input, command, expected line, exit
code); a row that exits 0 expects the last line of stdout to start with its line, and nothing
on stderr.

Warnings are errors here: an overflow RuntimeWarning that would reach the terminal fails its
row."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.folders import snapshot
from typer.testing import CliRunner

from minihcvd.cli import app

PRIORS = ["--standard-prior", "100", "1100", "--experimental-prior", "3", "22"]
DESIGN = ["design", "--historical-median-months", "7.7", "--target-improvement-months", "4",
          "--calibration-trials", "300"]
SIMULATE = ["simulate", "--true-median-months", "4,12", "--trials", "100"]
SEED_RANGE = "from 0 to 18,446,744,073,709,551,615"

TABLE: list[tuple[str, list[str], str, int]] = [
    ("posterior: prior shape 1e308",
     ["posterior", "--deaths", "3", "--exposure-months", "10", "--standard-prior", "1e308",
      "1e308", "--experimental-prior", "3", "22"],
     "field 'shape': an inverse-gamma shape must be at most 1e+06, found 1e+308", 2),
    ("posterior: prior scale 1e308",
     ["posterior", "--deaths", "3", "--exposure-months", "10", "--standard-prior", "100",
      "1e308", "--experimental-prior", "3", "22"],
     "field 'scale': an inverse-gamma scale must be at most 1e+09, found 1e+308", 2),
    ("posterior: deaths without follow-up",
     ["posterior", "--deaths", "3", "--exposure-months", "0", *PRIORS],
     "field 'exposure_months': 3 death(s) with no follow-up: each death adds its patient's "
     "months from the start to the death, so the exposure must be > 0", 2),
    ("posterior: exposure 1e308",
     ["posterior", "--deaths", "3", "--exposure-months", "1e308", *PRIORS],
     "field 'exposure_months': exposure_months must be at most 1e+12, found 1e+308", 2),
    ("design: --min-patients 0", [*DESIGN, "--min-patients", "0", "--out", "{tmp}/d.toml"],
     "field 'min_patients': min_patients must be a whole number from 1 to 10,000, found 0", 2),
    ("design: --max-patients 0", [*DESIGN, "--max-patients", "0", "--out", "{tmp}/d.toml"],
     "field 'max_patients': max_patients must be a whole number from 1 to 10,000, found 0", 2),
    ("design: --max-patients 100000000", [*DESIGN, "--max-patients", "100000000"],
     "field 'max_patients': max_patients must be a whole number from 1 to 10,000, found "
     "100000000", 2),
    ("design: --seed -1", [*DESIGN, "--seed", "-1", "--out", "{tmp}/d.toml"],
     f"field 'seed': seed must be a whole number {SEED_RANGE}, found -1", 2),
    ("design: --calibration-trials 1000000000",
     [*DESIGN, "--calibration-trials", "1000000000"],
     "field 'calibration_trials': calibration_trials must be a whole number from 1 to "
     "200,000, found 1000000000", 2),
    ("design: --historical-deaths 1e308", [*DESIGN, "--historical-deaths", "1e308"],
     "field 'historical_deaths': the historical evidence must be worth more than 1 death and "
     "at most 1e+06, found 1e+308", 2),
    ("design: --out a FIFO", [*DESIGN, "--out", "{tmp}/fifo"],
     "{tmp}/fifo: --out must name a file to write; this is not a regular file", 2),
    ("design: --out a symbolic link", [*DESIGN, "--out", "{tmp}/link.toml"],
     "{tmp}/link.toml: --out must name a file to write; this is a symbolic link", 2),
    ("design: --out a folder", [*DESIGN, "--out", "{tmp}/folder"],
     "{tmp}/folder: --out must name a file to write; this is a folder", 2),
    ("design: --plot a FIFO", [*DESIGN, "--plot", "{tmp}/fifo"],
     "{tmp}/fifo: --plot must name a file to write; this is not a regular file", 2),
    ("simulate: --true-median-months 1e308", ["simulate", "--true-median-months", "1e308"],
     "field 'true_median_months': true_median_months must be a number > 0 and at most 10000, "
     "found 1e+308", 2),
    ("simulate: --accrual-per-month 1e-9", [*SIMULATE, "--accrual-per-month", "1e-9"],
     "field 'accrual_per_month': accrual_per_month must be a number at least 0.001 and at most "
     "10000, found 1e-09", 2),
    ("simulate: --trials 1000000000", [*SIMULATE[:3], "--trials", "1000000000"],
     "field 'trials': the number of trials must be a whole number from 1 to 10,000,000, found "
     "1000000000", 2),
    ("simulate: --max-patients 100000000", [*SIMULATE, "--max-patients", "100000000"],
     "field 'max_patients': max_patients must be a whole number from 1 to 10,000, found "
     "100000000", 2),
    ("simulate: --seed -1", [*SIMULATE, "--seed", "-1"],
     f"field 'seed': seed must be a whole number {SEED_RANGE}, found -1", 2),
    ("simulate: --scheduler garbage", [*SIMULATE, "--scheduler", "garbage"],
     "field 'scheduler': cannot use the Dask scheduler at 'garbage': missing port number in "
     "address 'garbage'; give its address as tcp://HOST:PORT (shown by `dask scheduler` when "
     "it starts)", 2),
    ("simulate: unreachable scheduler", [*SIMULATE, "--scheduler", "tcp://127.0.0.1:1"],
     "field 'scheduler': cannot use the Dask scheduler at 'tcp://127.0.0.1:1': no answer within "
     "3 s; give its address as tcp://HOST:PORT (shown by `dask scheduler` when it starts)", 2),
    ("simulate: design file too large", [*SIMULATE, "--design", "{tmp}/big.toml"],
     "{tmp}/big.toml: larger than 64 KiB: not a design file (one is a few hundred bytes)", 2),
    ("simulate: design file nested 30,000 deep", [*SIMULATE, "--design", "{tmp}/deep.toml"],
     "{tmp}/deep.toml: not a design file: its arrays or tables nest too deeply", 2),
    ("simulate: design file a FIFO", [*SIMULATE, "--design", "{tmp}/fifo"],
     "{tmp}/fifo: not a regular file (a design is a TOML file)", 2),
    ("check: --plot a symbolic link",
     ["check", "{tmp}/trial", "--as-of", "2013-06-01", "--replay", "--plot", "{tmp}/link.toml"],
     "{tmp}/link.toml: --plot must name a file to write; this is a symbolic link", 2),
    ("posterior: prior shape 0.001",
     ["posterior", "--deaths", "3", "--exposure-months", "10", "--standard-prior", "0.001",
      "1100", "--experimental-prior", "3", "22", "--delta-months", "1"],
     "field 'shape': an inverse-gamma shape must be at least 0.01, found 0.001", 2),
    ("posterior: a margin, shape 0.01 and a million deaths (2^26 quadrature nodes)",
     ["posterior", "--deaths", "1000000", "--exposure-months", "1e7", "--standard-prior",
      "0.01", "1100", "--experimental-prior", "3", "22", "--delta-months", "1"],
     "field 'shape': with a margin, a standard prior of shape 0.01 and a posterior shape of "
     "1e+06 need a quadrature of 67,108,865 nodes, more than 4,194,305: give the standard "
     "prior a larger shape", 2),
    ("posterior: every input at its bound (no overflow, no warning)",
     ["posterior", "--deaths", "10000000", "--exposure-months", "1e12", "--standard-prior",
      "1e6", "1e9", "--experimental-prior", "1e6", "1e9", "--delta-months", "1e9"],
     "Pr(mu_E > mu_S + 1e+09 months | 10000000 deaths, 1e+12 patient-months) = 0.000000", 0),
    ("simulate: the longest median at the slowest accrual (no overflow, no warning)",
     ["simulate", "--true-median-months", "10000", "--accrual-per-month", "0.001", "--trials",
      "100", "--json"],
     '{"scenarios": [{"true_median_months": 10000.0, "prob_stop_early": 0.0, '
     '"prob_stop_early_se": 0.0, "mean_patients": 110.0, "mean_duration_months": ', 0),
    ("check --replay before the design's minimum has enrolled (README's example)",
     ["check", "{tmp}/trial", "--as-of", "2013-06-01", "--replay"],
     "no look yet: 2 patient(s) enrolled by 2013-06-01, the rule looks from 10: continue", 0),
]


def _inputs(folder: Path) -> None:
    """The files the table's commands read or point their outputs at."""
    trial = folder / "trial"
    trial.mkdir()
    (trial / "patients.csv").write_text(
        "patient_id,cohort,start_date,last_followup_date,death_date\n"
        "P1,original,2013-01-01,2014-01-01,\nP2,original,2013-01-02,2014-01-01,\n",
        encoding="utf-8")
    (folder / "big.toml").write_text("#" * 100_000 + "\n", encoding="utf-8")
    (folder / "deep.toml").write_text("a = " + "[" * 30_000 + "]" * 30_000 + "\n",
                                      encoding="utf-8")
    os.mkfifo(folder / "fifo")
    (folder / "target.toml").write_text("keep me\n", encoding="utf-8")
    (folder / "link.toml").symlink_to(folder / "target.toml")
    (folder / "folder").mkdir()


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize(("name", "command", "line", "code"), TABLE,
                         ids=[row[0] for row in TABLE])
def test_bad_input_is_one_line_and_nothing_written(
    name: str, command: list[str], line: str, code: int, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One red line naming the input and exit 2 (or the expected result line, exit 0), no
    warning, and the folder (the outputs' targets, and the current folder) exactly as
    before."""
    _inputs(tmp_path)
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path)
    args = [part.replace("{tmp}", str(tmp_path)) for part in command]
    result = CliRunner().invoke(app, ["monitor", *args])
    expected = line.replace("{tmp}", str(tmp_path))
    if code == 0:
        assert (result.exit_code, result.stderr) == (0, "")
        assert result.stdout.splitlines()[-1].startswith(expected)
    else:
        assert (result.exit_code, result.stdout, result.stderr) == (
            code, "", f"error: {expected}\n")
    assert snapshot(tmp_path) == before

