"""Tables 1–3: exact counts, denominators, the rule's test and the AE selection."""

from __future__ import annotations

import pandas as pd
import pytest

from minihcvd.errors import AnalysisError
from minihcvd.stats import group_tests
from minihcvd.stats.group_tests import compare_categorical, compare_continuous
from minihcvd.stats.tables import adverse_event_table, baseline_table, response_table

ADSL = pd.DataFrame(
    {
        "USUBJID": [f"P{i}" for i in range(8)],
        "COHORT": ["original"] * 5 + ["amended"] * 3,
        "age": [30.0, 40.0, 50.0, 60.0, 70.0, 20.0, 35.0, 45.0],
        "sex": ["M", "F", "M", "M", None, "F", "F", "M"],
        "tp53_mutated": pd.array(
            [True, None, False, True, False, None, True, False], dtype="boolean"
        ),
        "SALVGRP": ["S2", "S2", "S3+", "S1 CR1 < 12 months", "S2", "S2", "S2", "S2"],
        "SALV1FL": ["N", "N", "N", "Y", "N", "N", "N", "N"],
        "BOR": ["CR", "CRp", "NR", "ED", "CR", None, "CRi", "CR"],
        "MRDNEGFL": ["Y", "N", None, None, "Y", None, "Y", "N"],
    }
)


class TestBaselineTable:
    def test_continuous_row(self) -> None:
        """Median (range) overall and by cohort, Mann–Whitney p."""
        table = baseline_table(ADSL, ["age"])
        row = table["rows"][0]
        assert table["n"] == {"overall": 8, "original": 5, "amended": 3}
        assert row["overall"] == {"n": 8, "median": 42.5, "min": 20.0, "max": 70.0}
        assert row["by_group"]["amended"] == {"n": 3, "median": 35.0, "min": 20.0, "max": 45.0}
        expected = compare_continuous([30, 40, 50, 60, 70], [20, 35, 45])
        assert (row["p"], row["test"]) == (expected.p_value, "Mann–Whitney U")

    def test_binary_row_uses_known_denominators(self) -> None:
        """TP53: n/N with N the patients tested, per cohort."""
        row = baseline_table(ADSL, ["tp53_mutated"])["rows"][0]
        assert row["overall"] == {"count": 3, "denominator": 6, "percent": 50.0}
        assert row["by_group"]["original"] == {"count": 2, "denominator": 4, "percent": 50.0}
        assert row["test"] == "Fisher's exact"
        assert row["p"] == compare_categorical([[2, 1], [2, 1]]).p_value

    def test_categorical_rows_per_level_with_variable_p(self) -> None:
        """Each level is a row (level vs the rest) and carries the whole variable's p."""
        rows = baseline_table(ADSL, ["sex"])["rows"]
        sex = [r for r in rows if r["variable"] == "sex"]
        assert [r["level"] for r in sex] == ["F", "M"]
        assert sex[0]["by_group"]["amended"] == {
            "count": 2,
            "denominator": 3,
            "percent": pytest.approx(200 / 3),
        }
        assert sex[0]["p_variable"] == compare_categorical([[1, 2], [3, 1]]).p_value

    def test_monte_carlo_note_reaches_the_variable_rows(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """When the exact test is too large, every level row carries the variable's note."""
        monkeypatch.setattr(group_tests, "MAX_EXACT_STEPS", 0)
        frame = ADSL.assign(karyotype=["A", "B", "C", "A", "B", "C", "C", "A"])
        rows = [r for r in baseline_table(frame, ["karyotype"])["rows"] if r["level"]]
        assert {r["test_variable"] for r in rows} == {"Fisher's exact (Monte Carlo)"}
        assert all(r["note_variable"].startswith("exact enumeration too large") for r in rows)

    def test_salvage_group_is_always_added(self) -> None:
        """ADSL's derived salvage group (SALVGRP) closes Table 1."""
        rows = baseline_table(ADSL, [])["rows"]
        assert {r["variable"] for r in rows} == {"SALVGRP"}


class TestResponseTable:
    def test_rows_and_denominators(self) -> None:
        """Response rows over patients with a known best response; MRD over those tested."""
        table = response_table(ADSL)
        rows = {r["variable"]: r for r in table["rows"]}
        assert list(rows) == [
            "CR",
            "CRp",
            "CRi",
            "ORR",
            "No response",
            "Early death",
            "MRD negative",
        ]
        assert rows["ORR"]["overall"] == {
            "count": 5,
            "denominator": 7,
            "percent": pytest.approx(500 / 7),
        }
        assert rows["MRD negative"]["by_salvage"]["Salvage 2+"] == {
            "count": 3,
            "denominator": 5,
            "percent": 60.0,
        }
        assert table["n_by_salvage"] == {"overall": 8, "Salvage 2+": 7, "Salvage 1": 1}

    def test_mrd_as_booleans_counts_like_y_n(self) -> None:
        """An MRD flag held as booleans (a package column rather than ADSL's Y/N) gives the
        same row, not a row of unknowns."""
        booleans = pd.array([True, False, None, None, True, None, True, False], dtype="boolean")
        as_flags = {r["variable"]: r for r in response_table(ADSL)["rows"]}
        with_booleans = response_table(ADSL.assign(MRDNEGFL=booleans))
        as_booleans = {r["variable"]: r for r in with_booleans["rows"]}
        assert as_booleans["MRD negative"] == as_flags["MRD negative"]

    def test_mrd_row_without_any_value_is_left_out(self) -> None:
        """MRD at response never assessed (no assessments): no row of dashes."""
        rows = response_table(ADSL.assign(MRDRSPFL=None))["rows"]
        assert "MRD negative at response" not in [r["variable"] for r in rows]

    def test_no_response_information(self) -> None:
        """Only early deaths known (derivable from dates): no Table 2."""
        adsl = ADSL.assign(BOR=[None, None, None, "ED", None, None, None, None])
        with pytest.raises(AnalysisError, match="no best response"):
            response_table(adsl)


class TestAdverseEventTable:
    def test_worst_treatment_emergent_grade_non_hematologic_two_patients(self) -> None:
        """Per patient and term the worst treatment-emergent grade; events outside the
        reporting window (TRTEMFL N), hematologic and single-patient terms dropped."""
        adae = pd.DataFrame(
            {
                "USUBJID": ["P1", "P1", "P2", "P3", "P1", "P2", "P4", "P5", "P6", "P7"],
                "AETERM": ["Infection"] * 4 + ["Neutropenia"] * 2 + ["Pain", "Rash"] * 2,
                "AETOXGRN": pd.array([3, 5, 4, 2, 4, 4, 3, 3, 4, 3], dtype="Int64"),
                "AEHEMFL": ["N", "N", "N", "N", "Y", "Y", "N", "N", "N", "N"],
                "TRTEMFL": ["Y", "N", "Y", "Y", "Y", "Y", "Y", "Y", "N", "Y"],
            }
        )
        table = adverse_event_table(adae, n_patients=10)
        assert [r["term"] for r in table["rows"]] == ["Rash", "Infection"]  # more grade 3
        infection = table["rows"][1]
        assert infection["grade_3"] == {"count": 1, "denominator": 10, "percent": 10.0}
        assert infection["grade_4"]["count"] == 1
        assert infection["grade_5"]["count"] == 0  # P1's grade 5 is outside the window
        assert table["events_outside_window"] == 2

    def test_missing_columns(self) -> None:
        """Without the treatment-emergent flag there is no Table 3."""
        columns = ["USUBJID", "AETERM", "AETOXGRN", "AEHEMFL"]
        with pytest.raises(AnalysisError, match="lacks column\\(s\\) TRTEMFL"):
            adverse_event_table(pd.DataFrame(columns=columns), 3)
