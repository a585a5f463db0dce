"""ADSL derivations: one row per patient, baseline columns kept, derived variables upper case.

Each ``derive_*`` function checks its inputs, adds its columns and returns a new frame, so the
steps chain with ``DataFrame.pipe`` (see :func:`minihcvd.adam.pipeline.build_adsl`).
Optional ``patients.csv`` columns that a package lacks count as missing values.
"""

from __future__ import annotations

from typing import Final

import pandas as pd

from minihcvd.adam._checks import require_columns, require_new
from minihcvd.adam.compute import text_take, y_or_n, yes_no, yes_no_where
from minihcvd.clinical import DistinctValues
from minihcvd.clinical.response import RESPONDER_CODES
from minihcvd.clinical.risk import SALVAGE_GROUPS, is_high_risk_karyotype, salvage_group_index
from minihcvd.errors import DerivationError

__all__ = [
    "STUDY_ID",
    "derive_var_hrcytfl",
    "derive_var_lstalvdt",
    "derive_vars_death",
    "derive_vars_exposure",
    "derive_vars_response",
    "derive_vars_salvage",
    "derive_vars_subject",
    "derive_vars_trt_dates",
]

STUDY_ID: Final = "NCT01371630"
_INOTUZUMAB = "inotuzumab"


def _optional(dataset: pd.DataFrame, name: str, dtype: str) -> pd.Series:
    """An optional input column, all missing when absent."""
    if name in dataset:
        return dataset[name]
    return pd.Series(None, index=dataset.index, dtype=dtype)


def derive_vars_subject(patients: pd.DataFrame, *, study_id: str = STUDY_ID) -> pd.DataFrame:
    """Start ADSL: every patients.csv column (lower case), then STUDYID, USUBJID, COHORT."""
    require_columns(patients, ["patient_id", "cohort"], step="derive_vars_subject")
    adsl = patients.rename(columns=str.lower)
    require_new(adsl, ["STUDYID", "USUBJID", "COHORT"], step="derive_vars_subject")
    adsl.insert(0, "STUDYID", study_id)
    adsl.insert(1, "USUBJID", adsl["patient_id"])
    adsl["COHORT"] = adsl["cohort"]
    return adsl


def derive_vars_trt_dates(
    adsl: pd.DataFrame, *, administrations: pd.DataFrame | None = None
) -> pd.DataFrame:
    """TRTSDT (start of treatment), TRTEDT (last dose) and INOLSTDT (last inotuzumab dose).

    Without administrations the last doses are unknown (missing).
    """
    new = ["TRTSDT", "TRTEDT", "INOLSTDT"]
    require_columns(adsl, ["USUBJID", "start_date"], step="derive_vars_trt_dates")
    require_new(adsl, new, step="derive_vars_trt_dates")
    out = adsl.copy(deep=False)
    out["TRTSDT"] = out["start_date"]
    missing = pd.Series(pd.NaT, index=out.index, dtype=out["start_date"].dtype)
    out["TRTEDT"] = missing
    out["INOLSTDT"] = missing
    if administrations is not None and len(administrations):
        require_columns(
            administrations, ["patient_id", "date", "drug"], step="derive_vars_trt_dates"
        )
        last = administrations.groupby("patient_id")["date"].max()
        inotuzumab = administrations["drug"].str.lower().str.contains(_INOTUZUMAB, na=False)
        last_ino = administrations[inotuzumab].groupby("patient_id")["date"].max()
        # reindex, not map: an empty lookup (no inotuzumab dose at all) must give NaT too
        out["TRTEDT"] = _per_subject(last, out["USUBJID"], missing)
        out["INOLSTDT"] = _per_subject(last_ino, out["USUBJID"], missing)
    return out


def _per_subject(values: pd.Series, subjects: pd.Series, like: pd.Series) -> pd.Series:
    """A per-patient date looked up for each ADSL row (NaT where the patient has none)."""
    found = values.reindex(subjects.to_numpy()).astype(like.dtype)
    return pd.Series(found.to_numpy(), index=subjects.index, dtype=like.dtype)


def derive_vars_death(adsl: pd.DataFrame) -> pd.DataFrame:
    """DTHDT and DTHFL (``Y`` dead, ``N`` alive)."""
    require_columns(adsl, ["death_date"], step="derive_vars_death")
    require_new(adsl, ["DTHDT", "DTHFL"], step="derive_vars_death")
    out = adsl.copy(deep=False)
    out["DTHDT"] = out["death_date"]
    out["DTHFL"] = y_or_n(out["death_date"].notna())
    return out


def derive_var_lstalvdt(adsl: pd.DataFrame) -> pd.DataFrame:
    """LSTALVDT, the last date known alive (the censoring date of OS and RFS)."""
    require_columns(adsl, ["last_followup_date"], step="derive_var_lstalvdt")
    require_new(adsl, ["LSTALVDT"], step="derive_var_lstalvdt")
    out = adsl.copy(deep=False)
    out["LSTALVDT"] = out["last_followup_date"]
    return out


def derive_vars_response(adsl: pd.DataFrame, *, outcomes: pd.DataFrame) -> pd.DataFrame:
    """BOR, RSPFL, RSPDT, RELDT, EDTHFL, MRD flags and RSPSRC from resolved patient outcomes.

    ``outcomes`` is :func:`minihcvd.clinical.outcomes.patient_outcomes` for the same rows.
    MRDNEGFL: flow MRD negative at any time; MRDRSPFL: at the response assessment;
    MRDNGSFL: NGS negative at any time.
    """
    new = ["BOR", "RSPFL", "RSPDT", "RELDT", "EDTHFL", "MRDNEGFL", "MRDRSPFL", "MRDNGSFL", "RSPSRC"]
    require_new(adsl, new, step="derive_vars_response")
    require_columns(
        outcomes,
        ["best_response", "response_date", "relapse_date", "mrd_negative", "outcome_source"],
        step="derive_vars_response",
    )
    if not outcomes.index.equals(adsl.index):
        raise DerivationError("derive_vars_response: outcomes must have the same index as ADSL")
    out = adsl.copy(deep=False)
    bor = outcomes["best_response"].astype("object")
    codes = DistinctValues.of(bor)  # each test below on a few distinct values, not every row
    known = codes.known()
    values = bor.to_numpy(copy=True)
    values[~known] = None
    out["BOR"] = pd.Series(values, index=bor.index, dtype=object)
    responder = codes.isin(RESPONDER_CODES)
    out["RSPFL"] = yes_no_where(responder, known, bor.index)
    out["RSPDT"] = outcomes["response_date"]
    out["RELDT"] = outcomes["relapse_date"]
    early_death = codes.isin({"ED"})
    out["EDTHFL"] = y_or_n(early_death)
    out["MRDNEGFL"] = yes_no(outcomes["mrd_negative"])
    out["MRDRSPFL"] = yes_no(_optional(outcomes, "mrd_negative_at_response", "boolean"))
    out["MRDNGSFL"] = yes_no(_optional(outcomes, "mrd_ngs_negative", "boolean"))
    out["RSPSRC"] = outcomes["outcome_source"].astype(object)
    return out


def derive_vars_salvage(adsl: pd.DataFrame) -> pd.DataFrame:
    """SALVGRP (Table 1 salvage group) and SALV1FL (``Y`` in first salvage)."""
    require_new(adsl, ["SALVGRP", "SALV1FL"], step="derive_vars_salvage")
    out = adsl.copy(deep=False)
    if "salvage" not in adsl:
        out["SALVGRP"] = out["SALV1FL"] = None
        return out
    codes = DistinctValues.of(adsl["salvage"])  # hashed once for both variables
    group = salvage_group_index(
        codes,
        _optional(adsl, "primary_refractory", "boolean"),
        _optional(adsl, "first_remission_months", "float64"),
    )
    out["SALVGRP"] = text_take([*SALVAGE_GROUPS, None], group)
    first = codes.isin({"S1"})
    out["SALV1FL"] = yes_no_where(first, codes.known(), adsl.index)
    return out


def derive_var_hrcytfl(adsl: pd.DataFrame) -> pd.DataFrame:
    """HRCYTFL: the stated ``high_risk_cytogenetics``, else derived from ``karyotype``."""
    require_new(adsl, ["HRCYTFL"], step="derive_var_hrcytfl")
    out = adsl.copy(deep=False)
    if "karyotype" not in adsl and "high_risk_cytogenetics" not in adsl:
        out["HRCYTFL"] = None
        return out
    derived = pd.Series(
        is_high_risk_karyotype(_optional(adsl, "karyotype", "str")),
        index=adsl.index,
        dtype="object",
    ).astype("boolean")
    stated = _optional(adsl, "high_risk_cytogenetics", "boolean").astype("boolean")
    out["HRCYTFL"] = yes_no(stated.fillna(derived))
    return out


def derive_vars_exposure(
    adsl: pd.DataFrame, *, date_column: str, new_flag: str, new_date: str
) -> pd.DataFrame:
    """A ``Y``/``N`` flag and the date of an exposure (SCT, blinatumomab) from its date column."""
    require_new(adsl, [new_flag, new_date], step="derive_vars_exposure")
    require_columns(adsl, ["start_date"], step="derive_vars_exposure")
    out = adsl.copy(deep=False)
    date = _optional(adsl, date_column, str(adsl["start_date"].dtype))
    out[new_flag] = y_or_n(date.notna())
    out[new_date] = date
    return out
