"""Template filters of the treatment pages."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def plain(value: Decimal | float | None) -> str:
    """A decimal without trailing zeros or an exponent (``0.6000`` → ``0.6``, ``10`` → ``10``)."""
    if value is None:
        return ""
    return f"{Decimal(str(value)).normalize():f}"
