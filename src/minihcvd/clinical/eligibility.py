"""Eligibility for the trial, criterion by criterion (trial paper, Methods, "Study design").

Inclusion: relapsed or refractory, Philadelphia-chromosome-negative, CD22-positive precursor-B
ALL; ECOG performance status 0–3; ejection fraction above 50%; bilirubin <= 1.95 mg/dL;
creatinine <= 2.0 mg/dL. Exclusion: active infection not controlled by antibiotics, NYHA class 3–4
heart failure, a second active malignancy. Each criterion is ``pass``, ``fail`` or ``unknown``
(value not given, or NaN) with the reason; CD22 positivity is taken as the laboratory reports it
(the paper gives no cut-off).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal, TypeVar

from minihcvd.errors import ClinicalRuleError

__all__ = [
    "BILIRUBIN_MAX_MG_DL",
    "CREATININE_MAX_MG_DL",
    "ECOG_MAX",
    "EJECTION_FRACTION_ABOVE_PCT",
    "CriterionResult",
    "EligibilityInput",
    "EligibilityResult",
    "assess_eligibility",
]

Status = Literal["pass", "fail", "unknown"]
T = TypeVar("T", bool, int, float)
ECOG_MAX: Final = 3
EJECTION_FRACTION_ABOVE_PCT: Final = 50.0
BILIRUBIN_MAX_MG_DL: Final = 1.95
CREATININE_MAX_MG_DL: Final = 2.0


@dataclass(frozen=True)
class EligibilityInput:
    """What screening knows about a patient; ``None`` means not known yet."""

    relapsed_or_refractory: bool | None = None
    precursor_b_all: bool | None = None
    ph_positive: bool | None = None
    cd22_positive: bool | None = None
    ecog: int | None = None
    ejection_fraction_pct: float | None = None
    bilirubin_mg_dl: float | None = None
    creatinine_mg_dl: float | None = None
    uncontrolled_infection: bool | None = None
    nyha_class: int | None = None
    second_active_malignancy: bool | None = None

    def __post_init__(self) -> None:
        ranges = {
            "ecog": (self.ecog, 0, 5),
            "ejection_fraction_pct": (self.ejection_fraction_pct, 0, 100),
            "bilirubin_mg_dl": (self.bilirubin_mg_dl, 0, None),
            "creatinine_mg_dl": (self.creatinine_mg_dl, 0, None),
            "nyha_class": (self.nyha_class, 1, 4),
        }
        for name, (value, low, high) in ranges.items():
            if value is not None and (value < low or (high is not None and value > high)):
                upper = f" and <= {high}" if high is not None else ""
                raise ClinicalRuleError(f"{name} must be >= {low}{upper}; got {value}", field=name)


@dataclass(frozen=True)
class CriterionResult:
    """One criterion's verdict and why."""

    criterion: str
    status: Status
    reason: str


@dataclass(frozen=True)
class EligibilityResult:
    """Every criterion's result; the patient is eligible only if all pass."""

    criteria: tuple[CriterionResult, ...]

    @property
    def status(self) -> Literal["eligible", "ineligible", "unknown"]:
        """``ineligible`` if any criterion fails, ``unknown`` if any is unknown, else eligible."""
        statuses = {c.status for c in self.criteria}
        if "fail" in statuses:
            return "ineligible"
        return "unknown" if "unknown" in statuses else "eligible"


def _judge(
    criterion: str, value: T | None, passes: Callable[[T], bool], shown: str
) -> CriterionResult:
    if value is None or value != value:  # NaN (a missing lab value from a table) is unknown
        return CriterionResult(criterion, "unknown", f"{shown} not given")
    verdict: Status = "pass" if passes(value) else "fail"
    return CriterionResult(criterion, verdict, f"{shown} = {value}")


def _is_true(value: bool) -> bool:
    return value


def _is_false(value: bool) -> bool:
    return not value


def assess_eligibility(patient: EligibilityInput) -> EligibilityResult:
    """Judge every inclusion and exclusion criterion of the trial for ``patient``."""
    p = patient
    ef = EJECTION_FRACTION_ABOVE_PCT
    results = (
        _judge(
            "relapsed or refractory ALL",
            p.relapsed_or_refractory,
            _is_true,
            "relapsed_or_refractory",
        ),
        _judge("precursor-B ALL", p.precursor_b_all, _is_true, "precursor_b_all"),
        _judge("Philadelphia-chromosome negative", p.ph_positive, _is_false, "ph_positive"),
        _judge("CD22 positive", p.cd22_positive, _is_true, "cd22_positive"),
        _judge(f"ECOG performance status <= {ECOG_MAX}", p.ecog, lambda v: v <= ECOG_MAX, "ecog"),
        _judge(
            f"ejection fraction > {ef:g}%",
            p.ejection_fraction_pct,
            lambda v: v > ef,
            "ejection_fraction_pct",
        ),
        _judge(
            f"bilirubin <= {BILIRUBIN_MAX_MG_DL} mg/dL",
            p.bilirubin_mg_dl,
            lambda v: v <= BILIRUBIN_MAX_MG_DL,
            "bilirubin_mg_dl",
        ),
        _judge(
            f"creatinine <= {CREATININE_MAX_MG_DL} mg/dL",
            p.creatinine_mg_dl,
            lambda v: v <= CREATININE_MAX_MG_DL,
            "creatinine_mg_dl",
        ),
        _judge(
            "no active infection uncontrolled by antibiotics",
            p.uncontrolled_infection,
            _is_false,
            "uncontrolled_infection",
        ),
        _judge("no NYHA class 3-4 heart failure", p.nyha_class, lambda v: v < 3, "nyha_class"),
        _judge(
            "no second active malignancy",
            p.second_active_malignancy,
            _is_false,
            "second_active_malignancy",
        ),
    )
    return EligibilityResult(results)
