"""The demo trial: three sites, one user per role per site, and the 110 patients of a virtual
cohort (``minihcvd.cohort``) with their casebooks (marrows, adverse events, transplants,
follow-up, deaths), loaded site by site through ``minihcvd web import``'s audited path as each
site's nurse.

Passwords are generated here and shown once; there is no default password. The virtual
patients were not screened here: their pages say they were imported from a data package.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from django.db import transaction

from minihcvd.trialdata import TrialPackage, write_package
from minihcvd.web.accounts.models import Role, User
from minihcvd.web.accounts.services import create_user
from minihcvd.web.audit.context import Actor, acting_as
from minihcvd.web.audit.middleware import actor_for
from minihcvd.web.casebook.importer import import_package
from minihcvd.web.errors import DataDirError
from minihcvd.web.sites.models import Site
from minihcvd.web.sites.services import create_site

__all__ = ["DEMO_SITES", "DemoLogin", "seed_demo"]

DEMO_SITES = (
    ("A", "Demo University Hospital", "amended"),
    ("B", "Demo Cancer Centre", "amended"),
    ("C", "Demo General Hospital", "amended"),
)
SITE_ROLES = (Role.INVESTIGATOR, Role.NURSE, Role.PHARMACIST, Role.STATISTICIAN, Role.MONITOR)
SEEDING_ACTOR = Actor(user_id=None, username="demo-seed")


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    site: str
    password: str


def _password() -> str:
    return secrets.token_urlsafe(12)


def seed_demo(
    *, seed: int | None = None, patients: int = 110, progress: Callable[[str], None] = print
) -> list[DemoLogin]:
    """Seed an empty database with the demo trial; the logins with their passwords."""
    from minihcvd.cohort import DEFAULT_SEED, synthesize

    if Site.objects.exists():
        raise DataDirError(
            "the database already holds sites: the demo seeds only an empty one "
            "(use a new --data-dir)",
            field="demo",
        )
    logins: list[DemoLogin] = []
    with transaction.atomic(), acting_as(SEEDING_ACTOR):
        sites = [create_site(code=c, name=n, active_protocol=p) for c, n, p in DEMO_SITES]
        password = _password()
        create_user(username="admin", role=Role.ADMIN, password=password)
        logins.append(DemoLogin("admin", Role.ADMIN, "-", password))
        for site in sites:
            for role in SITE_ROLES:
                username = f"{role}-{site.code.lower()}"
                password = _password()
                create_user(username=username, role=role, password=password, site_codes=[site.code])
                logins.append(DemoLogin(username, role, site.code, password))
        progress(f"demo: {len(sites)} sites and {len(logins)} users created")
        nurses = {
            site.code: User.objects.get(username=f"nurse-{site.code.lower()}") for site in sites
        }
        cohort = synthesize(DEFAULT_SEED if seed is None else seed, patients)
        done = 0
        with tempfile.TemporaryDirectory(prefix="minihcvd-demo-") as folder:
            for index, site in enumerate(sites):
                part = Path(folder) / site.code
                share = _share(cohort, index, len(sites))
                write_package(share, part)
                with acting_as(actor_for(nurses[site.code])):
                    import_package(part, site_code=site.code)
                done += len(share.patients)
                progress(f"demo: {done}/{patients} patients registered with their casebooks")
    return logins


def _share(cohort: TrialPackage, index: int, parts: int) -> TrialPackage:
    """Every ``parts``-th patient from ``index`` on, with their records."""
    chosen = cohort.patients.iloc[index::parts]
    ids = set(chosen["patient_id"])

    def rows(frame: pd.DataFrame | None) -> pd.DataFrame | None:
        return None if frame is None else frame[frame["patient_id"].isin(ids)]

    return TrialPackage(
        patients=chosen,
        assessments=rows(cohort.assessments),
        adverse_events=rows(cohort.adverse_events),
        administrations=rows(cohort.administrations),
        source=None,
    )
