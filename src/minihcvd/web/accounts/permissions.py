"""Who may do what: the permission matrix (docs/web.md) as data, checked in one place.

An action is allowed when the user's role has it and, for an action on a site's data, the site
is one of the user's (statisticians and monitors may be given all sites). Admins manage users
and sites and see no clinical data.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from minihcvd.web.accounts.models import Role

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from minihcvd.web.accounts.models import User
    from minihcvd.web.sites.models import Site

__all__ = ["ROLE_ACTIONS", "Action", "allowed", "sites_of"]


class Action(StrEnum):
    VIEW_PATIENTS = "view patients and calendars"
    REGISTER_PATIENT = "register a patient"
    VIEW_SCREENING_LOG = "view the screening log"
    VIEW_AUDIT_TRAIL = "view a patient's audit trail"
    ENTER_CLINICAL_DATA = "enter clinical data"
    EXPORT_PACKAGE = "export the trial data package"
    VIEW_DASHBOARD = "view the trial's dashboard"
    RUN_FULL_ANALYSIS = "run the full analysis"
    RAISE_QUERY = "raise, close and re-open data queries"
    VERIFY_SOURCE = "mark source-data verification"
    SIGN_CASEBOOK = "sign a patient's casebook"
    UNLOCK_CASEBOOK = "unlock a signed casebook"
    MANAGE_USERS_AND_SITES = "manage users and sites"
    RECORD_TREATMENT = "record courses and administrations given"
    VERIFY_DOSES = "verify and sign a course's doses"


ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.INVESTIGATOR: frozenset(
        {
            Action.VIEW_PATIENTS,
            Action.REGISTER_PATIENT,
            Action.VIEW_SCREENING_LOG,
            Action.VIEW_AUDIT_TRAIL,
            Action.ENTER_CLINICAL_DATA,
            Action.EXPORT_PACKAGE,
            Action.VIEW_DASHBOARD,
            Action.SIGN_CASEBOOK,
            Action.UNLOCK_CASEBOOK,
            Action.RECORD_TREATMENT,
        }
    ),
    Role.NURSE: frozenset(
        {
            Action.VIEW_PATIENTS,
            Action.REGISTER_PATIENT,
            Action.VIEW_SCREENING_LOG,
            Action.VIEW_AUDIT_TRAIL,
            Action.ENTER_CLINICAL_DATA,
            Action.RECORD_TREATMENT,
        }
    ),
    Role.PHARMACIST: frozenset(
        {Action.VIEW_PATIENTS, Action.VIEW_AUDIT_TRAIL, Action.VERIFY_DOSES}
    ),
    Role.STATISTICIAN: frozenset(
        {
            Action.VIEW_PATIENTS,
            Action.VIEW_SCREENING_LOG,
            Action.EXPORT_PACKAGE,
            Action.VIEW_DASHBOARD,
            Action.RUN_FULL_ANALYSIS,
        }
    ),
    Role.MONITOR: frozenset(
        {
            Action.VIEW_PATIENTS,
            Action.VIEW_SCREENING_LOG,
            Action.VIEW_AUDIT_TRAIL,
            Action.VIEW_DASHBOARD,
            Action.RAISE_QUERY,
            Action.VERIFY_SOURCE,
        }
    ),
    Role.ADMIN: frozenset({Action.MANAGE_USERS_AND_SITES, Action.UNLOCK_CASEBOOK}),
}

#: roles that may be given every site at once
ALL_SITES_ROLES = frozenset({Role.STATISTICIAN, Role.MONITOR})


def sites_of(user: User) -> QuerySet[Site]:
    """The sites whose data ``user`` may see (none for admins and inactive users)."""
    from minihcvd.web.sites.models import Site

    if not user.is_authenticated or not user.is_active or user.role == Role.ADMIN:
        return Site.objects.none()
    if user.all_sites and user.role in ALL_SITES_ROLES:
        return Site.objects.all()
    return user.sites.all()


def allowed(user: User, action: Action, site: Site | None = None) -> bool:
    """Whether ``user`` may do ``action`` (at ``site`` when the action is on a site's data)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if action not in ROLE_ACTIONS.get(user.role, frozenset()):
        return False
    return site is None or sites_of(user).filter(pk=site.pk).exists()
