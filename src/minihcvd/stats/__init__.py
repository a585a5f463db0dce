"""stats layer: a vectorised survival engine equal to R's ``survival``, and the trial's analysis.

Arrays in, result objects out (lifelines-style names). ``KaplanMeierFitter`` (survfit),
``logrank_test`` (survdiff), ``CoxPHFitter`` (coxph, Efron ties, counting-process data).
"""

from minihcvd.stats.cox import CoxPHFitter
from minihcvd.stats.kaplan_meier import KaplanMeierFitter, median_followup
from minihcvd.stats.logrank import LogrankResult, logrank_test

__all__ = [
    "CoxPHFitter",
    "KaplanMeierFitter",
    "LogrankResult",
    "logrank_test",
    "median_followup",
]
