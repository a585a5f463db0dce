"""Per-patient outcomes from marrow assessments, and their precedence over stated outcomes.

``summarise_assessments`` applies the single-assessment rules to every row and reduces them per
patient (vectorised, no loop over patients):

- response date: the first assessment with CR, CRp or CRi (the start of relapse-free survival);
- relapse date: the first assessment *after* the response date that shows relapse;
- best overall response: the best category at assessments before the relapse (``NE`` if none
  was evaluable);
- MRD (flow and NGS separately): at the response assessment, and best before relapse — negative
  if any measurement was negative, positive if measured but never negative, missing otherwise.

``patient_outcomes`` decides, per patient, where outcomes come from: assessments win for patients
with assessment rows; otherwise the ``patients.csv`` columns are used. Early death (``ED``)
replaces the best response of a patient who died on days 1–28 without responding.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from minihcvd.clinical.mrd import mrd_negative
from minihcvd.clinical.relapse import shows_relapse
from minihcvd.clinical.response import (
    RESPONDER_CODES,
    RESPONSE_RANK,
    classify_response,
    is_early_death,
)

__all__ = ["OUTCOME_COLUMNS", "patient_outcomes", "summarise_assessments"]

#: Columns of both functions' results (beside ``outcome_source`` in ``patient_outcomes``).
OUTCOME_COLUMNS: Final = (
    "best_response",
    "response_date",
    "relapse_date",
    "mrd_negative",
    "mrd_negative_at_response",
    "mrd_ngs_negative",
    "mrd_ngs_negative_at_response",
)
_RANK_TO_CODE = {rank: code for code, rank in RESPONSE_RANK.items()}


def summarise_assessments(assessments: pd.DataFrame) -> pd.DataFrame:
    """One row per patient (index ``patient_id``) with the columns of :data:`OUTCOME_COLUMNS`."""
    rows = assessments.sort_values(["patient_id", "assessment_date"], kind="stable")
    patient = rows["patient_id"]
    date = rows["assessment_date"]
    recovery = rows.get("blasts_due_to_recovery", pd.Series(pd.NA, index=rows.index))
    response = classify_response(
        rows["bm_blasts_pct"],
        rows["anc_10e9_per_l"],
        rows["platelets_10e9_per_l"],
        rows["extramedullary_disease"],
        recovery,
    )
    responded = pd.Series(np.isin(response, list(RESPONDER_CODES)), index=rows.index)
    response_date = date[responded].groupby(patient[responded]).min()
    response_date_row = _per_row(response_date, patient)
    relapsing = pd.Series(
        shows_relapse(rows["bm_blasts_pct"], rows["extramedullary_disease"], recovery),
        index=rows.index,
    ) & (date > response_date_row)
    relapse_date = date[relapsing].groupby(patient[relapsing]).min()
    relapse_date_row = _per_row(relapse_date, patient)
    before_relapse = relapse_date_row.isna() | (date < relapse_date_row)
    at_response = date == response_date_row

    rank = pd.Series(response, index=rows.index).map(RESPONSE_RANK)
    best_rank = rank[before_relapse].groupby(patient[before_relapse]).min()
    summary = pd.DataFrame(index=pd.Index(patient.unique(), name="patient_id"))
    summary["best_response"] = best_rank.map(_RANK_TO_CODE).astype("str")
    summary["response_date"] = response_date
    summary["relapse_date"] = relapse_date
    for assay, name in (("flow", "mrd_negative"), ("ngs", "mrd_ngs_negative")):
        column = f"mrd_{assay}_level"
        if column not in rows:
            summary[name] = pd.NA
            summary[f"{name}_at_response"] = pd.NA
            continue
        negative = pd.Series(mrd_negative(rows[column], assay=assay), index=rows.index)
        as_number = negative.astype("float64")
        summary[name] = _any_true(as_number[before_relapse], patient[before_relapse])
        summary[f"{name}_at_response"] = _any_true(as_number[at_response], patient[at_response])
    for name in OUTCOME_COLUMNS[3:]:
        summary[name] = summary[name].astype("boolean")
    return summary


def _per_row(per_patient: pd.Series, patient: pd.Series) -> pd.Series:
    """Spread a per-patient value back onto that patient's rows."""
    values = per_patient.reindex(patient.to_numpy()).to_numpy()
    return pd.Series(values, index=patient.index)


def _any_true(values: pd.Series, patient: pd.Series) -> pd.Series:
    """Per patient: True if any 1, False if only 0s, missing if no measurement."""
    return values.groupby(patient).max().astype("boolean")


def patient_outcomes(patients: pd.DataFrame, assessments: pd.DataFrame | None) -> pd.DataFrame:
    """Outcomes aligned with ``patients`` rows, plus ``outcome_source`` (assessments/patients).

    Stated columns absent from ``patients`` count as missing.
    """
    stated = pd.DataFrame(index=patients.index)
    for name in OUTCOME_COLUMNS:
        if name in patients:
            stated[name] = patients[name]
        elif name.endswith("_date"):
            stated[name] = pd.Series(pd.NaT, index=patients.index, dtype="datetime64[us]")
        elif name == "best_response":
            stated[name] = pd.Series(None, index=patients.index, dtype="object")
        else:
            stated[name] = pd.Series(pd.NA, index=patients.index, dtype="boolean")
    source = pd.Series("patients", index=patients.index, dtype="object")
    outcomes = stated
    if assessments is not None and len(assessments):
        summary = summarise_assessments(assessments)
        has_rows = patients["patient_id"].isin(summary.index)
        derived = summary.reindex(patients["patient_id"]).set_axis(patients.index)
        outcomes = stated.copy()
        for name in OUTCOME_COLUMNS:
            outcomes[name] = derived[name].where(has_rows, stated[name])
            if name.endswith("_date"):
                outcomes[name] = outcomes[name].astype(stated[name].dtype)
        source = source.mask(has_rows, "assessments")
    early = is_early_death(
        patients["start_date"], patients["death_date"], outcomes["response_date"]
    )
    best = outcomes["best_response"].astype("object").mask(early, "ED")
    outcomes["best_response"] = best.where(best.notna(), None)
    outcomes["outcome_source"] = source
    return outcomes
