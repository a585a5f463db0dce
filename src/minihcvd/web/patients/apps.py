from __future__ import annotations

from django.apps import AppConfig


class PatientsConfig(AppConfig):
    """Registration with eligibility, the screening log and the enrolled patients."""

    name = "minihcvd.web.patients"
    label = "patients"
    verbose_name = "Patients and screening"
