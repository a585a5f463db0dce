"""The error hierarchy and the CLI's error edge."""

from __future__ import annotations

import pytest

from minihcvd.errors import MinihcvdError, TrialDataError, ValidationFailed


class TestMinihcvdError:
    def test_one_line_names_file_row_and_field(self) -> None:
        """Location comes first, then the message, on one line."""
        error = TrialDataError("expected a date, found '2020-13-01'", file="patients.csv", row=3,
                               field="start_date")
        assert error.one_line() == (
            "patients.csv, row 3, field 'start_date': expected a date, found '2020-13-01'"
        )

    def test_message_whitespace_is_folded_to_one_line(self) -> None:
        """Multi-line messages are folded so the CLI prints exactly one line."""
        assert MinihcvdError("a\n  b").one_line() == "a b"

    def test_default_exit_code_is_two(self) -> None:
        """Bad input exits with 2."""
        assert MinihcvdError("x").exit_code == 2


class TestValidationFailed:
    def test_counts_the_other_problems(self) -> None:
        """The summary is the first problem plus how many more there are."""
        problems = [TrialDataError("bad", file="a.csv", row=1, field="x"),
                    TrialDataError("worse", file="b.csv")]
        failed = ValidationFailed(problems)
        assert failed.one_line() == "a.csv, row 1, field 'x': bad (and 1 more problem)"
        assert failed.problems == problems

    def test_requires_a_problem(self) -> None:
        """An empty list is a programming error, not a validation result."""
        with pytest.raises(ValueError):
            ValidationFailed([])
