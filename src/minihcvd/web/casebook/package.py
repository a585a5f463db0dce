"""The casebook as a trial data package and back: the one mapping between the database and
the package's files (docs/data-format.md), used by the export, the import and the checks on
entry (which run ``minihcvd validate``'s rules on the patient's package).

Columns come out in the schema's order (or an imported package's own order) with the schema's
types, written by the core's ``write_package``; a patient's id in the package is the study id.
"""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from minihcvd.errors import TrialDataError, ValidationFailed
from minihcvd.trialdata import TrialPackage, write_package
from minihcvd.trialdata.schema import (
    ADMINISTRATIONS,
    ADVERSE_EVENTS,
    ASSESSMENTS,
    PATIENTS,
    FileSpec,
)
from minihcvd.web.casebook.models import (
    AdverseEvent,
    Baseline,
    BlinatumomabStart,
    Death,
    FollowUp,
    MarrowAssessment,
    PackageLayout,
    StatedOutcome,
    Transplant,
)
from minihcvd.web.patients.models import Patient
from minihcvd.web.treatment.models import GivenAdministration

__all__ = [
    "ASSESSMENT_COLUMNS",
    "EVENT_COLUMNS",
    "PATIENT_COLUMNS_ON_PATIENT",
    "cohort_of",
    "package_for",
    "package_problems",
    "write_casebook",
]

#: assessments.csv / adverse_events.csv columns held as model fields of the same name
ASSESSMENT_COLUMNS = tuple(c.name for c in ASSESSMENTS.columns if c.name != "patient_id")
EVENT_COLUMNS = tuple(c.name for c in ADVERSE_EVENTS.columns if c.name != "patient_id")
#: patients.csv columns held on the Patient itself (registration's fields)
PATIENT_COLUMNS_ON_PATIENT = (
    "patient_id",
    "cohort",
    "start_date",
    "age",
    "sex",
    "ecog",
    "cd20_pct",
    "cns_disease",
    "height_cm",
    "weight_kg",
)
#: patients.csv columns held by the patient-level casebook records
PATIENT_COLUMNS_ON_RECORDS = (
    "last_followup_date",
    "death_date",
    "best_response",
    "response_date",
    "relapse_date",
    "mrd_negative",
    "sct_date",
    "blinatumomab_date",
)
_REGISTRATION_EXTRAS = ("height_cm", "weight_kg")


def cohort_of(protocol: str) -> str:
    """The package's ``cohort`` (protocol version) of a protocol file."""
    return "amended" if protocol == "amended" else "original"


def _by_patient(model: Any, patients: list[Patient]) -> dict[Any, Any]:
    return {r.patient_id: r for r in model.objects.filter(patient__in=patients)}


def _last_known_alive(patients: list[Patient]) -> dict[Any, dt.date]:
    """Each patient's latest visit, marrow or adverse-event date: the patient was alive then."""
    latest: dict[Any, dt.date] = {}
    for model, name in (
        (FollowUp, "visit_date"),
        (MarrowAssessment, "assessment_date"),
        (AdverseEvent, "onset_date"),
    ):
        for key, day in model.objects.filter(patient__in=patients).values_list("patient", name):
            latest[key] = max(day, latest.get(key, day))
    return latest


def _patient_rows(patients: list[Patient]) -> list[dict[str, Any]]:
    transplants = _by_patient(Transplant, patients)
    blinatumomab = _by_patient(BlinatumomabStart, patients)
    deaths = _by_patient(Death, patients)
    stated = _by_patient(StatedOutcome, patients)
    baselines = _by_patient(Baseline, patients)
    last_seen = _last_known_alive(patients)
    rows = []
    for patient in patients:
        death = deaths.get(patient.pk)
        outcome = stated.get(patient.pk)
        transplant = transplants.get(patient.pk)
        blina = blinatumomab.get(patient.pk)
        baseline = baselines.get(patient.pk)
        row: dict[str, Any] = dict(baseline.values) if baseline else {}
        row.update(
            patient_id=patient.study_id,
            cohort=cohort_of(patient.protocol),
            start_date=patient.start_date,
            last_followup_date=max(
                d
                for d in (
                    patient.start_date,
                    last_seen.get(patient.pk),
                    death.death_date if death else None,
                    transplant.sct_date if transplant else None,
                    blina.blinatumomab_date if blina else None,
                )
                if d is not None
            ),
            death_date=death.death_date if death else None,
            best_response=(outcome.best_response or None) if outcome else None,
            response_date=outcome.response_date if outcome else None,
            relapse_date=outcome.relapse_date if outcome else None,
            mrd_negative=outcome.mrd_negative if outcome else None,
            sct_date=transplant.sct_date if transplant else None,
            blinatumomab_date=blina.blinatumomab_date if blina else None,
            age=float(patient.age_years),
            sex=patient.sex,
            ecog=patient.eligibility_inputs.get("ecog"),
            cd20_pct=patient.cd20_pct,
            cns_disease=patient.cns_disease,
            height_cm=patient.height_cm,
            weight_kg=patient.weight_kg,
        )
        rows.append(row)
    return rows


def _record_rows(
    model: Any, columns: tuple[str, ...], patients: list[Patient]
) -> list[dict[str, Any]]:
    order = {p.pk: index for index, p in enumerate(patients)}
    records = sorted(
        model.objects.filter(patient__in=patients).select_related("patient"),
        key=lambda r: (order[r.patient_id], r.position),
    )
    return [
        {"patient_id": r.patient.study_id, **{c: getattr(r, c) for c in columns}} for r in records
    ]


def _administration_rows(patients: list[Patient]) -> list[dict[str, Any]]:
    """Each dose given as a row of administrations.csv, in the patient's order of entry."""
    order = {p.pk: index for index, p in enumerate(patients)}
    given = sorted(
        GivenAdministration.objects.filter(course__patient__in=patients).select_related(
            "course__patient"
        ),
        key=lambda g: (order[g.course.patient_id], g.position),
    )
    return [
        {
            **g.extra,
            "patient_id": g.course.patient.study_id,
            "date": g.date,
            "phase": g.course.phase,
            "course": g.course.number,
            "day": g.day,
            "drug": g.drug,
            "route": g.route or None,
            "dose": g.dose,
            "unit": g.unit or None,
            "doses_per_day": g.doses_per_day,
        }
        for g in given
    ]


def _frame(rows: list[dict[str, Any]], spec: FileSpec, columns: list[str]) -> pd.DataFrame:
    """The rows as a frame of the schema's types (extra columns as text)."""
    frame = pd.DataFrame(rows, columns=columns)
    for name in columns:
        column_spec = spec.column(name)
        kind = column_spec.kind if column_spec else "text"
        values = frame[name]
        if kind == "date":
            frame[name] = pd.to_datetime(values).astype("datetime64[us]")
        elif kind == "bool":
            frame[name] = values.astype("boolean")
        elif kind == "int":
            frame[name] = pd.to_numeric(values).astype("Int64")
        elif kind == "float":
            frame[name] = pd.to_numeric(values).astype("float64")
        else:
            frame[name] = values.astype("object").where(values.notna(), None)
    return frame


def _columns(
    spec: FileSpec, layout: dict[str, list[str]] | None, rows: list[dict[str, Any]]
) -> list[str]:
    if layout and spec.name in layout:
        return list(layout[spec.name])
    names = [c.name for c in spec.columns]
    for row in rows:  # extra columns (baseline extras, height and weight) after the schema's
        names += [name for name in row if name not in names and row[name] is not None]
    return names


def _latest_layout(patients: list[Patient]) -> dict[str, list[str]] | None:
    codes = sorted({p.site.code for p in patients})
    if len(codes) != 1:
        return None
    layout = PackageLayout.objects.filter(site_code=codes[0]).first()
    return dict(layout.columns) if layout else None


def package_for(patients: Iterable[Patient]) -> TrialPackage:
    """The patients' casebooks as a trial data package (not validated: see the callers)."""
    chosen = list(patients)
    layout = _latest_layout(chosen)
    patient_rows = _patient_rows(chosen)
    assessment_rows = _record_rows(MarrowAssessment, ASSESSMENT_COLUMNS, chosen)
    event_rows = _record_rows(AdverseEvent, EVENT_COLUMNS, chosen)
    administration_rows = _administration_rows(chosen)
    with_records = layout is None or ASSESSMENTS.name in layout
    return TrialPackage(
        patients=_frame(patient_rows, PATIENTS, _columns(PATIENTS, layout, patient_rows)),
        assessments=(
            _frame(assessment_rows, ASSESSMENTS, _columns(ASSESSMENTS, layout, []))
            if assessment_rows or (layout and with_records)
            else None
        ),
        adverse_events=(
            _frame(event_rows, ADVERSE_EVENTS, _columns(ADVERSE_EVENTS, layout, []))
            if event_rows or (layout and ADVERSE_EVENTS.name in layout)
            else None
        ),
        administrations=(
            _frame(
                administration_rows,
                ADMINISTRATIONS,
                _columns(ADMINISTRATIONS, layout, administration_rows),
            )
            if administration_rows
            else None
        ),
        source=None,
    )


def write_casebook(patients: Iterable[Patient], directory: Path) -> None:
    """Write the patients' package into ``directory`` (validated by the core first)."""
    write_package(package_for(patients), directory)


def package_problems(patient: Patient) -> list[TrialDataError]:
    """What ``minihcvd validate`` finds in this patient's package (empty when valid)."""
    with tempfile.TemporaryDirectory(prefix="minihcvd-check-") as folder:
        try:
            write_casebook([patient], Path(folder) / "package")
        except ValidationFailed as failed:
            return failed.problems
    return []


def json_cell(value: Any) -> Any:
    """A package cell as a JSON value (missing as None, dates as ISO text)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp | dt.date):
        return value.strftime("%Y-%m-%d")
    if hasattr(value, "item"):
        return value.item()
    return value
