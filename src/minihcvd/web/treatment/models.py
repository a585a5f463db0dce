"""Treatment as given: each course's record (delay, dose adjustments, the pharmacist's
verification) and each administration given. The planned doses are never stored: they come from
the core's calendar (:func:`minihcvd.web.patients.services.calendar_for_patient`) with the
course records' delays and adjustments."""

from __future__ import annotations

from django.db import models

from minihcvd.web.audit.models import ClinicalRecord
from minihcvd.web.casebook.models import PatientRecord
from minihcvd.web.patients.models import Patient
from minihcvd.web.signatures.models import Signature

__all__ = ["Course", "CourseDoseAdjustment", "GivenAdministration"]


class CourseStatus(models.TextChoices):
    ENTERED = "entered", "entered (not verified)"
    VERIFIED = "verified"
    VOIDED = "voided", "verification voided (re-verify)"


class Course(PatientRecord):
    """One course of one patient as given (``phase`` intensive or maintenance, ``number``); its
    site and study id are its patient's, as for every casebook record."""

    Status = CourseStatus

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="courses")
    phase = models.CharField(max_length=16)
    number = models.PositiveSmallIntegerField()
    delay_days = models.PositiveSmallIntegerField(default=0)
    delay_reason = models.TextField(blank=True)
    actual_start = models.DateField(null=True, blank=True)
    early_start_reason = models.TextField(
        blank=True, help_text="maintenance course 1 started before its planned date: why"
    )
    status = models.CharField(
        max_length=16, choices=CourseStatus.choices, default=CourseStatus.ENTERED
    )
    verification = models.ForeignKey(
        Signature, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_components = models.JSONField(
        default=list, help_text="the components confirmed at verification"
    )
    dose_authors = models.JSONField(
        default=list, help_text="usernames who entered or ordered this course's doses"
    )
    cumulative_override_reason = models.TextField(blank=True)
    cumulative_override_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["patient", "phase", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "phase", "number"], name="course_patient_phase_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.patient.study_id} {self.name}"

    @property
    def name(self) -> str:
        """``3`` or ``m2``, as the CLI's --delay and the API name courses."""
        return f"m{self.number}" if self.phase == "maintenance" else str(self.number)


class CourseDoseAdjustment(ClinicalRecord):
    """A dose adjustment ordered for one course (the core's ``DoseAdjustment``)."""

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="adjustments")
    drug = models.CharField(max_length=64)
    route = models.CharField(max_length=8, blank=True)
    percent = models.DecimalField(max_digits=5, decimal_places=2)
    reason = models.TextField()
    ordered_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["course", "drug", "route"]

    def audit_site_code(self) -> str:
        return self.course.patient.site.code

    def audit_study_id(self) -> str:
        return self.course.patient.study_id


class GivenAdministration(ClinicalRecord):
    """A dose given (a row of administrations.csv): a planned administration (component, day
    of a course) as it was given, or a dose imported from a data package (``component`` empty,
    the plan not known here)."""

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="given")
    position = models.PositiveIntegerField(
        default=0, help_text="order among the patient's administrations (the package's rows)"
    )
    component = models.CharField(max_length=64, blank=True)
    day = models.PositiveSmallIntegerField()
    drug = models.CharField(max_length=64)
    route = models.CharField(max_length=8, blank=True)
    unit = models.CharField(max_length=16, blank=True)
    doses_per_day = models.PositiveSmallIntegerField(default=1)
    planned_date = models.DateField(null=True, blank=True)
    planned_dose = models.FloatField(null=True, blank=True)
    date = models.DateField()
    dose = models.FloatField()
    as_planned = models.BooleanField(null=True, help_text="unknown for an imported dose")
    reason = models.TextField(blank=True, help_text="why the dose given differs from the plan")
    inotuzumab_mg_per_m2 = models.DecimalField(
        max_digits=8, decimal_places=4, null=True, blank=True
    )
    recorded_by = models.CharField(max_length=150)
    extra = models.JSONField(default=dict, help_text="extra columns of an imported package")

    class Meta:
        ordering = ["course", "date", "component"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "component", "day"],
                condition=~models.Q(component=""),
                name="given_course_component_day",
            )
        ]

    def audit_site_code(self) -> str:
        return self.course.patient.site.code

    def audit_study_id(self) -> str:
        return self.course.patient.study_id
