"""``synthesize``: one virtual trial as a complete trial data package.

One ``numpy.random.Generator`` seeded from ``seed`` drives every draw, in a fixed order
(baseline, course, assessments, adverse events, administrations), so a seed always gives the
same package and different seeds give different cohorts. Columns get the dtypes
``read_package`` gives, so the in-memory package analyses exactly like one read from disk.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from minihcvd.cohort.baseline import generate_baseline
from minihcvd.cohort.events import (
    generate_adverse_events,
    generate_assessments,
    place_in_reporting_window,
)
from minihcvd.cohort.outcomes import OutcomeModel, generate_outcomes, patient_outcome_columns
from minihcvd.cohort.treatment import generate_administrations
from minihcvd.errors import CohortError
from minihcvd.trialdata import FILES, FileSpec, TrialPackage

__all__ = ["DEFAULT_SEED", "MAX_PATIENTS", "synthesize"]

#: The demo's cohort: of seeds 1-200, the one whose calibrated numbers lie closest to the middle
#: of their distribution over those seeds (a typical cohort, chosen without looking at the paper).
DEFAULT_SEED: Final = 147
#: Doses are built patient by patient (about 5 ms each); beyond this a run would take minutes.
MAX_PATIENTS: Final = 10_000
_SPECS: Final = {spec.name: spec for spec in FILES}


def _typed(frame: pd.DataFrame, spec: FileSpec) -> pd.DataFrame:
    """Give each declared column the dtype the package reader produces."""
    out = frame.copy()
    for column in spec.columns:
        if column.name not in out:
            continue
        values = out[column.name]
        if column.kind == "date":
            out[column.name] = pd.to_datetime(values).astype("datetime64[us]")
        elif column.kind == "bool":
            out[column.name] = values.astype("boolean")
        elif column.kind == "int":
            out[column.name] = values.astype("Int64")
        elif column.kind == "float":
            out[column.name] = values.astype("float64")
        else:
            out[column.name] = values.astype("object").where(values.notna()).astype("str")
    return out


def _check_arguments(seed: int, n_patients: int) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise CohortError(f"seed must be a whole number >= 0, found {seed!r}", field="seed")
    if (
        isinstance(n_patients, bool)
        or not isinstance(n_patients, int | np.integer)
        or not (1 <= n_patients <= MAX_PATIENTS)
    ):
        raise CohortError(
            f"the number of patients must be a whole number from 1 to {MAX_PATIENTS}, "
            f"found {n_patients!r}",
            field="patients",
        )


def synthesize(
    seed: int = DEFAULT_SEED,
    n_patients: int = 110,
    *,
    administrations: bool = True,
    model: OutcomeModel | None = None,
) -> TrialPackage:
    """A virtual trial of ``n_patients`` (67 original + 43 amended for 110) from ``seed``.

    ``administrations=False`` skips the dose records (the slowest part, not needed for the
    analysis); ``model`` replaces the calibrated outcome model.
    """
    _check_arguments(seed, n_patients)
    rng = np.random.default_rng(seed)
    baseline = generate_baseline(rng, int(n_patients))
    course = generate_outcomes(rng, baseline, model or OutcomeModel())
    outcomes = patient_outcome_columns(baseline, course)
    patients = pd.concat(
        [
            baseline[["patient_id", "cohort", "start_date"]],
            outcomes,
            baseline.drop(columns=["patient_id", "cohort", "start_date"]),
        ],
        axis=1,
    )
    assessments = generate_assessments(rng, patients["patient_id"], patients["start_date"], course)
    adverse_events = generate_adverse_events(rng, patients, course)
    given = generate_administrations(rng, patients, course) if administrations else None
    if given is not None:
        adverse_events = place_in_reporting_window(rng, adverse_events, patients, given)
    return TrialPackage(
        patients=_typed(patients, _SPECS["patients.csv"]),
        assessments=_typed(assessments, _SPECS["assessments.csv"]),
        adverse_events=_typed(adverse_events, _SPECS["adverse_events.csv"]),
        administrations=None if given is None else _typed(given, _SPECS["administrations.csv"]),
    )
