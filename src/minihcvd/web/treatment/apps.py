from __future__ import annotations

from django.apps import AppConfig


class TreatmentConfig(AppConfig):
    """Treatment calendars (built by the core from the protocol files, never stored)."""

    name = "minihcvd.web.treatment"
    label = "treatment"
    verbose_name = "Treatment"
