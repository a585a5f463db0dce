"""Checks across rows, columns and files, on typed frames, every problem with its place.

Comparisons with a missing value are False, so a cell that already failed to parse (now
missing) does not produce a second, confusing problem here.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from minihcvd.clinical import DistinctColumns, DistinctValues, text_equals
from minihcvd.clinical.outcomes import patient_outcomes
from minihcvd.clinical.response import EARLY_DEATH_LAST_DAY, RESPONDER_CODES, is_early_death
from minihcvd.clinical.risk import HIGH_RISK_KARYOTYPES
from minihcvd.errors import TrialDataError
from minihcvd.trialdata.parse import problems_at

__all__ = [
    "check_adverse_events",
    "check_assessments",
    "check_linked_file",
    "check_outcome_consistency",
    "check_patients",
]

_PATIENTS = "patients.csv"
#: The ``add(mask, message, field, values=None)`` collector of :func:`check_patients`.
_Add = Callable[..., None]
_EVENT_DATES = ("response_date", "relapse_date", "sct_date", "blinatumomab_date")


def _column(frame: pd.DataFrame, name: str, dtype: str) -> pd.Series:
    """``frame[name]``, or an all-missing column when the file lacks it."""
    if name in frame:
        return frame[name]
    return pd.Series(None, index=frame.index, dtype=dtype)


def check_patients(
    patients: pd.DataFrame, *, distinct: DistinctColumns | None = None
) -> list[TrialDataError]:
    """Unique ids; start <= response <= relapse; death the last date; codes that agree.

    Checks of optional columns run only when the file has them (``distinct``: the patients'
    columns hashed so far, shared with the other checks).
    """
    p = patients
    distinct = distinct or DistinctColumns(patients)
    found: list[TrialDataError] = []

    def add(mask: pd.Series, message: str, field: str, values: pd.Series | None = None) -> None:
        found.extend(problems_at(mask, message, file=_PATIENTS, field=field, values=values))

    ids = _column(p, "patient_id", "str")
    as_list = ids.to_numpy().tolist()
    # a set of the ids says whether any repeats in half the time of pandas' duplicated()
    if len(set(as_list)) < len(as_list):
        repeated = ids.duplicated()
        add(
            ids.notna() & repeated,
            "patient_id '{value}' appears more than once",
            "patient_id",
            ids,
        )
    start = _column(p, "start_date", "datetime64[us]")
    last = _column(p, "last_followup_date", "datetime64[us]")
    death = _column(p, "death_date", "datetime64[us]")
    add(last < start, "last_followup_date is before start_date", "last_followup_date")
    add(death < start, "death_date is before start_date", "death_date")
    add(
        last > death,
        "last_followup_date is after death_date: no follow-up after death",
        "last_followup_date",
    )
    for name in (name for name in _EVENT_DATES if name in p):
        date = p[name]
        add(date < start, f"{name} is before start_date", name)
        add(date > death, f"{name} is after death_date: death must be the last date", name)
        add(death.isna() & (date > last), f"{name} is after last_followup_date", name)
    if {"response_date", "relapse_date"} <= set(p.columns):
        add(
            p["relapse_date"] < p["response_date"],
            "relapse_date is before response_date",
            "relapse_date",
        )
    if "best_response" in p:
        _check_response_codes(p, distinct["best_response"], add)
    _check_baseline_codes(p, add)
    return found


def _check_response_codes(p: pd.DataFrame, codes: DistinctValues, add: _Add) -> None:
    """A responder has a response date, NR/ED have none and are not MRD negative (``codes``:
    best_response hashed: the tests run on the few codes, not on every row)."""
    best = p["best_response"]
    response = _column(p, "response_date", "datetime64[us]")
    failed = pd.Series(codes.isin({"NR", "ED"}), index=p.index)
    add(
        pd.Series(codes.isin(RESPONDER_CODES), index=p.index) & response.isna(),
        "best_response '{value}' needs a response_date",
        "response_date",
        best,
    )
    add(
        failed & response.notna(),
        "response_date given but best_response is '{value}'",
        "response_date",
        best,
    )
    if "mrd_negative" in p:
        add(
            failed & p["mrd_negative"].eq(True),
            "mrd_negative is true but best_response is '{value}'",
            "mrd_negative",
            best,
        )


def _check_baseline_codes(p: pd.DataFrame, add: _Add) -> None:
    """Cytogenetics and salvage columns that must agree with each other."""
    if {"high_risk_cytogenetics", "karyotype"} <= set(p.columns):
        karyotype = p["karyotype"]
        add(
            p["high_risk_cytogenetics"].eq(False) & karyotype.isin(list(HIGH_RISK_KARYOTYPES)),
            "high_risk_cytogenetics is false but karyotype is '{value}'",
            "high_risk_cytogenetics",
            karyotype,
        )
    if "primary_refractory" not in p:
        return
    refractory = p["primary_refractory"].eq(True)
    if "salvage" in p:
        salvage = p["salvage"]
        add(
            refractory & salvage.notna() & salvage.ne("S1"),
            "primary_refractory is true but salvage is '{value}' (must be S1)",
            "primary_refractory",
            salvage,
        )
    if "first_remission_months" in p:
        add(
            refractory & p["first_remission_months"].notna(),
            "first_remission_months given for a primary refractory patient",
            "first_remission_months",
        )


def check_outcome_consistency(
    patients: pd.DataFrame,
    assessments: pd.DataFrame | None,
    resolve: Callable[[], pd.DataFrame] | None = None,
    *,
    distinct: DistinctColumns | None = None,
) -> list[TrialDataError]:
    """Stated outcomes agree with those derived from assessments; early death is coded ED.

    ``resolve`` gives ``patient_outcomes(patients, assessments)`` where the caller keeps it
    (a package's ``outcomes``); by default it is worked out here. ``distinct``: the patients'
    columns hashed so far.
    """
    needed = {"patient_id", "start_date", "death_date"}
    if not needed <= set(patients.columns):
        return []
    resolved = patient_outcomes(patients, assessments) if resolve is None else resolve()
    found: list[TrialDataError] = []
    from_assessments = pd.Series(
        text_equals(resolved["outcome_source"], "assessments"), index=resolved.index
    )
    for name in ("best_response", "response_date", "relapse_date", "mrd_negative"):
        if name not in patients or not bool(from_assessments.any()):
            continue
        stated = patients[name]
        derived = resolved[name]
        differs = from_assessments & stated.notna() & ~(stated == derived).fillna(False)
        if not bool(differs.astype(bool).any()):
            continue  # the values to show are only needed for a disagreement
        shown = derived.astype("object").where(derived.notna(), "empty")
        if name.endswith("_date"):
            shown = derived.dt.strftime("%Y-%m-%d").astype("object").where(derived.notna(), "empty")
        elif name == "mrd_negative":  # as the file spells it
            shown = derived.map({True: "true", False: "false"}).astype("object")
            shown = shown.where(derived.notna(), "empty")
        found += problems_at(
            differs.astype(bool),
            f"{name} disagrees with assessments.csv, which gives {{value}}",
            file=_PATIENTS,
            field=name,
            values=shown,
        )
    if "best_response" in patients:
        early = pd.Series(
            is_early_death(
                patients["start_date"], patients["death_date"], resolved["response_date"]
            ),
            index=patients.index,
        )
        stated = patients["best_response"]
        codes = (distinct or DistinctColumns(patients))["best_response"]  # the few codes
        coded_ed = pd.Series(codes.isin({"ED"}), index=patients.index)
        from_patients = ~from_assessments
        found += problems_at(
            from_patients & early & pd.Series(codes.known(), index=patients.index) & ~coded_ed,
            f"death on day 1-{EARLY_DEATH_LAST_DAY} without response is an early death: "
            "best_response must be ED, not '{value}'",
            file=_PATIENTS,
            field="best_response",
            values=stated,
        )
        found += problems_at(
            from_patients & coded_ed & ~early,
            f"best_response is ED but the patient did not die on day 1-{EARLY_DEATH_LAST_DAY}"
            " without a response",
            file=_PATIENTS,
            field="best_response",
        )
    found += problems_at(
        resolved["response_date"].notna() & resolved["best_response"].isna(),
        "response_date given without a best_response (CR, CRp or CRi)",
        file=_PATIENTS,
        field="best_response",
    )
    relapse = resolved["relapse_date"]
    found += problems_at(
        relapse.notna() & resolved["response_date"].isna(),
        "relapse_date without a response (relapse needs an earlier CR, CRp or CRi)",
        file=_PATIENTS,
        field="relapse_date",
    )
    return found


def check_linked_file(
    frame: pd.DataFrame,
    patients: pd.DataFrame,
    *,
    file: str,
    date_column: str,
    not_before_start: bool,
) -> list[TrialDataError]:
    """Known patient ids; dates within the patient's time on study."""
    if "patient_id" not in frame or "patient_id" not in patients:
        return []
    ids = frame["patient_id"]
    found = problems_at(
        ids.notna() & ~ids.isin(patients["patient_id"]),
        "patient_id '{value}' is not in patients.csv",
        file=file,
        field="patient_id",
        values=ids,
    )
    if date_column not in frame:
        return found
    first = patients.drop_duplicates("patient_id").set_index("patient_id")
    date = frame[date_column]
    death = ids.map(_column(first, "death_date", "datetime64[us]"))
    last = ids.map(_column(first, "last_followup_date", "datetime64[us]"))
    if not_before_start:
        start = ids.map(_column(first, "start_date", "datetime64[us]"))
        found += problems_at(
            date < start,
            f"{date_column} is before the patient's start_date",
            file=file,
            field=date_column,
        )
    found += problems_at(
        date > death,
        f"{date_column} is after the patient's death_date",
        file=file,
        field=date_column,
    )
    found += problems_at(
        death.isna() & (date > last),
        f"{date_column} is after the patient's last_followup_date",
        file=file,
        field=date_column,
    )
    return found


def check_assessments(assessments: pd.DataFrame) -> list[TrialDataError]:
    """At most one marrow assessment per patient and date."""
    if not {"patient_id", "assessment_date"} <= set(assessments.columns):
        return []
    key = assessments[["patient_id", "assessment_date"]]
    repeated = key.notna().all(axis=1) & key.duplicated()
    return problems_at(
        repeated,
        "a second assessment for this patient on the same date",
        file="assessments.csv",
        field="assessment_date",
    )


def check_adverse_events(events: pd.DataFrame, patients: pd.DataFrame) -> list[TrialDataError]:
    """A grade 5 event (death) needs a death date (its onset after death is checked apart)."""
    if not {"patient_id", "grade"} <= set(events.columns) or "patient_id" not in patients:
        return []
    death = events["patient_id"].map(
        patients.drop_duplicates("patient_id").set_index("patient_id")["death_date"]
        if "death_date" in patients
        else pd.Series(dtype="datetime64[us]")
    )
    return problems_at(
        events["grade"].eq(5).fillna(False) & death.isna(),
        "grade 5 means death, but the patient has no death_date",
        file="adverse_events.csv",
        field="grade",
    )
