from __future__ import annotations

from django.apps import AppConfig


class CasebookConfig(AppConfig):
    """A patient's clinical data as the sites enter it: the fields of the trial data package."""

    name = "minihcvd.web.casebook"
    label = "casebook"
    verbose_name = "Casebook"
