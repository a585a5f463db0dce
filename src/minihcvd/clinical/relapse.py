"""Relapse after a response (trial paper, Methods, "Outcomes").

Relapse is more than 5% marrow lymphoblasts not explained by regenerating marrow, or
extramedullary disease, at an assessment after the first response. Blasts recorded as due to
recovery (``blasts_due_to_recovery`` true) do not count; when that column is missing they count.
"""

from __future__ import annotations

from typing import Any

from minihcvd.clinical._arrays import BoolArray, as_flag, as_float
from minihcvd.clinical.response import BLASTS_RESPONSE_MAX_PCT

__all__ = ["shows_relapse"]


def shows_relapse(
    bm_blasts_pct: Any, extramedullary_disease: Any, blasts_due_to_recovery: Any
) -> BoolArray:
    """True where an assessment shows disease that would be a relapse after a response."""
    blasts = as_float(bm_blasts_pct, name="bm_blasts_pct", minimum=0.0)
    emd, _ = as_flag(extramedullary_disease)
    recovery, _ = as_flag(blasts_due_to_recovery)
    return ((blasts > BLASTS_RESPONSE_MAX_PCT) & ~recovery) | emd
