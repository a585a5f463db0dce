"""KaplanMeierFitter and median_followup against R's survfit (recorded) and lifelines."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from tests.stats.oracle import DATASETS, TOLERANCE, dataset, recorded, subset

from minihcvd.errors import AnalysisError
from minihcvd.stats.kaplan_meier import KaplanMeierFitter, median_followup

CI_TYPES = ("log-log", "log", "plain")


def _fits(name: str) -> list[tuple[str, str]]:
    table = recorded(name, "median")
    return list(zip(table["fit"], table["ci_type"], strict=True))


CASES = [(name, fit, ci) for name in DATASETS for fit, ci in _fits(name)]


def _fit(name: str, fit: str, ci: str) -> KaplanMeierFitter:
    rows = subset(dataset(name), fit)
    return KaplanMeierFitter(ci_type=ci).fit(rows["time"], rows["status"])


def _close(actual: np.ndarray, expected: pd.Series) -> None:
    np.testing.assert_allclose(actual, expected.to_numpy(float), rtol=0, atol=TOLERANCE)


class TestAgainstRSurvfit:
    @pytest.mark.parametrize(("name", "fit", "ci"), CASES)
    def test_curve_equals_r(self, name: str, fit: str, ci: str) -> None:
        """Times, risk sets, S(t), Greenwood SE and the CI band equal survfit's."""
        km = _fit(name, fit, ci)
        r = recorded(name, "km")
        r = r[(r["fit"] == fit) & (r["ci_type"] == ci)]
        _close(km.timeline_, r["time"])
        _close(km.n_at_risk_, r["n_risk"])
        _close(km.n_events_, r["n_event"])
        _close(km.n_censored_, r["n_censor"])
        _close(km.survival_function_, r["surv"])
        _close(km.std_err_, r["std_err"])
        _close(km.ci_lower_, r["lower"])
        _close(km.ci_upper_, r["upper"])

    @pytest.mark.parametrize(("name", "fit", "ci"), CASES)
    def test_median_and_ci_equal_r(self, name: str, fit: str, ci: str) -> None:
        """The median and its CI follow quantile.survfit (midpoint of a flat 0.5)."""
        km = _fit(name, fit, ci)
        r = recorded(name, "median")
        row = r[(r["fit"] == fit) & (r["ci_type"] == ci)].iloc[0]
        actual = [km.median_survival_time_, *km.median_ci_]
        np.testing.assert_allclose(
            actual, row[["median", "lower", "upper"]].to_numpy(float), rtol=0, atol=TOLERANCE
        )

    @pytest.mark.parametrize(("name", "fit", "ci"), CASES)
    def test_survival_at_times_equals_summary(self, name: str, fit: str, ci: str) -> None:
        """predict() equals summary(fit, times); past the last time NaN, or 0 if S reached 0."""
        km = _fit(name, fit, ci)
        r = recorded(name, "at")
        r = r[(r["fit"] == fit) & (r["ci_type"] == ci)]
        days = np.array([10, 25, 12 * 30.4375, 24 * 30.4375, 36 * 30.4375])
        estimate, lower, upper = km.predict(days)
        kept = days <= km.timeline_[-1]
        _close(days[kept], r["time"])
        _close(estimate[kept], r["surv"])
        _close(lower[kept], r["lower"])
        _close(upper[kept], r["upper"])
        # past the end: 0 where the curve reached 0 (R summary(extend = TRUE)), else NA
        past = 0.0 if km.survival_function_[-1] == 0.0 else np.nan
        np.testing.assert_array_equal(estimate[~kept], past)


class TestMedianRule:
    def test_flat_half_gives_midpoint(self) -> None:
        """S = 0.5 exactly from day 20 to the next event on day 40: the median is day 30."""
        km = KaplanMeierFitter().fit([10, 20, 30, 40], [1, 1, 0, 1])
        assert km.median_survival_time_ == 30.0

    def test_flat_half_to_the_end_uses_last_time(self) -> None:
        """A curve ending at exactly 0.5 takes the midpoint with the last observed time."""
        km = KaplanMeierFitter().fit([10, 20, 30, 50], [1, 1, 0, 0])
        assert km.median_survival_time_ == 35.0

    def test_curve_above_half_has_no_median(self) -> None:
        """A curve that never reaches 0.5 has no median (NaN, reported as null)."""
        km = KaplanMeierFitter().fit([10, 20, 30], [1, 0, 0])
        assert np.isnan(km.median_survival_time_)


class TestInputChecks:
    def test_negative_time_is_rejected(self) -> None:
        """A negative duration is one clear error, not a silent result."""
        with pytest.raises(AnalysisError, match="negative times"):
            KaplanMeierFitter().fit([1, -2], [1, 0])

    def test_unknown_ci_type_is_rejected(self) -> None:
        """Only the three transforms R and this engine share are accepted."""
        with pytest.raises(AnalysisError, match="unknown CI type 'logit'"):
            KaplanMeierFitter(ci_type="logit")

    def test_event_flags_must_be_binary(self) -> None:
        """An event column with a 2 is refused."""
        with pytest.raises(AnalysisError, match="only 0/1"):
            KaplanMeierFitter().fit([1, 2], [1, 2])

    def test_survival_past_the_end_is_zero_where_the_curve_reached_zero(self) -> None:
        """R summary(survfit(Surv(c(1,2,3,5), c(1,0,1,1))), times = c(4,5,10), extend = TRUE)
        gives S 0.375 [0.01097112, 0.8080011], then 0 (CI NA) at 5 and 10; a curve ending
        censored above 0 stays not estimable (NaN) past its end."""
        km = KaplanMeierFitter().fit([1, 2, 3, 5], [1, 0, 1, 1])
        estimate, lower, upper = km.predict([4.0, 5.0, 10.0])
        np.testing.assert_allclose(estimate, [0.375, 0.0, 0.0])
        assert lower[0] == pytest.approx(0.01097112, abs=1e-8)
        assert upper[0] == pytest.approx(0.8080011, abs=1e-7)
        assert np.isnan(lower[1:]).all() and np.isnan(upper[1:]).all()
        censored = KaplanMeierFitter().fit([1, 2, 3, 5], [1, 0, 1, 0])
        assert np.isnan(censored.predict([10.0])[0]).all()

    def test_predict_before_fit(self) -> None:
        """Asking an unfitted estimator for values says so."""
        with pytest.raises(AnalysisError, match="not fitted"):
            KaplanMeierFitter().predict([1.0])


class TestMedianFollowup:
    @pytest.mark.parametrize("name", DATASETS)
    def test_reverse_km_equals_r(self, name: str) -> None:
        """Median follow-up is survfit(Surv(time, 1 - status))'s median and CI."""
        data = dataset(name)
        r = recorded(name, "followup").iloc[0]
        actual = median_followup(data["time"], data["status"])
        np.testing.assert_allclose(
            actual, r[["median", "lower", "upper"]].to_numpy(float), rtol=0, atol=TOLERANCE
        )


class TestAgainstLifelines:
    @pytest.mark.parametrize("name", DATASETS)
    def test_estimate_and_band_equal_lifelines(self, name: str) -> None:
        """lifelines' KM and its (log-log) exponential Greenwood band agree with ours."""
        from lifelines import KaplanMeierFitter as LifelinesKM

        data = dataset(name)
        ours = KaplanMeierFitter().fit(data["time"], data["status"])
        theirs = LifelinesKM().fit(data["time"], data["status"])
        frame = (
            theirs.survival_function_.iloc[1:]
            if theirs.timeline[0] == 0
            else (theirs.survival_function_)
        )
        np.testing.assert_allclose(ours.survival_function_, frame.to_numpy()[:, 0], atol=1e-12)
        band = theirs.confidence_interval_.loc[ours.timeline_].to_numpy()
        defined = ~np.isnan(ours.ci_lower_)
        np.testing.assert_allclose(ours.ci_lower_[defined], band[defined, 0], atol=1e-9)
        np.testing.assert_allclose(ours.ci_upper_[defined], band[defined, 1], atol=1e-9)
