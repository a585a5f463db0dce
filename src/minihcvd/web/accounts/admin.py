from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from minihcvd.web.accounts.models import User


@admin.register(User)
class TrialUserAdmin(UserAdmin):  # type: ignore[type-arg]
    """Admins manage users here; every save is audited (role changes as such)."""

    list_display = ("username", "role", "all_sites", "is_active", "last_login")
    list_filter = ("role", "is_active", "sites")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Trial", {"fields": ("role", "sites", "all_sites", "is_active", "is_staff")}),
    )
    add_fieldsets = (
        (None, {"fields": ("username", "role", "sites", "password1", "password2")}),
    )
    actions = None  # the bulk "delete selected" would skip the audit trail
