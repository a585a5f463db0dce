"""The paper's analysis plan on a trial data package: ``analyze_package`` → ``AnalysisResults``.

Steps: ADaM derivation, OS and RFS, median follow-up, OS by each prognostic factor, landmark
analyses, Cox regressions, Tables 1–3. A step whose inputs the package lacks becomes a note
(kept in ``AnalysisResults.notes`` and shown in the report); only a request that cannot mean
anything (unknown covariate or exposure) raises :class:`AnalysisError`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from minihcvd.adam import AdamDatasets, adsl_rows, derive_all
from minihcvd.clinical import DistinctColumns, text_equals
from minihcvd.errors import AnalysisError
from minihcvd.parallel import JobRunner
from minihcvd.stats._checks import check_ci_type, stable_argsort
from minihcvd.stats.covariates import (
    COHORT,
    COHORT_LEVELS,
    SCT,
    baseline_covariates,
    has_values,
)
from minihcvd.stats.cox_models import CoxModels, cox_outcome, fit_cox_models
from minihcvd.stats.exposure import exposure_analysis
from minihcvd.stats.group_summaries import CohortMasks
from minihcvd.stats.kaplan_meier import median_followup
from minihcvd.stats.landmarks import EXPOSURES, Landmark, LandmarkResult, landmark_analysis
from minihcvd.stats.safety import safety_analysis
from minihcvd.stats.survival_summary import (
    DAYS_PER_MONTH,
    GroupComparison,
    SurvivalSummary,
    compare_coded_groups,
    number_or_none,
    summarize,
)
from minihcvd.stats.tables import (
    SALVAGE_LABELS,
    adverse_event_table,
    baseline_table,
    response_table,
)
from minihcvd.trialdata import TrialPackage

__all__ = [
    "ANALYSIS_STEPS",
    "FACTORS",
    "AnalysisOptions",
    "AnalysisResults",
    "analyze_adam",
    "analyze_package",
]

#: OS comparisons of the paper (Fig. 1B–E, Additional file 1 Figs. S4–S5): factor →
#: (ADSL column, value → level, levels in display order).
FACTORS: dict[str, tuple[str, dict[Any, str], tuple[str, ...]]] = {
    "cohort": ("COHORT", {v: v for v in COHORT_LEVELS}, COHORT_LEVELS),
    "salvage": ("SALV1FL", SALVAGE_LABELS, tuple(SALVAGE_LABELS.values())),
    "mrd": (
        "MRDNEGFL",
        {"Y": "MRD negative", "N": "MRD positive"},
        ("MRD negative", "MRD positive"),
    ),
    "tp53": (
        "tp53_mutated",
        {True: "TP53 mutated", False: "TP53 wild type"},
        ("TP53 wild type", "TP53 mutated"),
    ),
    "cytogenetics": ("HRCYTFL", {"Y": "high risk", "N": "low risk"}, ("low risk", "high risk")),
    "sct": ("SCTFL", {"Y": "SCT", "N": "no SCT"}, ("no SCT", "SCT")),
}
#: The steps ``progress`` is told about, in order (a CLI progress bar's total).
ANALYSIS_STEPS = (
    "deriving ADaM datasets",
    "Kaplan–Meier: OS, RFS, follow-up",
    "OS by factor: log-rank tests",
    "landmark analyses",
    "Cox regression",
    "Tables 1–3",
)
DEFAULT_LANDMARKS = (Landmark("blinatumomab", 2.0), Landmark("sct", 4.0))
#: From this many patients a forked helper fits the Cox models (and makes Tables 1–3 if it
#: is free first) while this process computes the curves (below, the fork costs more).
PARALLEL_MIN_PATIENTS = 20_000

Progress = Callable[[str], None]


@dataclass(frozen=True)
class AnalysisOptions:
    """What to run: Cox covariates (None = screen at p < 0.05), landmarks, KM CI transform."""

    covariates: tuple[str, ...] | None = None
    landmarks: tuple[Landmark, ...] = DEFAULT_LANDMARKS
    ci_type: str = "log-log"

    def __post_init__(self) -> None:
        check_ci_type(self.ci_type)
        names = self.covariates or ()
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise AnalysisError(
                f"covariate(s) {', '.join(repeated)} given twice; name each covariate once",
                field="covariates",
            )
        for landmark in self.landmarks:
            if landmark.exposure not in EXPOSURES:
                known = ", ".join(EXPOSURES)
                raise AnalysisError(
                    f"unknown landmark exposure {landmark.exposure!r}; expected one of {known}"
                )
            if not landmark.months > 0:
                raise AnalysisError(f"landmark months must be positive, got {landmark.months}")


@dataclass
class AnalysisResults:
    """Every analysis of the paper; ``to_json_dict()`` is results.json (docs/results-schema.md)."""

    options: AnalysisOptions
    n_patients: int
    os: SurvivalSummary | None = None
    rfs: SurvivalSummary | None = None
    followup_months: tuple[float | None, float | None, float | None] = (None, None, None)
    os_by: dict[str, GroupComparison] = field(default_factory=dict)
    landmarks: dict[str, LandmarkResult] = field(default_factory=dict)
    cox: CoxModels = field(default_factory=CoxModels)
    response: dict[str, Any] | None = None
    table1: dict[str, Any] | None = None
    adverse_events: dict[str, Any] | None = None
    exposure: dict[str, Any] = field(default_factory=dict)
    safety: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def all_notes(self) -> list[str]:
        """Every skipped or adjusted analysis, in plan order."""
        notes = list(self.notes)
        notes += [c.note for c in self.os_by.values() if c.note]
        notes += [r.comparison.note for r in self.landmarks.values() if r.comparison.note]
        return notes + self.cox.notes

    def to_json_dict(self) -> dict[str, Any]:
        """The stable results.json document."""
        median, lower, upper = self.followup_months
        return {
            "n_patients": self.n_patients,
            "options": {
                "covariates": None
                if self.options.covariates is None
                else list(self.options.covariates),
                "landmarks": {lm.key: lm.months for lm in self.options.landmarks},
                "ci": self.options.ci_type,
                "days_per_month": DAYS_PER_MONTH,
            },
            "os": None if self.os is None else self.os.to_json_dict(),
            "rfs": None if self.rfs is None else self.rfs.to_json_dict(),
            "followup": {"median_months": median, "median_ci_months": [lower, upper]},
            "os_by": {name: c.to_json_dict() for name, c in self.os_by.items()},
            "landmarks": {key: r.to_json_dict() for key, r in self.landmarks.items()},
            "cox": self.cox.to_json_dict(),
            "response": self.response,
            "table1": self.table1,
            "adverse_events": self.adverse_events,
            "exposure": self.exposure,
            "safety": self.safety,
            "notes": self.all_notes(),
        }


def analyze_package(
    package: TrialPackage,
    options: AnalysisOptions | None = None,
    *,
    progress: Progress | None = None,
    on_curves: Callable[[AnalysisResults], None] | None = None,
) -> AnalysisResults:
    """Derive ADaM from ``package`` and run the whole analysis plan on it."""
    report = progress or (lambda _step: None)
    report(ANALYSIS_STEPS[0])
    adam = derive_all(package)
    return analyze_adam(
        adam,
        options,
        administrations=package.administrations,
        progress=report,
        on_curves=on_curves,
    )


def analyze_adam(
    adam: AdamDatasets,
    options: AnalysisOptions | None = None,
    *,
    administrations: pd.DataFrame | None = None,
    progress: Progress | None = None,
    on_curves: Callable[[AnalysisResults], None] | None = None,
) -> AnalysisResults:
    """The analysis plan on derived datasets (ADSL, ADTTE, ADAE, sct_intervals) and the
    package's administrations (treatment exposure; None: skipped with a note).

    ``on_curves`` is called with the results each time new Kaplan–Meier curves are in them (OS
    and RFS, each factor, each landmark) and before the Cox models are, e.g. to start drawing
    them. On a large package (``PARALLEL_MIN_PATIENTS``), where a core is free (none is on two
    cores while a figures' helper runs), a forked helper fits the Cox models (and Tables 1–3
    if it is free first) meanwhile (:mod:`minihcvd.parallel`); the results are the same.
    """
    options = options or AnalysisOptions()
    report = progress or (lambda _step: None)
    tell = on_curves or (lambda _results: None)
    adsl = adam.adsl.reset_index(drop=True)
    baseline = baseline_covariates(adsl)
    candidates = [*baseline, COHORT, SCT]
    _check_covariates(options.covariates, adsl, candidates)
    results = AnalysisResults(options=options, n_patients=len(adsl))
    subjects = pd.Index(adsl["USUBJID"])  # one hash table for every lookup by subject
    os_table, in_adsl_order = _tte(adam.adtte, "OS", adsl, subjects)
    # each grouping column hashed once for the curves, the tables and the models (the OS
    # table's columns are ADSL's when it lists ADSL's patients in order, as derive_all does)
    distinct = DistinctColumns(os_table if in_adsl_order else adsl)
    os_distinct = distinct if in_adsl_order else DistinctColumns(os_table)
    if os_table.empty:
        raise AnalysisError("the package has no patient with an overall-survival time")
    # the Cox models and Tables 1–3 need none of the curves: on a large package a forked
    # helper starts on them at once, and this process joins in once the curves are done
    jobs: list[Callable[[], Any]] = [
        partial(
            _cox_models, adsl, os_table, adam, subjects, candidates, options.covariates, distinct
        ),
        partial(_tables, adsl, baseline, adam.adae, distinct),
    ]
    with JobRunner(jobs if len(adsl) >= PARALLEL_MIN_PATIENTS else []) as helper:
        _curves(results, adam.adtte, subjects, os_table, os_distinct, report, tell)
        report(ANALYSIS_STEPS[4])
        cox, tables = helper.finish() if helper.jobs else [job() for job in jobs]
    report(ANALYSIS_STEPS[5])
    results.cox = cox
    results.table1, results.response, results.adverse_events, notes = tables
    results.notes += notes
    cohorts = CohortMasks(adsl)
    results.exposure, notes = exposure_analysis(adsl, administrations, cohorts)
    results.notes += notes
    results.safety, notes = safety_analysis(adsl, adam.adae, administrations, cohorts)
    results.notes += notes
    return results


def _curves(
    results: AnalysisResults,
    adtte: pd.DataFrame,
    subjects: pd.Index,
    os_table: pd.DataFrame,
    distinct: DistinctColumns,
    report: Progress,
    tell: Callable[[AnalysisResults], None],
) -> None:
    """OS, RFS, follow-up, OS by each factor and the landmarks, into ``results``."""
    options = results.options
    # sorted by time once: the curves and log-rank tests below then need no sort of their own
    # (their results do not depend on the order of the patients)
    order = stable_argsort(os_table["AVAL"].to_numpy(dtype=np.float64))
    days = os_table["AVAL"].to_numpy(dtype=np.float64)[order]
    events = (os_table["CNSR"].to_numpy(dtype=np.float64)[order] == 0).astype(np.float64)

    report(ANALYSIS_STEPS[1])
    results.os = summarize(days, events, ci_type=options.ci_type)
    results.rfs = _rfs(adtte, subjects, options.ci_type, results.notes)
    follow = median_followup(days, events)
    results.followup_months = (
        number_or_none(follow[0] / DAYS_PER_MONTH),
        number_or_none(follow[1] / DAYS_PER_MONTH),
        number_or_none(follow[2] / DAYS_PER_MONTH),
    )
    tell(results)

    report(ANALYSIS_STEPS[2])
    for name, (column, mapping, levels) in FACTORS.items():
        if column not in os_table.columns or not has_values(os_table[column]):
            note = f"{name}: the package has no {column} values; comparison skipped"
            results.os_by[name] = GroupComparison(name, note=note)
            continue
        labels = distinct[column].mapped(mapping)
        results.os_by[name] = compare_coded_groups(
            name,
            days,
            events,
            labels.codes[order],
            labels.values,
            levels=levels,
            ci_type=options.ci_type,
        )
        tell(results)

    report(ANALYSIS_STEPS[3])
    for landmark in options.landmarks:
        results.landmarks[landmark.key] = landmark_analysis(
            os_table, landmark, ci_type=options.ci_type, order=order
        )
        tell(results)


def _cox_models(
    adsl: pd.DataFrame,
    os_table: pd.DataFrame,
    adam: AdamDatasets,
    subjects: pd.Index,
    candidates: list[str],
    covariates: tuple[str, ...] | None,
    distinct: DistinctColumns,
) -> CoxModels:
    # the SCT split is derived here, when first used: after the curves, or in the helper
    outcome = cox_outcome(adsl, os_table, adam.sct_intervals, subjects=subjects)
    return fit_cox_models(
        adsl, outcome, candidates=candidates, given=covariates, distinct=distinct
    )


def _tables(
    adsl: pd.DataFrame,
    baseline: list[str],
    adae: pd.DataFrame | None,
    distinct: DistinctColumns,
) -> tuple[dict[str, Any], dict[str, Any] | None, dict[str, Any] | None, list[str]]:
    """Tables 1–3 (Table 1 of the ``baseline`` covariates) and the notes on those skipped."""
    notes: list[str] = []
    table1 = baseline_table(adsl, baseline, distinct=distinct)
    response = _optional(lambda: response_table(adsl, distinct=distinct), "Table 2", notes)
    table3 = None
    if adae is None or adae.empty:
        notes.append("Table 3 skipped: the package has no adverse events")
    else:
        table3 = _optional(lambda: adverse_event_table(adae, len(adsl)), "Table 3", notes)
    return table1, response, table3, notes


def _check_covariates(
    given: Sequence[str] | None, adsl: pd.DataFrame, candidates: Sequence[str]
) -> None:
    """An unknown --covariates name is an error before any work, not a silent skip."""
    unknown = [name for name in given or () if name not in candidates and name not in adsl]
    if unknown:
        raise AnalysisError(
            f"unknown covariate(s) {', '.join(unknown)}; available: {', '.join(candidates)}"
        )


def _tte(
    adtte: pd.DataFrame, paramcd: str, adsl: pd.DataFrame, subjects: pd.Index
) -> tuple[pd.DataFrame, bool]:
    """One parameter's rows with the subject's ADSL columns alongside (``subjects``: ADSL's
    USUBJID as an index), and whether they are ADSL's patients in ADSL's order."""
    rows, position = _tte_rows(adtte, paramcd, subjects)
    in_adsl_order = np.array_equal(position, np.arange(len(adsl)))
    # in ADSL's order there is nothing to gather: the columns are shared
    joined = adsl.copy(deep=False) if in_adsl_order else adsl.iloc[position].reset_index(drop=True)
    joined["AVAL"] = rows["AVAL"].to_numpy()
    joined["CNSR"] = rows["CNSR"].to_numpy()
    return joined, in_adsl_order


def _tte_rows(
    adtte: pd.DataFrame, paramcd: str, subjects: pd.Index
) -> tuple[pd.DataFrame, np.ndarray]:
    """One parameter's USUBJID, AVAL, CNSR and each row's ADSL row, checked one to one."""
    chosen = text_equals(adtte["PARAMCD"], paramcd) & adtte["AVAL"].notna().to_numpy()
    rows = adtte.loc[chosen, ["USUBJID", "AVAL", "CNSR"]]  # not the other columns: no copies
    position = adsl_rows(subjects, rows["USUBJID"])
    if (position < 0).any() or np.bincount(position, minlength=1).max(initial=0) > 1:
        raise AnalysisError(f"ADTTE {paramcd} rows do not match ADSL subjects one to one")
    return rows, position


def _rfs(
    adtte: pd.DataFrame, subjects: pd.Index, ci_type: str, notes: list[str]
) -> SurvivalSummary | None:
    table, _ = _tte_rows(adtte, "RFS", subjects)  # the curve needs no ADSL column
    if table.empty:
        notes.append("RFS skipped: no responder has a response date")
        return None
    events = (table["CNSR"].to_numpy(dtype=np.float64) == 0).astype(np.float64)
    return summarize(table["AVAL"].to_numpy(dtype=np.float64), events, ci_type=ci_type)


def _optional(
    compute: Callable[[], dict[str, Any]], what: str, notes: list[str]
) -> dict[str, Any] | None:
    try:
        return compute()
    except AnalysisError as error:
        notes.append(f"{what} skipped: {error.message}")
        return None
