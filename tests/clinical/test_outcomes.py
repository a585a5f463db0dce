"""Per-patient outcomes from assessments and their precedence over patients.csv."""

from __future__ import annotations

import pandas as pd
from pandas.testing import assert_frame_equal

from minihcvd.clinical.outcomes import patient_outcomes, summarise_assessments


def _d(*values: str | None) -> pd.Series:
    return pd.to_datetime(pd.Series(values, dtype="object"), format="%Y-%m-%d")


def _assessments() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "patient_id": ["A", "A", "A", "A", "B", "C"],
            "assessment_date": _d(
                "2020-02-01", "2020-01-28", "2020-04-01", "2020-06-01", "2020-01-28", "2020-01-28"
            ),
            "bm_blasts_pct": [1.0, 3.0, 40.0, 1.0, 60.0, 2.0],
            "anc_10e9_per_l": [2.0, 0.5, 1.0, 2.0, 0.1, None],
            "platelets_10e9_per_l": [150.0, 50.0, 20.0, 150.0, 10.0, 150.0],
            "extramedullary_disease": pd.Series([False] * 6, dtype="boolean"),
            "mrd_flow_level": [0.0, 0.01, None, 0.0, None, None],
        }
    )


class TestSummariseAssessments:
    def test_per_patient(self) -> None:
        """A: CRi then CR, relapse, a later CR ignored; B: NR; C: not evaluable."""
        expected = pd.DataFrame(
            {
                "best_response": pd.array(["CR", "NR", "NE"], dtype="str"),
                "response_date": _d("2020-01-28", None, None).to_numpy(),
                "relapse_date": _d("2020-04-01", None, None).to_numpy(),
                "mrd_negative": pd.array([True, pd.NA, pd.NA], dtype="boolean"),
                "mrd_negative_at_response": pd.array([False, pd.NA, pd.NA], dtype="boolean"),
                "mrd_ngs_negative": pd.array([pd.NA] * 3, dtype="boolean"),
                "mrd_ngs_negative_at_response": pd.array([pd.NA] * 3, dtype="boolean"),
            },
            index=pd.Index(["A", "B", "C"], name="patient_id", dtype="str"),
        )
        assert_frame_equal(summarise_assessments(_assessments()), expected)

    def test_response_without_later_assessment(self) -> None:
        """A response at the last assessment has no relapse and keeps its date."""
        one = _assessments().iloc[[1]]
        summary = summarise_assessments(one)
        assert summary.loc["A", "best_response"] == "CRi"
        assert summary.loc["A", "response_date"] == pd.Timestamp("2020-01-28")
        assert pd.isna(summary.loc["A", "relapse_date"])


    def test_best_response_order_and_mrd_assays(self) -> None:
        """CRp beats CRi and NR beats NE; flow and NGS MRD are judged on their own thresholds
        and columns; MRD after the relapse does not count as the best MRD."""
        assessments = pd.DataFrame(
            {
                "patient_id": ["A", "A", "A", "A", "B", "B"],
                "assessment_date": _d(
                    "2020-01-28", "2020-02-20", "2020-04-01", "2020-05-01", "2020-01-28",
                    "2020-02-28",
                ),
                "bm_blasts_pct": [2.0, 1.0, 30.0, 1.0, 1.0, 50.0],
                "anc_10e9_per_l": [0.5, 1.5, 1.0, 2.0, None, 0.2],
                "platelets_10e9_per_l": [50.0, 60.0, 20.0, 150.0, 150.0, 10.0],
                "extramedullary_disease": pd.Series([False] * 6, dtype="boolean"),
                # A: flow 5e-5 (negative) at response with NGS 5e-5 (positive); after the
                # relapse on 2020-04-01 flow and NGS are 0, which must not count.
                "mrd_flow_level": [5e-5, 2e-4, None, 0.0, None, None],
                "mrd_ngs_level": [5e-5, 2e-4, None, 0.0, None, None],
            }
        )
        summary = summarise_assessments(assessments)
        assert summary["best_response"].tolist() == ["CRp", "NR"]
        assert summary.loc["A", "relapse_date"] == pd.Timestamp("2020-04-01")
        assert summary.loc["A", "mrd_negative_at_response"]
        assert summary.loc["A", "mrd_negative"]
        assert not summary.loc["A", "mrd_ngs_negative_at_response"]
        assert not summary.loc["A", "mrd_ngs_negative"]


class TestPatientOutcomes:
    def test_precedence_and_early_death(self) -> None:
        """Assessments win where a patient has rows; D uses patients.csv; E died day 10."""
        patients = pd.DataFrame(
            {
                "patient_id": ["A", "D", "E"],
                "start_date": _d("2020-01-01", "2020-01-01", "2020-01-01"),
                "death_date": _d(None, None, "2020-01-10"),
                "best_response": ["NR", "CRp", None],
                "response_date": _d(None, "2020-02-01", None),
            }
        )
        result = patient_outcomes(patients, _assessments())
        assert result["best_response"].tolist() == ["CR", "CRp", "ED"]
        assert result["outcome_source"].tolist() == ["assessments", "patients", "patients"]
        assert result["response_date"].tolist() == list(_d("2020-01-28", "2020-02-01", None))

    def test_without_assessments_or_outcome_columns(self) -> None:
        """Only required columns: outcomes are missing, early death still derived."""
        patients = pd.DataFrame(
            {
                "patient_id": ["A", "B"],
                "start_date": _d("2020-01-01", "2020-01-01"),
                "death_date": _d("2020-01-01", None),
            }
        )
        result = patient_outcomes(patients, None)
        assert result["best_response"].tolist() == ["ED", None]
        assert result["mrd_negative"].isna().all()
