"""Cross-row and cross-file checks, as validate_package reports them."""

from __future__ import annotations

from pathlib import Path

from tests.trialdata.helpers import PATIENTS_HEADER, write_package_files

from minihcvd.trialdata import validate_package


def _problems(directory: Path) -> list[str]:
    return [p.one_line() for p in validate_package(directory)]


class TestCheckPatients:
    def test_dates_in_order_and_death_last(self, tmp_path: Path) -> None:
        """start <= response <= relapse; nothing after death; no follow-up after death."""
        write_package_files(
            tmp_path,
            patients=f"""
            {PATIENTS_HEADER},best_response,response_date,relapse_date,sct_date
            P1,original,2020-01-10,2020-01-05,,,,,
            P2,original,2020-01-10,2020-06-01,2020-05-01,CR,2020-02-01,,2020-05-02
            P3,amended,2020-01-10,2021-01-01,,CR,2020-03-01,2020-02-01,
            P4,amended,2020-01-10,2020-03-01,,CRp,,,
            """,
        )
        assert _problems(tmp_path) == [
            "patients.csv, row 1, field 'last_followup_date': last_followup_date is before "
            "start_date",
            "patients.csv, row 2, field 'last_followup_date': last_followup_date is after "
            "death_date: no follow-up after death",
            "patients.csv, row 2, field 'sct_date': sct_date is after death_date: death must be "
            "the last date",
            "patients.csv, row 3, field 'relapse_date': relapse_date is before response_date",
            "patients.csv, row 4, field 'response_date': best_response 'CRp' needs a response_date",
        ]

    def test_early_death_coding(self, tmp_path: Path) -> None:
        """Death by day 28 without response must be ED; ED needs such a death."""
        write_package_files(
            tmp_path,
            patients=f"""
            {PATIENTS_HEADER},best_response
            P1,original,2020-01-01,2020-01-28,2020-01-28,NR
            P2,original,2020-01-01,2020-01-29,2020-01-29,ED
            P3,original,2020-01-01,2020-01-01,2020-01-01,ED
            """,
        )
        assert _problems(tmp_path) == [
            "patients.csv, row 1, field 'best_response': death on day 1-28 without response is "
            "an early death: best_response must be ED, not 'NR'",
            "patients.csv, row 2, field 'best_response': best_response is ED but the patient "
            "did not die on day 1-28 without a response",
        ]


    def test_response_date_needs_a_best_response(self, tmp_path: Path) -> None:
        """A response date without the response category would silently drop the patient from
        the responders (no RSPFL, no RFS row): it is a problem."""
        write_package_files(
            tmp_path,
            patients=f"""
            {PATIENTS_HEADER},best_response,response_date,relapse_date
            P1,original,2020-01-01,2020-12-01,,,2020-01-28,2020-06-01
            P2,original,2020-01-01,2020-12-01,,CR,2020-01-28,
            """,
        )
        assert _problems(tmp_path) == [
            "patients.csv, row 1, field 'best_response': response_date given without a "
            "best_response (CR, CRp or CRi)"
        ]


class TestLinkedFiles:
    def test_unknown_ids_and_dates_outside_follow_up(self, tmp_path: Path) -> None:
        """Other files name known patients and stay within their time on study."""
        write_package_files(
            tmp_path,
            patients=f"""
            {PATIENTS_HEADER}
            P1,original,2020-01-01,2020-06-01,2020-06-01
            P2,original,2020-01-01,2020-12-01,
            """,
            assessments="""
            patient_id,assessment_date,bm_blasts_pct,anc_10e9_per_l,platelets_10e9_per_l,extramedullary_disease
            P9,2020-02-01,1,2,150,false
            P1,2019-12-31,1,2,150,false
            P1,2020-06-02,1,2,150,false
            P2,2020-02-01,1,2,150,false
            P2,2020-02-01,1,2,150,false
            """,
            adverse_events="""
            patient_id,term,onset_date,grade,ctcae_version,hematologic,treatment_related
            P2,Sepsis,2020-02-01,5,5.0,false,false
            P2,Rash,2020-02-01,2,5.1,false,maybe
            """,
        )
        assert _problems(tmp_path) == [
            "assessments.csv, row 1, field 'patient_id': patient_id 'P9' is not in patients.csv",
            "assessments.csv, row 2, field 'assessment_date': assessment_date is before the "
            "patient's start_date",
            "assessments.csv, row 3, field 'assessment_date': assessment_date is after the "
            "patient's death_date",
            "assessments.csv, row 5, field 'assessment_date': a second assessment for this "
            "patient on the same date",
            "adverse_events.csv, row 1, field 'grade': grade 5 means death, but the patient has "
            "no death_date",
            "adverse_events.csv, row 2, field 'ctcae_version': expected one of 3.0, 4.0, 4.03, "
            "5.0, 6.0, found '5.1'",
            "adverse_events.csv, row 2, field 'treatment_related': expected true or false, "
            "found 'maybe'",
        ]


class TestOutcomeConsistency:
    def test_stated_outcomes_must_match_assessments(self, tmp_path: Path) -> None:
        """Where patients.csv states what assessments.csv derives, they must agree."""
        write_package_files(
            tmp_path,
            patients=f"""
            {PATIENTS_HEADER},best_response,response_date,mrd_negative
            P1,original,2020-01-01,2020-12-01,,CR,2020-01-28,false
            P2,original,2020-01-01,2020-12-01,,CRp,2020-01-28,
            """,
            assessments="""
            patient_id,assessment_date,bm_blasts_pct,anc_10e9_per_l,platelets_10e9_per_l,extramedullary_disease,mrd_flow_level
            P1,2020-01-28,1,2,150,false,0.00001
            P2,2020-01-28,1,0.5,50,false,
            """,
        )
        assert _problems(tmp_path) == [
            "patients.csv, row 1, field 'mrd_negative': mrd_negative disagrees with "
            "assessments.csv, which gives true",
            "patients.csv, row 2, field 'best_response': best_response disagrees with "
            "assessments.csv, which gives CRi",
        ]
