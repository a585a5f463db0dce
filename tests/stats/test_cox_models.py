"""fit_cox_model / fit_cox_models: ADSL + sct_intervals against R, screening and skips."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from tests.stats.oracle import TOLERANCE, dataset, recorded

from minihcvd.stats.cox_models import cox_outcome, fit_cox_model, fit_cox_models


def _inputs(name: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """ADSL, the OS table and sct_intervals built from an oracle dataset and R's tmerge."""
    data = dataset(name)
    adsl = pd.DataFrame(
        {
            "USUBJID": data["id"].astype(str),
            "COHORT": "original",
            "x": data["x"],
            "z": data["z"],
            "group": data["group"],
        }
    )
    os_table = pd.DataFrame(
        {"USUBJID": adsl["USUBJID"], "AVAL": data["time"], "CNSR": 1 - data["status"]}
    )
    split = recorded(name, "tmerge")
    intervals = pd.DataFrame(
        {
            "USUBJID": split["id"].astype(str),
            "TSTART": split["tstart"],
            "TSTOP": split["tstop"],
            "EVENT": split["event"],
            "SCT": split["sct"],
        }
    )
    return adsl, os_table, intervals


class TestAgainstR:
    @pytest.mark.parametrize(
        ("model", "covariates"), [("sct+x+z", ["sct", "x", "z"]), ("x", ["x"])]
    )
    def test_model_equals_coxph(self, model: str, covariates: list[str]) -> None:
        """HR, CI and p of each term equal R's coxph on the same data."""
        adsl, os_table, intervals = _inputs("ties")
        fitted = fit_cox_model(adsl, cox_outcome(adsl, os_table, intervals), covariates)
        r = recorded("ties", "cox")
        r = r[r["model"] == model]
        assert [t.term for t in fitted.terms] == list(r["term"])
        for column in ("hr", "lower", "upper", "p"):
            np.testing.assert_allclose(
                [getattr(t, column) for t in fitted.terms], r[column], atol=TOLERANCE
            )
        assert fitted.n == 300

    def test_group_terms_are_named_by_level(self) -> None:
        """A text covariate gives R's treatment contrasts, named group[B], group[C]."""
        adsl, os_table, intervals = _inputs("ties")
        fitted = fit_cox_model(adsl, cox_outcome(adsl, os_table, intervals), ["group"])
        r = recorded("ties", "cox")
        r = r[r["model"] == "group"]
        assert [t.term for t in fitted.terms] == ["group[B]", "group[C]"]
        np.testing.assert_allclose([t.hr for t in fitted.terms], r["hr"], atol=TOLERANCE)


class TestScreening:
    def test_significant_covariates_enter_the_multivariate_model(self) -> None:
        """Covariates with a term p < 0.05 are chosen, in candidate order."""
        adsl, os_table, intervals = _inputs("registry")
        outcome = cox_outcome(adsl, os_table, intervals)
        models = fit_cox_models(adsl, outcome, candidates=["x", "z", "sct"])
        chosen = [name for name, m in models.univariate.items() if min(t.p for t in m.terms) < 0.05]
        assert models.multivariate is not None
        assert models.multivariate.covariates == chosen

    def test_failed_univariate_model_is_a_note(self) -> None:
        """A covariate with one value is skipped with a note naming it."""
        adsl, os_table, intervals = _inputs("edge")
        adsl["constant"] = 1.0
        models = fit_cox_models(
            adsl, cox_outcome(adsl, os_table, intervals), candidates=["constant"]
        )
        assert models.univariate == {}
        assert models.notes[0] == (
            "univariate Cox model of constant skipped: covariate(s) constant take a single value"
        )
        assert models.notes[1] == "multivariate Cox model skipped: no covariate had p < 0.05"
