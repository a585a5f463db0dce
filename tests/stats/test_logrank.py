"""logrank_test against R's survdiff (recorded) and lifelines."""

from __future__ import annotations

import numpy as np
import pytest
from tests.stats.oracle import DATASETS, TOLERANCE, dataset, recorded

from minihcvd.errors import AnalysisError
from minihcvd.stats.logrank import logrank_test


class TestAgainstRSurvdiff:
    @pytest.mark.parametrize("name", DATASETS)
    def test_statistic_and_counts_equal_r(self, name: str) -> None:
        """Chi-squared, df, p, N, observed and expected deaths per group equal survdiff's."""
        data = dataset(name)
        r = recorded(name, "survdiff")
        result = logrank_test(data["time"], data["group"], data["status"])
        assert result.groups == list(r["group"])
        assert result.n == list(r["n"].astype(int))
        np.testing.assert_allclose(result.observed, r["observed"], atol=TOLERANCE)
        np.testing.assert_allclose(result.expected, r["expected"], atol=TOLERANCE)
        assert result.degrees_of_freedom == int(r["df"].iloc[0])
        assert abs(result.test_statistic - r["chisq"].iloc[0]) < TOLERANCE
        assert abs(result.p_value - r["p"].iloc[0]) < TOLERANCE


class TestAgainstLifelines:
    # lifelines 0.30 calls DataFrame.sum positionally, which pandas 3 deprecates
    @pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")
    @pytest.mark.parametrize("name", DATASETS)
    def test_statistic_equals_lifelines(self, name: str) -> None:
        """lifelines' multivariate log-rank gives the same statistic."""
        from lifelines.statistics import multivariate_logrank_test

        data = dataset(name)
        theirs = multivariate_logrank_test(data["time"], data["group"], data["status"])
        ours = logrank_test(data["time"], data["group"], data["status"])
        assert abs(ours.test_statistic - theirs.test_statistic) < 1e-9


class TestBadInput:
    def test_single_group(self) -> None:
        """One group cannot be compared: one clear error."""
        with pytest.raises(AnalysisError, match=r"at least two groups; found only \['a'\]"):
            logrank_test([1, 2, 3], ["a", "a", "a"], [1, 0, 1])

    def test_all_censored(self) -> None:
        """Without any event there is nothing to test."""
        with pytest.raises(AnalysisError, match="all are censored"):
            logrank_test([1, 2, 3], ["a", "b", "a"], [0, 0, 0])

    def test_group_never_at_risk_at_an_event(self) -> None:
        """A group whose patients all leave before the first event carries no information."""
        with pytest.raises(AnalysisError, match="only one is"):
            logrank_test([5, 6, 1, 2], ["a", "a", "b", "b"], [1, 1, 0, 0])

    def test_summary_rows(self) -> None:
        """The per-group table shows (O−E)²/E as survdiff prints it."""
        result = logrank_test([1, 2, 3, 4], ["a", "b", "a", "b"], [1, 1, 1, 1])
        rows = result.summary_rows()
        assert [row["group"] for row in rows] == ["a", "b"]
        first = rows[0]
        assert first["(O-E)^2/E"] == pytest.approx((2 - first["expected"]) ** 2 / first["expected"])


class TestZeroVariance:
    """Every patient dies on the same day: the hypergeometric variance is zero."""

    TIMES = (50.0, 50.0, 50.0, 50.0)
    GROUPS = ("M", "F", "M", "F")

    def test_is_an_analysis_error_naming_the_cause(self) -> None:
        """No statistic (the data cannot tell the groups apart): one error naming the zero
        variance, not numpy's LinAlgError."""
        with pytest.raises(AnalysisError, match="its variance is zero: at every death time all"):
            logrank_test(self.TIMES, self.GROUPS, [1, 1, 1, 1])

    @pytest.mark.r_oracle
    def test_r_survdiff_has_no_statistic_either(self) -> None:
        """R's survdiff stops on the same data (singular variance), so there is no number
        to match: the analysis reports a note instead."""
        import subprocess

        script = (
            "library(survival); d <- data.frame(t=c(50,50,50,50), e=1, g=c('M','F','M','F'));"
            " r <- try(survdiff(Surv(t, e) ~ g, data=d), silent=TRUE);"
            " cat(inherits(r, 'try-error'), conditionMessage(attr(r, 'condition')))"
        )
        done = subprocess.run(
            ["Rscript", "-e", script], capture_output=True, text=True, timeout=60, check=True
        )
        assert done.stdout.startswith("TRUE") and "exactly singular" in done.stdout
