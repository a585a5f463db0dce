"""Entering and changing a patient's clinical data, and the trial data package export.

Every write: the role may enter data at the patient's site; the record's fields are checked;
it is saved with its audit entry; then ``minihcvd validate``'s rules run on the patient's whole
package inside the same transaction, so an entry that makes the casebook invalid (a death
before the start, a follow-up after the death…) rolls back with the message on its field.
A change names the version it started from: a stale one is refused (409), never overwritten.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from minihcvd.clinical.adverse_events import ctcae_grade_label, in_reporting_window, is_sos_term
from minihcvd.clinical.mrd import mrd_negative
from minihcvd.clinical.outcomes import OUTCOME_COLUMNS, patient_outcomes, summarise_assessments
from minihcvd.clinical.response import response_at_assessment
from minihcvd.web.accounts.permissions import Action, allowed
from minihcvd.web.audit.models import AuditAction
from minihcvd.web.audit.services import record_event
from minihcvd.web.casebook.models import (
    AdverseEvent,
    BlinatumomabStart,
    Death,
    FollowUp,
    MarrowAssessment,
    OffStudy,
    StatedOutcome,
    Transplant,
)
from minihcvd.web.casebook.package import package_for, package_problems, write_casebook
from minihcvd.web.errors import ConcurrentChangeError, PermissionRefused, WebInputError

if TYPE_CHECKING:
    from minihcvd.trialdata import TrialPackage
    from minihcvd.web.accounts.models import User
    from minihcvd.web.audit.models import ClinicalRecord
    from minihcvd.web.patients.models import Patient

__all__ = [
    "RECORD_KINDS",
    "CasebookInvalid",
    "add_record",
    "casebook_view",
    "change_record",
    "export_package_zip",
]

#: the API's and the pages' names of the record kinds
RECORD_KINDS: dict[str, Any] = {  # model classes (each has a ``patient`` field)
    "assessments": MarrowAssessment,
    "adverse-events": AdverseEvent,
    "transplant": Transplant,
    "blinatumomab": BlinatumomabStart,
    "followups": FollowUp,
    "death": Death,
    "off-study": OffStudy,
}
_ONE_PER_PATIENT = {"transplant", "blinatumomab", "death", "off-study"}
_ORDERED = {"assessments", "adverse-events"}
#: a package column's problem shown on the record's own field
_FIELD_OF_COLUMN = {"last_followup_date": "visit_date"}
_BOOKKEEPING = ("id", "version", "patient", "position")


class CasebookInvalid(WebInputError):
    """The entry breaks a rule: every problem with the field it belongs to."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        field, message = errors[0]
        super().__init__(message, field=field)


def _kind(kind: str) -> Any:
    if kind not in RECORD_KINDS:
        raise WebInputError(f"unknown record kind {kind!r}", field="kind")
    return RECORD_KINDS[kind]


def editable_fields(kind: str) -> list[str]:
    """The fields a user enters for a record kind."""
    return [
        f.name
        for f in _kind(kind)._meta.concrete_fields
        if f.name not in _BOOKKEEPING and not getattr(f, "auto_now_add", False)
    ]


def _check_may_enter(user: User, patient: Patient) -> None:
    from minihcvd.web.casebook.locking import check_unlocked

    if not allowed(user, Action.ENTER_CLINICAL_DATA, patient.site):
        raise PermissionRefused(f"a {user.role} may not enter clinical data")
    check_unlocked(patient)


def _set_fields(record: ClinicalRecord, kind: str, values: dict[str, Any]) -> None:
    allowed_names = set(editable_fields(kind))
    for name, value in values.items():
        if name not in allowed_names:
            raise CasebookInvalid([(name, f"not a field of {kind}")])
        setattr(record, name, value)
    try:
        record.full_clean(exclude=["patient", "position"], validate_unique=False)
    except ValidationError as error:
        raise CasebookInvalid(
            [
                (field, " ".join(str(m) for m in messages))
                for field, messages in error.message_dict.items()
            ]
        ) from error


def _derive_stated_outcomes(patient: Patient) -> None:
    """After a marrow entry, stated outcomes follow the assessments (the core's rules), so the
    casebook stays consistent (an imported patient has both)."""
    stated = StatedOutcome.objects.filter(patient=patient).first()
    assessments = package_for([patient]).assessments
    if stated is None or assessments is None or not len(assessments):
        return
    derived = summarise_assessments(assessments).iloc[0]
    for name in OUTCOME_COLUMNS:
        value = derived[name]
        if name == "best_response":
            value = "" if pd.isna(value) else str(value)
        elif pd.isna(value):
            value = None
        elif name.endswith("_date"):
            value = pd.Timestamp(value).date()
        else:
            value = bool(value)
        setattr(stated, name, value)
    stated.save(reason="derived from the marrow assessments by the trial's response rules")


def _check_rules(patient: Patient, kind: str, record: ClinicalRecord) -> None:
    """The casebook's own rule, then every rule of ``minihcvd validate`` on the package."""
    if kind == "assessments":
        _derive_stated_outcomes(patient)
    if (
        kind == "adverse-events"
        and getattr(record, "grade", None) == 5
        and not Death.objects.filter(patient=patient).exists()
    ):
        raise CasebookInvalid([("grade", "a grade 5 event needs the death record first")])
    problems = package_problems(patient)
    if problems:
        raise CasebookInvalid(
            [
                (_FIELD_OF_COLUMN.get(p.field or "", p.field or "record"), p.message)
                for p in problems
            ]
        )


def add_record(
    *, user: User, patient: Patient, kind: str, values: dict[str, Any]
) -> ClinicalRecord:
    """Enter a new record of ``kind`` for the patient (all or nothing, audited)."""
    _check_may_enter(user, patient)
    model = _kind(kind)
    with transaction.atomic():
        if kind in _ONE_PER_PATIENT and model.objects.filter(patient=patient).exists():
            raise CasebookInvalid(
                [("record", f"the {kind} is already recorded: change that record instead")]
            )
        record: ClinicalRecord = model(patient=patient)
        if kind in _ORDERED:  # after the patient's last one
            last = model.objects.filter(patient=patient).aggregate(last=Max("position"))["last"]
            record.position = 0 if last is None else last + 1  # type: ignore[attr-defined]
        _set_fields(record, kind, values)
        record.save()
        _check_rules(patient, kind, record)
    return record


def get_record(*, patient: Patient, kind: str, record_id: Any) -> ClinicalRecord:
    """A record of the patient (callers have already scoped the patient to the user)."""
    from django.core.exceptions import ValidationError
    from django.http import Http404

    try:
        record: ClinicalRecord | None = (
            _kind(kind).objects.filter(patient=patient, pk=record_id).first()
        )
    except ValidationError:  # not a record id at all (ids are UUIDs): no such record
        record = None
    if record is None:
        raise Http404(f"no {kind} record {record_id} for {patient.study_id}")
    return record


def change_record(
    *,
    user: User,
    patient: Patient,
    kind: str,
    record_id: Any,
    version: int,
    reason: str,
    values: dict[str, Any],
) -> ClinicalRecord:
    """Change a record read at ``version``; a newer version in the database is a 409."""
    _check_may_enter(user, patient)
    with transaction.atomic():
        record = get_record(patient=patient, kind=kind, record_id=record_id)
        if record.version != version:
            raise ConcurrentChangeError(
                f"the {kind} record was changed by someone else (version {record.version}, "
                f"yours {version}); reload it and enter your change again",
                field="version",
            )
        _set_fields(record, kind, values)
        record.save(reason=reason)
        _check_rules(patient, kind, record)
    return record


@dataclass(frozen=True)
class MarrowRow:
    record: MarrowAssessment
    response: str
    mrd: str


@dataclass(frozen=True)
class EventRow:
    record: AdverseEvent
    grade_label: str
    in_window: bool | None


@dataclass(frozen=True)
class CasebookView:
    """What the patient's page shows of the casebook, worked out by the core's rules."""

    marrows: list[MarrowRow]
    events: list[EventRow]
    outcomes: dict[str, Any]
    records: dict[str, Any]
    window_basis: str
    package: TrialPackage


def _mrd_text(record: MarrowAssessment) -> str:
    for level, assay in ((record.mrd_flow_level, "flow"), (record.mrd_ngs_level, "ngs")):
        if level is not None:
            negative = mrd_negative(np.array([level], dtype=float), assay=assay)[0]
            return f"{assay} {'negative' if negative else 'positive'} ({level:g})"
    return "not measured"


def casebook_view(patient: Patient) -> CasebookView:
    """The patient's records with each marrow's response and MRD, the resolved outcomes, and
    each event's place in the reporting window (the core's rules)."""
    package = package_for([patient])
    outcome = patient_outcomes(package.patients, package.assessments).iloc[0]
    marrows = [
        MarrowRow(
            m,
            response_at_assessment(
                m.bm_blasts_pct,
                m.anc_10e9_per_l,
                m.platelets_10e9_per_l,
                m.extramedullary_disease,
                m.blasts_due_to_recovery,
            ),
            _mrd_text(m),
        )
        for m in MarrowAssessment.objects.filter(patient=patient)
    ]
    adverse_events = list(AdverseEvent.objects.filter(patient=patient))
    window, basis = _reporting_window(package, adverse_events)
    events = [
        EventRow(e, ctcae_grade_label(e.grade), window[i] if window is not None else None)
        for i, e in enumerate(adverse_events)
    ]
    outcomes: dict[str, Any] = {
        str(name): (None if pd.isna(value) else value)
        for name, value in outcome.items()
        if name != "outcome_source"
    }
    outcomes["source"] = outcome["outcome_source"]
    records = {
        kind.replace("-", "_"): model.objects.filter(patient=patient).first()
        for kind, model in RECORD_KINDS.items()
        if kind in _ONE_PER_PATIENT
    }
    records["followups"] = list(FollowUp.objects.filter(patient=patient))
    return CasebookView(marrows, events, outcomes, records, basis, package)


def _reporting_window(package: Any, events: list[AdverseEvent]) -> tuple[list[bool] | None, str]:
    """The paper's reporting rule per event, from the doses given (unknown without them)."""
    doses = package.administrations
    if not events or doses is None or not len(doses):
        return None, "not known until the doses given are recorded"
    dates = pd.to_datetime(doses["date"])
    inotuzumab = dates[doses["drug"].astype(str).str.startswith("inotuzumab")]
    n = len(events)
    flags = in_reporting_window(
        pd.Series(pd.to_datetime([e.onset_date for e in events])),
        pd.Series([dates.min()] * n),
        pd.Series([dates.max()] * n),
        [e.treatment_related for e in events],
        is_sos_term([e.term for e in events]),
        pd.Series([inotuzumab.max() if len(inotuzumab) else pd.NaT] * n),
    )
    return [bool(flag) for flag in flags], "from the first to the last dose given"


def export_package_zip(*, user: User, patients: list[Patient]) -> bytes:
    """The patients' trial data package as a zip (the files ``minihcvd validate`` reads),
    recorded in the audit trail as an export."""
    if not allowed(user, Action.EXPORT_PACKAGE):
        raise PermissionRefused(f"a {user.role} may not export the trial data package")
    if not patients:
        raise WebInputError("no patients to export in your sites", field="site")
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="minihcvd-export-") as folder:
        target = Path(folder) / "package"
        write_casebook(patients, target)
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(target.iterdir()):
                info = zipfile.ZipInfo(
                    f"trial-package/{path.name}", date_time=(1980, 1, 1, 0, 0, 0)
                )
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())
    codes = sorted({p.site.code for p in patients})
    record_event(
        action=AuditAction.EXPORT,
        site_code=codes[0] if len(codes) == 1 else "",
        details={"package": [None, f"{len(patients)} patients of sites {', '.join(codes)}"]},
    )
    return buffer.getvalue()
