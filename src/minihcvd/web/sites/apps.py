from __future__ import annotations

from django.apps import AppConfig


class SitesConfig(AppConfig):
    """The trial's participating hospitals."""

    name = "minihcvd.web.sites"
    label = "trialsites"
    verbose_name = "Sites"
