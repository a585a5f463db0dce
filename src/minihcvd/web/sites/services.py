"""Creating and changing sites (admins only; audited)."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction

from minihcvd.protocol import Protocol, load_protocol_file, protocol_names
from minihcvd.web.errors import WebInputError
from minihcvd.web.sites.models import Site, SiteProtocol

__all__ = ["add_site_protocol", "create_site", "load_site_protocol", "site_protocol_named"]


def create_site(*, code: str, name: str, active_protocol: str = "amended") -> Site:
    """A new site; a clear error naming the field when the code or protocol is not valid."""
    if active_protocol not in protocol_names():  # a variant is uploaded to an existing site
        raise WebInputError(
            f"expected one of {', '.join(protocol_names())}, found {active_protocol!r}",
            field="active_protocol",
        )
    site = Site(code=code.strip(), name=name.strip(), active_protocol=active_protocol)
    try:
        site.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise WebInputError(
            f"{messages[0]} (found {getattr(site, field)!r})", field=field
        ) from None
    with transaction.atomic():
        site.save()
    return site


def load_site_protocol(variant: SiteProtocol) -> Protocol:
    """The variant as the core loads it (under its uploaded name, which its marks cite)."""
    with tempfile.TemporaryDirectory(prefix="minihcvd-protocol-") as folder:
        path = Path(folder) / variant.file_name
        path.write_text(variant.yaml_text, encoding="utf-8")
        return load_protocol_file(path)


def add_site_protocol(*, site: Site, path: Path, reason: str, uploaded_by: str) -> SiteProtocol:
    """Store a site's variant file after the core validated it (deviations need the site's own
    source; unknown fields, routes and limits are refused, naming the file and field)."""
    if not reason.strip():
        raise WebInputError("a reason is required", field="reason")
    protocol = load_protocol_file(path)  # ProtocolError, one line naming file and field
    text = path.read_text(encoding="utf-8")
    extends = (yaml.safe_load(text) or {}).get("extends")
    if extends not in protocol_names():
        raise WebInputError(
            f"a site variant extends a shipped protocol ({', '.join(protocol_names())}), "
            f"found {extends!r}",
            field="extends",
        )
    if protocol.name in protocol_names():
        raise WebInputError(
            f"a site variant needs its own name, not {protocol.name!r}", field="name"
        )
    variant = SiteProtocol(
        site=site,
        name=protocol.name,
        base=extends,
        file_name=path.name,
        yaml_text=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        uploaded_by=uploaded_by,
        reason=reason,
    )
    variant.save()
    return variant


def site_protocol_named(site: Site, name: str) -> SiteProtocol | None:
    """The site's latest upload of the variant ``name`` (None if it has none)."""
    return SiteProtocol.objects.filter(site=site, name=name).order_by("-uploaded_at").first()
