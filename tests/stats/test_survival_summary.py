"""SurvivalSummary / compare_groups: months, nulls and skip notes."""

from __future__ import annotations

import numpy as np
import pytest
from tests.stats.oracle import TOLERANCE, dataset, recorded

from minihcvd.stats.survival_summary import DAYS_PER_MONTH, compare_groups, summarize


class TestSummaryDocument:
    def test_months_and_survival_equal_r(self) -> None:
        """Median and CI in months and S(12/24/36 months) are R's day values / 30.4375."""
        data = dataset("ties")
        document = summarize(data["time"], data["status"], ci_type="log-log").to_json_dict()
        median = recorded("ties", "median")
        row = median[(median["fit"] == "overall") & (median["ci_type"] == "log-log")].iloc[0]
        assert document["median_months"] == pytest.approx(row["median"] / DAYS_PER_MONTH)
        assert document["median_ci_months"] == pytest.approx(
            [row["lower"] / DAYS_PER_MONTH, row["upper"] / DAYS_PER_MONTH]
        )
        at = recorded("ties", "at")
        at = at[(at["fit"] == "overall") & (at["ci_type"] == "log-log")]
        twelve = at[np.isclose(at["time"], 12 * DAYS_PER_MONTH)].iloc[0]
        assert document["survival"]["12"]["estimate"] == pytest.approx(
            twelve["surv"], abs=TOLERANCE
        )
        assert (document["n"], document["events"]) == (300, int(data["status"].sum()))

    def test_not_estimable_is_null(self) -> None:
        """No median and no 36-month survival when follow-up is short: null, not NaN."""
        document = summarize([10, 20, 30], [1, 0, 0], ci_type="log-log").to_json_dict()
        assert document["median_months"] is None
        assert document["median_ci_months"][1] is None  # the lower limit may exist (R too)
        assert document["survival"]["36"] == {"estimate": None, "lower": None, "upper": None}


class TestCompareGroups:
    def test_levels_in_given_order_with_logrank(self) -> None:
        """Groups come out in the display order given; the p equals survdiff's."""
        data = dataset("ties")
        comparison = compare_groups(
            "arm",
            data["time"],
            data["status"],
            data["group"],
            levels=("C", "A", "B"),
            ci_type="log-log",
        )
        assert list(comparison.groups) == ["C", "A", "B"]
        assert comparison.logrank is not None
        expected = recorded("ties", "survdiff")["p"].iloc[0]
        assert comparison.to_json_dict()["logrank_p"] == pytest.approx(expected, abs=TOLERANCE)
        assert comparison.n == 300

    def test_missing_labels_are_left_out(self) -> None:
        """Patients without a level are not in any curve or in the test."""
        comparison = compare_groups(
            "tp53",
            [5, 6, 7, 8, 9],
            [1, 1, 0, 1, 1],
            ["a", None, "b", "a", "b"],
            levels=("a", "b"),
            ci_type="log-log",
        )
        assert comparison.n == 4

    def test_empty_level_is_a_note(self) -> None:
        """A level without patients: curves for the others, a note instead of a p."""
        comparison = compare_groups(
            "sct",
            [5, 6, 7],
            [1, 1, 0],
            ["no", "no", "no"],
            levels=("no", "yes"),
            ci_type="log-log",
        )
        assert comparison.to_json_dict()["logrank_p"] is None
        assert comparison.note == "sct: no patients in group(s) yes; log-rank test skipped"
