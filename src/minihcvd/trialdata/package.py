"""The in-memory trial data package."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from minihcvd.clinical.outcomes import patient_outcomes

__all__ = ["TrialPackage"]


@dataclass(frozen=True)
class TrialPackage:
    """A whole trial's records: typed frames, one per CSV file (optional files may be None).

    Dates are ``datetime64`` columns, booleans the nullable ``boolean`` dtype, integers ``Int64``,
    text ``str`` with missing values as NaN. ``source`` is the folder it was read from, if any.
    """

    patients: pd.DataFrame
    assessments: pd.DataFrame | None = None
    adverse_events: pd.DataFrame | None = None
    administrations: pd.DataFrame | None = None
    source: Path | None = None

    @cached_property
    def outcomes(self) -> pd.DataFrame:
        """Each patient's best response, dates and MRD as the clinical rules resolve them
        (:func:`minihcvd.clinical.outcomes.patient_outcomes`: assessments win where given).

        Worked out once per package: reading checks the stated outcomes against it, and ADSL
        is derived from it.
        """
        return patient_outcomes(self.patients, self.assessments)
