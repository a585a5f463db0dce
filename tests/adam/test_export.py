"""Export names for SAS transport files."""

from __future__ import annotations

from minihcvd.adam.export import VARIABLE_LABELS, xpt_names


class TestXptNames:
    def test_short_unique_upper_case(self) -> None:
        """Long names are cut to 8 characters and clashes get a digit."""
        assert xpt_names(["cohort", "COHORT", "pb_blasts_pct", "pb_blasts_abs", "USUBJID"]) == [
            "COHORT1",
            "COHORT",
            "PB_BLAST",
            "PB_BLAS1",
            "USUBJID",
        ]

    def test_derived_variables_keep_their_names(self) -> None:
        """An input column that shortens to a derived variable's name yields it the name."""
        assert xpt_names(["dthfl", "trtsdt", "DTHFL", "TRTSDT"]) == [
            "DTHFL1",
            "TRTSDT1",
            "DTHFL",
            "TRTSDT",
        ]

    def test_valid_sas_names_from_any_column(self) -> None:
        """Names start with a letter or underscore and hold only ASCII letters, digits, _."""
        assert xpt_names(["1st_line", "âge", "a-b", "€"]) == ["_1ST_LIN", "GE", "AB", "VAR"]


class TestVariableLabels:
    def test_fit_xport_v5(self) -> None:
        """Every label fits XPORT v5's 40 characters and every name its 8."""
        assert all(len(label) <= 40 for label in VARIABLE_LABELS.values())
        assert all(len(name) <= 8 for name in VARIABLE_LABELS)
