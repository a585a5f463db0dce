"""CoxPHFitter (Efron, counting process) against R's coxph (recorded) and lifelines."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.stats.oracle import DATASETS, TOLERANCE, dataset, recorded

from minihcvd.errors import AnalysisError
from minihcvd.stats.cox import MAX_PATTERN_COLUMNS, CoxPHFitter, RiskIndex

COUNTING_PROCESS_MODELS = {"sct", "sct+x+z"}


def _design(frame: pd.DataFrame, model: str) -> tuple[np.ndarray, list[str]]:
    """The model matrix R builds: numeric terms as is, group as treatment contrasts."""
    columns: list[np.ndarray] = []
    names: list[str] = []
    for term in model.split("+"):
        if term == "group":
            for level in sorted(frame["group"].unique())[1:]:
                columns.append((frame["group"] == level).to_numpy(float))
                names.append(f"group{level}")
        else:
            columns.append(frame[term].to_numpy(float))
            names.append(term)
    return np.column_stack(columns), names


def _models(name: str) -> list[str]:
    return list(dict.fromkeys(recorded(name, "cox")["model"]))


CASES = [(name, model) for name in DATASETS for model in _models(name)]


def _fit(name: str, model: str) -> CoxPHFitter:
    if model in COUNTING_PROCESS_MODELS:
        data = recorded(name, "tmerge")
        x, names = _design(data, model)
        return CoxPHFitter().fit(x, data["tstop"], data["event"], data["tstart"], names=names)
    data = dataset(name)
    x, names = _design(data, model)
    return CoxPHFitter().fit(x, data["time"], data["status"], names=names)


class TestAgainstRCoxph:
    @pytest.mark.parametrize(("name", "model"), CASES)
    def test_estimates_equal_r(self, name: str, model: str) -> None:
        """Coefficients, SEs, HR with Wald CI and p, log-likelihoods and LRT p equal coxph's."""
        fit = _fit(name, model)
        r = recorded(name, "cox")
        r = r[r["model"] == model]
        assert fit.names_ == list(r["term"])
        for ours, column in [
            (fit.params_, "coef"),
            (fit.standard_errors_, "se"),
            (fit.hazard_ratios_, "hr"),
            (fit.confidence_intervals_[:, 0], "lower"),
            (fit.confidence_intervals_[:, 1], "upper"),
            (fit.p_values_, "p"),
        ]:
            np.testing.assert_allclose(ours, r[column], rtol=0, atol=TOLERANCE, err_msg=column)
        first = r.iloc[0]
        assert abs(fit.log_likelihood_ - first["loglik"]) < TOLERANCE
        assert abs(fit.log_likelihood_null_ - first["loglik_null"]) < TOLERANCE
        assert abs(fit.lrt_p_value_ - first["lrt_p"]) < TOLERANCE
        assert (fit.n_, fit.events_) == (int(first["n"]), int(first["nevent"]))


class TestAgainstLifelines:
    # lifelines 0.30 calls DataFrame.var positionally, which pandas 3 deprecates
    @pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")
    def test_time_varying_equals_lifelines(self) -> None:
        """lifelines' CoxTimeVaryingFitter (Efron) gives the same SCT coefficient on tmerge data."""
        from lifelines import CoxTimeVaryingFitter

        data = recorded("ties", "tmerge")
        theirs = CoxTimeVaryingFitter().fit(
            data[["id", "tstart", "tstop", "event", "sct", "x"]],
            id_col="id",
            start_col="tstart",
            stop_col="tstop",
            event_col="event",
        )
        ours = CoxPHFitter().fit(
            data[["sct", "x"]], data["tstop"], data["event"], data["tstart"], names=["sct", "x"]
        )
        np.testing.assert_allclose(ours.params_, theirs.params_.loc[["sct", "x"]], atol=1e-6)


class TestBadInput:
    def test_constant_covariate(self) -> None:
        """A covariate with one value cannot be estimated: it is named in the error."""
        with pytest.raises(AnalysisError, match="covariate\\(s\\) sex take a single value"):
            CoxPHFitter().fit(np.ones(4), [1, 2, 3, 4], [1, 0, 1, 1], names=["sex"])

    def test_all_censored(self) -> None:
        """No events, no model."""
        with pytest.raises(AnalysisError, match="all are censored"):
            CoxPHFitter().fit([0, 1, 0, 1], [1, 2, 3, 4], [0, 0, 0, 0])

    def test_level_without_events_is_infinite(self) -> None:
        """A group with no events has an infinite log-HR: refused, as R warns."""
        group = [0, 0, 0, 1, 1, 1]
        with pytest.raises(AnalysisError, match=r"arm.*infinite"):
            CoxPHFitter().fit(group, [1, 2, 3, 4, 5, 6], [1, 1, 1, 0, 0, 0], names=["arm"])

    def test_interval_must_be_open(self) -> None:
        """An interval whose entry is not before its exit is malformed counting-process data."""
        with pytest.raises(AnalysisError, match="entry < duration"):
            CoxPHFitter().fit([0, 1], [2, 3], [1, 1], entry=[2, 0])

    def test_missing_covariate_value(self) -> None:
        """NaN in a covariate must be dropped by the caller, never fitted silently."""
        with pytest.raises(AnalysisError, match="missing values"):
            CoxPHFitter().fit([0.0, np.nan, 1.0], [1, 2, 3], [1, 1, 0])


class TestRiskIndex:
    def test_shared_index_gives_the_same_fit(self) -> None:
        """Fitting two models on one RiskIndex equals fitting each from the raw arrays."""
        data = dataset("ties")
        index = RiskIndex(data["time"], data["status"])
        for column in ("x", "z"):
            shared = CoxPHFitter().fit_risk_index(data[column], index)
            alone = CoxPHFitter().fit(data[column], data["time"], data["status"])
            np.testing.assert_array_equal(shared.params_, alone.params_)

    def test_rows_must_match(self) -> None:
        """Covariates for another number of rows are refused."""
        index = RiskIndex([1, 2, 3], [1, 0, 1])
        with pytest.raises(AnalysisError, match=r"shape \(2, 1\); expected \(3, number"):
            CoxPHFitter().fit_risk_index([0.0, 1.0], index)


class TestPatterns:
    """Two-valued covariates are fitted on patterns of alike rows: the same likelihood, score
    and information as on the rows themselves, with ties and late entries."""

    @settings(max_examples=60, deadline=None)
    @given(
        st.integers(1, MAX_PATTERN_COLUMNS),
        st.integers(0, 40),
        st.booleans(),
        st.integers(0, 2**32 - 1),
    )
    def test_same_as_rows(self, columns: int, extra_rows: int, late: bool, seed: int) -> None:
        from minihcvd.stats.cox import _PatternRiskSets, _RiskSets

        rng = np.random.default_rng(seed)
        rows = (12 << columns) + extra_rows  # enough rows for the pattern layout to be taken
        stop = rng.integers(2, 12, rows).astype(float)  # few times: many ties
        # late entries anywhere before the stop (a row entering on an event day is not at
        # risk then), or none
        entry = np.floor(rng.random(rows) * stop) * (rng.random(rows) < 0.5) if late else None
        events = rng.integers(0, 2, rows)
        events[0] = 1
        levels = rng.normal(size=(2, columns))  # two values per column, any two
        x = np.where(rng.random((rows, columns)) < 0.5, levels[0], levels[1])
        index = RiskIndex(stop, events, entry)
        assert index.late_rows.size > 0 or not late
        patterns = _PatternRiskSets.of(x, index)
        assert patterns is not None
        beta = rng.normal(scale=0.5, size=columns)
        ours, theirs = patterns.evaluate(beta), _RiskSets(x, index).evaluate(beta)
        for got, expected in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)

    def test_only_two_valued_columns_and_few_event_times(self) -> None:
        """Another value, too many columns, or more event times × patterns than rows: the
        rows themselves are the layout."""
        from minihcvd.stats.cox import _PatternRiskSets

        rows = 1 << (MAX_PATTERN_COLUMNS + 3)
        index = RiskIndex(np.tile([1.0, 2.0, 3.0, 4.0], rows // 4), np.ones(rows))
        binary = np.tile([[0.0], [1.0], [1.0], [0.0]], (rows // 4, MAX_PATTERN_COLUMNS + 1))
        three_values = binary[:, :1] + (np.arange(rows) % 3 == 0)[:, None]
        assert _PatternRiskSets.of(three_values, index) is None
        assert _PatternRiskSets.of(binary, index) is None
        assert _PatternRiskSets.of(binary[:, :MAX_PATTERN_COLUMNS], index) is not None
        every_time = RiskIndex(np.arange(1.0, rows + 1), np.ones(rows))
        assert _PatternRiskSets.of(binary[:, :1], every_time) is None

    def test_fit_is_the_same_on_rows(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A whole fit of binary covariates (the SCT split of the ties data) either way."""
        from minihcvd.stats import cox

        data = recorded("ties", "tmerge")
        x = np.column_stack((data["sct"], data["x"] > data["x"].median()))
        args = (x, data["tstop"], data["event"], data["tstart"])
        layout = cox._PatternRiskSets.of(x - x.mean(axis=0), RiskIndex(*args[1:]))
        assert layout is not None  # the data take the pattern layout
        by_patterns = CoxPHFitter().fit(*args)
        monkeypatch.setattr(cox._PatternRiskSets, "of", classmethod(lambda cls, x, index: None))
        by_rows = CoxPHFitter().fit(*args)
        np.testing.assert_allclose(by_patterns.params_, by_rows.params_, rtol=1e-12)
        np.testing.assert_allclose(
            by_patterns.variance_matrix_, by_rows.variance_matrix_, rtol=1e-10
        )
        assert by_patterns.iterations_ == by_rows.iterations_
