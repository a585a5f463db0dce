"""Baseline risk groups of Table 1: salvage status and high-risk cytogenetics.

Salvage groups follow Table 1 of the trial paper (Salvage 1 split into primary refractory,
first remission (CRD1) < 12 months and >= 12 months; Salvage 2; Salvage 3 or later). High-risk
cytogenetics are low hypodiploidy/near triploidy (``Ho-Tr``) or a KMT2A rearrangement (Table 1
footnote). A first remission of exactly 12 months falls in the ">= 12 months" group, as Table 1
labels it.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from minihcvd.clinical._arrays import DistinctValues, as_flag, as_float, with_missing

__all__ = [
    "FIRST_REMISSION_SPLIT_MONTHS",
    "HIGH_RISK_KARYOTYPES",
    "KARYOTYPE_CODES",
    "SALVAGE_CODES",
    "SALVAGE_GROUPS",
    "is_high_risk_karyotype",
    "salvage_group",
    "salvage_group_index",
]

SALVAGE_CODES: Final = ("S1", "S2", "S3+")
SALVAGE_GROUPS: Final = (
    "S1 primary refractory",
    "S1 CR1 < 12 months",
    "S1 CR1 >= 12 months",
    "S2",
    "S3+",
)
FIRST_REMISSION_SPLIT_MONTHS: Final = 12.0
#: Karyotype categories of Table 1 (abbreviations as in its footnote).
KARYOTYPE_CODES: Final = ("diploid", "other", "complex", "KMT2A", "Ho-Tr", "HeH", "Tt", "IM/ND")
HIGH_RISK_KARYOTYPES: Final = frozenset({"KMT2A", "Ho-Tr"})
_GROUP_OR_NONE = np.array([*SALVAGE_GROUPS, None], dtype=object)


def salvage_group(
    salvage: Any, primary_refractory: Any, first_remission_months: Any
) -> npt.NDArray[np.object_]:
    """Table 1 salvage group; ``None`` where salvage 1 cannot be split (or salvage unknown)."""
    group = salvage_group_index(salvage, primary_refractory, first_remission_months)
    return np.asarray(_GROUP_OR_NONE[group], dtype=object)


def salvage_group_index(
    salvage: Any, primary_refractory: Any, first_remission_months: Any
) -> npt.NDArray[np.intp]:
    """:func:`salvage_group` as the index of each group in ``SALVAGE_GROUPS`` (its length where
    there is none), e.g. to build a text column by a take; ``salvage`` may come hashed, as a
    :class:`DistinctValues`."""
    codes = salvage if isinstance(salvage, DistinctValues) else DistinctValues.of(salvage)
    refractory, _ = as_flag(primary_refractory)
    months = as_float(first_remission_months, name="first_remission_months", minimum=0.0)
    s1 = codes.isin({"S1"})
    conditions = [
        s1 & refractory,
        s1 & (months < FIRST_REMISSION_SPLIT_MONTHS),
        s1 & (months >= FIRST_REMISSION_SPLIT_MONTHS),
        codes.isin({"S2"}),
        codes.isin({"S3+"}),
    ]
    group: npt.NDArray[np.intp] = np.select(
        conditions, list(range(len(SALVAGE_GROUPS))), default=len(SALVAGE_GROUPS)
    )
    return group


def is_high_risk_karyotype(karyotype: Any) -> npt.NDArray[np.object_]:
    """True for Ho-Tr or KMT2A, False for another known category, None if unknown or IM/ND."""
    codes = pd.Series(karyotype, dtype="object").to_numpy()
    known = pd.Series(codes).isin([c for c in KARYOTYPE_CODES if c != "IM/ND"]).to_numpy()
    high = pd.Series(codes).isin(list(HIGH_RISK_KARYOTYPES)).to_numpy()
    return with_missing(high, known)
