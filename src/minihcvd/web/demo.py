"""The demo trial: three sites, one user per role per site, and the 110 patients of a virtual
cohort (``minihcvd.cohort``) registered through the same service a nurse uses.

Passwords are generated here and shown once; there is no default password. The virtual
patients' screening labs are not part of the cohort: they are filled with values inside the
criteria (ejection fraction 60 %, bilirubin 0.6 mg/dL, creatinine 0.9 mg/dL, NYHA class 1) and
the demo's pages say it is a demo.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from minihcvd.clinical import EligibilityInput
from minihcvd.web.accounts.models import Role, User
from minihcvd.web.accounts.services import create_user
from minihcvd.web.audit.context import Actor, acting_as
from minihcvd.web.audit.middleware import actor_for
from minihcvd.web.errors import DataDirError
from minihcvd.web.patients.services import RegistrationRequest, register_patient
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
                create_user(username=username, role=role, password=password,
                            site_codes=[site.code])
                logins.append(DemoLogin(username, role, site.code, password))
        progress(f"demo: {len(sites)} sites and {len(logins)} users created")
        cohort = synthesize(DEFAULT_SEED if seed is None else seed, patients,
                            administrations=False).patients
        nurses = {site.code: User.objects.get(username=f"nurse-{site.code.lower()}")
                  for site in sites}
        for index, row in enumerate(cohort.itertuples(index=False)):
            site = sites[index % len(sites)]
            nurse = nurses[site.code]
            cd20 = float(row.cd20_pct)
            with acting_as(actor_for(nurse)):
                register_patient(
                    user=nurse,
                    request=RegistrationRequest(
                        site=site,
                        protocol=str(row.cohort),
                        start_date=row.start_date.date(),
                        sex=str(row.sex),
                        age_years=round(float(row.age)),
                        height_cm=float(row.height_cm),
                        weight_kg=float(row.weight_kg),
                        cd20_pct=None if math.isnan(cd20) else cd20,
                        cns_disease=bool(row.cns_disease),
                        eligibility=EligibilityInput(
                            relapsed_or_refractory=True,
                            precursor_b_all=True,
                            ph_positive=False,
                            cd22_positive=float(row.cd22_pct) > 0,
                            ecog=int(row.ecog),
                            ejection_fraction_pct=60.0,
                            bilirubin_mg_dl=0.6,
                            creatinine_mg_dl=0.9,
                            uncontrolled_infection=False,
                            nyha_class=1,
                            second_active_malignancy=False,
                        ),
                    ),
                )
            if (index + 1) % 25 == 0 or index + 1 == len(cohort):
                progress(f"demo: {index + 1}/{len(cohort)} patients registered")
    return logins
