"""cohort layer: a calibrated virtual cohort of the trial and its comparison with the paper.

``synthesize`` generates a whole trial data package from a seed; ``published_targets`` are the
paper's numbers with their places; ``reproduction_table`` compares them with generated cohorts
(docs/virtual-cohort.md).
"""

from minihcvd.cohort.measures import measure_cohort
from minihcvd.cohort.outcomes import OutcomeModel
from minihcvd.cohort.reproduction import (
    PAPER_COX_COVARIATES,
    ReproductionRow,
    ReproductionTable,
    analyze_cohort,
    measure_seed,
    reproduction_table,
    run_seeds,
)
from minihcvd.cohort.synthesize import DEFAULT_SEED, MAX_PATIENTS, synthesize
from minihcvd.cohort.targets import PublishedTarget, published_targets, table3_rows

__all__ = [
    "DEFAULT_SEED",
    "MAX_PATIENTS",
    "PAPER_COX_COVARIATES",
    "OutcomeModel",
    "PublishedTarget",
    "ReproductionRow",
    "ReproductionTable",
    "analyze_cohort",
    "measure_cohort",
    "measure_seed",
    "published_targets",
    "reproduction_table",
    "run_seeds",
    "synthesize",
    "table3_rows",
]
