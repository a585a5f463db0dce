"""stats layer: a vectorised survival engine equal to R's ``survival``, and the trial's analysis.

Arrays in, result objects out (lifelines-style names): ``KaplanMeierFitter`` (survfit),
``logrank_test`` (survdiff), ``CoxPHFitter`` (coxph, Efron ties, counting-process data),
``median_followup`` (reverse Kaplan–Meier). ``analyze_package`` runs the paper's analysis plan
on a trial data package; ``AnalysisResults.to_json_dict()`` is results.json
(docs/results-schema.md).
"""

from minihcvd.stats.analysis import (
    AnalysisOptions,
    AnalysisResults,
    analyze_adam,
    analyze_package,
)
from minihcvd.stats.cox import CoxPHFitter, RiskIndex
from minihcvd.stats.kaplan_meier import KaplanMeierFitter, median_followup
from minihcvd.stats.landmarks import Landmark
from minihcvd.stats.logrank import LogrankResult, logrank_test

__all__ = [
    "AnalysisOptions",
    "AnalysisResults",
    "CoxPHFitter",
    "KaplanMeierFitter",
    "Landmark",
    "LogrankResult",
    "RiskIndex",
    "analyze_adam",
    "analyze_package",
    "logrank_test",
    "median_followup",
]
