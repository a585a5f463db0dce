"""Counts and distributions by protocol version with their test, as the safety and exposure
sections of results.json report them.

A count is ``{"count", "denominator", "percent"}`` and a distribution ``{"n", "median", "min",
"max"}`` (Table 1's shapes), each ``overall`` and ``by_group`` (``original``, ``amended``),
then ``p``, ``test`` and ``note``: Fisher's exact test for counts (the test the paper names
for SOS, whatever the expected counts; its printed P values for SOS and early death are
Pearson's chi-squared without continuity correction, given as ``p_chi_squared``) and the
Mann–Whitney U test for distributions.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from minihcvd.errors import AnalysisError
from minihcvd.stats.covariates import COHORT_LEVELS
from minihcvd.stats.group_tests import compare_continuous, fisher_exact, pearson_chi_squared
from minihcvd.stats.tables import _count, _distribution

__all__ = ["CohortMasks", "count_by_cohort", "distribution_by_cohort"]

BoolArray = npt.NDArray[np.bool_]


class CohortMasks:
    """Each protocol version's rows of ADSL (``COHORT``), worked out once per analysis."""

    def __init__(self, adsl: pd.DataFrame) -> None:
        cohort = adsl["COHORT"].to_numpy(dtype=object)
        self.size = cohort.size
        self.masks: dict[str, BoolArray] = {
            level: np.asarray(cohort == level, dtype=bool) for level in COHORT_LEVELS
        }


def count_by_cohort(flag: BoolArray, population: BoolArray, cohorts: CohortMasks) -> dict[str, Any]:
    """Patients with ``flag`` among ``population``, overall and by version, Fisher's p."""
    flag = flag & population
    table = np.array(
        [
            [int((flag & mask).sum()), int((population & ~flag & mask).sum())]
            for mask in cohorts.masks.values()
        ]
    )
    out: dict[str, Any] = {
        "overall": _count(int(flag.sum()), int(population.sum())),
        "by_group": {
            level: _count(int(row[0]), int(row.sum()))
            for level, row in zip(cohorts.masks, table, strict=True)
        },
    }
    try:
        out["p_chi_squared"] = pearson_chi_squared(table.T).p_value
    except AnalysisError:
        out["p_chi_squared"] = None
    try:
        result = fisher_exact(table.T)
    except AnalysisError as error:
        return {**out, "p": None, "test": None, "note": error.message}
    return {**out, "p": result.p_value, "test": result.test, "note": None}


def distribution_by_cohort(values: npt.NDArray[np.float64], cohorts: CohortMasks) -> dict[str, Any]:
    """Median and range of ``values`` (NaN: not in the population), overall and by version,
    with the Mann–Whitney U test between the versions."""
    masks = list(cohorts.masks.values())
    out: dict[str, Any] = {
        "overall": _distribution(values),
        "by_group": {level: _distribution(values[m]) for level, m in cohorts.masks.items()},
    }
    try:
        result = compare_continuous(values[masks[0]], values[masks[1]])
    except AnalysisError as error:
        return {**out, "p": None, "test": None, "note": error.message}
    return {**out, "p": result.p_value, "test": result.test, "note": None}
