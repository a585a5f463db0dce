"""The published targets table: complete, unique, each number with its place in the paper."""

from __future__ import annotations

import pytest

from minihcvd.cohort import published_targets, table3_rows
from minihcvd.cohort.targets import GROUPS, KINDS, published_value
from minihcvd.errors import CohortError


class TestPublishedTargets:
    def test_every_target_has_a_place_unit_kind_and_measure(self) -> None:
        """No number without its place in the paper, its unit and how it is measured."""
        for target in published_targets():
            assert target.place and target.unit and target.label
            assert target.kind in KINDS and target.group in GROUPS
            assert target.measure.startswith(("results:", "package:"))

    def test_keys_are_unique(self) -> None:
        """One entry per number and group."""
        keys = [t.key for t in published_targets()]
        assert len(keys) == len(set(keys))

    def test_headline_values(self) -> None:
        """The survival figures of the abstract and results are in the table."""
        assert published_value("os_median") == 17
        assert published_value("os_3y", "original") == 34
        assert published_value("os_3y", "amended") == 52
        assert published_value("rfs_3y") == 37
        assert published_value("followup_median") == 48
        assert published_value("alive") == 41

    def test_table1_cohorts_add_up(self) -> None:
        """Cohort counts of Table 1 sum to the overall count."""
        for target_id in ("male", "karyotype_diploid", "prior_sct", "salvage_1", "tp53_mutated"):
            total = published_value(target_id, "original") + published_value(target_id, "amended")
            assert total == published_value(target_id)

    def test_table3_rows(self) -> None:
        """Table 3 has its 26 terms; infections 49/17/7 patients at grade 3/4/5."""
        rows = table3_rows()
        assert len(rows) == 26
        assert (rows[0].term, rows[0].grade3, rows[0].grade4, rows[0].grade5) == (
            "Infections", 49, 17, 7)

    def test_decimals_follow_the_paper(self) -> None:
        """Rounding for comparisons follows the printed precision."""
        by_key = {t.key: t for t in published_targets()}
        assert by_key["cox_pb_blasts/overall"].decimals == 3
        assert by_key["os_3y/overall"].decimals == 0
        assert by_key["os_3y/overall"].scale == 100.0

    def test_unknown_target(self) -> None:
        """Asking for a number the table lacks is a CohortError, not a KeyError."""
        with pytest.raises(CohortError, match="no published target"):
            published_value("nonexistent")
