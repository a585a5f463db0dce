"""Relapse at an assessment."""

from __future__ import annotations

from minihcvd.clinical.relapse import shows_relapse


class TestShowsRelapse:
    def test_rules(self) -> None:
        """> 5% blasts unless from recovery; extramedullary disease always."""
        result = shows_relapse(
            [5.0, 5.5, 5.5, 2.0, 30.0],
            [False, False, False, True, None],
            [False, False, True, False, None],
        )
        assert result.tolist() == [False, True, False, True, True]
