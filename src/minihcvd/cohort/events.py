"""Marrow assessments and adverse events that agree with each virtual patient's course.

Assessments are the minimum that lets the clinical rules re-derive every stated outcome: the
response marrow (blood counts fitting CR, CRp or CRi; flow MRD if assessed), one later marrow
when MRD turned negative later or was first measured later, the marrow at relapse, and one
marrow showing no response. Early deaths have none.

Adverse events reproduce Table 3 exactly: for each term, as many patients at grade 3, 4 and 5
as the table says (a patient counts once per term, at one grade). Grade 5 events fall on the
death date of a patient who died early or in remission, as the paper's causes of death suggest
(early deaths: 4 infections, 1 haemorrhage, 1 SOS). SOS beyond Table 3's four grade >= 3 cases
is added at grade 2 to reach 9 of 67 and 1 of 43 (Results), preferring transplanted patients
(7 of the 10 cases).

Table 3 counts treatment-emergent events only, so once the doses are known
(:func:`place_in_reporting_window`) every event is moved into its patient's reporting window:
a grade 1-4 event outside it gets a new onset day inside it, and a death outside it (its date
is fixed) is recorded as treatment-related, which the window's rule counts after the last dose.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from minihcvd.clinical.adverse_events import (
    AE_WINDOW_MONTHS_AFTER_LAST_DOSE,
    in_reporting_window,
    is_sos_term,
)
from minihcvd.cohort.baseline import cohort_sizes
from minihcvd.cohort.outcomes import Course
from minihcvd.cohort.targets import published_value, table3_rows

__all__ = [
    "CTCAE_VERSION",
    "SOS_TERM",
    "generate_adverse_events",
    "generate_assessments",
    "place_in_reporting_window",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

#: Not stated in the paper; CTCAE v4.03 was current for most of the enrollment (2012-2017).
CTCAE_VERSION: Final = "4.03"
SOS_TERM: Final = "Hepatic sinusoidal obstruction syndrome"
#: Causes of the early deaths (Results, safety paragraph), as Table 3 grade 5 terms.
_EARLY_DEATH_CAUSES: Final = (
    "Infections",
    "Infections",
    "Infections",
    "Infections",
    "Hemorrhage",
    SOS_TERM,
)
#: Grade 3-4 events start within this many days of the start (the treatment period).
_EVENT_WINDOW_DAYS: Final = 150


def _counts(
    rng: np.random.Generator, category: npt.NDArray[np.object_]
) -> tuple[FloatArray, FloatArray]:
    """ANC and platelets (10^9/L) fitting each response category at the response marrow."""
    n = category.size
    anc = np.where(category == "CRi", rng.uniform(0.2, 0.9, n), rng.uniform(1.2, 5.0, n))
    platelets = np.where(category == "CR", rng.uniform(110, 320, n), rng.uniform(15, 95, n))
    return np.round(anc, 2).astype(np.float64), np.round(platelets).astype(np.float64)


def _mrd_level(rng: np.random.Generator, negative: npt.NDArray[np.bool_]) -> FloatArray:
    """A flow MRD fraction: 0 (undetectable) when negative, else 1e-3.5 to 1e-1.5."""
    return np.where(negative, 0.0, np.round(10 ** rng.uniform(-3.5, -1.5, negative.size), 6))


def generate_assessments(
    rng: np.random.Generator, patient_id: pd.Series, start: pd.Series, course: Course
) -> pd.DataFrame:
    """assessments.csv rows reproducing best response, response date, MRD and relapse."""
    responder = ~np.isnan(course.response_day)
    rows: list[pd.DataFrame] = []

    def add(
        idx: IntArray,
        day: FloatArray,
        blasts: FloatArray,
        anc: FloatArray,
        platelets: FloatArray,
        mrd: FloatArray,
    ) -> None:
        rows.append(
            pd.DataFrame(
                {
                    "patient_id": patient_id.to_numpy()[idx],
                    "assessment_date": start.to_numpy()[idx] + pd.to_timedelta(day - 1, unit="D"),
                    "bm_blasts_pct": blasts,
                    "anc_10e9_per_l": anc,
                    "platelets_10e9_per_l": platelets,
                    "extramedullary_disease": False,
                    "blasts_due_to_recovery": False,
                    "mrd_flow_level": mrd,
                }
            )
        )

    idx = np.flatnonzero(responder)
    anc, platelets = _counts(rng, course.best_response[idx])
    at_response = course.mrd_at_response[idx]
    unmeasured_at_response = pd.isna(at_response)
    negative_at_response = np.equal(at_response, "negative")
    negative_any = np.equal(course.mrd_negative, True)
    level = np.where(unmeasured_at_response, np.nan, _mrd_level(rng, negative_at_response))
    add(idx, course.response_day[idx], np.round(rng.uniform(0, 4.5, idx.size), 1), anc,
        platelets, level)

    # A later marrow where MRD was first measured or turned negative after the response.
    later = ~pd.isna(course.mrd_negative[idx]) & (
        unmeasured_at_response | (negative_any[idx] & ~negative_at_response))
    stop = np.fmin(np.fmin(course.relapse_day, course.death_day), course.last_day + 1)[idx]
    response_day = course.response_day[idx]
    day = response_day + np.minimum(28.0, np.floor((stop - response_day) / 2))
    pick = idx[later]
    add(
        pick,
        day[later],
        np.round(rng.uniform(0, 4.5, pick.size), 1),
        anc[later],
        platelets[later],
        _mrd_level(rng, negative_any[pick]),
    )

    relapsed = np.flatnonzero(~np.isnan(course.relapse_day))
    add(
        relapsed,
        course.relapse_day[relapsed],
        np.round(rng.uniform(20, 85, relapsed.size)),
        np.round(rng.uniform(0.3, 3.0, relapsed.size), 2),
        np.round(rng.uniform(10, 120, relapsed.size)),
        np.full(relapsed.size, np.nan),
    )

    no_response = np.flatnonzero(course.best_response == "NR")
    nr_day = np.minimum(rng.integers(22, 36, no_response.size), course.death_day[no_response] - 1)
    nr_day = np.fmin(nr_day, course.last_day[no_response])
    add(
        no_response,
        nr_day,
        np.round(rng.uniform(10, 90, no_response.size)),
        np.round(rng.uniform(0.1, 2.0, no_response.size), 2),
        np.round(rng.uniform(5, 80, no_response.size)),
        np.full(no_response.size, np.nan),
    )
    frame = pd.concat(rows, ignore_index=True)
    return frame.sort_values(["patient_id", "assessment_date"], ignore_index=True)


def _choose(rng: np.random.Generator, pool: IntArray, count: int) -> IntArray:
    return np.asarray(rng.choice(pool, size=min(count, pool.size), replace=False))


def generate_adverse_events(
    rng: np.random.Generator, patients: pd.DataFrame, course: Course
) -> pd.DataFrame:
    """adverse_events.csv rows: Table 3 exactly, plus the lower-grade SOS cases."""
    n = len(patients)
    scale = n / 110
    dead = ~np.isnan(course.death_day)
    early = course.best_response == "ED"
    in_remission_death = (
        dead & ~early & np.isnan(course.relapse_day) & (course.best_response != "NR")
    )
    sct = ~np.isnan(course.sct_day)
    cohort = patients["cohort"].to_numpy()

    records: list[tuple[int, str, int, float]] = []  # (patient index, term, grade, study day)
    used_grade5 = np.zeros(n, dtype=bool)
    early_pool = list(rng.permutation(np.flatnonzero(early)))
    grade5_pool = list(rng.permutation(np.flatnonzero(in_remission_death & ~sct)))
    sct_death_pool = list(rng.permutation(np.flatnonzero(in_remission_death & sct)))
    other_dead = list(rng.permutation(np.flatnonzero(dead)))
    for cause in _EARLY_DEATH_CAUSES:
        if early_pool and any(r.term == cause and r.grade5 for r in table3_rows()):
            i = early_pool.pop()
            records.append((int(i), cause, 5, course.death_day[i]))
            used_grade5[i] = True
    end = np.fmin(course.death_day, course.last_day)
    for row in table3_rows():
        taken = {i for i, term, _, _ in records if term == row.term}
        for grade, count in ((5, row.grade5), (4, row.grade4), (3, row.grade3)):
            count = round(count * scale) - sum(
                1 for _, t, g, _ in records if t == row.term and g == grade
            )
            for _ in range(max(count, 0)):
                # SOS: 9 of the 10 cases were on the original protocol (Results).
                allowed = (cohort == "original") if row.term == SOS_TERM else np.ones(n, bool)
                if grade == 5:
                    pools = (
                        (sct_death_pool, grade5_pool)
                        if row.term == SOS_TERM
                        else (grade5_pool, sct_death_pool)
                    )
                    pool = [
                        i
                        for p in (*pools, other_dead)
                        for i in p
                        if not used_grade5[i] and i not in taken and allowed[i]
                    ]
                    if not pool:
                        break
                    i = pool[0]
                    used_grade5[i] = True
                    records.append((int(i), row.term, 5, course.death_day[i]))
                else:
                    free = np.setdiff1d(
                        np.flatnonzero(allowed), np.fromiter(taken, int, len(taken))
                    )
                    i = int(_choose(rng, free, 1)[0])
                    last = max(2, min(_EVENT_WINDOW_DAYS, int(end[i])) + 1)
                    records.append((i, row.term, grade, float(rng.integers(1, last))))
                taken.add(records[-1][0])
    records += _low_grade_sos(rng, records, cohort, sct, course, scale)
    idx = np.array([r[0] for r in records], dtype=int)
    day = np.array([r[3] for r in records])
    start = patients["start_date"].to_numpy()[idx]
    frame = pd.DataFrame(
        {
            "patient_id": patients["patient_id"].to_numpy()[idx],
            "term": [r[1] for r in records],
            "onset_date": start + pd.to_timedelta(day - 1, unit="D"),
            "grade": np.array([r[2] for r in records], dtype=np.int64),
            "ctcae_version": CTCAE_VERSION,
            "hematologic": False,
            "treatment_related": pd.array([pd.NA] * len(records), dtype="boolean"),
        }
    )
    return frame.sort_values(["patient_id", "onset_date", "term"], ignore_index=True)


def _low_grade_sos(
    rng: np.random.Generator,
    records: list[tuple[int, str, int, float]],
    cohort: npt.NDArray[np.object_],
    sct: npt.NDArray[np.bool_],
    course: Course,
    scale: float,
) -> list[tuple[int, str, int, float]]:
    """Grade 2 SOS until each cohort has its published number of SOS cases (Results)."""
    has_sos = np.zeros(cohort.size, dtype=bool)
    has_sos[[i for i, term, _, _ in records if term == SOS_TERM]] = True
    added: list[tuple[int, str, int, float]] = []
    end = np.fmin(course.death_day, course.last_day)
    for c in cohort_sizes(cohort.size):
        missing = round(published_value("sos", c) * scale) - int(has_sos[cohort == c].sum())
        weights = np.where(sct, 4.0, 1.0) * (cohort == c) * ~has_sos
        free = np.flatnonzero(weights > 0)
        take = min(max(missing, 0), free.size)
        if not take:
            continue
        chosen = rng.choice(free, size=take, replace=False, p=weights[free] / weights[free].sum())
        after_sct = course.sct_day[chosen] + rng.integers(7, 30, take)
        day = np.where(after_sct <= end[chosen], after_sct, rng.integers(20, 90, take))
        day = np.minimum(day, end[chosen])
        added += [(int(i), SOS_TERM, 2, float(d)) for i, d in zip(chosen, day, strict=True)]
    return added


def place_in_reporting_window(
    rng: np.random.Generator,
    adverse_events: pd.DataFrame,
    patients: pd.DataFrame,
    administrations: pd.DataFrame,
) -> pd.DataFrame:
    """The events with each one inside its patient's reporting window (first dose to 2 months
    after the last, related events after it; ADaM's TRTEMFL rule), so that Table 3 of the
    treatment-emergent events is the paper's. Events already in the window are kept as they
    are; a fatal one outside becomes treatment-related; any other gets an onset drawn between
    the first dose and the window's end (or the patient's death or last contact, if earlier)."""
    events = adverse_events.copy()
    by_patient = patients.set_index("patient_id")
    first = administrations.groupby("patient_id")["date"].min()
    last = administrations.groupby("patient_id")["date"].max()
    inotuzumab = administrations["drug"].str.lower().str.contains("inotuzumab", na=False)
    last_ino = administrations[inotuzumab].groupby("patient_id")["date"].max()
    ids = events["patient_id"]
    start = ids.map(first).fillna(ids.map(by_patient["start_date"])).astype("datetime64[ns]")
    last_dose = ids.map(last).astype("datetime64[ns]")
    inside = in_reporting_window(
        events["onset_date"],
        start,
        last_dose,
        events["treatment_related"],
        is_sos_term(events["term"]),
        ids.map(last_ino).astype("datetime64[ns]"),
    )
    fatal = events["grade"].to_numpy() == 5
    related = events["treatment_related"].copy()
    related[~inside & fatal] = True
    events["treatment_related"] = related
    move = np.flatnonzero(~inside & ~fatal)
    if move.size:
        window_end = last_dose.iloc[move] + pd.DateOffset(months=AE_WINDOW_MONTHS_AFTER_LAST_DOSE)
        alive_until = ids.iloc[move].map(
            by_patient["death_date"].fillna(by_patient["last_followup_date"])
        )
        end = np.minimum(window_end.to_numpy(), alive_until.astype("datetime64[ns]").to_numpy())
        begin = start.iloc[move].to_numpy()
        span = np.maximum((end - begin) // np.timedelta64(1, "D"), 0)
        offset = np.floor(rng.random(move.size) * (span + 1)).astype(np.int64)
        onset = begin + offset * np.timedelta64(1, "D")
        events.loc[events.index[move], "onset_date"] = onset
    return events.sort_values(["patient_id", "onset_date", "term"], ignore_index=True)
