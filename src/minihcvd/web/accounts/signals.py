"""A change of a user's sites is a role change in the audit trail (same transaction)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from minihcvd.web.accounts.models import User
from minihcvd.web.audit.models import AuditAction
from minihcvd.web.audit.services import record_event
from minihcvd.web.sites.models import Site


@receiver(m2m_changed, sender=User.sites.through)
def _sites_changed(sender: Any, instance: Any, action: str, pk_set: set[int] | None,
                   **kwargs: Any) -> None:
    if action not in ("post_add", "post_remove", "post_clear") or not isinstance(instance, User):
        return
    codes = sorted(Site.objects.filter(pk__in=pk_set or ()).values_list("code", flat=True))
    verb = {"post_add": "added", "post_remove": "removed", "post_clear": "cleared"}[action]
    record_event(
        action=AuditAction.ROLE_CHANGE,
        details={
            "user": [None, instance.username],
            f"sites {verb}": [None, codes],
            "sites now": [None, instance.site_codes()],
        },
    )
