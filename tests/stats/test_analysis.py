"""analyze_package: the paper's plan end to end, checked against R and for bad input."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from tests.stats.oracle import ORACLE_DIR
from tests.stats.packages import write_package

from minihcvd.adam import AdamDatasets, derive_all
from minihcvd.errors import AnalysisError
from minihcvd.stats.analysis import ANALYSIS_STEPS, AnalysisOptions, analyze_adam, analyze_package
from minihcvd.stats.landmarks import Landmark
from minihcvd.trialdata import read_package

TOP_LEVEL_KEYS = {
    "n_patients",
    "options",
    "os",
    "rfs",
    "followup",
    "os_by",
    "landmarks",
    "cox",
    "response",
    "table1",
    "adverse_events",
    "exposure",
    "safety",
    "notes",
}


@pytest.fixture(scope="module")
def package_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 110-patient package with adverse events."""
    return write_package(tmp_path_factory.mktemp("package"))


def _approx(document: Any) -> Any:
    """``document`` with every float compared to 1e-12 relative (pytest.approx, nested)."""
    if isinstance(document, dict):
        return {key: _approx(value) for key, value in document.items()}
    if isinstance(document, list):
        return [_approx(value) for value in document]
    if isinstance(document, float):
        return pytest.approx(document, rel=1e-12, abs=1e-15)
    return document


def _lookup(document: dict[str, Any], key: str) -> Any:
    value: Any = document
    for part in key.split("."):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


class TestResultsDocument:
    def test_keys_are_the_contract(self, package_dir: Path) -> None:
        """results.json has exactly the documented top-level keys and all six factors."""
        document = analyze_package(read_package(package_dir)).to_json_dict()
        assert set(document) == TOP_LEVEL_KEYS
        assert list(document["os_by"]) == [
            "cohort",
            "salvage",
            "mrd",
            "tp53",
            "cytogenetics",
            "sct",
        ]
        assert list(document["landmarks"]) == ["blinatumomab_2m", "sct_4m"]
        assert set(document["cox"]) == {
            "univariate",
            "multivariate",
            "univariate_models",
            "multivariate_model",
        }

    def test_progress_reports_each_step(self, package_dir: Path) -> None:
        """The progress callback hears every step in order."""
        steps: list[str] = []
        analyze_package(read_package(package_dir), progress=steps.append)
        assert tuple(steps) == ANALYSIS_STEPS

    def test_given_covariates_make_the_multivariate_model(self, package_dir: Path) -> None:
        """--covariates fixes the multivariate terms; sct is the time-dependent covariate."""
        options = AnalysisOptions(covariates=("sct", "pb_blasts_pct"))
        cox = analyze_package(read_package(package_dir), options).to_json_dict()["cox"]
        assert list(cox["multivariate"]) == ["sct", "pb_blasts_pct"]


    def test_rows_out_of_adsl_order_give_the_same_results(self, package_dir: Path) -> None:
        """ADaM rows in any order (not ADSL's, as derive_all gives them) change nothing: the
        lookups and groupings take their general path then."""
        adam = derive_all(read_package(package_dir))
        expected = analyze_adam(adam).to_json_dict()
        shuffled = AdamDatasets(
            adsl=adam.adsl.sample(frac=1.0, random_state=1),
            adtte=adam.adtte.sample(frac=1.0, random_state=2),
            sct_intervals=adam.sct_intervals.sample(frac=1.0, random_state=3),
            adae=adam.adae,
            assessments=adam.assessments,
        )
        # the same numbers, up to the order of floating-point sums
        assert analyze_adam(shuffled).to_json_dict() == _approx(expected)


@pytest.mark.r_oracle
class TestAgainstR:
    def test_pipeline_equals_r_from_the_raw_csv(self, package_dir: Path, tmp_path: Path) -> None:
        """OS, RFS, by-cohort curves, log-rank, SCT landmark and Cox (tmerge) equal R."""
        _check_against_r(package_dir, tmp_path)

    @pytest.mark.slow
    def test_pipeline_equals_r_at_scale(self, tmp_path: Path) -> None:
        """The same at 20,000 patients: risk-set sums stay exact when they are large."""
        _check_against_r(write_package(tmp_path / "package", n=20_000, seed=11), tmp_path)


def _check_against_r(package_dir: Path, tmp_path: Path) -> None:
    """Run pipeline.R on patients.csv and compare every number it writes with ours."""
    out = tmp_path / "r.csv"
    subprocess.run(
        ["Rscript", str(ORACLE_DIR / "pipeline.R"), str(package_dir), str(out)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    expected = pd.read_csv(out, keep_default_na=False, na_values=["NA"])
    options = AnalysisOptions(covariates=("sct", "pb_blasts_pct", "cohort"))
    document = analyze_package(read_package(package_dir), options).to_json_dict()
    document["cox"]["given"] = document["cox"]["multivariate"]
    checked = 0
    for key, value in zip(expected["key"], expected["value"], strict=True):
        path = key.replace("cohortamended", "cohort[amended]")
        ours = _lookup(document, path)
        if np.isnan(value):
            assert ours is None, key
        else:
            assert ours == pytest.approx(value, abs=1e-6), key
        checked += 1
    assert checked > 40


class TestSkippedAnalyses:
    def test_unknown_covariate_is_one_error(self, package_dir: Path) -> None:
        """A covariate that does not exist stops the analysis with the available names."""
        with pytest.raises(AnalysisError, match="unknown covariate\\(s\\) bogus; available: age"):
            analyze_package(read_package(package_dir), AnalysisOptions(covariates=("bogus",)))

    def test_unknown_landmark_exposure(self) -> None:
        """A landmark on an exposure the package cannot have is refused up front."""
        with pytest.raises(AnalysisError, match="unknown landmark exposure 'car-t'"):
            AnalysisOptions(landmarks=(Landmark("car-t", 3.0),))

    def test_required_columns_alone_give_os_and_notes(self, tmp_path: Path) -> None:
        """patients.csv with only required columns: OS and cohort run, the rest are notes."""
        write_package(tmp_path, adverse_events=False)
        patients = pd.read_csv(tmp_path / "patients.csv", dtype=str, keep_default_na=False)
        required = ["patient_id", "cohort", "start_date", "last_followup_date", "death_date"]
        patients[required].to_csv(tmp_path / "patients.csv", index=False)
        options = AnalysisOptions(covariates=("cohort",))
        document = analyze_package(read_package(tmp_path), options).to_json_dict()
        assert document["os"]["n"] == 110
        assert document["os_by"]["cohort"]["logrank_p"] is not None
        assert list(document["cox"]["multivariate"]) == ["cohort[amended]"]
        assert document["rfs"] is None
        assert document["response"] is None
        assert document["adverse_events"] is None
        assert "Table 3 skipped: the package has no adverse events" in document["notes"]
        assert document["os_by"]["tp53"]["note"] == (
            "tp53: the package has no tp53_mutated values; comparison skipped"
        )

    def test_all_censored_gives_notes_not_nan(self, tmp_path: Path) -> None:
        """Nobody died: curves stay at 1, tests and models become notes, nothing is NaN."""
        write_package(tmp_path, adverse_events=False)
        patients = pd.read_csv(tmp_path / "patients.csv", dtype=str, keep_default_na=False)
        patients["death_date"] = ""
        patients["best_response"] = patients["best_response"].replace("ED", "NR")
        patients.to_csv(tmp_path / "patients.csv", index=False)
        document = analyze_package(read_package(tmp_path)).to_json_dict()
        assert document["os"]["events"] == 0
        assert document["os"]["median_months"] is None
        assert document["os_by"]["cohort"]["logrank_p"] is None
        assert "all are censored" in document["os_by"]["cohort"]["note"]
        assert document["cox"]["univariate"] == {}
        assert "nan" not in repr(document).lower()
