"""The casebook: what the sites enter after registration, as the trial data package has it.

Field names are the package's column names (docs/data-format.md), so a record is a row of
``assessments.csv`` or ``adverse_events.csv``, or one of the patient-level columns of
``patients.csv`` (transplant, blinatumomab start, follow-up, death, stated outcomes, the other
baseline columns). Every record is a :class:`ClinicalRecord`: audited in the same transaction,
a reason for every change, optimistic concurrency by ``version``.
"""

from __future__ import annotations

from django.db import models

from minihcvd.clinical.adverse_events import CTCAE_VERSIONS
from minihcvd.clinical.response import PATIENT_RESPONSE_CODES
from minihcvd.web.audit.models import ClinicalRecord
from minihcvd.web.patients.models import Patient

__all__ = [
    "AdverseEvent",
    "Baseline",
    "BlinatumomabStart",
    "CasebookLock",
    "Death",
    "DonorType",
    "FollowUp",
    "MarrowAssessment",
    "OffStudy",
    "PackageLayout",
    "StatedOutcome",
    "Transplant",
]


class _OfPatient:
    """The site and study id of a record are its patient's."""

    patient: Patient

    def audit_site_code(self) -> str:
        return self.patient.site.code

    def audit_study_id(self) -> str:
        return self.patient.study_id


class PatientRecord(_OfPatient, ClinicalRecord):
    """A record of one patient (one of many of its kind)."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT)

    class Meta:
        abstract = True


class OnePerPatient(_OfPatient, ClinicalRecord):
    """A patient-level fact held once (a transplant, a death…)."""

    patient = models.OneToOneField(Patient, on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True


class MarrowAssessment(PatientRecord):
    """A bone-marrow assessment (a row of assessments.csv); the response is the core's."""

    position = models.PositiveIntegerField(help_text="order among the patient's assessments")
    assessment_date = models.DateField()
    bm_blasts_pct = models.FloatField("marrow blasts (%)", null=True, blank=True)
    anc_10e9_per_l = models.FloatField("neutrophils (ANC, 10⁹/L)", null=True, blank=True)
    platelets_10e9_per_l = models.FloatField("platelets (10⁹/L)", null=True, blank=True)
    extramedullary_disease = models.BooleanField(null=True, blank=True)
    blasts_due_to_recovery = models.BooleanField(null=True, blank=True)
    mrd_flow_level = models.FloatField(
        "MRD by flow (fraction; negative below 1e-4)", null=True, blank=True
    )
    mrd_ngs_level = models.FloatField(
        "MRD by NGS (fraction; negative below 1e-6)", null=True, blank=True
    )

    class Meta:
        ordering = ["patient", "position"]


class AdverseEvent(PatientRecord):
    """An adverse event (a row of adverse_events.csv)."""

    position = models.PositiveIntegerField(help_text="order among the patient's events")
    term = models.CharField(max_length=200)
    onset_date = models.DateField()
    grade = models.PositiveSmallIntegerField("CTCAE grade (1-5)")
    ctcae_version = models.CharField(
        "CTCAE version", max_length=8, choices=[(v, v) for v in CTCAE_VERSIONS]
    )
    hematologic = models.BooleanField(null=True, blank=True)
    treatment_related = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["patient", "position"]


class DonorType(models.TextChoices):
    MATCHED_RELATED = "matched related"
    MATCHED_UNRELATED = "matched unrelated"
    HAPLOIDENTICAL = "haploidentical"
    CORD = "cord"


class Transplant(OnePerPatient):
    """The allogeneic stem-cell transplant (patients.csv ``sct_date``)."""

    sct_date = models.DateField("transplant date")
    donor_type = models.CharField(
        max_length=24, choices=DonorType.choices, blank=True, help_text="blank if not recorded"
    )


class BlinatumomabStart(OnePerPatient):
    """The first blinatumomab dose (patients.csv ``blinatumomab_date``)."""

    blinatumomab_date = models.DateField("first blinatumomab dose")


class FollowUp(PatientRecord):
    """A visit at which the patient was known alive (the last is ``last_followup_date``)."""

    visit_date = models.DateField("visit date (known alive)")

    class Meta:
        ordering = ["patient", "visit_date"]


class Death(OnePerPatient):
    """The death (patients.csv ``death_date``) and its cause."""

    death_date = models.DateField()
    cause = models.CharField(max_length=200, blank=True)


class OffStudy(OnePerPatient):
    """The patient left the study (no package column; kept for the trial's conduct)."""

    off_study_date = models.DateField()
    reason = models.CharField(max_length=200)


class StatedOutcome(OnePerPatient):
    """Outcomes stated as such (patients.csv), used where a patient has no marrow records;
    with marrow records the core derives them from the assessments."""

    best_response = models.CharField(
        max_length=4, blank=True, choices=[(c, c) for c in PATIENT_RESPONSE_CODES]
    )
    response_date = models.DateField(null=True, blank=True)
    relapse_date = models.DateField(null=True, blank=True)
    mrd_negative = models.BooleanField(null=True, blank=True)


class Baseline(OnePerPatient):
    """The other baseline columns of patients.csv (Table 1's names and any extra column), as
    JSON values by column name."""

    values = models.JSONField(default=dict)


class PackageLayout(ClinicalRecord):
    """The column order of each file of an imported package, so an export writes the same
    files (one per import; the latest is used)."""

    imported_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=200)
    site_code = models.CharField(max_length=16)
    columns = models.JSONField(help_text="{file name: [column, ...]}")

    class Meta:
        ordering = ["-imported_at"]

    def audit_site_code(self) -> str:
        return self.site_code


class CasebookLock(OnePerPatient):
    """The casebook's state: ``open``, or ``signed`` (locked: no record of the patient may
    change) by an investigator's electronic signature; unlocking needs a reason and voids it."""

    state = models.CharField(
        max_length=8, choices=[("open", "open"), ("signed", "signed and locked")], default="open"
    )
    signature_id = models.CharField(max_length=64, blank=True, help_text="the signature in force")
