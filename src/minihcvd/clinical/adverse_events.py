"""Adverse-event reporting window, SOS recognition and CTCAE grades.

The trial paper (Methods, "Outcomes") counts as adverse events: any event from the first dose to
2 months after the last dose; treatment-related events after the last dose; and hepatic
sinusoidal obstruction syndrome (SOS) of any cause within 2 years after inotuzumab. Decisions:

- "months" and "years" are calendar months/years (``last dose + 2 months``, clipped to the
  month's end, e.g. 31 Dec + 2 months = 28/29 Feb); both window ends are inclusive;
- before the first dose nothing is in the window (pre-treatment events are baseline);
- without a known last dose the window is open-ended (every event from the first dose counts);
- the SOS clause needs inotuzumab: a patient whose doses are known (a last dose) but include no
  inotuzumab has no SOS window beyond the general one (an unknown dose history stays open-ended);
- SOS is recognised from the term: "sinusoidal obstruction", "veno-occlusive"/"venoocclusive",
  or the abbreviations "SOS"/"VOD" as words (e.g. "Hepatic VOD/SOS"; case-insensitive).
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import pandas as pd

from minihcvd.clinical._arrays import BoolArray, as_flag
from minihcvd.errors import ClinicalRuleError

__all__ = [
    "AE_WINDOW_MONTHS_AFTER_LAST_DOSE",
    "CTCAE_GRADES",
    "CTCAE_VERSIONS",
    "SOS_WINDOW_YEARS_AFTER_INOTUZUMAB",
    "ctcae_grade_label",
    "in_reporting_window",
    "is_sos_term",
]

AE_WINDOW_MONTHS_AFTER_LAST_DOSE: Final = 2
SOS_WINDOW_YEARS_AFTER_INOTUZUMAB: Final = 2
#: CTCAE versions a package may name (NCI releases).
CTCAE_VERSIONS: Final = ("3.0", "4.0", "4.03", "5.0", "6.0")
#: CTCAE general grade meanings, 1–5.
CTCAE_GRADES: Final = {1: "Mild", 2: "Moderate", 3: "Severe", 4: "Life-threatening", 5: "Death"}
_SOS_PATTERN = r"sinusoidal obstruction|veno-?occlusive|\b(?:sos|vod)\b"


def is_sos_term(term: Any) -> BoolArray:
    """True where an adverse-event term names hepatic SOS/VOD."""
    text = pd.Series(term, dtype="object").astype("str")
    found = text.str.contains(_SOS_PATTERN, case=False, regex=True, na=False)
    return found.to_numpy(dtype=bool)


def ctcae_grade_label(grade: int) -> str:
    """The CTCAE meaning of a grade (1 Mild … 5 Death)."""
    if grade not in CTCAE_GRADES:
        raise ClinicalRuleError(f"CTCAE grade must be 1 to 5, got {grade}", field="grade")
    return CTCAE_GRADES[grade]


def in_reporting_window(
    onset_date: pd.Series,
    first_dose_date: pd.Series,
    last_dose_date: pd.Series,
    treatment_related: Any,
    sos: Any,
    last_inotuzumab_date: pd.Series,
) -> BoolArray:
    """True where an event is reportable under the paper's three-part rule (aligned Series)."""
    related, _ = as_flag(treatment_related)
    sos_flag, _ = as_flag(sos)
    onset = onset_date
    started = (onset >= first_dose_date).to_numpy(dtype=bool, na_value=False)
    window_end = last_dose_date + pd.DateOffset(months=AE_WINDOW_MONTHS_AFTER_LAST_DOSE)
    on_treatment = (onset <= window_end).to_numpy(dtype=bool, na_value=False)
    open_ended = last_dose_date.isna().to_numpy(dtype=bool)
    after_last = (onset > last_dose_date).to_numpy(dtype=bool, na_value=False)
    sos_end = last_inotuzumab_date + pd.DateOffset(years=SOS_WINDOW_YEARS_AFTER_INOTUZUMAB)
    sos_window = (onset <= sos_end).to_numpy(dtype=bool, na_value=False) | (
        last_inotuzumab_date.isna().to_numpy(dtype=bool) & open_ended
    )
    reportable = on_treatment | open_ended | (related & after_last) | (sos_flag & sos_window)
    return np.asarray(started & reportable, dtype=bool)
