"""The course of each virtual patient: response, MRD, transplant, blinatumomab, relapse, death.

All times are days from the start of treatment (day 1 = start date). The model, in the order
it is drawn (docs/virtual-cohort.md explains and justifies each step):

1. Best response is dealt out exactly per cohort and salvage line (counts derived from Table 2
   and the response paragraph); within a stratum early death favours ECOG >= 2 and no response
   favours primary refractory / short first remission.
2. MRD status (at response, at any time) is dealt out exactly per cohort and salvage line.
3. Responders: the first event after response (relapse or death in remission) follows a
   piecewise-exponential proportional-hazards model whose covariate effects are the paper's
   multivariate Cox hazard ratios plus an MRD effect; its baseline scale is calibrated. Death
   after relapse and the survival of non-responders are exponential with a long-term-survivor
   fraction, under the same hazard ratios except the amended regimen's, which acts through
   the remission (so the fitted multivariate HR comes out near the paper's).
4. Transplant (exact counts per cohort) and blinatumomab (exact per cohort) go to responders
   still in remission at the drawn time. After a transplant the first-event hazard changes by
   a time-dependent hazard ratio and a first event is more often death in remission.
5. Follow-up ends at the data cut-off, earlier for patients lost to follow-up; events after
   the last contact are not observed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from minihcvd.clinical import DAYS_PER_MONTH
from minihcvd.cohort.baseline import cohort_sizes
from minihcvd.cohort.response import deal_mrd, deal_responses, early_death_days, response_days
from minihcvd.cohort.targets import published_value, scaled_count

__all__ = [
    "Course",
    "OutcomeModel",
    "generate_outcomes",
    "patient_outcome_columns",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


#: Every patient is followed at least this long (or to the cut-off): past any response (day 134).
_MIN_CONTACT_DAYS: Final = 180


@dataclass(frozen=True)
class OutcomeModel:
    """Parameters of the course-of-treatment model; defaults are the calibrated values."""

    #: Multivariate Cox HRs (Results, Cox paragraph): per 1% PB blasts, high-risk cytogenetics,
    #: TP53 mutation, amended regimen.
    hr_pb_blasts_per_pct: float = 1.014
    hr_high_risk_cytogenetics: float = 2.765
    hr_tp53_mutated: float = 2.354
    hr_amended: float = 0.574
    #: Responders not MRD negative at any time (not reported as an HR; calibrated to Fig. 1D).
    hr_mrd_not_negative: float = 6.0
    #: Hazard ratio of the first event after a transplant (time-dependent; not reported in the
    #: paper, calibrated so the 4-month SCT landmark shows no difference, as the paper does).
    hr_after_sct: float = 1.6
    #: Piecewise-constant baseline hazard of the first event after response (per day):
    #: interval starts in months and relative level, times a calibrated scale.
    interval_starts_months: tuple[float, ...] = (0.0, 6.0, 12.0, 24.0, 36.0, 60.0)
    relative_hazard: tuple[float, ...] = (1.0, 1.0, 0.4, 0.2, 0.25, 0.1)
    baseline_hazard_per_day: float = 7.7e-4
    #: Share of first events that are death in remission, without and after transplant.
    death_in_remission_share: float = 0.25
    death_in_remission_share_after_sct: float = 0.45
    #: Death after relapse: median months, and the share who survive long term.
    post_relapse_median_months: float = 12.0
    post_relapse_long_term_share: float = 0.4
    #: Non-responders (alive beyond day 28): median months and long-term share.
    no_response_median_months: float = 6.0
    no_response_long_term_share: float = 0.08
    #: Hazard of the long-term survivors (per day), about 2% a year.
    long_term_hazard_per_day: float = 5.5e-5
    #: Time to transplant: lognormal median (months, Results), spread, published range.
    sct_median_months: float = 4.0
    sct_log_sd: float = 0.35
    #: Time to first blinatumomab in months (Outcomes: median 2 months), lognormal.
    blinatumomab_median_months: float = 2.0
    blinatumomab_log_sd: float = 0.3
    #: Relative chance of transplant if MRD negative (Methods: MRD status guided the choice).
    sct_weight_mrd_negative: float = 2.0
    #: Follow-up: share of patients whose last contact falls before the data cut-off, at a
    #: uniform fraction (at least this much) of their potential follow-up; calibrated to the
    #: median follow-up of 48 months (the paper gives no cut-off date nor losses).
    lost_to_followup_share: float = 0.52
    lost_at_least_fraction: float = 0.3
    cutoff: pd.Timestamp = field(default_factory=lambda: pd.Timestamp("2022-05-15"))


@dataclass(frozen=True)
class Course:
    """One array per event, as study days (1 = start; NaN = did not happen or not observed)."""

    best_response: npt.NDArray[np.object_]
    response_day: FloatArray
    relapse_day: FloatArray
    death_day: FloatArray
    last_day: FloatArray
    sct_day: FloatArray
    blinatumomab_day: FloatArray
    mrd_at_response: npt.NDArray[np.object_]
    mrd_negative: npt.NDArray[np.object_]


def _hazard_draw(
    rng: np.random.Generator, model: OutcomeModel, linear: FloatArray, entry_days: FloatArray
) -> FloatArray:
    """Days to the first event after response under the piecewise baseline × exp(linear),
    for patients known to be event-free at ``entry_days`` (left truncation)."""
    starts = np.asarray(model.interval_starts_months) * DAYS_PER_MONTH
    rates = np.asarray(model.relative_hazard) * model.baseline_hazard_per_day
    cumulative = np.concatenate([[0.0], np.cumsum(rates[:-1] * np.diff(starts))])
    k = np.searchsorted(starts, entry_days, side="right") - 1
    entry_hazard = cumulative[k] + rates[k] * (entry_days - starts[k])
    target = entry_hazard + rng.exponential(size=linear.size) / np.exp(linear)
    k = np.searchsorted(cumulative, target, side="right") - 1
    return np.asarray(starts[k] + (target - cumulative[k]) / rates[k])


def _mixture_days(
    rng: np.random.Generator,
    model: OutcomeModel,
    linear: FloatArray,
    median_months: float,
    long_term_share: float,
) -> FloatArray:
    """Survival days from an exponential with a long-term-survivor fraction, under
    proportional hazards: the short-term rate scales with exp(linear), the long-term share
    becomes share ** exp(linear) (as a plateau does under proportional hazards)."""
    hazard_ratio = np.exp(linear)
    short = rng.exponential(median_months * DAYS_PER_MONTH / np.log(2), linear.size)
    long = rng.exponential(1.0 / model.long_term_hazard_per_day, linear.size)
    long_term = rng.random(linear.size) < long_term_share**hazard_ratio
    return np.asarray(np.where(long_term, long, short / hazard_ratio))


def _linear_predictor(model: OutcomeModel, baseline: pd.DataFrame) -> FloatArray:
    """The pre-treatment part of the log hazard (the paper's multivariate Cox model)."""
    tp53 = baseline["tp53_mutated"].fillna(False).to_numpy(dtype=bool)
    return np.asarray(
        np.log(model.hr_pb_blasts_per_pct) * baseline["pb_blasts_pct"].to_numpy(dtype=float)
        + np.log(model.hr_high_risk_cytogenetics)
        * baseline["high_risk_cytogenetics"].to_numpy(dtype=bool)
        + np.log(model.hr_tp53_mutated) * tp53
        + np.log(model.hr_amended) * (baseline["cohort"].to_numpy() == "amended")
    )


def _pick(
    rng: np.random.Generator, eligible: BoolArray, count: int, weights: FloatArray
) -> BoolArray:
    chosen = np.zeros(eligible.size, dtype=bool)
    idx = np.flatnonzero(eligible)
    take = min(count, idx.size)
    if take:
        p = weights[idx] / weights[idx].sum()
        chosen[rng.choice(idx, size=take, replace=False, p=p)] = True
    return chosen


def _pin_range(
    sct_day: FloatArray,
    sct: BoolArray,
    response_day: FloatArray,
    first_event: FloatArray,
    end_days: FloatArray,
) -> None:
    """Move the earliest and latest possible transplant to the published range ends."""
    for months, pick in (
        (published_value("sct_months_min"), np.argmin),
        (published_value("sct_months_max"), np.argmax),
    ):
        day = float(np.round(months * DAYS_PER_MONTH))
        fits = sct & (response_day + 7 < day) & (day < np.fmin(first_event, end_days + 1))
        candidates = np.flatnonzero(fits)
        if candidates.size:
            sct_day[candidates[pick(sct_day[candidates])]] = day


def generate_outcomes(
    rng: np.random.Generator, baseline: pd.DataFrame, model: OutcomeModel
) -> Course:
    """Each patient's course of treatment, as study days, for ``baseline``'s patients."""
    n = len(baseline)
    cohort = baseline["cohort"].to_numpy()
    start = pd.DatetimeIndex(baseline["start_date"])
    potential_days = np.asarray((model.cutoff - start).days, dtype=float) + 1
    lag = np.minimum(np.round(rng.exponential(20.0, n)), 90)
    lost = rng.random(n) < model.lost_to_followup_share
    lost_fraction = rng.uniform(model.lost_at_least_fraction, 1.0, n)
    end_days = np.round(np.where(lost, potential_days * lost_fraction, potential_days - lag))
    end_days = np.maximum(end_days, np.minimum(potential_days, _MIN_CONTACT_DAYS))

    best = deal_responses(rng, baseline)
    responder = np.isin(best, ["CR", "CRp", "CRi"])
    mrd_at_response, mrd_overall = deal_mrd(rng, cohort, baseline["salvage"].to_numpy(), responder)
    response_day = response_days(rng, responder)
    pretreatment = _linear_predictor(model, baseline)
    mrd_negative = np.equal(mrd_overall, True)
    linear = pretreatment + np.log(model.hr_mrd_not_negative) * ~mrd_negative
    # After relapse or without response: the amended regimen acted through the remission (its
    # HR is on the first event only); never reaching MRD negativity marks resistant disease.
    after_failure = pretreatment - np.log(model.hr_amended) * (cohort == "amended")
    after_failure += np.log(model.hr_mrd_not_negative) * (responder & ~mrd_negative)

    first_event = response_day + _hazard_draw(rng, model, linear, np.zeros(n))
    sct_day = np.round(
        DAYS_PER_MONTH
        * np.clip(
            rng.lognormal(np.log(model.sct_median_months), model.sct_log_sd, n),
            published_value("sct_months_min"),
            published_value("sct_months_max"),
        )
    )
    sct_ok = responder & (sct_day > response_day + 7) & (sct_day < first_event)
    sct_ok &= sct_day <= end_days
    weights = np.where(mrd_negative, model.sct_weight_mrd_negative, 1.0)
    sct = np.zeros(n, dtype=bool)
    for c, size in cohort_sizes(n).items():
        sct |= _pick(rng, sct_ok & (cohort == c), scaled_count("sct", c, size), weights)
    _pin_range(sct_day, sct, response_day, first_event, end_days)
    # After a transplant the hazard changes (time-dependent covariate): redraw from SCT on.
    after_sct = response_day + _hazard_draw(
        rng, model, linear + np.log(model.hr_after_sct), np.fmax(sct_day - response_day, 0)
    )
    first_event = np.where(sct, after_sct, first_event)

    share = np.where(sct, model.death_in_remission_share_after_sct, model.death_in_remission_share)
    dies_in_remission = rng.random(n) < share
    first_event = np.maximum(first_event, np.where(sct, sct_day + 1, response_day + 3))
    relapse_day = np.where(responder & ~dies_in_remission, np.ceil(first_event), np.nan)
    death_day = np.where(
        dies_in_remission,
        np.ceil(first_event),
        relapse_day
        + 1
        + np.round(
            _mixture_days(
                rng,
                model,
                after_failure,
                model.post_relapse_median_months,
                model.post_relapse_long_term_share,
            )
        ),
    )
    no_response = best == "NR"
    death_day[no_response] = 29 + np.round(
        _mixture_days(
            rng,
            model,
            after_failure[no_response],
            model.no_response_median_months,
            model.no_response_long_term_share,
        )
    )
    early = best == "ED"
    death_day[early] = early_death_days(rng, int(early.sum()))

    blin_day = np.round(
        DAYS_PER_MONTH
        * np.clip(
            rng.lognormal(np.log(model.blinatumomab_median_months), model.blinatumomab_log_sd, n),
            1.0,
            6.0,
        )
    )
    blin_ok = (blin_day < np.minimum(death_day, end_days)) & ~early
    # On the amended protocol blinatumomab follows the response and precedes a transplant.
    blin_day = np.where(cohort == "amended", np.maximum(blin_day, response_day + 7), blin_day)
    blin_day = np.where((cohort == "amended") & sct, np.minimum(blin_day, sct_day - 14), blin_day)
    amended_ok = responder & (blin_day > response_day) & (blin_day < first_event)
    amended_ok &= blin_day < end_days
    blin = np.zeros(n, dtype=bool)
    sizes = cohort_sizes(n)
    for c, ok in (("original", blin_ok), ("amended", amended_ok)):
        count = scaled_count("blinatumomab", c, sizes[c])
        blin |= _pick(rng, ok & (cohort == c), count, np.ones(n))
    died = death_day <= end_days
    last_day = np.where(died, death_day, end_days)
    observed = relapse_day <= last_day
    return Course(
        best_response=best,
        response_day=response_day,
        relapse_day=np.where(observed, relapse_day, np.nan),
        death_day=np.where(died, death_day, np.nan),
        last_day=last_day,
        sct_day=np.where(sct, sct_day, np.nan),
        blinatumomab_day=np.where(blin, blin_day, np.nan),
        mrd_at_response=mrd_at_response,
        mrd_negative=mrd_overall,
    )


def _dates(start: pd.DatetimeIndex, days: FloatArray) -> pd.Series:
    """Study day (1 = start) to date; missing stays missing."""
    offsets = pd.to_timedelta(days - 1, unit="D")
    return pd.Series(start + offsets)


def patient_outcome_columns(baseline: pd.DataFrame, course: Course) -> pd.DataFrame:
    """The outcome columns of patients.csv, in the trial data package's names."""
    start = pd.DatetimeIndex(baseline["start_date"])
    return pd.DataFrame(
        {
            "last_followup_date": _dates(start, course.last_day),
            "death_date": _dates(start, course.death_day),
            "best_response": course.best_response,
            "response_date": _dates(start, course.response_day),
            "relapse_date": _dates(start, course.relapse_day),
            "sct_date": _dates(start, course.sct_day),
            "blinatumomab_date": _dates(start, course.blinatumomab_day),
            "mrd_negative": pd.Series(course.mrd_negative, dtype="object").astype("boolean"),
        }
    )
