"""Fixtures of the web tests: two sites, a user of each role at each, an enrolled patient."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from minihcvd.clinical import EligibilityInput

PASSWORD = "correct horse battery staple 7"
#: a marrow in CR (blasts under 5%, counts recovered), for the tests that enter one
MARROW_IN_CR = {
    "assessment_date": "2025-02-03",
    "bm_blasts_pct": 2,
    "anc_10e9_per_l": 1.5,
    "platelets_10e9_per_l": 120,
    "extramedullary_disease": False,
}
SITE_ROLES = ("investigator", "nurse", "pharmacist", "statistician", "monitor")
ELIGIBLE: dict[str, Any] = {
    "relapsed_or_refractory": True,
    "precursor_b_all": True,
    "ph_positive": False,
    "cd22_positive": True,
    "ecog": 1,
    "ejection_fraction_pct": 60.0,
    "bilirubin_mg_dl": 0.6,
    "creatinine_mg_dl": 0.9,
    "uncontrolled_infection": False,
    "nyha_class": 1,
    "second_active_malignancy": False,
}
PATIENT: dict[str, Any] = {
    "protocol": "amended",
    "start_date": "2025-01-06",
    "sex": "M",
    "age_years": 45,
    "height_cm": 175.0,
    "weight_kg": 76.0,
    "cd20_pct": 30.0,
    "cns_disease": False,
}


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Each test starts with the shared cache empty (its keys name data of one database)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@contextmanager
def setting_up() -> Iterator[None]:
    """Fixtures write as a named set-up actor (the test body itself has none)."""
    from minihcvd.web.audit.context import Actor, acting_as

    with acting_as(Actor(user_id=None, username="test-setup")):
        yield


@pytest.fixture
def sites(db: None) -> dict[str, Any]:
    from minihcvd.web.sites.services import create_site

    with setting_up():
        return {code: create_site(code=code, name=f"Hospital {code}") for code in ("A", "B")}


@pytest.fixture
def users(sites: dict[str, Any]) -> dict[str, Any]:
    """``users["nurse", "A"]``; ``users["admin", None]``; statistician and monitor of all sites
    as ``users["statistician", "all"]``."""

    made: dict[tuple[str, str | None], Any] = {}
    with setting_up():
        _make_users(made, sites)
    return made


def _make_users(made: dict[tuple[str, str | None], Any], sites: dict[str, Any]) -> None:
    from minihcvd.web.accounts.services import create_user

    for code in sites:
        for role in SITE_ROLES:
            made[role, code] = create_user(
                username=f"{role}-{code.lower()}",
                role=role,
                password=PASSWORD,
                site_codes=[code],
            )
    made["admin", None] = create_user(username="admin", role="admin", password=PASSWORD)
    for role in ("statistician", "monitor"):
        made[role, "all"] = create_user(
            username=f"{role}-all", role=role, password=PASSWORD, site_codes=["all"]
        )


def registration(site: Any, **changes: Any) -> Any:
    """A registration request for ``site`` (eligible unless ``eligibility`` says otherwise)."""
    from minihcvd.web.patients.services import RegistrationRequest

    values = {**PATIENT, **changes}
    eligibility = {**ELIGIBLE, **values.pop("eligibility", {})}
    values["start_date"] = dt.date.fromisoformat(values["start_date"])
    return RegistrationRequest(site=site, eligibility=EligibilityInput(**eligibility), **values)


@pytest.fixture
def patient_a(users: dict[str, Any], sites: dict[str, Any]) -> Any:
    """An enrolled patient of site A (registered by its nurse)."""
    from minihcvd.web.audit.context import acting_as
    from minihcvd.web.audit.middleware import actor_for
    from minihcvd.web.patients.services import register_patient

    nurse = users["nurse", "A"]
    with acting_as(actor_for(nurse)):
        outcome = register_patient(user=nurse, request=registration(sites["A"]))
    assert outcome.patient is not None
    return outcome.patient


@pytest.fixture
def patient_b(users: dict[str, Any], sites: dict[str, Any]) -> Any:
    from minihcvd.web.audit.context import acting_as
    from minihcvd.web.audit.middleware import actor_for
    from minihcvd.web.patients.services import register_patient

    nurse = users["nurse", "B"]
    with acting_as(actor_for(nurse)):
        outcome = register_patient(user=nurse, request=registration(sites["B"]))
    assert outcome.patient is not None
    return outcome.patient


def api_token(client: Any, username: str) -> str:
    response = client.post(
        "/api/v1/token",
        {"username": username, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return str(response.json()["token"])
