"""Reading patients: the one place site scoping lives. Every view, endpoint, count and download
goes through :func:`patients_for_user` or :func:`get_patient_for_user`; a patient of another
site does not exist for the user (404), whatever the path."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404

from minihcvd.web.accounts.permissions import Action, allowed, sites_of
from minihcvd.web.patients.models import Patient, ScreeningEntry

if TYPE_CHECKING:
    from minihcvd.web.accounts.models import User

__all__ = ["get_patient_for_user", "patients_for_user", "screening_log_for_user"]


def patients_for_user(*, user: User) -> QuerySet[Patient]:
    """The patients of the user's sites, if their role may see patients (else none)."""
    if not allowed(user, Action.VIEW_PATIENTS):
        return Patient.objects.none()
    return Patient.objects.filter(site__in=sites_of(user)).select_related("site")


def get_patient_for_user(*, user: User, study_id: str) -> Patient:
    """The patient with ``study_id`` if the user may see them; 404 otherwise (never 403: the
    existence of another site's patient is not disclosed)."""
    found = patients_for_user(user=user).filter(study_id=study_id).first()
    if found is None:
        raise Http404(f"no patient {study_id}")
    return found


def screening_log_for_user(*, user: User) -> QuerySet[ScreeningEntry]:
    """The screening log of the user's sites, for the roles that keep or review it."""
    if not allowed(user, Action.VIEW_SCREENING_LOG):
        return ScreeningEntry.objects.none()
    return ScreeningEntry.objects.filter(site__in=sites_of(user)).select_related("site")
