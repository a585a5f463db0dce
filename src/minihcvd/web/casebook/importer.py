"""``minihcvd web import``: a trial data package into an empty site, through the audited path.

The package is read and validated by the core (``read_package``) first; then every patient,
record and the files' column order are written in one transaction, each with its audit entry,
so an import lands whole or not at all. Patients get the site's study ids in file order.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from django.db import transaction

from minihcvd.errors import MinihcvdError
from minihcvd.trialdata import read_package
from minihcvd.trialdata.schema import ADMINISTRATIONS, ADVERSE_EVENTS, ASSESSMENTS, PATIENTS
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
from minihcvd.web.casebook.package import (
    ASSESSMENT_COLUMNS,
    EVENT_COLUMNS,
    PATIENT_COLUMNS_ON_PATIENT,
    PATIENT_COLUMNS_ON_RECORDS,
    json_cell,
)
from minihcvd.web.errors import WebInputError
from minihcvd.web.patients.models import Patient
from minihcvd.web.patients.services import calendar_for_patient
from minihcvd.web.sites.models import Site
from minihcvd.web.treatment.models import Course, GivenAdministration

__all__ = ["ImportSummary", "import_package"]

_PROTOCOL_OF_COHORT = {"original": "original", "amended": "amended"}


class ImportSummary(dict[str, int]):
    """Rows imported per file."""


Row = dict[Any, Any]  # a package row by column name (pandas' records)


def _cell(row: Row, name: str) -> Any:
    return json_cell(row.get(name))


def _date(row: Row, name: str) -> Any:
    value = row.get(name)
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def _whole_age(row: Row, number: int) -> int:
    age = _cell(row, "age")
    if age is None or not float(age).is_integer():
        raise WebInputError(
            f"expected the age in whole years (the casebook's field), found {age!r}",
            file=PATIENTS.name,
            row=number,
            field="age",
        )
    return int(age)


def _float_or_none(row: Row, name: str) -> float | None:
    value = _cell(row, name)
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError as error:
        raise WebInputError(
            f"expected a number, found {value!r}", file=PATIENTS.name, field=name
        ) from error
    return number if math.isfinite(number) else None


def import_package(
    directory: Path, *, site_code: str, progress: Callable[[str], None] = lambda _: None
) -> ImportSummary:
    """Load the package in ``directory`` into the site ``site_code``, which must be empty."""
    package = read_package(directory)
    site = Site.objects.filter(code=site_code).first()
    if site is None:
        raise WebInputError(f"no site {site_code!r}", field="site")
    if Patient.objects.filter(site=site).exists():
        raise WebInputError(
            f"site {site_code} already has patients: a package is imported into an empty site",
            field="site",
        )
    summary = ImportSummary()
    patient_rows = package.patients.to_dict("records")
    with transaction.atomic():
        by_id: dict[str, Patient] = {}
        for number, row in enumerate(patient_rows, start=2):
            by_id[str(row["patient_id"])] = _import_patient(site, row, number, directory)
            if (number - 1) % 25 == 0 or number - 1 == len(patient_rows):
                progress(f"import: {number - 1}/{len(patient_rows)} patients")
        summary[PATIENTS.name] = len(patient_rows)
        for spec, frame, model, columns in (
            (ASSESSMENTS, package.assessments, MarrowAssessment, ASSESSMENT_COLUMNS),
            (ADVERSE_EVENTS, package.adverse_events, AdverseEvent, EVENT_COLUMNS),
        ):
            if frame is None:
                continue
            positions: dict[str, int] = {}
            for row in frame.to_dict("records"):
                key = str(row["patient_id"])
                position = positions.get(key, 0)
                positions[key] = position + 1
                values = {
                    c: (_date(row, c) if c.endswith("_date") else _cell(row, c)) for c in columns
                }
                model(patient=by_id[key], position=position, **values).save()
            summary[spec.name] = len(frame)
        if package.administrations is not None:
            summary[ADMINISTRATIONS.name] = _import_administrations(
                package.administrations, by_id, directory
            )
        layout = {PATIENTS.name: [str(c) for c in package.patients.columns]}
        for spec, frame in (
            (ASSESSMENTS, package.assessments),
            (ADVERSE_EVENTS, package.adverse_events),
            (ADMINISTRATIONS, package.administrations),
        ):
            if frame is not None:
                layout[spec.name] = [str(c) for c in frame.columns]
        PackageLayout(source=directory.name, site_code=site.code, columns=layout).save()
    return summary


def _bsa_m2(patient: Patient) -> float | None:
    """The BSA the patient's calendar uses (None without height and weight)."""
    try:
        return calendar_for_patient(patient).bsa_m2
    except MinihcvdError:
        return None


def _inotuzumab_per_m2(row: Row, bsa_m2: float | None) -> Decimal | None:
    """An imported inotuzumab dose in mg/m2 (mg over the BSA), counted in the cumulative."""
    if "inotuzumab" not in str(row["drug"]) or _cell(row, "unit") != "mg" or not bsa_m2:
        return None
    per_dose = Decimal(repr(float(row["dose"]))) / Decimal(repr(bsa_m2))
    return (per_dose * int(_cell(row, "doses_per_day") or 1)).quantize(Decimal("0.0001"))


def _import_administrations(frame: pd.DataFrame, by_id: dict[str, Patient], directory: Path) -> int:
    """Each dose given, under its course (made as needed), in file order; the casebook needs
    each dose's phase, course, day and dose (a dose given without them cannot be placed)."""
    courses: dict[tuple[str, str, int], Course] = {}
    positions: dict[str, int] = {}
    bsa: dict[str, float | None] = {}
    for number, row in enumerate(frame.to_dict("records"), start=1):
        for name in ("phase", "course", "day", "dose"):
            if _cell(row, name) is None:
                raise WebInputError(
                    "the casebook needs each dose's phase, course, day and dose",
                    file=ADMINISTRATIONS.name,
                    row=number,
                    field=name,
                )
        key = str(row["patient_id"])
        place = (key, str(row["phase"]), int(row["course"]))
        if place not in courses:
            courses[place] = Course(patient=by_id[key], phase=place[1], number=place[2])
            courses[place].save()
        position = positions.get(key, 0)
        positions[key] = position + 1
        per_day = _cell(row, "doses_per_day")
        if key not in bsa:
            bsa[key] = _bsa_m2(by_id[key])
        GivenAdministration(
            course=courses[place],
            position=position,
            day=int(row["day"]),
            drug=str(row["drug"]),
            route=_cell(row, "route") or "",
            unit=_cell(row, "unit") or "",
            doses_per_day=1 if per_day is None else int(per_day),
            date=_date(row, "date"),
            dose=float(row["dose"]),
            as_planned=None,
            inotuzumab_mg_per_m2=_inotuzumab_per_m2(row, bsa[key]),
            recorded_by=f"import {directory.name}",
            extra={
                str(name): _cell(row, str(name))
                for name in row
                if ADMINISTRATIONS.column(str(name)) is None
            },
        ).save()
    for course in courses.values():  # started on the first day given (its day 1)
        first = min(
            (g.date - dt.timedelta(days=g.day - 1) for g in course.given.all()), default=None
        )
        if first is not None:
            course.actual_start = first
            course.save(reason="course start: the first dose imported")
    return len(frame)


def _import_patient(site: Site, row: Row, number: int, directory: Path) -> Patient:
    sex = _cell(row, "sex")
    if sex not in ("F", "M"):
        raise WebInputError(
            "expected F or M (the casebook needs the sex)",
            file=PATIENTS.name,
            row=number,
            field="sex",
        )
    sequence = number - 1
    ecog = _cell(row, "ecog")
    cns = _cell(row, "cns_disease")
    patient = Patient(
        study_id=f"{site.code}-{sequence:04d}",
        site=site,
        sequence=sequence,
        protocol=_PROTOCOL_OF_COHORT[str(row["cohort"])],
        start_date=_date(row, "start_date"),
        sex=sex,
        age_years=_whole_age(row, number),
        height_cm=_float_or_none(row, "height_cm"),
        weight_kg=_float_or_none(row, "weight_kg"),
        cd20_pct=_cell(row, "cd20_pct"),
        cns_disease=None if cns is None else bool(cns),
        eligibility_inputs={"ecog": ecog},
        eligibility_criteria=[],
        registered_by="import",
        imported_from=directory.name,
    )
    patient.save()
    other = {
        name: _cell(row, name)
        for name in row
        if name not in PATIENT_COLUMNS_ON_PATIENT and name not in PATIENT_COLUMNS_ON_RECORDS
    }
    Baseline(patient=patient, values=other).save()
    FollowUp(patient=patient, visit_date=_date(row, "last_followup_date")).save()
    if (death := _date(row, "death_date")) is not None:
        Death(patient=patient, death_date=death).save()
    if (sct := _date(row, "sct_date")) is not None:
        Transplant(patient=patient, sct_date=sct).save()
    if (blina := _date(row, "blinatumomab_date")) is not None:
        BlinatumomabStart(patient=patient, blinatumomab_date=blina).save()
    stated = {
        "best_response": _cell(row, "best_response") or "",
        "response_date": _date(row, "response_date"),
        "relapse_date": _date(row, "relapse_date"),
        "mrd_negative": _cell(row, "mrd_negative"),
    }
    if any(value not in (None, "") for value in stated.values()):
        StatedOutcome(patient=patient, **stated).save()
    return patient
