from __future__ import annotations

from django.apps import AppConfig


class OversightConfig(AppConfig):
    """The trial's dashboard and its stopping rule, live."""

    name = "minihcvd.web.oversight"
    label = "oversight"
    verbose_name = "Oversight"

    def ready(self) -> None:
        from minihcvd.web.oversight import signals  # noqa: F401  (connects the rule's triggers)
