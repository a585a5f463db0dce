"""ADRS: response parameters per patient.

``BOR`` (best overall response) for every patient with a known response, and, where measured,
``MRDRSP`` (flow MRD negative at the response assessment), ``MRDFLOW`` (flow MRD negative at any
time) and ``MRDNGS`` (NGS MRD negative at any time), each with ``AVALC`` ``Y``/``N``. With
assessments, ``OVR`` rows give the response at every assessment.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from minihcvd.adam._checks import require_columns
from minihcvd.adam.compute import text_take
from minihcvd.clinical import DistinctValues
from minihcvd.clinical.response import RESPONSE_RANK, classify_response
from minihcvd.trialdata.schema import ASSESSMENTS

__all__ = ["ADRS_COLUMNS", "derive_param_bor", "derive_param_mrd", "derive_param_ovr"]

ADRS_COLUMNS: Final = ("STUDYID", "USUBJID", "PARAMCD", "PARAM", "AVALC", "AVAL", "ADT")
#: Numeric codes of AVALC for BOR and OVR (lower is better; ED after NR, as in Table 2).
RESPONSE_AVAL: Final = {**RESPONSE_RANK, "ED": 6}
_MRD_PARAMS: Final = (
    ("MRDRSP", "MRD negative by flow at response", "MRDRSPFL"),
    ("MRDFLOW", "MRD negative by flow at any time", "MRDNEGFL"),
    ("MRDNGS", "MRD negative by NGS at any time", "MRDNGSFL"),
)


def _rows(
    adsl: pd.DataFrame, paramcd: str, param: str, avalc: pd.Series, adt: pd.Series
) -> pd.DataFrame:
    distinct = DistinctValues.of(avalc.to_numpy())
    keep = distinct.known()
    kept = avalc.index[keep]
    everyone = np.zeros(kept.size, dtype=np.intp)
    if paramcd == "BOR":  # AVAL by the few distinct values, not row by row
        numbers = [RESPONSE_AVAL.get(value, np.nan) for value in distinct.values]
        aval = pd.Series(distinct.each(numbers, np.nan)[keep], index=kept, dtype=float)
        aval = aval.astype("Int64")
    else:
        aval = pd.Series(pd.NA, index=kept, dtype="Int64")
    return pd.DataFrame(
        {
            "STUDYID": adsl["STUDYID"][keep],
            "USUBJID": adsl["USUBJID"][keep],
            "PARAMCD": pd.Series(text_take([paramcd], everyone), index=kept),
            "PARAM": pd.Series(text_take([param], everyone), index=kept),
            "AVALC": avalc[keep].astype(object),
            "AVAL": aval,
            "ADT": adt[keep],
        }
    )


def derive_param_bor(adsl: pd.DataFrame) -> pd.DataFrame:
    """BOR rows: AVALC the best response, ADT the response date (missing for non-responders)."""
    require_columns(adsl, ["STUDYID", "USUBJID", "BOR", "RSPDT"], step="derive_param_bor")
    return _rows(adsl, "BOR", "Best Overall Response", adsl["BOR"], adsl["RSPDT"])


def derive_param_mrd(adsl: pd.DataFrame) -> pd.DataFrame:
    """MRD rows (``Y``/``N``) for patients with a measurement; ADT the response date."""
    flags = [flag for _, _, flag in _MRD_PARAMS]
    require_columns(adsl, ["STUDYID", "USUBJID", "RSPDT", *flags], step="derive_param_mrd")
    frames = [
        _rows(adsl, code, label, adsl[flag], adsl["RSPDT"]) for code, label, flag in _MRD_PARAMS
    ]
    return pd.concat(frames)


def derive_param_ovr(adsl: pd.DataFrame, assessments: pd.DataFrame) -> pd.DataFrame:
    """OVR rows: the response category at each assessment (ADT the assessment date)."""
    require_columns(adsl, ["STUDYID", "USUBJID"], step="derive_param_ovr")
    require_columns(assessments, list(ASSESSMENTS.required_columns), step="derive_param_ovr")
    rows = assessments.sort_values(["patient_id", "assessment_date"], kind="stable")
    avalc = pd.Series(
        classify_response(
            rows["bm_blasts_pct"],
            rows["anc_10e9_per_l"],
            rows["platelets_10e9_per_l"],
            rows["extramedullary_disease"],
            rows.get("blasts_due_to_recovery"),
        ),
        index=rows.index,
        dtype=object,
    )
    study = adsl.drop_duplicates("USUBJID").set_index("USUBJID")["STUDYID"]
    return pd.DataFrame(
        {
            "STUDYID": rows["patient_id"].map(study).astype(object),
            "USUBJID": rows["patient_id"],
            "PARAMCD": "OVR",
            "PARAM": "Response at Assessment",
            "AVALC": avalc,
            "AVAL": avalc.map(RESPONSE_AVAL).astype("Int64"),
            "ADT": rows["assessment_date"],
        }
    )
