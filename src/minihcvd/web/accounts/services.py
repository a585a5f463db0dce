"""Creating users and issuing API tokens (audited; there is never a default password)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from minihcvd.web.accounts.models import ApiToken, Role, User
from minihcvd.web.accounts.permissions import ALL_SITES_ROLES
from minihcvd.web.errors import WebInputError
from minihcvd.web.sites.models import Site

__all__ = ["API_TOKEN_LIFETIME", "create_user", "issue_api_token", "user_for_api_token"]

API_TOKEN_LIFETIME = dt.timedelta(hours=8)


def create_user(
    *, username: str, role: str, password: str, site_codes: Sequence[str] = ()
) -> User:
    """A new user of ``role`` at ``site_codes`` ("all" for every site: statisticians and
    monitors only). Admins get the Django admin and no site; everyone else needs a site."""
    if role not in Role.values:
        raise WebInputError(
            f"expected one of {', '.join(Role.values)}, found {role!r}", field="role"
        )
    if not username.strip():
        raise WebInputError("a username is required", field="username")
    if User.objects.filter(username=username).exists():
        raise WebInputError(f"the username {username!r} is taken", field="username")
    all_sites = "all" in site_codes
    codes = sorted({code for code in site_codes if code != "all"})
    if role == Role.ADMIN and site_codes:
        raise WebInputError("an admin manages users and sites and belongs to none", field="site")
    if all_sites and role not in ALL_SITES_ROLES:
        raise WebInputError(
            f"only statisticians and monitors may have all sites, not a {role}", field="site"
        )
    if role != Role.ADMIN and not all_sites and not codes:
        raise WebInputError(f"a {role} needs at least one site (--site CODE)", field="site")
    sites = list(Site.objects.filter(code__in=codes))
    missing = sorted(set(codes) - {site.code for site in sites})
    if missing:
        raise WebInputError(f"no site with the code {', '.join(missing)}", field="site")
    is_admin = role == Role.ADMIN
    user = User(username=username, role=role, all_sites=all_sites, is_staff=is_admin,
                is_superuser=is_admin)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise WebInputError(" ".join(error.messages), field="password") from None
    user.set_password(password)
    with transaction.atomic():
        user.save()
        user.sites.set(sites)
    return user


def issue_api_token(*, user: User) -> str:
    """A new bearer token for ``user`` (shown once; only its hash is kept)."""
    token = secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user,
        token_sha256=ApiToken.digest(token),
        expires_at=timezone.now() + API_TOKEN_LIFETIME,
    )
    return token


def user_for_api_token(token: str) -> User | None:
    """The active user of an unexpired token, else ``None``."""
    found = (
        ApiToken.objects.select_related("user")
        .filter(token_sha256=ApiToken.digest(token), expires_at__gt=timezone.now())
        .first()
    )
    if found is None or not found.user.is_active:
        return None
    return found.user
