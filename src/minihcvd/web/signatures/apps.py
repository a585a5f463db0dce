from __future__ import annotations

from django.apps import AppConfig


class SignaturesConfig(AppConfig):
    """Electronic signatures (21 CFR 11.50, 11.70, 11.200): bound to the content signed."""

    name = "minihcvd.web.signatures"
    label = "signatures"
    verbose_name = "Electronic signatures"
