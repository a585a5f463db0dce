"""Creating and changing sites (admins only; audited)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from minihcvd.web.errors import WebInputError
from minihcvd.web.sites.models import Site

__all__ = ["create_site"]


def create_site(*, code: str, name: str, active_protocol: str = "amended") -> Site:
    """A new site; a clear error naming the field when the code or protocol is not valid."""
    site = Site(code=code.strip(), name=name.strip(), active_protocol=active_protocol)
    try:
        site.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise WebInputError(f"{messages[0]} (found {getattr(site, field)!r})", field=field) from None
    with transaction.atomic():
        site.save()
    return site
