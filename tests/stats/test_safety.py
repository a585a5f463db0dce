"""The safety and exposure sections of results.json against R (tests/data/r_oracle/safety.R),
scipy, and hand-counted cases."""

from __future__ import annotations

import dataclasses
import math
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats
from tests.stats.oracle import ORACLE_DIR, RECORDED_DIR

from minihcvd.cohort.measures import results_value
from minihcvd.errors import AnalysisError
from minihcvd.stats import analyze_package
from minihcvd.stats.group_tests import fisher_exact, pearson_chi_squared
from minihcvd.stats.safety import last_inotuzumab_to_sct_weeks
from minihcvd.trialdata import read_package

PACKAGE = Path(__file__).resolve().parents[1] / "data" / "safety_package"
RECORDED = RECORDED_DIR / "safety_package.csv"


@pytest.fixture(scope="module")
def document() -> dict[str, object]:
    return analyze_package(read_package(PACKAGE)).to_json_dict()


def _recorded(path: Path) -> dict[str, float]:
    table = pd.read_csv(path, keep_default_na=False, na_values=["NA"])
    return dict(zip(table["key"], table["value"].astype(float), strict=True))


def test_every_number_equals_r(document: dict[str, object]) -> None:
    """Counts, medians, ranges and p-values equal R's computation from the CSV files."""
    expected = _recorded(RECORDED)
    assert len(expected) > 150
    for key, value in expected.items():
        got = results_value(document, key)
        if math.isnan(value):
            assert math.isnan(got), key
        else:
            assert got == pytest.approx(value, rel=1e-9, abs=1e-12), key


@pytest.mark.r_oracle
def test_recorded_values_are_r_now(tmp_path: Path) -> None:
    """Re-running safety.R on the package reproduces the recorded values."""
    subprocess.run(
        ["Rscript", str(ORACLE_DIR / "safety.R"), str(PACKAGE), str(tmp_path / "out.csv")],
        check=True,
        capture_output=True,
        timeout=120,
    )
    live, kept = _recorded(tmp_path / "out.csv"), _recorded(RECORDED)
    assert live.keys() == kept.keys()
    np.testing.assert_allclose(list(live.values()), list(kept.values()), rtol=1e-12)


def test_issue_keys_have_their_shape(document: dict[str, object]) -> None:
    safety, exposure = document["safety"], document["exposure"]
    assert isinstance(safety, dict) and isinstance(exposure, dict)
    assert set(safety["sos"]["by_group"]) == {"original", "amended"}
    assert {"count", "denominator"} <= set(safety["sos"]["by_group"]["original"])
    assert safety["sos"]["test"] == "Fisher's exact"
    weeks = safety["last_inotuzumab_to_sct_weeks"]
    assert {"n", "median", "min", "max"} <= set(weeks["by_group"]["amended"])
    assert weeks["test"] == "Mann–Whitney U"
    for key in ("intensive_courses", "blinatumomab_courses"):
        assert {"median", "min", "max"} <= set(exposure[key]["overall"])
        assert set(exposure[key]["by_group"]) == {"original", "amended"}


@pytest.mark.parametrize(
    "table", [[[9, 1], [58, 42]], [[7, 0], [60, 43]], [[3, 1], [1, 3]], [[0, 2], [5, 5]]]
)
def test_fisher_and_chi_squared_equal_scipy(table: list[list[int]]) -> None:
    assert fisher_exact(table).p_value == pytest.approx(
        scipy_stats.fisher_exact(table).pvalue, rel=1e-9
    )
    expected = scipy_stats.chi2_contingency(table, correction=False).pvalue
    assert pearson_chi_squared(table).p_value == pytest.approx(expected, rel=1e-9)


def test_the_papers_sos_p_is_the_chi_squared_one() -> None:
    """9/67 vs 1/43: the paper's P = 0.05 is Pearson's chi-squared (0.048); Fisher's is 0.085."""
    table = [[9, 1], [58, 42]]
    assert round(pearson_chi_squared(table).p_value, 2) == 0.05
    assert round(fisher_exact(table).p_value, 3) == 0.085


def test_fisher_needs_both_groups() -> None:
    with pytest.raises(AnalysisError, match="both groups"):
        fisher_exact([[1, 0], [3, 0]])
    assert fisher_exact([[0, 0], [3, 4]]).p_value == 1.0


def test_last_inotuzumab_dose_before_sct_by_hand() -> None:
    """Only doses strictly before the SCT date count; no SCT or no dose before it: NaN."""
    adsl = pd.DataFrame(
        {
            "USUBJID": ["A", "B", "C", "D"],
            "SCTDT": pd.to_datetime(["2020-03-01", "2020-03-01", None, "2020-01-01"]),
        }
    )
    doses = pd.DataFrame(
        {
            "patient_id": ["A", "A", "A", "B", "C", "D", "X"],
            "date": pd.to_datetime(
                [
                    "2020-01-01",
                    "2020-02-02",
                    "2020-03-01",
                    "2019-12-01",
                    "2020-01-01",
                    "2020-01-01",
                    "2020-01-01",
                ]
            ),
            "drug": ["inotuzumab ozogamicin"] * 4 + ["Inotuzumab"] + ["inotuzumab"] * 2,
        }
    )
    weeks = last_inotuzumab_to_sct_weeks(adsl, doses, pd.Index(adsl["USUBJID"]))
    # A: 2020-02-02 -> 2020-03-01 is 28 days; B: 91 days; C no SCT; D dose on the SCT day only
    np.testing.assert_allclose(weeks, [4.0, 13.0, np.nan, np.nan])


def test_without_administrations_the_dose_sections_are_notes() -> None:
    package = dataclasses.replace(read_package(PACKAGE), administrations=None)
    document = analyze_package(package).to_json_dict()
    assert document["safety"]["last_inotuzumab_to_sct_weeks"] is None
    assert document["safety"]["courses_before_sos"] is None
    assert document["exposure"]["intensive_courses"] is None
    assert document["safety"]["sos"]["overall"]["count"] == 10  # from adverse events alone
    notes = " ".join(document["notes"])
    assert "administrations.csv" in notes


def test_without_adverse_events_sos_is_a_note() -> None:
    package = dataclasses.replace(read_package(PACKAGE), adverse_events=None)
    document = analyze_package(package).to_json_dict()
    assert document["safety"]["sos"] is None
    assert any("SOS skipped" in note for note in document["notes"])
    assert document["safety"]["early_death"]["causes"] == {"not recorded": 7}


def test_cumulative_inotuzumab_by_hand() -> None:
    """mg over the Mosteller BSA (0.01 m2): 180 cm, 80 kg -> 2.00 m2; 5.4 mg -> 2.7 mg/m2."""
    from minihcvd.stats.exposure import cumulative_inotuzumab_mg_per_m2

    adsl = pd.DataFrame(
        {
            "USUBJID": ["A", "B", "C"],
            "height_cm": [180.0, 160.0, 170.0],
            "weight_kg": [80.0, 57.6, None],
        }
    )
    doses = pd.DataFrame(
        {
            "patient_id": ["A", "A", "A", "B", "C"],
            "drug": [
                "inotuzumab ozogamicin",
                "Inotuzumab",
                "cytarabine",
                "inotuzumab",
                "inotuzumab",
            ],
            "dose": [3.6, 1.8, 500.0, 1.6, 1.0],
        }
    )
    got = cumulative_inotuzumab_mg_per_m2(adsl, doses, pd.Index(adsl["USUBJID"]))
    # B: sqrt(160 * 57.6 / 3600) = 1.6 m2; C has no weight
    np.testing.assert_allclose(got, [2.7, 1.0, np.nan])


def test_blinatumomab_off_study_and_plan(document: dict[str, object]) -> None:
    exposure = document["exposure"]
    assert isinstance(exposure, dict)
    off, on = exposure["blinatumomab_off_study"], exposure["blinatumomab_on_study"]
    received = exposure["blinatumomab_received"]
    assert off["overall"]["count"] + on["overall"]["count"] == received["overall"]["count"]
    assert exposure["inotuzumab_cumulative_mg_per_m2"]["planned"] == {
        "original": 5.7,
        "amended": 2.7,
    }
