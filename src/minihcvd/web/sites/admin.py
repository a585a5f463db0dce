from __future__ import annotations

from django.contrib import admin

from minihcvd.web.sites.models import Site


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name", "active_protocol", "created_at")
    actions = None  # the bulk "delete selected" would skip the audit trail
