"""``synthesize``: seed-dependent, valid packages with Table 1-3 counts exact by construction."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from minihcvd.cohort import (
    DEFAULT_SEED,
    analyze_cohort,
    measure_cohort,
    published_targets,
    synthesize,
)
from minihcvd.errors import CohortError
from minihcvd.trialdata import TrialPackage, read_package, validate_package, write_package


@pytest.fixture(scope="module")
def default_package() -> TrialPackage:
    return synthesize(DEFAULT_SEED)


def _exact_mismatches(package: TrialPackage) -> list[str]:
    measured = measure_cohort(package, analyze_cohort(package).to_json_dict())
    return [
        f"{t.key}: paper {t.value}, cohort {measured[t.key]}"
        for t in published_targets()
        if t.kind == "exact" and round(measured[t.key], t.decimals) != t.value
    ]


class TestSynthesize:
    def test_same_seed_same_cohort(self) -> None:
        """A seed always gives the same package."""
        first = synthesize(7, administrations=False)
        second = synthesize(7, administrations=False)
        pd.testing.assert_frame_equal(first.patients, second.patients)
        pd.testing.assert_frame_equal(first.adverse_events, second.adverse_events)

    def test_different_seeds_different_cohorts(self) -> None:
        """Different seeds give different patients (it is a generator, not a table)."""
        first = synthesize(1, administrations=False).patients
        second = synthesize(2, administrations=False).patients
        assert not first["age"].equals(second["age"])
        assert not first["death_date"].equals(second["death_date"])

    def test_cohorts_and_enrollment(self, default_package: TrialPackage) -> None:
        """67 original then 43 amended, treated from 12 Nov 2012 to 23 Jul 2021."""
        patients = default_package.patients
        assert patients["cohort"].tolist() == ["original"] * 67 + ["amended"] * 43
        assert patients["start_date"].min() == pd.Timestamp("2012-11-12")
        assert patients["start_date"].max() == pd.Timestamp("2021-07-23")
        assert patients["start_date"].is_monotonic_increasing
        assert patients.loc[66, "start_date"] < pd.Timestamp("2017-02-01")
        assert patients.loc[67, "start_date"] >= pd.Timestamp("2017-02-01")

    def test_package_passes_validation(self, default_package: TrialPackage,
                                       tmp_path: Path) -> None:
        """The written package (all four files) passes the trial data validation."""
        write_package(default_package, tmp_path / "pkg")
        assert validate_package(tmp_path / "pkg") == []
        assert default_package.administrations is not None
        assert len(default_package.administrations) > 1000

    def test_in_memory_package_analyses_like_the_written_one(
            self, default_package: TrialPackage, tmp_path: Path) -> None:
        """Columns have the reader's dtypes: analysing before writing gives the same results."""
        write_package(default_package, tmp_path / "pkg")
        in_memory = analyze_cohort(default_package).to_json_dict()
        from_disk = analyze_cohort(read_package(tmp_path / "pkg")).to_json_dict()
        assert json.dumps(in_memory, sort_keys=True) == json.dumps(from_disk, sort_keys=True)

    def test_exact_targets_hold_on_the_default_seed(self, default_package: TrialPackage) -> None:
        """Every exact-by-construction number (Tables 1-3, SCT, blinatumomab) is the paper's."""
        assert _exact_mismatches(default_package) == []

    def test_tp53_goes_with_low_hypodiploidy(self, default_package: TrialPackage) -> None:
        """Most low-hypodiploid patients carry a TP53 mutation (Discussion: 91%)."""
        patients = default_package.patients
        hotr = patients[patients["karyotype"].eq("Ho-Tr")]
        assert hotr["tp53_mutated"].eq(True).sum() >= 9

    def test_prior_transplant_only_after_a_remission(self, default_package: TrialPackage) -> None:
        """No primary refractory patient had a prior allogeneic SCT."""
        patients = default_package.patients
        assert not (patients["primary_refractory"] & patients["prior_sct"]).any()

    def test_administrations_stop_at_transplant_and_death(
            self, default_package: TrialPackage) -> None:
        """No dose on or after a patient's transplant or death."""
        given = default_package.administrations
        assert given is not None
        merged = given.merge(default_package.patients, on="patient_id")
        assert not (merged["date"] >= merged["sct_date"]).any()
        assert not (merged["date"] >= merged["death_date"]).any()

    def test_smaller_cohort_is_valid(self, tmp_path: Path) -> None:
        """Other sizes scale the counts and still validate."""
        package = synthesize(3, 30)
        assert len(package.patients) == 30
        write_package(package, tmp_path / "small")
        assert validate_package(tmp_path / "small") == []

    @pytest.mark.parametrize("n_patients", [0, -5, 10**6])
    def test_bad_patient_count(self, n_patients: int) -> None:
        """An impossible size is a CohortError naming the option."""
        with pytest.raises(CohortError, match="number of patients"):
            synthesize(1, n_patients)

    def test_bad_seed(self) -> None:
        """A negative seed is a CohortError."""
        with pytest.raises(CohortError, match="seed"):
            synthesize(-1)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [11, 12, 13])
def test_exact_targets_hold_on_other_seeds(seed: int) -> None:
    """Exact-by-construction numbers hold whatever the seed."""
    assert _exact_mismatches(synthesize(seed, administrations=False)) == []


def test_every_grade_3_to_5_event_is_treatment_emergent(default_package: TrialPackage) -> None:
    """The generator places events in the reporting window: ADAE flags every Table 3 event
    treatment-emergent, so Table 3 of treatment-emergent events is the paper's."""
    from minihcvd.adam import derive_all

    adae = derive_all(default_package).adae
    assert adae is not None
    severe = adae["AETOXGRN"].astype("Float64").fillna(0) >= 3
    assert adae.loc[severe, "TRTEMFL"].eq("Y").all()
    fatal = adae["AETOXGRN"].eq(5).fillna(False)
    assert adae.loc[fatal, "ASTDT"].notna().all()
