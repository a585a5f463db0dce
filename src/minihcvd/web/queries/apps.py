from __future__ import annotations

from django.apps import AppConfig


class QueriesConfig(AppConfig):
    """Data queries and source-data verification (a monitor's work on a site's casebooks)."""

    name = "minihcvd.web.queries"
    label = "queries"
    verbose_name = "Data queries"
