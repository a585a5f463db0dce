"""Enrolled patients and the screening log. No names or other direct identifiers are stored:
a patient is their study id (``<site code>-<sequence>``)."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from django.db import models

from minihcvd.clinical import EligibilityInput
from minihcvd.web.audit.models import ClinicalRecord
from minihcvd.web.sites.models import PROTOCOL_CHOICES, Site, SiteProtocol

__all__ = ["ELIGIBILITY_FIELDS", "Patient", "ScreeningEntry"]

#: exactly the fields of the core's EligibilityInput, in its order
ELIGIBILITY_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(EligibilityInput))


class Sex(models.TextChoices):
    FEMALE = "F", "female"
    MALE = "M", "male"


class BsaFormula(models.TextChoices):
    MOSTELLER = "mosteller"
    DUBOIS = "dubois", "Du Bois"


class Patient(ClinicalRecord):
    """An enrolled patient: what the calendar is built from, and the eligibility as judged."""

    study_id = models.CharField(max_length=16, unique=True)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="patients")
    sequence = models.PositiveIntegerField(help_text="the number within the site")
    protocol = models.CharField(
        max_length=32, choices=PROTOCOL_CHOICES, help_text="the shipped version (the cohort)"
    )
    site_protocol = models.ForeignKey(
        SiteProtocol,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text="the site's variant of that version the patient is treated on, if any",
    )
    start_date = models.DateField(help_text="planned day 1 of course 1")
    sex = models.CharField(max_length=1, choices=Sex.choices)
    age_years = models.PositiveSmallIntegerField()
    height_cm = models.FloatField(null=True, help_text="blank only if imported without it")
    weight_kg = models.FloatField(null=True, help_text="blank only if imported without it")
    bsa_formula = models.CharField(
        max_length=16, choices=BsaFormula.choices, default=BsaFormula.MOSTELLER
    )
    cd20_pct = models.FloatField(null=True, blank=True, help_text="blank when unknown")
    cns_disease = models.BooleanField(null=True, default=False, help_text="blank when unknown")
    eligibility_inputs = models.JSONField(help_text="the EligibilityInput fields as entered")
    eligibility_criteria = models.JSONField(help_text="each criterion's status and reason")
    registered_at = models.DateTimeField(auto_now_add=True)
    registered_by = models.CharField(max_length=150)
    imported_from = models.CharField(
        max_length=200, blank=True, help_text="the data package a patient was imported from"
    )

    class Meta:
        ordering = ["site__code", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["site", "sequence"], name="patient_site_sequence")
        ]

    def __str__(self) -> str:
        return self.study_id

    def audit_site_code(self) -> str:
        return self.site.code

    def audit_study_id(self) -> str:
        return self.study_id

    def eligibility_input(self) -> EligibilityInput:
        """The stored screening answers as the core's input."""
        values: dict[str, Any] = self.eligibility_inputs
        return EligibilityInput(**{name: values.get(name) for name in ELIGIBILITY_FIELDS})


class ScreeningEntry(ClinicalRecord):
    """One screening that did not enrol: the criteria that failed or were unknown."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="screening_entries")
    screened_at = models.DateTimeField(auto_now_add=True)
    screened_by = models.CharField(max_length=150)
    protocol = models.CharField(max_length=32, choices=PROTOCOL_CHOICES)
    outcome = models.CharField(max_length=16, help_text="ineligible or unknown")
    reasons = models.JSONField(help_text="the failed and unknown criteria with their reasons")

    class Meta:
        ordering = ["-screened_at"]
        verbose_name_plural = "screening entries"

    def __str__(self) -> str:
        return f"screening {self.site.code} {self.screened_at:%Y-%m-%d} {self.outcome}"

    def audit_site_code(self) -> str:
        return self.site.code
