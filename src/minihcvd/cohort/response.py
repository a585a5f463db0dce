"""Best response, MRD status and response timing, dealt out to match Table 2 exactly.

Counts per cohort and salvage line are derived from Table 2 and the response paragraph; within
a stratum, who gets which outcome is drawn (early death favours ECOG >= 2, no response favours
primary refractory disease and short first remissions).
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from minihcvd.cohort.baseline import allocate, cohort_sizes
from minihcvd.cohort.targets import published_value

__all__ = ["deal_mrd", "deal_responses", "early_death_days", "response_days"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Best response per cohort and salvage line (110 patients). Derived from Table 2 (by cohort),
#: the response paragraph (ORR 92% / 59% / 57% in Salvage 1 / 2 / 3+, 6 of 7 early deaths in
#: Salvage 2+) and Table 2's MRD rows (both amended Salvage 2 patients responded).
_RESPONSE_STRATA: Final = {
    ("original", "S1"): {"responder": 35, "NR": 2, "ED": 1},
    ("original", "S2"): {"responder": 8, "NR": 4, "ED": 3},
    ("original", "S3+"): {"responder": 8, "NR": 3, "ED": 3},
    ("amended", "S1"): {"responder": 38, "NR": 3, "ED": 0},
    ("amended", "S2"): {"responder": 2, "NR": 0, "ED": 0},
    ("amended", "S3+"): {"responder": 0, "NR": 0, "ED": 0},
}
#: MRD among responders per cohort and salvage line (Table 2): assessed at response, negative
#: at response, assessed at any time, negative at any time. Amended Salvage 1 "overall" is
#: 32/37 so that the rows add up to the cohort totals (the paper prints 34/39).
_MRD_STRATA: Final = {
    ("original", "S1"): (33, 23, 34, 31),
    ("original", "S2+"): (16, 5, 16, 10),
    ("amended", "S1"): (37, 18, 37, 32),
    ("amended", "S2+"): (1, 1, 2, 2),
}



def _deal(
    rng: np.random.Generator,
    pool: npt.NDArray[np.intp],
    counts: dict[str, int],
    weights: dict[str, FloatArray],
) -> dict[str, npt.NDArray[np.intp]]:
    """Split ``pool`` into the named groups of exact size; weighted groups are drawn first."""
    left = np.asarray(pool)
    chosen: dict[str, npt.NDArray[np.intp]] = {}
    for name, count in counts.items():
        if name not in weights:
            continue
        w = weights[name][left]
        take = min(count, int(np.count_nonzero(w > 0)))
        picked = rng.choice(left, size=take, replace=False, p=w / w.sum()) if take else left[:0]
        chosen[name] = np.asarray(picked)
        left = np.setdiff1d(left, picked)
    left = rng.permutation(left)
    for name, count in counts.items():
        if name not in weights:
            chosen[name], left = left[:count], left[count:]
    return chosen


def deal_responses(rng: np.random.Generator, baseline: pd.DataFrame) -> npt.NDArray[np.object_]:
    """Best response per patient: exact counts per cohort × salvage line, then CR/CRp/CRi."""
    cohort = baseline["cohort"].to_numpy()
    salvage = baseline["salvage"].to_numpy()
    ecog_weight = np.where(baseline["ecog"].to_numpy() >= 2, 2.0, 1.0)
    refractory = baseline["primary_refractory"].to_numpy(dtype=bool)
    short_crd = baseline["first_remission_months"].to_numpy() < 12
    nr_weight = np.where(refractory, 4.0, np.where(short_crd, 2.0, 1.0))
    best = np.full(len(baseline), "responder", dtype=object)
    for (c, s), counts in _RESPONSE_STRATA.items():
        pool = np.flatnonzero((cohort == c) & (salvage == s))
        if pool.size and sum(counts.values()):
            groups = _deal(
                rng, pool, allocate(counts, pool.size), {"ED": ecog_weight, "NR": nr_weight}
            )
            for name, idx in groups.items():
                best[idx] = name
    for c in cohort_sizes(len(baseline)):
        pool = np.flatnonzero((cohort == c) & (best == "responder"))
        counts = {k: int(published_value(k.lower(), c)) for k in ("CR", "CRp", "CRi")}
        for name, idx in _deal(rng, pool, allocate(counts, pool.size), {}).items():
            best[idx] = name
    return best


def deal_mrd(
    rng: np.random.Generator,
    cohort: npt.NDArray[np.object_],
    salvage: npt.NDArray[np.object_],
    responder: BoolArray,
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    """MRD at response (negative/positive/None) and at any time (True/False/None)."""
    at_response = np.full(cohort.size, None, dtype=object)
    overall = np.full(cohort.size, None, dtype=object)
    line = np.where(salvage == "S1", "S1", "S2+")
    published_responders = {
        ("original", "S1"): 35,
        ("original", "S2+"): 16,
        ("amended", "S1"): 38,
        ("amended", "S2+"): 2,
    }
    for key, counts in _MRD_STRATA.items():
        pool = rng.permutation(np.flatnonzero((cohort == key[0]) & (line == key[1]) & responder))
        ratio = pool.size / published_responders[key]
        n_ar, k_ar, n_ov, k_ov = (min(pool.size, round(v * ratio)) for v in counts)
        at_response[pool[:n_ar]] = "positive"
        at_response[pool[:k_ar]] = "negative"
        overall[pool[: max(n_ov, n_ar)]] = False
        overall[pool[:k_ar]] = True
        still_positive = pool[k_ar : max(n_ov, n_ar)]
        overall[rng.permutation(still_positive)[: max(0, k_ov - k_ar)]] = True
    return at_response, overall


def response_days(rng: np.random.Generator, responder: BoolArray) -> FloatArray:
    """Day of response: 73 of 91 in cycle 1 (Results), later ones up to day 134."""
    days = np.full(responder.size, np.nan)
    idx = rng.permutation(np.flatnonzero(responder))
    in_cycle_1 = round(published_value("response_after_cycle_1") * idx.size / 91)
    days[idx[:in_cycle_1]] = np.round(rng.triangular(12, 26, 35, in_cycle_1))
    later = idx.size - in_cycle_1
    days[idx[in_cycle_1:]] = np.round(np.exp(rng.uniform(np.log(36), np.log(134), later)))
    return days


def early_death_days(rng: np.random.Generator, n: int) -> FloatArray:
    """Death days of early deaths with the published median and range (Results: 15, 4–26)."""
    low, mid, high = (
        int(published_value(f"early_death_day_{k}")) for k in ("min", "median", "max")
    )
    half = max(0, (n - 1) // 2)
    days = np.concatenate([rng.integers(low, mid + 1, half), rng.integers(mid, high + 1, n - half)])
    days.sort()
    if n >= 3:
        days[0], days[half], days[-1] = low, mid, high
    return np.asarray(rng.permutation(days), dtype=float)
