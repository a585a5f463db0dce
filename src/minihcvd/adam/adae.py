"""ADAE: adverse events with treatment-emergence by the trial's reporting window.

Variables: every adverse_events.csv column (lower case), then ``STUDYID``, ``USUBJID``,
``AETERM``, ``ASTDT``, ``ASTDY`` (study day, no day 0), ``AETOXGR``/``AETOXGRN`` (CTCAE grade as
text and number), ``AESEV`` (its CTCAE meaning), ``CTCAEV``, ``AEHEMFL``, ``AERELFL``,
``SOSFL``, ``TRTEMFL`` (in the reporting window of
:func:`minihcvd.clinical.adverse_events.in_reporting_window`) and ``WORSTFL`` (the worst-grade
treatment-emergent row per patient and term, earliest on ties).
"""

from __future__ import annotations

import pandas as pd

from minihcvd.adam._checks import require_columns, require_new
from minihcvd.adam.compute import compute_duration_days, y_or_n, yes_no
from minihcvd.clinical.adverse_events import CTCAE_GRADES, in_reporting_window, is_sos_term

__all__ = ["derive_var_trtemfl", "derive_var_worstfl", "derive_vars_ae"]


def derive_vars_ae(events: pd.DataFrame, *, adsl: pd.DataFrame) -> pd.DataFrame:
    """Start ADAE from adverse_events.csv and ADSL's treatment dates."""
    step = "derive_vars_ae"
    require_columns(
        events, ["patient_id", "term", "onset_date", "grade", "ctcae_version"], step=step
    )
    require_columns(adsl, ["STUDYID", "USUBJID", "TRTSDT", "TRTEDT", "INOLSTDT"], step=step)
    adae = events.rename(columns=str.lower).reset_index(drop=True)
    new = [
        "STUDYID",
        "USUBJID",
        "AETERM",
        "ASTDT",
        "ASTDY",
        "AETOXGR",
        "AETOXGRN",
        "AESEV",
        "CTCAEV",
        "AEHEMFL",
        "AERELFL",
        "SOSFL",
        "TRTSDT",
        "TRTEDT",
        "INOLSTDT",
    ]
    require_new(adae, new, step=step)
    dates = adsl.drop_duplicates("USUBJID").set_index("USUBJID")[["TRTSDT", "TRTEDT", "INOLSTDT"]]
    adae.insert(0, "STUDYID", adsl["STUDYID"].iloc[0] if len(adsl) else None)
    adae.insert(1, "USUBJID", adae["patient_id"])
    adae["AETERM"] = adae["term"]
    adae["ASTDT"] = adae["onset_date"]
    for name in dates.columns:
        adae[name] = adae["USUBJID"].map(dates[name]).astype(adae["onset_date"].dtype)
    day = compute_duration_days(adae["TRTSDT"], adae["ASTDT"])
    adae["ASTDY"] = day.where(day > 0, day - 1)  # the day before day 1 is day -1
    grade = adae["grade"].astype("Int64")
    adae["AETOXGR"] = grade.astype("str").where(grade.notna(), None).astype(object)
    adae["AETOXGRN"] = grade
    adae["AESEV"] = grade.map(CTCAE_GRADES).astype(object)
    adae["CTCAEV"] = adae["ctcae_version"]
    adae["AEHEMFL"] = yes_no(_optional_flag(adae, "hematologic"))
    adae["AERELFL"] = yes_no(_optional_flag(adae, "treatment_related"))
    adae["SOSFL"] = y_or_n(is_sos_term(adae["term"]))
    return adae


def _optional_flag(adae: pd.DataFrame, name: str) -> pd.Series:
    if name in adae:
        return adae[name].astype("boolean")
    return pd.Series(pd.NA, index=adae.index, dtype="boolean")


def derive_var_trtemfl(adae: pd.DataFrame) -> pd.DataFrame:
    """TRTEMFL ``Y`` where the event is reportable under the trial's window rule."""
    require_columns(
        adae,
        ["ASTDT", "TRTSDT", "TRTEDT", "INOLSTDT", "AERELFL", "SOSFL"],
        step="derive_var_trtemfl",
    )
    require_new(adae, ["TRTEMFL"], step="derive_var_trtemfl")
    out = adae.copy(deep=False)
    reportable = in_reporting_window(
        adae["ASTDT"],
        adae["TRTSDT"],
        adae["TRTEDT"],
        adae["AERELFL"].map({"Y": True, "N": False}).astype("boolean"),
        adae["SOSFL"].eq("Y"),
        adae["INOLSTDT"],
    )
    out["TRTEMFL"] = y_or_n(reportable)
    return out


def derive_var_worstfl(adae: pd.DataFrame) -> pd.DataFrame:
    """WORSTFL ``Y`` on each patient's worst-grade treatment-emergent row per term."""
    require_columns(
        adae, ["USUBJID", "AETERM", "AETOXGRN", "ASTDT", "TRTEMFL"], step="derive_var_worstfl"
    )
    require_new(adae, ["WORSTFL"], step="derive_var_worstfl")
    out = adae.copy(deep=False)
    emergent = adae[adae["TRTEMFL"].eq("Y")]
    ordered = emergent.sort_values(
        ["USUBJID", "AETERM", "AETOXGRN", "ASTDT"],
        ascending=[True, True, False, True],
        kind="stable",
    )
    first = ordered.drop_duplicates(["USUBJID", "AETERM"]).index
    out["WORSTFL"] = y_or_n(adae.index.isin(first))
    return out
