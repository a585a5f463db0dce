"""landmark_analysis against R (patients at risk at L, exposure by L, clock restarted)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from tests.stats.oracle import DATASETS, TOLERANCE, dataset, recorded

from minihcvd.stats.landmarks import Landmark, landmark_analysis
from minihcvd.stats.survival_summary import DAYS_PER_MONTH

START = pd.Timestamp("2015-01-01")


def _os_table(name: str) -> pd.DataFrame:
    """The oracle dataset as ADaM-like columns: AVAL, CNSR, TRTSDT, SCTDT."""
    data = dataset(name)
    sct_days = pd.to_timedelta(data["sct_time"].astype(float) - 1, unit="D")
    return pd.DataFrame(
        {
            "AVAL": data["time"].astype(float),
            "CNSR": 1 - data["status"],
            "TRTSDT": START,
            "SCTDT": START + sct_days,
        }
    )


class TestAgainstR:
    @pytest.mark.parametrize("name", [d for d in DATASETS if d != "edge"])
    def test_sct_landmark_equals_r(self, name: str) -> None:
        """At 60 days: n, exposed/unexposed counts and log-rank p equal R's."""
        landmark = Landmark("sct", 60 / DAYS_PER_MONTH)
        result = landmark_analysis(_os_table(name), landmark, ci_type="log-log")
        r = recorded(name, "landmark").set_index("group")
        groups = result.comparison.groups
        assert groups["yes"].fitter.n_ == int(r.loc["yes", "n"])
        assert groups["no"].fitter.n_ == int(r.loc["no", "n"])
        assert result.comparison.logrank is not None
        assert result.comparison.logrank.p_value == pytest.approx(r["p"].iloc[0], abs=TOLERANCE)


class TestGivenOrder:
    @pytest.mark.parametrize("name", [d for d in DATASETS if d != "edge"])
    def test_the_table_sorted_by_os_gives_the_same(self, name: str) -> None:
        """With the table's stable order by OS time (as the analysis passes it) the landmark
        population is taken in that order: curves and log-rank are the same as unsorted."""
        from minihcvd.stats._checks import stable_argsort

        table = _os_table(name).sample(frac=1.0, random_state=5).reset_index(drop=True)
        order = stable_argsort(table["AVAL"].to_numpy(dtype=np.float64))
        landmark = Landmark("sct", 60 / DAYS_PER_MONTH)
        plain = landmark_analysis(table, landmark, ci_type="log-log")
        ordered = landmark_analysis(table, landmark, ci_type="log-log", order=order)
        assert ordered.to_json_dict() == plain.to_json_dict()
        for level, summary in plain.comparison.groups.items():
            theirs, ours = summary.fitter, ordered.comparison.groups[level].fitter
            np.testing.assert_array_equal(ours.timeline_, theirs.timeline_)
            np.testing.assert_array_equal(ours.survival_function_, theirs.survival_function_)


    def test_an_order_of_another_table_is_refused(self) -> None:
        from minihcvd.errors import AnalysisError

        with pytest.raises(AnalysisError, match="order has shape"):
            landmark_analysis(
                _os_table("ties"), Landmark("sct", 2.0), ci_type="log-log", order=np.arange(3)
            )


class TestDefinition:
    def test_patients_dead_by_the_landmark_are_left_out(self) -> None:
        """Only OS time > L counts; the clock restarts at L."""
        table = pd.DataFrame(
            {
                "AVAL": [30.0, 61.0, 100.0, 200.0],
                "CNSR": [0, 0, 1, 0],
                "TRTSDT": START,
                "SCTDT": [pd.NaT, START, pd.NaT, START + pd.Timedelta(days=80)],
            }
        )
        result = landmark_analysis(table, Landmark("sct", 2.0), ci_type="log-log")
        assert result.to_json_dict()["n"] == 3
        yes = result.comparison.groups["yes"].fitter
        np.testing.assert_allclose(yes.timeline_, [61.0 - 2 * DAYS_PER_MONTH])
        assert result.landmark.key == "sct_2m"

    def test_blinatumomab_landmark_is_in_salvage_1(self) -> None:
        """The blinatumomab comparison keeps first-salvage patients only, as the paper."""
        table = pd.DataFrame(
            {
                "AVAL": [100.0, 120.0, 140.0],
                "CNSR": [0, 0, 0],
                "TRTSDT": START,
                "BLINDT": [START + pd.Timedelta(days=40), pd.NaT, START],
                "SALV1FL": ["Y", "Y", "N"],
            }
        )
        result = landmark_analysis(table, Landmark("blinatumomab", 2.0), ci_type="log-log")
        assert result.population == "Salvage 1"
        assert result.to_json_dict()["n"] == 2
