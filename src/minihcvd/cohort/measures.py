"""What a generated cohort shows for each published number, under the names in ``measure``.

Counts, medians and ranges come straight from the package (Tables 1-3, transplant and
blinatumomab facts); survival, Cox, landmark and p-value figures come from the analysis
results of ``minihcvd.stats`` (``results_measures``). Missing values are NaN.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

import numpy as np
import pandas as pd

from minihcvd.clinical.outcomes import summarise_assessments
from minihcvd.clinical.risk import KARYOTYPE_CODES, SALVAGE_CODES, SALVAGE_GROUPS, salvage_group
from minihcvd.cohort.events import SOS_TERM
from minihcvd.cohort.outcomes import DAYS_PER_MONTH
from minihcvd.cohort.targets import table3_rows
from minihcvd.trialdata import TrialPackage

__all__ = ["package_measures"]

_CONTINUOUS: Final = ("age", "wbc", "pb_blasts_pct", "bm_blasts_pct", "cd22_pct", "cd19_pct")
_FLAGS: Final = ("high_risk_cytogenetics", "ph_like", "prior_sct", "cns_disease")
#: A response on or before this study day counts as after the first cycle (28 days + a week
#: for the marrow to be taken and read).
_CYCLE_1_LAST_DAY: Final = 35


def _days(later: pd.Series, start: pd.Series) -> pd.Series:
    """Study days (ADaM convention, ``later - start + 1``)."""
    return (later - start).dt.days + 1


def _groups(patients: pd.DataFrame) -> Iterator[tuple[str, pd.Series]]:
    yield "overall", pd.Series(True, index=patients.index)
    for cohort in ("original", "amended"):
        yield cohort, patients["cohort"].eq(cohort)


def _baseline(p: pd.DataFrame, group: str, out: dict[str, float]) -> None:
    key = f"baseline.{group}"
    for name in _CONTINUOUS:
        values = p[name].dropna()
        out[f"{key}.{name}.median"] = float(values.median())
        out[f"{key}.{name}.min"] = float(values.min())
        out[f"{key}.{name}.max"] = float(values.max())
    out[f"{key}.male"] = float(p["sex"].eq("M").sum())
    out[f"{key}.ecog_2plus"] = float(p["ecog"].ge(2).sum())
    out[f"{key}.wbc_50plus"] = float(p["wbc"].ge(50).sum())
    out[f"{key}.bm_blasts_50plus"] = float(p["bm_blasts_pct"].ge(50).sum())
    out[f"{key}.cd20_20plus"] = float(p["cd20_pct"].ge(20).sum())
    for name in _FLAGS:
        out[f"{key}.{name}"] = float(p[name].eq(True).sum())
    for name in ("crlf2", "tp53_mutated"):
        out[f"{key}.{name}"] = float(p[name].eq(True).sum())
        out[f"{key}.{name.split('_')[0]}_tested"] = float(p[name].notna().sum())
    for code in KARYOTYPE_CODES:
        out[f"{key}.karyotype.{code}"] = float(p["karyotype"].eq(code).sum())
    for code in SALVAGE_CODES:
        out[f"{key}.salvage.{code}"] = float(p["salvage"].eq(code).sum())
    groups = salvage_group(p["salvage"], p["primary_refractory"], p["first_remission_months"])
    for code in SALVAGE_GROUPS:
        out[f"{key}.salvage_group.{code}"] = float(np.sum(groups == code))


def _response(p: pd.DataFrame, mrd: pd.DataFrame, group: str, out: dict[str, float]) -> None:
    key = f"response.{group}"
    best = p["best_response"]
    for code in ("CR", "CRp", "CRi", "NR", "ED"):
        out[f"{key}.{code}"] = float(best.eq(code).sum())
    out[f"{key}.ORR"] = float(best.isin(["CR", "CRp", "CRi"]).sum())
    m = mrd.reindex(p["patient_id"])
    s1 = p["salvage"].eq("S1").to_numpy()
    for name, column in (("at_response", "mrd_negative_at_response"),
                         ("overall", "mrd_negative")):
        values = m[column].astype("boolean")
        negative = values.fillna(False).to_numpy(dtype=bool)
        out[f"{key}.mrd_negative_{name}"] = float(negative.sum())
        out[f"{key}.mrd_assessed_{name}"] = float(values.notna().sum())
        out[f"{key}.mrd_negative_{name}_S1"] = float((negative & s1).sum())


def package_measures(package: TrialPackage) -> dict[str, float]:
    """Every package-level measure of the published targets for one generated cohort."""
    p = package.patients
    out: dict[str, float] = {}
    mrd = (summarise_assessments(package.assessments) if package.assessments is not None
           else pd.DataFrame(columns=["mrd_negative", "mrd_negative_at_response"]))
    alive = p["death_date"].isna()
    in_remission = p["response_date"].notna() & p["relapse_date"].isna()
    sct = p["sct_date"].notna()
    for group, mask in _groups(p):
        _baseline(p[mask], group, out)
        _response(p[mask], mrd, group, out)
        out[f"facts.{group}.sct"] = float((sct & mask).sum())
        out[f"facts.{group}.blinatumomab"] = float((p["blinatumomab_date"].notna() & mask).sum())
    response_day = _days(p["response_date"], p["start_date"]).dropna()
    out["response.overall.days_to_response_median"] = float(response_day.median())
    out["response.overall.responded_in_cycle_1"] = float(response_day.le(_CYCLE_1_LAST_DAY).sum())
    responded = p["best_response"].isin(["CR", "CRp", "CRi"])
    for code in ("S1", "S2", "S3+"):
        line = p["salvage"].eq(code)
        out[f"response.orr_pct_by_salvage.{code}"] = (
            100.0 * float((responded & line).sum()) / max(1, int(line.sum())))
    early = _days(p["death_date"], p["start_date"])[p["best_response"].eq("ED")]
    out["response.overall.early_death_day_median"] = float(early.median())
    out["response.overall.early_death_day_min"] = float(early.min())
    out["response.overall.early_death_day_max"] = float(early.max())
    out["facts.alive"] = float(alive.sum())
    out["facts.alive_in_remission"] = float((alive & in_remission).sum())
    out["facts.alive_in_remission_after_sct"] = float((alive & in_remission & sct).sum())
    out["facts.tp53_mutated_alive"] = float((alive & p["tp53_mutated"].eq(True)).sum())
    sct_months = (_days(p["sct_date"], p["start_date"]).dropna() / DAYS_PER_MONTH)
    out["facts.sct_months_median"] = float(sct_months.median())
    out["facts.sct_months_min"] = float(sct_months.min())
    out["facts.sct_months_max"] = float(sct_months.max())
    if package.adverse_events is not None:
        _safety(p, package.adverse_events, out)
    return out


def _safety(p: pd.DataFrame, events: pd.DataFrame, out: dict[str, float]) -> None:
    worst = events.groupby(["term", "patient_id"])["grade"].max().reset_index()
    for row in table3_rows():
        grades = worst.loc[worst["term"].eq(row.term), "grade"]
        for grade in (3, 4, 5):
            out[f"safety.table3.{row.term}.grade{grade}"] = float(grades.eq(grade).sum())
    sos_ids = set(events.loc[events["term"].eq(SOS_TERM), "patient_id"])
    sos = p["patient_id"].isin(sos_ids)
    for group, mask in _groups(p):
        out[f"safety.{group}.sos"] = float((sos & mask).sum())
    out["safety.overall.sos_after_sct"] = float((sos & p["sct_date"].notna()).sum())
