"""Measurable residual disease (MRD) negativity, flow cytometry and NGS kept apart.

The trial paper (Methods, "Outcomes") defines MRD negativity as no detectable leukaemic blasts by
multiparameter flow cytometry at a sensitivity of 1e-4, and also reports an NGS assay with a
sensitivity of 1e-6. A level is the fraction of leukaemic cells; it is negative when below the
assay's sensitivity (a level of 0 means undetectable).
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import numpy.typing as npt

from minihcvd.clinical._arrays import as_float, with_missing
from minihcvd.errors import ClinicalRuleError

__all__ = ["MRD_FLOW_SENSITIVITY", "MRD_NGS_SENSITIVITY", "mrd_negative"]

MRD_FLOW_SENSITIVITY: Final = 1e-4
MRD_NGS_SENSITIVITY: Final = 1e-6
_SENSITIVITY = {"flow": MRD_FLOW_SENSITIVITY, "ngs": MRD_NGS_SENSITIVITY}


def mrd_negative(level: Any, *, assay: str) -> npt.NDArray[np.object_]:
    """True/False per measurement (``None`` if not measured) for assay ``flow`` or ``ngs``."""
    if assay not in _SENSITIVITY:
        raise ClinicalRuleError(f"assay must be 'flow' or 'ngs', not {assay!r}")
    values = as_float(level, name=f"mrd_{assay}_level", minimum=0.0)
    negative = values < _SENSITIVITY[assay]
    return with_missing(negative, ~np.isnan(values))
