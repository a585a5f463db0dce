"""Signing and locking a patient's casebook: a small state machine.

``open`` --sign--> ``signed`` (an investigator of the site, the password again, no open data
query) --unlock--> ``open`` (an investigator of the site or an admin, with a reason; the
signature is voided). While signed, no record of the patient changes: every casebook write
calls :func:`check_unlocked` first. What is signed is the patient's casebook as the data
package has it (each file's text), so an altered record shows as no longer signed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from django.db import transaction

from minihcvd.trialdata.io import format_csv
from minihcvd.web.accounts.permissions import Action, allowed
from minihcvd.web.casebook.models import CasebookLock
from minihcvd.web.casebook.package import package_for
from minihcvd.web.errors import PermissionRefused, WebInputError

if TYPE_CHECKING:
    from minihcvd.trialdata import TrialPackage
    from minihcvd.web.accounts.models import User
    from minihcvd.web.patients.models import Patient

__all__ = [
    "TRANSITIONS",
    "CasebookLocked",
    "casebook_content",
    "casebook_status",
    "check_unlocked",
    "sign_casebook",
    "unlock_casebook",
]

#: (state, step) -> new state
TRANSITIONS: Final[dict[tuple[str, str], str]] = {
    ("open", "sign"): "signed",
    ("signed", "unlock"): "open",
}


class CasebookLocked(WebInputError):
    """A write to a signed casebook (the API answers 422 naming it; unlock first)."""


def _lock(patient: Patient) -> CasebookLock:
    found = CasebookLock.objects.filter(patient=patient).first()
    return found if found is not None else CasebookLock(patient=patient, state="open")


def check_unlocked(patient: Patient) -> None:
    """Refuse any change to a patient whose casebook is signed."""
    if CasebookLock.objects.filter(patient=patient, state="signed").exists():
        raise CasebookLocked(
            f"the casebook of {patient.study_id} is signed and locked: an investigator (or an "
            "admin) must unlock it, with a reason, before anything changes",
            field="casebook",
        )


def casebook_content(patient: Patient, package: TrialPackage | None = None) -> dict[str, Any]:
    """What a signature covers: each file of the patient's package (``package``, when the
    caller has built it already), as its text."""
    package = package or package_for([patient])
    frames = {
        "patients.csv": package.patients,
        "assessments.csv": package.assessments,
        "adverse_events.csv": package.adverse_events,
        "administrations.csv": package.administrations,
    }
    return {name: format_csv(frame) for name, frame in frames.items() if frame is not None}


def _step(lock: CasebookLock, step: str) -> str:
    new = TRANSITIONS.get((lock.state, step))
    if new is None:
        raise WebInputError(f"a casebook that is {lock.state} cannot be {step}ed", field="state")
    return new


def sign_casebook(*, user: User, patient: Patient, password: str) -> CasebookLock:
    """The investigator signs the casebook (21 CFR 11.200: the password again) and locks it."""
    from minihcvd.web.queries.services import open_queries_count
    from minihcvd.web.signatures.services import confirm_password, sign

    if not allowed(user, Action.SIGN_CASEBOOK, patient.site):
        raise PermissionRefused(f"a {user.role} may not sign casebooks")
    lock = _lock(patient)
    new = _step(lock, "sign")
    if (count := open_queries_count([patient])) > 0:
        raise WebInputError(
            f"{count} data quer{'y is' if count == 1 else 'ies are'} still open: close them first",
            field="queries",
        )
    meaning = f"signed the casebook of {patient.study_id}"
    confirm_password(user=user, password=password, meaning=meaning, record=patient)
    with transaction.atomic():
        signature = sign(
            user=user,
            password=password,
            meaning=meaning,
            record=patient,
            content=casebook_content(patient),
        )
        lock.state = new
        lock.signature_id = str(signature.pk)
        lock.save(reason=meaning)
    return lock


def unlock_casebook(*, user: User, patient: Patient, reason: str) -> CasebookLock:
    """An investigator of the site or an admin unlocks it, with a reason; the signature is void."""
    if not allowed(user, Action.UNLOCK_CASEBOOK, None if user.role == "admin" else patient.site):
        raise PermissionRefused(f"a {user.role} may not unlock casebooks")
    if not reason.strip():
        raise WebInputError("a reason is required to unlock a casebook", field="reason")
    lock = _lock(patient)
    lock.state = _step(lock, "unlock")
    lock.signature_id = ""
    lock.save(reason=f"unlocked (the signature is void): {reason}")
    return lock


def casebook_status(patient: Patient, package: TrialPackage | None = None) -> dict[str, Any]:
    """The state, and the signature in force with whether the content still matches it (the
    patient's ``package`` when the caller has built it)."""
    from minihcvd.web.signatures.models import Signature
    from minihcvd.web.signatures.services import signature_status

    lock = _lock(patient)
    signature = (
        Signature.objects.filter(pk=lock.signature_id).first() if lock.signature_id else None
    )
    return {
        "state": lock.state,
        "version": lock.version,
        "signature": None
        if signature is None
        else {
            "printed_name": signature.printed_name,
            "username": signature.signer_username,
            "signed_at": signature.signed_at,
            "meaning": signature.meaning,
            "status": signature_status(signature, casebook_content(patient, package)),
        },
    }
