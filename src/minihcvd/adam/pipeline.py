"""Build every ADaM dataset from a trial data package (admiral template style).

Each ``build_*`` reads like an admiral template: Load, Derivations (one commented step each),
Save (the caller writes; see :mod:`minihcvd.adam.export`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from minihcvd.adam.adae import derive_var_trtemfl, derive_var_worstfl, derive_vars_ae
from minihcvd.adam.adrs import derive_param_bor, derive_param_mrd, derive_param_ovr
from minihcvd.adam.adsl import (
    derive_var_hrcytfl,
    derive_var_lstalvdt,
    derive_vars_death,
    derive_vars_exposure,
    derive_vars_response,
    derive_vars_salvage,
    derive_vars_subject,
    derive_vars_trt_dates,
)
from minihcvd.adam.adtte import derive_param_tte, empty_adtte
from minihcvd.adam.sct import derive_sct_intervals
from minihcvd.adam.sources import death_event, last_alive_censor, relapse_event
from minihcvd.trialdata.package import TrialPackage

__all__ = [
    "AdamDatasets",
    "build_adae",
    "build_adrs",
    "build_adsl",
    "build_adtte",
    "derive_all",
]


@dataclass(frozen=True, init=False)
class AdamDatasets:
    """The derived datasets of one package (``adae`` is None without adverse events).

    ADRS and the SCT interval table are derived when first used: the survival analysis never
    needs ADRS (about a sixth of the derivation on a registry-sized package), and its curves
    come before the Cox models, its only users of the split (the ADaM export writes it too).
    Give ``sct_intervals`` to use another split table (it is not a dataclass field:
    ``dataclasses.replace`` derives the split again).
    """

    adsl: pd.DataFrame
    adtte: pd.DataFrame
    adae: pd.DataFrame | None
    assessments: pd.DataFrame | None = field(default=None, repr=False)

    def __init__(
        self,
        adsl: pd.DataFrame,
        adtte: pd.DataFrame,
        adae: pd.DataFrame | None,
        sct_intervals: pd.DataFrame | None = None,
        assessments: pd.DataFrame | None = None,
    ) -> None:
        object.__setattr__(self, "adsl", adsl)  # frozen: set as the generated __init__ does
        object.__setattr__(self, "adtte", adtte)
        object.__setattr__(self, "adae", adae)
        object.__setattr__(self, "assessments", assessments)
        if sct_intervals is not None:
            self.__dict__["sct_intervals"] = sct_intervals  # what the cached property keeps

    @cached_property
    def adrs(self) -> pd.DataFrame:
        """ADRS — Response Analysis Dataset (from ADSL and the package's assessments)."""
        return build_adrs(self.adsl, self.assessments)

    @cached_property
    def sct_intervals(self) -> pd.DataFrame:
        """The (start, stop] rows of OS split at SCT (R's tmerge), from ADTTE and ADSL."""
        return derive_sct_intervals(self.adtte, self.adsl)


def build_adsl(package: TrialPackage) -> pd.DataFrame:
    """ADSL — Subject-Level Analysis Dataset. Inputs: patients, assessments, administrations."""
    # Load
    patients = package.patients
    outcomes = package.outcomes
    return (
        # Derivations: subject identifiers, then treatment dates, death, last alive
        derive_vars_subject(patients)
        .pipe(derive_vars_trt_dates, administrations=package.administrations)
        .pipe(derive_vars_death)
        .pipe(derive_var_lstalvdt)
        # Baseline risk groups
        .pipe(derive_vars_salvage)
        .pipe(derive_var_hrcytfl)
        # Response, relapse, MRD and early death (assessments take precedence)
        .pipe(derive_vars_response, outcomes=outcomes)
        # Exposures after start: allogeneic SCT, blinatumomab
        .pipe(derive_vars_exposure, date_column="sct_date", new_flag="SCTFL", new_date="SCTDT")
        .pipe(
            derive_vars_exposure,
            date_column="blinatumomab_date",
            new_flag="BLINFL",
            new_date="BLINDT",
        )
    )


def build_adtte(adsl: pd.DataFrame) -> pd.DataFrame:
    """ADTTE — Time-to-Event Analysis Dataset. Input: ADSL."""
    return (
        empty_adtte()
        # Overall survival: start of treatment to death, censored when last known alive
        .pipe(
            derive_param_tte,
            source=adsl,
            start_date="TRTSDT",
            paramcd="OS",
            param="Overall Survival (days)",
            event_sources=[death_event],
            censor_sources=[last_alive_censor],
        )
        # Relapse-free survival: responders only, from response to relapse or death
        .pipe(
            derive_param_tte,
            source=adsl,
            start_date="RSPDT",
            paramcd="RFS",
            param="Relapse-Free Survival (days)",
            event_sources=[relapse_event, death_event],
            censor_sources=[last_alive_censor],
            subject_filter="RSPFL",
        )
    )


def build_adrs(adsl: pd.DataFrame, assessments: pd.DataFrame | None) -> pd.DataFrame:
    """ADRS — Response Analysis Dataset. Inputs: ADSL, assessments."""
    parts = [derive_param_bor(adsl), derive_param_mrd(adsl)]
    if assessments is not None and len(assessments):
        parts.append(derive_param_ovr(adsl, assessments))
    return pd.concat(parts, ignore_index=True)


def build_adae(events: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    """ADAE — Adverse Events Analysis Dataset. Inputs: adverse events, ADSL."""
    return (
        # Events with ADSL's first/last dose dates, study day, grade and SOS flag
        derive_vars_ae(events, adsl=adsl)
        # Treatment-emergent by the trial's reporting window
        .pipe(derive_var_trtemfl)
        # Worst grade per patient and term among treatment-emergent events
        .pipe(derive_var_worstfl)
    )


def derive_all(package: TrialPackage) -> AdamDatasets:
    """ADSL, ADTTE, ADAE (None without adverse events), and ADRS and the SCT interval table
    (each when first used)."""
    adsl = build_adsl(package)
    adtte = build_adtte(adsl)
    return AdamDatasets(
        adsl=adsl,
        adtte=adtte,
        adae=None if package.adverse_events is None else build_adae(package.adverse_events, adsl),
        assessments=package.assessments,
    )
