"""Clinical rules of the trial as small pure functions (vectorised where data need it).

Eligibility, response at an assessment, best response and early death, MRD, relapse, salvage
group and high-risk cytogenetics, and the adverse-event reporting window. Each module's
docstring cites the paper and states the decisions taken where its wording leaves a gap.
"""

from minihcvd.clinical._arrays import (
    DAYS_PER_MONTH,
    DistinctColumns,
    DistinctValues,
    study_day,
    text_equals,
)
from minihcvd.clinical.adverse_events import (
    CTCAE_VERSIONS,
    ctcae_grade_label,
    in_reporting_window,
    is_sos_term,
)
from minihcvd.clinical.eligibility import (
    CriterionResult,
    EligibilityInput,
    EligibilityResult,
    assess_eligibility,
)
from minihcvd.clinical.mrd import MRD_FLOW_SENSITIVITY, MRD_NGS_SENSITIVITY, mrd_negative
from minihcvd.clinical.outcomes import patient_outcomes, summarise_assessments
from minihcvd.clinical.relapse import shows_relapse
from minihcvd.clinical.response import (
    EARLY_DEATH_LAST_DAY,
    classify_response,
    is_early_death,
    response_at_assessment,
)
from minihcvd.clinical.risk import is_high_risk_karyotype, salvage_group, salvage_group_index

__all__ = [
    "CTCAE_VERSIONS",
    "DAYS_PER_MONTH",
    "EARLY_DEATH_LAST_DAY",
    "MRD_FLOW_SENSITIVITY",
    "MRD_NGS_SENSITIVITY",
    "CriterionResult",
    "DistinctColumns",
    "DistinctValues",
    "EligibilityInput",
    "EligibilityResult",
    "assess_eligibility",
    "classify_response",
    "ctcae_grade_label",
    "in_reporting_window",
    "is_early_death",
    "is_high_risk_karyotype",
    "is_sos_term",
    "mrd_negative",
    "patient_outcomes",
    "response_at_assessment",
    "salvage_group",
    "salvage_group_index",
    "shows_relapse",
    "study_day",
    "summarise_assessments",
    "text_equals",
]
