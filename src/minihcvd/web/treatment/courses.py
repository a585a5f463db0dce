"""Treatment as given: course delays and dose adjustments, the pharmacist's independent double
check with an electronic signature, and the administrations given.

State of a course: entered → verified (a pharmacist who neither entered nor ordered its doses
signs them) → voided by any change to its doses or the patient's height or weight → verified
again. Administrations are recorded only while the course is verified and its signature is
still valid for the course's content now. Cumulative inotuzumab is counted by the core's
:class:`minihcvd.dosing.CumulativeDose`; a dose past the protocol's planned total is refused
unless a pharmacist has overridden it for the course with a reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Max

from minihcvd.calendar import Administration, CourseDelay, DoseAdjustment, TreatmentCalendar
from minihcvd.calendar.requests import course_name, parse_course
from minihcvd.dosing import CumulativeDose
from minihcvd.errors import DosingError
from minihcvd.protocol import load_protocol
from minihcvd.web.accounts.permissions import Action, allowed
from minihcvd.web.casebook.locking import check_unlocked
from minihcvd.web.errors import ConcurrentChangeError, PermissionRefused, WebInputError
from minihcvd.web.patients.models import Patient
from minihcvd.web.patients.services import calendar_for_patient
from minihcvd.web.signatures.models import Signature
from minihcvd.web.signatures.services import confirm_password, sign, signature_status
from minihcvd.web.treatment.models import Course, CourseDoseAdjustment, GivenAdministration

if TYPE_CHECKING:
    from minihcvd.web.accounts.models import User

__all__ = [
    "INOTUZUMAB",
    "LOW_WEIGHT_KG",
    "CourseView",
    "adjust_course_dose",
    "change_administration",
    "change_body_size",
    "course_view",
    "course_views",
    "delay_course",
    "needs_confirmation",
    "override_cumulative",
    "record_administration",
    "start_maintenance_early",
    "treatment_calendar",
    "verification_content",
    "verify_course",
]

INOTUZUMAB = "inotuzumab ozogamicin"
BLINATUMOMAB = "blinatumomab"
#: blinatumomab below this weight takes the label's BSA dose: confirm it before verification
LOW_WEIGHT_KG = 45.0


def _require(user: User, action: Action, patient: Patient) -> None:
    if not allowed(user, action, patient.site):
        raise PermissionRefused(f"a {user.role} may not {action.value}")


def _require_unlocked(user: User, patient: Patient) -> None:
    """A write of the treatment as given: the role may, and the casebook is not signed."""
    _require(user, Action.RECORD_TREATMENT, patient)
    check_unlocked(patient)


def _courses(patient: Patient) -> list[Course]:
    return list(Course.objects.filter(patient=patient).select_related("verification"))


def treatment_calendar(patient: Patient) -> TreatmentCalendar:
    """The core's calendar with the delays and dose adjustments of the treatment as given."""
    delays = []
    adjustments = []
    for course in _courses(patient):
        if course.delay_days:
            delays.append(CourseDelay(course.phase, course.number, course.delay_days))
        for adj in CourseDoseAdjustment.objects.filter(course=course):
            adjustments.append(
                DoseAdjustment(
                    drug=adj.drug,
                    phase=course.phase,
                    course=course.number,
                    percent=adj.percent,
                    reason=adj.reason,
                    route=adj.route or None,
                )
            )
    return calendar_for_patient(patient, delays=delays, adjustments=adjustments)


def needs_confirmation(row: Administration, weight_kg: float) -> bool:
    """Blinatumomab under 45 kg and every dose the trial paper does not state."""
    return not row.stated_in_paper or (row.drug == BLINATUMOMAB and weight_kg < LOW_WEIGHT_KG)


def _rows(calendar: TreatmentCalendar, phase: str, number: int) -> list[Administration]:
    return [a for a in calendar.administrations if a.phase == phase and a.course == number]


def verification_content(course: Course, calendar: TreatmentCalendar) -> dict[str, Any]:
    """What the pharmacist verifies and signs: body size, BSA and its formula, each dose with
    its calculation (by day, not date: a delay of an earlier course does not change a dose),
    the adjustments and the confirmations. Height and weight are the calendar's, the ones its
    doses were computed from, so the signed content never pairs one weight with another's doses."""
    return {
        "study_id": course.patient.study_id,
        "course": course.name,
        "height_cm": calendar.height_cm,
        "weight_kg": calendar.weight_kg,
        "bsa_m2": calendar.bsa_m2,
        "bsa_calculation": calendar.bsa_calculation,
        "doses": [
            [a.component, a.day, a.drug, a.route, a.dose, a.unit, a.doses_per_day, a.calculation]
            for a in _rows(calendar, course.phase, course.number)
        ],
        "adjustments": sorted(
            [a.drug, a.route, str(a.percent), a.reason] for a in course.adjustments.all()
        ),
        "confirmed": sorted(course.confirmed_components),
    }


@dataclass(frozen=True)
class CourseView:
    """One course for the pages and the API: plan, record, state, cumulative inotuzumab."""

    phase: str
    number: int
    name: str
    label: str
    planned_start: dt.date
    record: Course | None
    planned: list[Administration]
    given: list[GivenAdministration]
    to_confirm: list[str]
    verified: bool
    signature: Signature | None
    signature_status: str | None
    inotuzumab_given_mg_per_m2: Decimal
    inotuzumab_planned_total_mg_per_m2: Decimal
    #: an intensive course not started when maintenance started early: it is not given
    not_given: bool = False

    @property
    def state(self) -> str:
        if self.record is None or self.signature is None:
            return "entered"
        return "verified" if self.verified else "voided"


def _inotuzumab_given(patient: Patient) -> list[GivenAdministration]:
    return list(
        GivenAdministration.objects.filter(course__patient=patient, drug=INOTUZUMAB)
        .exclude(inotuzumab_mg_per_m2=None)
        .order_by("date")
    )


def _tracker(patient: Patient, calendar: TreatmentCalendar) -> CumulativeDose:
    """The core's cumulative counter holding every inotuzumab dose given so far."""
    tracker = CumulativeDose(
        INOTUZUMAB, Decimal(repr(calendar.sct_planning.inotuzumab_planned_total_mg_per_m2))
    )
    for given in _inotuzumab_given(patient):
        # doses past the plan that a pharmacist allowed are counted without the check
        tracker.total_mg_per_m2 += given.inotuzumab_mg_per_m2 or Decimal(0)
        tracker.count += 1
    return tracker


def course_view(
    patient: Patient, name: str, calendar: TreatmentCalendar | None = None
) -> CourseView:
    """The course ``name`` (``3`` or ``m2``) of ``patient``; 422 naming ``course`` if none."""
    calendar = calendar or treatment_calendar(patient)
    return _course_view(
        patient, name, calendar, _tracker(patient, calendar), _maintenance_started_early(patient)
    )


def course_views(patient: Patient, calendar: TreatmentCalendar | None = None) -> list[CourseView]:
    """Every course of the patient's calendar, in treatment order (one calendar, one count of
    the inotuzumab given and one look at maintenance for all of them)."""
    calendar = calendar or treatment_calendar(patient)
    tracker = _tracker(patient, calendar)
    early = _maintenance_started_early(patient)
    return [
        _course_view(patient, course_name(c.phase, c.course), calendar, tracker, early)
        for c in calendar.courses
    ]


def _maintenance_started_early(patient: Patient) -> bool:
    return (
        Course.objects.filter(patient=patient, phase="maintenance", number=1)
        .exclude(early_start_reason="")
        .exists()
    )


def _course_view(
    patient: Patient,
    name: str,
    calendar: TreatmentCalendar,
    tracker: CumulativeDose,
    maintenance_started_early: bool,
) -> CourseView:
    phase, number = parse_course(name, field="course")
    start = next((c for c in calendar.courses if (c.phase, c.course) == (phase, number)), None)
    if start is None:
        raise WebInputError(f"protocol {patient.protocol} has no course {name}", field="course")
    record = (
        Course.objects.filter(patient=patient, phase=phase, number=number)
        .select_related("verification")
        .first()
    )
    not_given = (
        phase == "intensive"
        and (record is None or record.actual_start is None)
        and maintenance_started_early
    )
    rows = _rows(calendar, phase, number)
    confirm = sorted({a.component for a in rows if needs_confirmation(a, calendar.weight_kg)})
    status = (
        None
        if record is None or record.verification is None
        else signature_status(record.verification, verification_content(record, calendar))
    )
    return CourseView(
        phase=phase,
        number=number,
        name=course_name(phase, number),
        label=start.label,
        planned_start=start.start,
        record=record,
        planned=rows,
        given=[] if record is None else list(record.given.all()),
        to_confirm=confirm,
        verified=record is not None
        and record.status == Course.Status.VERIFIED
        and status == "valid",
        signature=None if record is None else record.verification,
        signature_status=status,
        inotuzumab_given_mg_per_m2=tracker.total_mg_per_m2,
        inotuzumab_planned_total_mg_per_m2=tracker.planned_total_mg_per_m2,
        not_given=not_given,
    )


def _course_record(patient: Patient, phase: str, number: int) -> Course:
    record = Course.objects.filter(patient=patient, phase=phase, number=number).first()
    if record is None:
        record = Course(patient=patient, phase=phase, number=number)
        record.save()
    return record


def _void(course: Course, reason: str) -> None:
    if course.status == Course.Status.VERIFIED:
        course.status = Course.Status.VOIDED
        course.save(reason=f"verification voided: {reason}")


def _author(course: Course, user: User) -> None:
    if user.username not in course.dose_authors:
        course.dose_authors = [*course.dose_authors, user.username]


def delay_course(*, user: User, patient: Patient, course: str, days: int, reason: str) -> Course:
    """Delay a course by ``days`` (every later course moves, as ``schedule --delay``)."""
    _require_unlocked(user, patient)
    phase, number = parse_course(course, field="course")
    if not reason.strip():
        raise WebInputError("a delay needs a reason", field="reason")
    delay = CourseDelay(phase, number, days)  # the core's range check
    with transaction.atomic():
        record = _course_record(patient, phase, number)
        if record.given.exists():
            raise WebInputError(f"course {course} has started; it cannot be delayed", field="days")
        record.delay_days = delay.days
        record.delay_reason = reason
        _author(record, user)
        record.save(reason=reason)
        treatment_calendar(patient)  # the core refuses a delay its protocol cannot take
        return record


def adjust_course_dose(
    *,
    user: User,
    patient: Patient,
    course: str,
    drug: str,
    percent: Decimal,
    reason: str,
    route: str = "",
) -> CourseDoseAdjustment:
    """Order ``percent`` % of ``drug`` in one course; voids the course's verification."""
    _require_unlocked(user, patient)
    phase, number = parse_course(course, field="course")
    DoseAdjustment(
        drug=drug,
        phase=phase,
        course=number,
        percent=Decimal(percent),
        reason=reason.strip(),
        route=route or None,
    )  # the core's checks
    with transaction.atomic():
        record = _course_record(patient, phase, number)
        adjustment = CourseDoseAdjustment(
            course=record,
            drug=drug,
            route=route,
            percent=Decimal(percent),
            reason=reason,
            ordered_by=user.username,
        )
        adjustment.save()
        treatment_calendar(patient)  # the core refuses an adjustment that matches nothing
        record = Course.objects.get(pk=record.pk)
        _author(record, user)
        if record.status == Course.Status.VERIFIED:
            record.status = Course.Status.VOIDED
        record.save(reason=f"dose adjustment ordered: {drug} {percent}% ({reason})")
        return adjustment


def verify_course(
    *, user: User, patient: Patient, course: str, password: str, confirmed: list[str]
) -> Signature:
    """The independent double check: a pharmacist who did not enter or order the course's doses
    confirms every dose that needs it and signs "verified the doses of course N"."""
    _require(user, Action.VERIFY_DOSES, patient)
    view = course_view(patient, course)
    missing = [c for c in view.to_confirm if c not in set(confirmed)]
    if missing:
        raise WebInputError(
            "confirm each dose the trial paper does not state (and blinatumomab under 45 kg)"
            f" before verifying: {', '.join(missing)}",
            field="confirmed",
        )
    record = view.record
    authors = [] if record is None else record.dose_authors
    if user.username in authors or user.username == patient.registered_by:
        raise PermissionRefused(
            "the verifier must be a pharmacist who did not enter or order these doses"
        )
    if view.verified:
        raise WebInputError(f"course {view.name} is verified already", field="course")
    meaning = f"verified the doses of course {view.name}"
    confirm_password(user=user, password=password, meaning=meaning, record=patient)
    with transaction.atomic():
        record = _course_record(patient, view.phase, view.number)
        record.confirmed_components = sorted(view.to_confirm)
        record.status = Course.Status.VERIFIED
        calendar = treatment_calendar(patient)
        signature = sign(
            user=user,
            password=password,
            meaning=meaning,
            record=record,
            content=verification_content(record, calendar),
        )
        record.verification = signature
        record.save(reason=meaning)
        return signature


def _per_m2(patient: Patient, row: Administration, record: Course, dose: float) -> Decimal:
    """mg/m2 of an inotuzumab dose given: the protocol's mg/m2 (adjusted) scaled by the dose
    given over the dose planned, so "as planned" counts exactly the planned mg/m2."""
    plan = load_protocol(patient.protocol)
    component = next(c for c in plan.components if c.id == row.component)
    percent = next(
        (a.percent for a in record.adjustments.all() if a.drug == row.drug), Decimal(100)
    )
    planned = Decimal(repr(component.dose)) * percent / 100 * component.doses_per_day
    return planned * Decimal(repr(dose)) / Decimal(repr(row.dose))


def record_administration(
    *,
    user: User,
    patient: Patient,
    course: str,
    component: str,
    day: int,
    as_planned: bool = True,
    dose: float | None = None,
    date: dt.date | None = None,
    reason: str = "",
) -> GivenAdministration:
    """Record one planned administration as given (as planned, or the dose given and why)."""
    _require_unlocked(user, patient)
    calendar = treatment_calendar(patient)
    view = course_view(patient, course, calendar)
    if view.not_given:
        raise WebInputError(
            f"course {view.name} is not given: maintenance started early", field="course"
        )
    if not view.verified or view.record is None:
        raise WebInputError(
            f"course {view.name} is not verified by a pharmacist; it cannot be started",
            field="course",
        )
    row = next((a for a in view.planned if (a.component, a.day) == (component, day)), None)
    if row is None:
        raise WebInputError(
            f"course {view.name} plans no {component} on day {day}", field="component"
        )
    given = row.dose if as_planned else dose
    if given is None or not given > 0:
        raise WebInputError("give the dose given (above 0), or record it as planned", field="dose")
    if not as_planned and not reason.strip():
        raise WebInputError("a dose other than planned needs a reason", field="reason")
    record = view.record
    per_m2 = _check_cumulative(patient, calendar, record, row, given)
    with transaction.atomic():
        last = GivenAdministration.objects.filter(course__patient=patient).aggregate(
            last=Max("position")
        )["last"]
        administration = GivenAdministration(
            course=record,
            position=0 if last is None else last + 1,
            doses_per_day=row.doses_per_day,
            component=row.component,
            day=row.day,
            drug=row.drug,
            route=row.route,
            unit=row.unit,
            planned_date=row.date,
            planned_dose=row.dose,
            date=date or _default_date(record, row),
            dose=given,
            as_planned=as_planned and given == row.dose,
            reason=reason,
            inotuzumab_mg_per_m2=per_m2,
            recorded_by=user.username,
        )
        administration.save()
        if record.actual_start is None:
            record.actual_start = administration.date - dt.timedelta(days=row.day - 1)
            record.save(reason="course started: first administration recorded")
        return administration


def _default_date(record: Course, row: Administration) -> dt.date:
    """The planned date, counted from the course's actual start once it has one (an early
    start of maintenance, or a first dose given on another day)."""
    if record.actual_start is None:
        return row.date
    return record.actual_start + dt.timedelta(days=row.day - 1)


def start_maintenance_early(*, user: User, patient: Patient, start: dt.date, reason: str) -> Course:
    """Start maintenance course 1 before its planned date (the intensive courses not started by
    then are not given), with a reason. Like any course, it must be verified first."""
    _require_unlocked(user, patient)
    if not reason.strip():
        raise WebInputError("an early start of maintenance needs a reason", field="reason")
    calendar = treatment_calendar(patient)
    view = course_view(patient, "m1", calendar)
    if not start < view.planned_start:
        raise WebInputError(
            f"maintenance is planned to start on {view.planned_start.isoformat()}; an early start"
            " is before that date",
            field="start",
        )
    if not view.verified or view.record is None:
        raise WebInputError(
            "course m1 is not verified by a pharmacist; it cannot be started", field="course"
        )
    if view.given:
        raise WebInputError("maintenance has started already", field="start")
    started = [
        c.actual_start
        for c in _courses(patient)
        if c.phase == "intensive" and c.actual_start is not None
    ]
    if not started or not start > max(started):
        raise WebInputError(
            "maintenance starts after the last intensive course given has started",
            field="start",
        )
    record = view.record
    record.actual_start = start
    record.early_start_reason = reason
    record.save(reason=f"maintenance started early: {reason}")
    return record


def _check_cumulative(
    patient: Patient,
    calendar: TreatmentCalendar,
    record: Course,
    row: Administration,
    given: float,
    exclude: GivenAdministration | None = None,
) -> Decimal | None:
    if row.drug != INOTUZUMAB:
        return None
    per_m2 = _per_m2(patient, row, record, given)
    tracker = _tracker(patient, calendar)
    if exclude is not None and exclude.inotuzumab_mg_per_m2 is not None:
        tracker.total_mg_per_m2 -= exclude.inotuzumab_mg_per_m2
    try:
        tracker.add(per_m2, where=f"course {record.name} day {row.day}")
    except DosingError as error:
        if not record.cumulative_override_reason:
            raise WebInputError(
                f"{error.message} (a pharmacist may override it for this course with a reason)",
                field="dose",
            ) from None
    return per_m2.quantize(Decimal("0.0001"))


def change_administration(
    *,
    user: User,
    administration: GivenAdministration,
    version: int,
    reason: str,
    dose: float | None = None,
    date: dt.date | None = None,
) -> GivenAdministration:
    """Correct an administration given (``version`` is the one the change started from)."""
    patient = administration.course.patient
    _require_unlocked(user, patient)
    if version != administration.version:
        raise ConcurrentChangeError(
            f"the administration was changed by someone else (version {administration.version},"
            f" yours {version}); reload and try again",
            field="version",
        )
    if dose is not None:
        if not dose > 0:
            raise WebInputError("expected a dose above 0", field="dose")
        calendar = treatment_calendar(patient)
        row = next(
            a
            for a in _rows(calendar, administration.course.phase, administration.course.number)
            if (a.component, a.day) == (administration.component, administration.day)
        )
        administration.inotuzumab_mg_per_m2 = _check_cumulative(
            patient, calendar, administration.course, row, dose, exclude=administration
        )
        administration.dose = dose
        administration.as_planned = dose == administration.planned_dose
    if date is not None:
        administration.date = date
    administration.reason = reason
    administration.save(reason=reason)
    return administration


def override_cumulative(*, user: User, patient: Patient, course: str, reason: str) -> Course:
    """A pharmacist allows inotuzumab doses past the planned total in this course."""
    _require(user, Action.VERIFY_DOSES, patient)
    if not reason.strip():
        raise WebInputError("an override needs a reason", field="reason")
    phase, number = parse_course(course, field="course")
    with transaction.atomic():
        record = _course_record(patient, phase, number)
        record.cumulative_override_reason = reason
        record.cumulative_override_by = user.username
        record.save(reason=f"cumulative inotuzumab override: {reason}")
        return record


def change_body_size(
    *,
    user: User,
    patient: Patient,
    version: int,
    height_cm: float,
    weight_kg: float,
    reason: str,
) -> Patient:
    """A new height or weight: every verified course of the patient is voided."""
    _require_unlocked(user, patient)
    if version != patient.version:
        raise ConcurrentChangeError(
            f"{patient.study_id} was changed by someone else; reload and try again",
            field="version",
        )
    if (height_cm, weight_kg) == (patient.height_cm, patient.weight_kg):
        return patient
    with transaction.atomic():
        patient.height_cm = height_cm
        patient.weight_kg = weight_kg
        calendar_for_patient(patient)  # the core's body-size ranges, before anything is saved
        patient.save(reason=reason)
        for course in _courses(patient):
            _void(course, f"height or weight changed ({reason})")
    return patient
