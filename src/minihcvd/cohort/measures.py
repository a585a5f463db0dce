"""What one generated cohort shows for each published number.

Most numbers come from the analysis results (``minihcvd.stats``, the ``results:`` measures:
survival, Tables 1–3, treatment exposure, safety); the few the analysis does not report
(Table 1 thresholds, response timing, MRD within Salvage 1, who is alive) are counted from
the package here (the ``package:`` measures).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from typing import Any, Final

import numpy as np
import pandas as pd

from minihcvd.clinical import study_day
from minihcvd.clinical.outcomes import summarise_assessments
from minihcvd.clinical.risk import SALVAGE_CODES
from minihcvd.cohort.targets import PublishedTarget, published_targets
from minihcvd.trialdata import TrialPackage
from minihcvd.trialdata.schema import COHORT_CODES

__all__ = ["measure_cohort", "package_measures", "results_value"]

#: A response on or before this study day counts as after the first cycle (a 28-day course and
#: a week for the marrow to be taken and read).
_CYCLE_1_LAST_DAY: Final = 35
_ROW_SELECTOR: Final = re.compile(r"^(\w+)\[(.+=.+)\]$")


def results_value(results: Mapping[str, Any], path: str) -> float:
    """The number at ``path`` in a results.json document (NaN if absent or null)."""
    node: Any = results
    for segment in path.split("."):
        selector = _ROW_SELECTOR.match(segment)
        if selector and isinstance(node, Mapping):
            wanted = dict(part.split("=", 1) for part in selector.group(2).split(","))
            rows = node.get(selector.group(1)) or []
            node = next(
                (r for r in rows if all(str(r.get(k)) == v for k, v in wanted.items())), None
            )
        elif isinstance(node, Mapping):
            node = node.get(segment)
        else:
            node = None
        if node is None:
            return math.nan
    return float(node) if isinstance(node, int | float) else math.nan


def _days(later: pd.Series, start: pd.Series) -> pd.Series:
    """Study days (ADaM convention, ``later - start + 1``; NaN where either is missing)."""
    days = study_day(start.to_numpy(dtype="datetime64[D]"), later.to_numpy(dtype="datetime64[D]"))
    return pd.Series(days, index=later.index)


def _groups(patients: pd.DataFrame) -> Iterator[tuple[str, pd.Series]]:
    yield "overall", pd.Series(True, index=patients.index)
    for cohort in COHORT_CODES:
        yield cohort, patients["cohort"].eq(cohort)


def _per_group(p: pd.DataFrame, mrd: pd.DataFrame, out: dict[str, float]) -> None:
    s1 = p["salvage"].eq("S1")
    m = mrd.reindex(p["patient_id"]).set_axis(p.index)
    negative_at_response = m["mrd_negative_at_response"].astype("boolean").fillna(False)
    negative = m["mrd_negative"].astype("boolean").fillna(False)
    for group, mask in _groups(p):
        out[f"baseline.{group}.ecog_2plus"] = float((p["ecog"].ge(2) & mask).sum())
        out[f"baseline.{group}.wbc_50plus"] = float((p["wbc"].ge(50) & mask).sum())
        out[f"baseline.{group}.bm_blasts_50plus"] = float((p["bm_blasts_pct"].ge(50) & mask).sum())
        out[f"baseline.{group}.cd20_20plus"] = float((p["cd20_pct"].ge(20) & mask).sum())
        out[f"response.{group}.mrd_negative_at_response_S1"] = float(
            (negative_at_response & s1 & mask).sum()
        )
        out[f"response.{group}.mrd_negative_overall_S1"] = float((negative & s1 & mask).sum())


def package_measures(package: TrialPackage) -> dict[str, float]:
    """The ``package:`` measures of one generated cohort."""
    p = package.patients
    out: dict[str, float] = {}
    mrd = (
        summarise_assessments(package.assessments)
        if package.assessments is not None
        else pd.DataFrame(columns=["mrd_negative", "mrd_negative_at_response"])
    )
    _per_group(p, mrd, out)
    response_day = _days(p["response_date"], p["start_date"]).dropna()
    out["response.overall.days_to_response_median"] = float(response_day.median())
    out["response.overall.responded_in_cycle_1"] = float(response_day.le(_CYCLE_1_LAST_DAY).sum())
    responded = p["best_response"].isin(["CR", "CRp", "CRi"])
    for code in SALVAGE_CODES:
        line = p["salvage"].eq(code)
        out[f"response.orr_pct_by_salvage.{code}"] = (
            100.0 * float((responded & line).sum()) / max(1, int(line.sum()))
        )
    alive = p["death_date"].isna()
    in_remission = p["response_date"].notna() & p["relapse_date"].isna()
    sct = p["sct_date"].notna()
    out["facts.alive"] = float(alive.sum())
    out["facts.alive_in_remission"] = float((alive & in_remission).sum())
    out["facts.alive_in_remission_after_sct"] = float((alive & in_remission & sct).sum())
    out["facts.tp53_mutated_alive"] = float((alive & p["tp53_mutated"].eq(True)).sum())
    return out


def _measured(
    target: PublishedTarget, results: Mapping[str, Any], from_package: Mapping[str, float]
) -> float:
    source, _, name = target.measure.partition(":")
    value = results_value(results, name) if source == "results" else from_package.get(name, np.nan)
    return float(value) * target.scale


def measure_cohort(package: TrialPackage, results: Mapping[str, Any]) -> dict[str, float]:
    """Every published target's value on one cohort (key ``id/group``, the paper's unit)."""
    from_package = package_measures(package)
    return {t.key: _measured(t, results, from_package) for t in published_targets()}
