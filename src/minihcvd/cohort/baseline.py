"""Baseline characteristics of the virtual patients (the paper's Table 1), cohort by cohort.

Categorical counts are dealt out exactly (a shuffled deck per cohort); continuous variables are
drawn so that each cohort's median, minimum and maximum are the published ones and the counts
above Table 1's thresholds (WBC >= 50, marrow blasts >= 50%) hold. Known dependencies are kept:
TP53 mutations go preferentially to low hypodiploidy (the paper's Discussion: 91% of
low-hypodiploid ALL carry TP53 alterations), prior transplants to later salvage, CRLF2 to
Ph-like disease. With a patient count other than 110 every count is scaled in proportion.
"""

from __future__ import annotations

from datetime import date
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from minihcvd.cohort.continuous import CONTINUOUS, continuous_values
from minihcvd.cohort.targets import PUBLISHED_COHORT_SIZES, published_value, scaled_count
from minihcvd.trialdata.schema import COHORT_CODES

__all__ = [
    "AMENDMENT_DATE",
    "COHORTS",
    "ENROLLMENT_FIRST",
    "ENROLLMENT_LAST",
    "allocate",
    "cohort_sizes",
    "generate_baseline",
]

FloatArray = npt.NDArray[np.float64]

COHORTS: Final = COHORT_CODES
#: First and last treatment start (Results, first paragraph) and the amendment (Methods).
ENROLLMENT_FIRST: Final = date(2012, 11, 12)
ENROLLMENT_LAST: Final = date(2021, 7, 23)
AMENDMENT_DATE: Final = date(2017, 2, 1)

_KARYOTYPES: Final = {
    "diploid": "karyotype_diploid",
    "other": "karyotype_other",
    "complex": "karyotype_complex",
    "KMT2A": "karyotype_kmt2a",
    "Ho-Tr": "karyotype_hotr",
    "HeH": "karyotype_heh",
    "Tt": "karyotype_tt",
    "IM/ND": "karyotype_imnd",
}
_SALVAGE_GROUPS: Final = {
    "refractory": "salvage_1_refractory",
    "crd_short": "salvage_1_crd_short",
    "crd_long": "salvage_1_crd_long",
    "S2": "salvage_2",
    "S3+": "salvage_3plus",
}
#: Relative chance of a prior allogeneic SCT by salvage group (not in the paper: a transplant
#: usually follows a remission, so it is likelier the more remissions a patient has had).
_PRIOR_SCT_WEIGHT: Final = {
    "refractory": 0.0,
    "crd_short": 0.5,
    "crd_long": 1.0,
    "S2": 4.0,
    "S3+": 6.0,
}
#: How strongly TP53 testing and mutation favour low hypodiploidy (Discussion: 91% association).
_TP53_HOTR_WEIGHT: Final = 30.0
_CRLF2_PH_LIKE_WEIGHT: Final = 4.0


def cohort_sizes(n_patients: int) -> dict[str, int]:
    """Patients per cohort: 67 + 43 for 110, otherwise in the same proportion."""
    return allocate(PUBLISHED_COHORT_SIZES, n_patients)


def allocate(counts: dict[str, int], total: int) -> dict[str, int]:
    """Scale category counts to sum to ``total`` (largest remainder; unchanged if they do)."""
    published = sum(counts.values())
    if published == total:
        return dict(counts)
    exact = {k: v * total / published for k, v in counts.items()}
    scaled = {k: int(np.floor(v)) for k, v in exact.items()}
    by_remainder = sorted(counts, key=lambda k: exact[k] - scaled[k], reverse=True)
    for k in by_remainder[: total - sum(scaled.values())]:
        scaled[k] += 1
    return scaled


def _deck(rng: np.random.Generator, counts: dict[str, int], n: int) -> npt.NDArray[np.object_]:
    """A shuffled array holding each category exactly its (scaled) number of times."""
    scaled = allocate(counts, n)
    deck = np.array([k for k, v in scaled.items() for _ in range(v)], dtype=object)
    return np.asarray(rng.permutation(deck))


def _flags(rng: np.random.Generator, n_true: int, weights: FloatArray) -> npt.NDArray[np.bool_]:
    """``n_true`` flags set without replacement with probability proportional to ``weights``."""
    flags = np.zeros(weights.size, dtype=bool)
    eligible = np.flatnonzero(weights > 0)
    n_true = min(n_true, eligible.size)
    if n_true:
        p = weights[eligible] / weights[eligible].sum()
        flags[rng.choice(eligible, size=n_true, replace=False, p=p)] = True
    return flags


def _enrollment_dates(rng: np.random.Generator, sizes: dict[str, int]) -> pd.Series:
    """Sorted start dates: #1 on the first date, the last patient on the last, split at Feb 2017."""

    def spread(first: date, last: date, n: int, pin_first: bool, pin_last: bool) -> list[int]:
        lo, hi = first.toordinal(), last.toordinal()
        days = np.sort(rng.integers(lo, hi + 1, size=n))
        if n and pin_first:
            days[0] = lo
        if n and pin_last:
            days[-1] = hi
        return [int(d) for d in days]

    before = date.fromordinal(AMENDMENT_DATE.toordinal() - 1)
    ordinals = spread(ENROLLMENT_FIRST, before, sizes["original"], True, False)
    ordinals += spread(AMENDMENT_DATE, ENROLLMENT_LAST, sizes["amended"], False, True)
    return pd.Series(pd.to_datetime([date.fromordinal(d) for d in ordinals]))


def _cohort_baseline(rng: np.random.Generator, cohort: str, n: int) -> pd.DataFrame:
    frame = pd.DataFrame(index=range(n))
    frame["sex"] = np.where(_flags(rng, scaled_count("male", cohort, n), np.ones(n)), "M", "F")
    ecog_high = _flags(rng, scaled_count("ecog_2plus", cohort, n), np.ones(n))
    frame["ecog"] = np.where(
        ecog_high, rng.choice([2, 3], n, p=[0.85, 0.15]), rng.choice([0, 1], n, p=[0.4, 0.6])
    )

    karyotype = _deck(rng, {k: int(published_value(t, cohort)) for k, t in _KARYOTYPES.items()}, n)
    frame["karyotype"] = karyotype
    frame["high_risk_cytogenetics"] = np.isin(karyotype, ["KMT2A", "Ho-Tr"])
    hotr = np.where(karyotype == "Ho-Tr", _TP53_HOTR_WEIGHT, 1.0)
    tested = _flags(rng, scaled_count("tp53_tested", cohort, n), hotr)
    mutated = _flags(rng, scaled_count("tp53_mutated", cohort, n), np.where(tested, hotr, 0.0))
    frame["tp53_mutated"] = pd.Series(mutated, dtype="boolean").where(tested)

    ph_like = _flags(rng, scaled_count("ph_like", cohort, n), np.ones(n))
    frame["ph_like"] = ph_like
    crlf2_tested = _flags(rng, scaled_count("crlf2_tested", cohort, n), np.ones(n))
    ph_weight = np.where(ph_like, _CRLF2_PH_LIKE_WEIGHT, 1.0)
    crlf2_weight = np.where(crlf2_tested, ph_weight, 0)
    crlf2 = _flags(rng, scaled_count("crlf2_positive", cohort, n), crlf2_weight)
    frame["crlf2"] = pd.Series(crlf2, dtype="boolean").where(crlf2_tested)

    cd20_high = _flags(rng, scaled_count("cd20_20plus", cohort, n), np.ones(n))
    frame["cd20_pct"] = np.round(
        np.where(cd20_high, rng.uniform(20, 100, n), 20 * rng.beta(0.6, 2.0, n)), 1
    )
    salvage_group = _deck(
        rng, {k: int(published_value(t, cohort)) for k, t in _SALVAGE_GROUPS.items()}, n
    )
    frame["salvage"] = np.where(np.isin(salvage_group, ["S2", "S3+"]), salvage_group, "S1")
    frame["primary_refractory"] = salvage_group == "refractory"
    frame["first_remission_months"] = np.select(
        [salvage_group == "refractory", salvage_group == "crd_short"],
        [np.nan, np.round(rng.uniform(2.0, 11.9, n), 1)],
        np.round(12.0 + rng.gamma(1.5, 12.0, n), 1),
    )
    weights = np.array([_PRIOR_SCT_WEIGHT[g] for g in salvage_group])
    frame["prior_sct"] = _flags(rng, scaled_count("prior_sct", cohort, n), weights)
    frame["cohort"] = cohort
    return frame


def _body_size(rng: np.random.Generator, sex: npt.NDArray[np.object_]) -> pd.DataFrame:
    """Height and weight for BSA dosing (not in the paper; adult US reference ranges)."""
    male = sex == "M"
    height_cm = np.round(
        np.where(male, rng.normal(176, 7, sex.size), rng.normal(162, 6.5, sex.size)), 1
    )
    bmi = np.clip(rng.lognormal(np.log(27.0), 0.18, sex.size), 17.0, 45.0)
    weight_kg = np.round(bmi * (height_cm / 100.0) ** 2, 1)
    return pd.DataFrame({"height_cm": height_cm, "weight_kg": weight_kg})


def generate_baseline(rng: np.random.Generator, n_patients: int) -> pd.DataFrame:
    """One row per patient in enrollment order, ids ``P001``…, with Table 1's columns."""
    sizes = cohort_sizes(n_patients)
    frames = [_cohort_baseline(rng, c, sizes[c]) for c in COHORTS]
    for spec in CONTINUOUS:
        values = continuous_values(rng, spec, sizes)
        for c, cohort_frame in zip(COHORTS, frames, strict=True):
            cohort_frame[spec.column] = values[c]
    frame = pd.concat(frames, ignore_index=True)
    cns = _flags(rng, round(published_value("cns_disease") * n_patients / 110), np.ones(len(frame)))
    frame["cns_disease"] = cns
    frame = pd.concat([frame, _body_size(rng, frame["sex"].to_numpy())], axis=1)
    frame.insert(0, "start_date", _enrollment_dates(rng, sizes))
    width = max(3, len(str(n_patients)))
    frame.insert(0, "patient_id", [f"P{i:0{width}d}" for i in range(1, n_patients + 1)])
    return frame
