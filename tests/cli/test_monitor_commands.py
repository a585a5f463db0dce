"""``minihcvd monitor``: exit codes and exact lines."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from minihcvd.cli import app
from minihcvd.monitoring import load_design

runner = CliRunner()
PRIORS = ["--standard-prior", "100", "1100", "--experimental-prior", "3", "22"]


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["monitor", *args])
    return result.exit_code, result.stdout, result.stderr


def write_trial(directory: Path, rows: str) -> Path:
    """A package with only patients.csv."""
    directory.mkdir(parents=True, exist_ok=True)
    header = "patient_id,cohort,start_date,last_followup_date,death_date\n"
    (directory / "patients.csv").write_text(header + rows, encoding="utf-8")
    return directory


def steady_trial(n: int, deaths: int) -> str:
    """``n`` patients a day apart from 2013-01-01, the first ``deaths`` dying 5 days in.

    12 patients seen on 2013-03-01 have 59 + 58 + ... + 48 = 642 days (21.1 months).
    """
    first = dt.date(2013, 1, 1)
    rows = []
    for i in range(n):
        start = first + dt.timedelta(days=i)
        death = str(start + dt.timedelta(days=5)) if i < deaths else ""
        rows.append(f"P{i},original,{start},{death or '2016-12-31'},{death}")
    return "\n".join(rows) + "\n"


class TestPosterior:
    def test_prints_the_probability(self) -> None:
        """Six decimals on one line: the closed form I_{152.5/1252.5}(15, 100) = 0.4158710."""
        code, out, _ = run("posterior", "--deaths", "12", "--exposure-months", "130.5", *PRIORS)
        assert (code, out) == (0, "Pr(mu_E > mu_S + 0 months | 12 deaths, 130.5 patient-months)"
                                  " = 0.415871\n")

    def test_json(self) -> None:
        """The issue's JSON shape; the value is the direct integral 0.30086016 (test_posterior)."""
        code, out, _ = run("posterior", "--deaths", "12", "--exposure-months", "130.5",
                           "--delta-months", "1", "--json", *PRIORS)
        assert code == 0
        assert list(json.loads(out)) == ["prob_experimental_better"]
        assert json.loads(out)["prob_experimental_better"] == pytest.approx(0.30086016, abs=1e-8)

    @pytest.mark.parametrize(
        ("args", "line"),
        [
            (["--deaths", "1", "--exposure-months", "-1", *PRIORS],
             "error: field 'exposure_months': exposure_months must be a finite number >= 0, "
             "found -1.0"),
            (["--deaths", "1", "--exposure-months", "1", "--standard-prior", "0", "5",
              "--experimental-prior", "3", "22"],
             "error: field 'shape': an inverse-gamma shape must be a positive number, found 0.0"),
            (["--deaths", "5", "--patients", "4", "--exposure-months", "1", *PRIORS],
             "error: field 'deaths': there cannot be more deaths (5) than patients (4)"),
        ],
    )
    def test_bad_input_exits_2_with_one_line(self, args: list[str], line: str) -> None:
        """One red line on stderr, exit code 2."""
        code, out, err = run("posterior", *args)
        assert (code, out, err) == (2, "", line + "\n")


DESIGN_ARGS = ["design", "--historical-median-months", "7.7", "--target-improvement-months", "4",
               "--max-patients", "20", "--calibration-trials", "300"]


class TestDesign:
    def test_prints_priors_rule_and_boundary(self, tmp_path: Path) -> None:
        """The elicitation, the rule, the calibration and one boundary row per death count."""
        out_file = tmp_path / "d.toml"
        code, out, _ = run(*DESIGN_ARGS, "--p-lower", "0.171", "--out", str(out_file))
        lines = out.splitlines()
        assert code == 0
        assert lines[:3] == [
            "standard prior: mu_S ~ IG(100, 1099.77), prior median OS 95% interval 6.32–9.37 "
            "months",
            "experimental prior: mu_E ~ IG(3, 22.2175) (same mean, vague)",
            "rule: from 10 patients, stop accrual when Pr(mu_E > mu_S + 0 | data) < p_L = 0.171",
        ]
        assert lines[3].startswith("P(stop early): ")
        assert any(line.split() == ["│", "2", "│", "9.69", "│"] for line in lines)
        assert lines[-1] == f"design saved to {out_file}"
        assert load_design(out_file).p_lower == 0.171

    def test_calibrates_p_lower(self) -> None:
        """Without --p-lower, p_L is found by simulation and reported."""
        code, out, _ = run(*DESIGN_ARGS, "--max-prob-stop-alternative", "0.2")
        assert code == 0
        assert "at 11.7 months (300 trials each)" in out.splitlines()[3]

    def test_median_range_sets_the_shape(self) -> None:
        """A 95% interval of 6–8 months is worth about 186 deaths."""
        code, out, _ = run(*DESIGN_ARGS, "--p-lower", "0.1", "--historical-median-range", "6",
                           "8")
        assert code == 0
        assert out.startswith("standard prior: mu_S ~ IG(186.2, ")

    def test_p_lower_outside_zero_one_exits_2(self) -> None:
        """p_L must be a probability strictly inside (0, 1)."""
        code, _, err = run(*DESIGN_ARGS, "--p-lower", "1.5")
        assert (code, err) == (2, "error: field 'p_lower': p_L (the stopping threshold) must lie "
                                  "strictly between 0 and 1, found 1.5\n")


class TestCheck:
    def test_continues(self, tmp_path: Path) -> None:
        """No deaths: continue, exit 0."""
        trial = write_trial(tmp_path / "trial", steady_trial(12, 0))
        code, out, _ = run("check", str(trial), "--as-of", "2013-03-01")
        assert code == 0
        assert out.splitlines() == [
            "design default_design.toml: from 10 patients, stop when Pr(mu_E > mu_S + 0 | data) "
            "< 0.171",
            "as of 2013-03-01: 12 patients, 0 deaths, 21.1 patient-months; Pr = 0.7470 >= 0.171: "
            "continue",
        ]

    def test_stop_exits_1(self, tmp_path: Path) -> None:
        """Ten early deaths in twelve patients: stop, exit 1."""
        trial = write_trial(tmp_path / "trial", steady_trial(12, 10))
        code, out, _ = run("check", str(trial), "--as-of", "2013-03-01")
        assert code == 1
        assert out.splitlines()[-1].endswith("< 0.171: stop")

    def test_replay_says_when(self, tmp_path: Path) -> None:
        """The replay names the first enrollment date at which the rule stops."""
        trial = write_trial(tmp_path / "trial", steady_trial(20, 12))
        code, out, _ = run("check", str(trial), "--as-of", "2014-01-01", "--replay")
        lines = out.splitlines()
        assert code == 1
        assert lines[1] == "replayed 11 enrollment dates from 2013-01-10 to 2013-01-20"
        assert lines[2] == "the rule would have stopped the trial on 2013-01-10"

    def test_replay_without_stop(self, tmp_path: Path) -> None:
        """A trial without deaths is never stopped; the lowest probability is shown."""
        trial = write_trial(tmp_path / "trial", steady_trial(12, 0))
        picture = tmp_path / "path.png"
        code, out, _ = run("check", str(trial), "--as-of", "2014-01-01", "--replay", "--plot",
                           str(picture))
        assert code == 0
        assert out.splitlines()[2:] == [
            "the rule would not have stopped the trial; lowest probability:",
            "as of 2013-01-10: 10 patients, 0 deaths, 1.5 patient-months; Pr = 0.3646 >= 0.171: "
            "continue",
            f"boundary plot saved to {picture}",
        ]
        assert picture.read_bytes()[:4] == b"\x89PNG"

    def test_bad_date_exits_2(self, tmp_path: Path) -> None:
        """The data-cut date must be ISO."""
        trial = write_trial(tmp_path / "trial", steady_trial(3, 0))
        code, _, err = run("check", str(trial), "--as-of", "1/3/2013")
        assert (code, err) == (2, "error: field 'as_of': expected a date YYYY-MM-DD, found "
                                  "'1/3/2013'\n")

    def test_malformed_design_exits_2(self, tmp_path: Path) -> None:
        """An unreadable design is one line naming the file."""
        trial = write_trial(tmp_path / "trial", steady_trial(3, 0))
        design = tmp_path / "bad.toml"
        design.write_text("format = [\n", encoding="utf-8")
        code, _, err = run("check", str(trial), "--as-of", "2013-03-01", "--design", str(design))
        assert code == 2
        assert err.startswith(f"error: {design}: not valid TOML: ")
        assert err.count("\n") == 1


class TestSimulate:
    def test_json_shape(self) -> None:
        """One entry per true median, with the issue's keys (a grid: on a local Dask cluster)."""
        code, out, err = run("simulate", "--true-median-months", "5,11.7", "--trials", "500",
                             "--max-patients", "40", "--json")
        scenarios = json.loads(out)["scenarios"]
        assert (code, err) == (0, "")  # the progress bar is drawn only on a terminal
        assert [s["true_median_months"] for s in scenarios] == [5.0, 11.7]
        assert [list(s) for s in scenarios] == [["true_median_months", "prob_stop_early",
                                                 "prob_stop_early_se", "mean_patients",
                                                 "mean_duration_months"]] * 2
        assert scenarios[0]["prob_stop_early"] > scenarios[1]["prob_stop_early"]

    def test_grid_keys_for_varying_accrual_and_designs(self, tmp_path: Path) -> None:
        """Accrual rates and designs that vary get their own keys."""
        design = tmp_path / "other.toml"
        assert run(*DESIGN_ARGS, "--p-lower", "0.05", "--out", str(design))[0] == 0
        code, out, _ = run("simulate", "--true-median-months", "7.7", "--trials", "100",
                           "--accrual-per-month", "1,2", "--design", str(design), "--design",
                           str(design), "--workers", "1", "--json")
        scenarios = json.loads(out)["scenarios"]
        assert code == 0
        assert [(s["design"], s["accrual_per_month"]) for s in scenarios] == [
            ("other.toml", 1.0), ("other.toml", 2.0)] * 2

    def test_scheduler_gives_the_in_process_numbers(self) -> None:
        """--scheduler runs the grid on an existing Dask cluster, same seeds, same JSON."""
        from distributed import LocalCluster

        args = ["simulate", "--true-median-months", "6,9", "--trials", "300", "--json"]
        with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                          dashboard_address=None) as cluster:
            code, out, _ = run(*args, "--scheduler", cluster.scheduler_address)
        assert code == 0
        assert json.loads(out) == json.loads(run(*args, "--workers", "1")[1])

    def test_table(self) -> None:
        """The table names the design and the number of trials."""
        code, out, _ = run("simulate", "--true-median-months", "7.7", "--trials", "100")
        assert code == 0
        assert "default_design.toml: 100 trials per scenario, ± Monte Carlo s.e." in out

    @pytest.mark.parametrize(("value", "line"), [
        ("5,x", "error: field 'true_median_months': expected comma-separated numbers, found "
                "'5,x'"),
        ("5,-1", "error: field 'true_median_months': every value must be > 0, found '5,-1'"),
    ])
    def test_bad_medians_exit_2(self, value: str, line: str) -> None:
        """Medians are positive numbers."""
        code, _, err = run("simulate", "--true-median-months", value)
        assert (code, err) == (2, line + "\n")
