"""Morphologic response at one marrow assessment, best overall response and early death.

Definitions follow the trial paper (J Hematol Oncol 2023, doi:10.1186/s13045-023-01444-2,
Methods, "Outcomes"): CR needs <= 5% marrow blasts, neutrophils above 1 x 10^9/L, platelets above
100 x 10^9/L and no extramedullary disease; CRp is CR with platelets below 100; CRi is CR with
neutrophils below 1 and platelets below 100.

Decisions where the paper's wording leaves a gap (documented in docs/data-format.md):

- Thresholds are strict as written: ANC exactly 1.0 is *not* recovered, platelets exactly 100 are
  *not* recovered.
- ANC not recovered but platelets recovered (ANC <= 1, platelets > 100) is **CRi**: the
  haematological recovery is incomplete, and CRi is the only category for it.
- An assessment missing any of blasts, ANC, platelets or extramedullary status is ``NE`` (not
  evaluable) unless the known values already rule out a response (blasts > 5% or extramedullary
  disease), which is ``NR``.
- Blasts above 5% recorded as due to marrow recovery (``blasts_due_to_recovery``) are neither a
  response nor a failure: without extramedullary disease the assessment is ``NE``, matching the
  relapse rule, which does not count such blasts either.
- Early death (``ED``): death on study day 1–28 inclusive (``death - start + 1 <= 28``, the ADaM
  day count, so "within 4 weeks" = days 1 to 28) without a response on or before the death date.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import numpy.typing as npt

from minihcvd.clinical._arrays import (
    BoolArray,
    as_dates,
    as_flag,
    as_float,
    study_day,
)

__all__ = [
    "ANC_RECOVERED_ABOVE_10E9_PER_L",
    "BLASTS_RESPONSE_MAX_PCT",
    "EARLY_DEATH_LAST_DAY",
    "PATIENT_RESPONSE_CODES",
    "PLATELETS_RECOVERED_ABOVE_10E9_PER_L",
    "RESPONDER_CODES",
    "RESPONSE_RANK",
    "classify_response",
    "is_early_death",
    "response_at_assessment",
]

BLASTS_RESPONSE_MAX_PCT: Final = 5.0
ANC_RECOVERED_ABOVE_10E9_PER_L: Final = 1.0
PLATELETS_RECOVERED_ABOVE_10E9_PER_L: Final = 100.0
EARLY_DEATH_LAST_DAY: Final = 28

#: Codes allowed for ``best_response`` in patients.csv.
PATIENT_RESPONSE_CODES: Final = ("CR", "CRp", "CRi", "NR", "ED")
#: Codes that count as a response (overall response rate).
RESPONDER_CODES: Final = frozenset({"CR", "CRp", "CRi"})
#: Order used for the best response at assessments: a lower rank is better.
RESPONSE_RANK: Final = {"CR": 1, "CRp": 2, "CRi": 3, "NR": 4, "NE": 5}


def classify_response(
    bm_blasts_pct: Any,
    anc_10e9_per_l: Any,
    platelets_10e9_per_l: Any,
    extramedullary_disease: Any,
    blasts_due_to_recovery: Any = None,
) -> npt.NDArray[np.object_]:
    """Response category (``CR``, ``CRp``, ``CRi``, ``NR``, ``NE``) at each assessment."""
    blasts = as_float(bm_blasts_pct, name="bm_blasts_pct", minimum=0.0)
    anc = as_float(anc_10e9_per_l, name="anc_10e9_per_l", minimum=0.0)
    platelets = as_float(platelets_10e9_per_l, name="platelets_10e9_per_l", minimum=0.0)
    emd, emd_known = as_flag(extramedullary_disease)
    recovery, _ = as_flag(
        np.full(blasts.shape, None) if blasts_due_to_recovery is None else blasts_due_to_recovery
    )
    marrow_clear = blasts <= BLASTS_RESPONSE_MAX_PCT
    regenerating = (blasts > BLASTS_RESPONSE_MAX_PCT) & recovery & ~emd
    disease = ((blasts > BLASTS_RESPONSE_MAX_PCT) & ~recovery) | emd
    evaluable = ~np.isnan(blasts) & ~np.isnan(anc) & ~np.isnan(platelets) & emd_known
    evaluable &= ~regenerating
    anc_ok = anc > ANC_RECOVERED_ABOVE_10E9_PER_L
    platelets_ok = platelets > PLATELETS_RECOVERED_ABOVE_10E9_PER_L
    remission = evaluable & marrow_clear & ~emd
    conditions = [
        disease,
        ~evaluable,
        remission & anc_ok & platelets_ok,
        remission & anc_ok,
    ]
    result = np.select(conditions, ["NR", "NE", "CR", "CRp"], default="CRi")
    return np.asarray(result, dtype=object)


def response_at_assessment(
    bm_blasts_pct: float | None,
    anc_10e9_per_l: float | None,
    platelets_10e9_per_l: float | None,
    extramedullary_disease: bool | None,
    blasts_due_to_recovery: bool | None = None,
) -> str:
    """:func:`classify_response` for a single assessment."""
    return str(
        classify_response(
            [bm_blasts_pct],
            [anc_10e9_per_l],
            [platelets_10e9_per_l],
            [extramedullary_disease],
            [blasts_due_to_recovery],
        )[0]
    )


def is_early_death(start_date: Any, death_date: Any, response_date: Any) -> BoolArray:
    """True where death falls on study day 1–28 with no response on or before it."""
    start = as_dates(start_date)
    death = as_dates(death_date)
    response = as_dates(response_date)
    death_day = study_day(start, death)
    responded_first = ~np.isnat(response) & (response <= death)
    return np.asarray((death_day <= EARLY_DEATH_LAST_DAY) & ~responded_first, dtype=bool)
