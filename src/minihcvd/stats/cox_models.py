"""The trial's Cox regressions: univariate screening, then the multivariate model.

Every model uses complete cases of its covariates (R's na.omit). With ``sct`` in the model the
data are ADaM's ``sct_intervals`` ((start, stop] rows, tmerge semantics) with the baseline
covariates carried onto both rows of a transplanted patient; otherwise one (0, OS] row each.
Covariates pass to the multivariate model when one of their terms has Wald p < 0.05 (the
paper's cut-off), unless the user names them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache, partial
from typing import Any

import numpy as np
import pandas as pd

from minihcvd.adam import adsl_rows
from minihcvd.clinical import DistinctColumns
from minihcvd.errors import AnalysisError
from minihcvd.stats.covariates import SCT, Covariate, encode_covariate
from minihcvd.stats.cox import CoxPHFitter, RiskIndex

__all__ = [
    "CoxModel",
    "CoxModels",
    "CoxOutcome",
    "CoxTerm",
    "cox_outcome",
    "fit_cox_model",
    "fit_cox_models",
]

SCREENING_P = 0.05


@dataclass(frozen=True)
class CoxTerm:
    """One coefficient as the paper reports it: HR, 95% Wald CI, Wald p."""

    term: str
    covariate: str
    hr: float
    lower: float
    upper: float
    p: float
    n: int
    events: int

    def to_json_dict(self) -> dict[str, Any]:
        """``hr``, ``lower``, ``upper``, ``p``, the term's covariate and the model's n, events."""
        return {
            "hr": self.hr,
            "lower": self.lower,
            "upper": self.upper,
            "p": self.p,
            "covariate": self.covariate,
            "n": self.n,
            "events": self.events,
        }


@dataclass(frozen=True)
class CoxModel:
    """A fitted model's terms with its size and likelihood-ratio test."""

    covariates: list[str]
    terms: list[CoxTerm]
    n: int
    events: int
    lrt_p: float

    def summary(self) -> dict[str, Any]:
        """The model as a whole: covariates, n, events, likelihood-ratio test p."""
        return {
            "covariates": self.covariates,
            "n": self.n,
            "events": self.events,
            "lrt_p": self.lrt_p,
        }


@dataclass
class CoxModels:
    """Univariate models (one per covariate), the multivariate model and notes on skips."""

    univariate: dict[str, CoxModel] = field(default_factory=dict)
    multivariate: CoxModel | None = None
    notes: list[str] = field(default_factory=list)

    def to_json_dict(self) -> dict[str, Any]:
        """``univariate``/``multivariate`` (term → HR, CI, p) and each model's LRT."""
        univariate = {
            term.term: term.to_json_dict()
            for model in self.univariate.values()
            for term in model.terms
        }
        multivariate = (
            {}
            if self.multivariate is None
            else {term.term: term.to_json_dict() for term in self.multivariate.terms}
        )
        return {
            "univariate": univariate,
            "multivariate": multivariate,
            "univariate_models": {name: model.summary() for name, model in self.univariate.items()},
            "multivariate_model": None
            if self.multivariate is None
            else self.multivariate.summary(),
        }


@dataclass(frozen=True)
class OutcomeRows:
    """Counting-process rows of OS: the ADSL row of each, (start, stop], event, SCT state.

    ``risk_index`` builds the event-time index of a subset of rows once and keeps it, so the
    univariate models (which mostly use the same complete rows) share it.
    """

    subject: np.ndarray
    start: np.ndarray | None  # None: every row starts at 0
    stop: np.ndarray
    event: np.ndarray
    sct: np.ndarray
    _indexes: dict[bytes, RiskIndex] = field(default_factory=dict, compare=False, repr=False)

    def risk_index(self, rows: np.ndarray) -> RiskIndex:
        """The RiskIndex of the rows selected by the boolean mask ``rows``."""
        key = np.packbits(rows).tobytes()
        if key not in self._indexes:
            entry = None if self.start is None else self.start[rows]
            self._indexes[key] = RiskIndex(self.stop[rows], self.event[rows], entry)
        return self._indexes[key]


@dataclass(frozen=True)
class CoxOutcome:
    """OS in the two layouts a model may need, located in ADSL once per analysis.

    ``plain``: one (0, OS] row per patient; ``split``: ADaM's sct_intervals rows (None when
    the package gave no split table), for models with the time-dependent ``sct``.
    """

    plain: OutcomeRows
    split: OutcomeRows | None


def cox_outcome(
    adsl: pd.DataFrame,
    os_table: pd.DataFrame,
    sct_intervals: pd.DataFrame | None,
    *,
    subjects: pd.Index | None = None,
) -> CoxOutcome:
    """Locate every OS row and SCT interval in ADSL (by USUBJID) once (``subjects``: ADSL's
    USUBJID as an index, if the caller has it)."""
    if subjects is None:
        subjects = pd.Index(adsl["USUBJID"])
    stop = os_table["AVAL"].to_numpy(dtype=np.float64)
    plain = OutcomeRows(
        subject=adsl_rows(subjects, os_table["USUBJID"]),
        start=None,
        stop=stop,
        event=(os_table["CNSR"].to_numpy(dtype=np.float64) == 0).astype(np.float64),
        sct=np.zeros_like(stop),
    )
    if sct_intervals is None:
        return CoxOutcome(plain, None)
    split = OutcomeRows(
        subject=adsl_rows(subjects, sct_intervals["USUBJID"]),
        start=sct_intervals["TSTART"].to_numpy(dtype=np.float64),
        stop=sct_intervals["TSTOP"].to_numpy(dtype=np.float64),
        event=sct_intervals["EVENT"].to_numpy(dtype=np.float64),
        sct=sct_intervals["SCT"].to_numpy(dtype=np.float64),
    )
    return CoxOutcome(plain, split)


def fit_cox_models(
    adsl: pd.DataFrame,
    outcome: CoxOutcome,
    *,
    candidates: Sequence[str],
    given: Sequence[str] | None = None,
    distinct: DistinctColumns | None = None,
) -> CoxModels:
    """Univariate models of ``candidates``, then the multivariate one of ``given`` or those
    with a term of p < 0.05 (``distinct``: ADSL's columns hashed so far)."""
    models = CoxModels()
    distinct = distinct or DistinctColumns(adsl)
    # each covariate encoded once: the multivariate model reuses them
    encode = cache(partial(encode_covariate, adsl, distinct=distinct))
    for name in candidates:
        try:
            models.univariate[name] = fit_cox_model(adsl, outcome, [name], encode=encode)
        except AnalysisError as error:
            models.notes.append(f"univariate Cox model of {name} skipped: {error.message}")
    if given is not None:
        chosen = list(given)
    else:
        chosen = [
            name
            for name, model in models.univariate.items()
            if min(term.p for term in model.terms) < SCREENING_P
        ]
    if not chosen:
        models.notes.append(f"multivariate Cox model skipped: no covariate had p < {SCREENING_P}")
        return models
    try:
        models.multivariate = fit_cox_model(adsl, outcome, chosen, encode=encode)
    except AnalysisError as error:
        models.notes.append(f"multivariate Cox model skipped: {error.message}")
    return models


def fit_cox_model(
    adsl: pd.DataFrame,
    outcome: CoxOutcome,
    covariates: Sequence[str],
    *,
    encode: Callable[[str], Covariate] | None = None,
) -> CoxModel:
    """One Efron Cox model of OS on ``covariates`` (``sct`` time-dependent), complete cases
    (``encode``: a covariate's model columns, default ``encode_covariate`` on ``adsl``)."""
    encode = encode or partial(encode_covariate, adsl)
    encoded = [encode(name) for name in covariates if name != SCT]
    baseline = np.column_stack([c.values for c in encoded]) if encoded else np.empty((len(adsl), 0))
    names = [term for c in encoded for term in c.terms]
    owners = [c.name for c in encoded for _ in c.terms]
    if SCT in covariates:
        if outcome.split is None:
            raise AnalysisError("the time-dependent SCT covariate needs the sct_intervals table")
        rows = outcome.split
        x = np.column_stack((rows.sct, baseline[rows.subject]))
        names, owners = [SCT, *names], [SCT, *owners]
    else:
        rows = outcome.plain
        x = baseline[rows.subject]
    subject = rows.subject
    complete = np.ones(x.shape[0], dtype=bool)
    for column in x.T:  # column by column: a reduction across each narrow row is 3x slower
        complete &= np.isfinite(column)
    if not complete.any():
        raise AnalysisError(f"no patient has a value for every one of {', '.join(covariates)}")
    complete_x = x if complete.all() else x[complete]
    fitter = CoxPHFitter().fit_risk_index(complete_x, rows.risk_index(complete), names=names)
    n_patients = int(np.count_nonzero(np.bincount(subject[complete])))
    terms = [
        CoxTerm(
            term=term,
            covariate=owner,
            hr=float(fitter.hazard_ratios_[i]),
            lower=float(fitter.confidence_intervals_[i, 0]),
            upper=float(fitter.confidence_intervals_[i, 1]),
            p=float(fitter.p_values_[i]),
            n=n_patients,
            events=fitter.events_,
        )
        for i, (term, owner) in enumerate(zip(names, owners, strict=True))
    ]
    return CoxModel(
        covariates=list(covariates),
        terms=terms,
        n=n_patients,
        events=fitter.events_,
        lrt_p=float(fitter.lrt_p_value_),
    )
