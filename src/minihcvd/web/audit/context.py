"""Who is acting: the actor every audit entry names, set once per request or command.

Views and the API get it from the request (the middleware, the API's token check); commands and
the demo seeding name themselves with :func:`acting_as`. A write with no actor is refused, so no
path can write trial data anonymously.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from minihcvd.web.errors import AuditContextMissing

__all__ = ["Actor", "acting_as", "current_actor", "set_actor_for_this_request"]


@dataclass(frozen=True)
class Actor:
    """The user (or command) a change is attributed to."""

    user_id: int | None
    username: str


_actor: ContextVar[Actor | None] = ContextVar("minihcvd_audit_actor", default=None)


@contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    """Attribute every write inside the block to ``actor``."""
    token = _actor.set(actor)
    try:
        yield actor
    finally:
        _actor.reset(token)


def current_actor() -> Actor:
    """The acting user; :class:`AuditContextMissing` if nobody is."""
    actor = _actor.get()
    if actor is None:
        raise AuditContextMissing(
            "a write to trial data needs a known actor (a signed-in user or a named command)"
        )
    return actor


def set_actor_for_this_request(actor: Actor) -> None:
    """Name the actor for the rest of a request (the API's token check).

    Only inside :class:`~minihcvd.web.audit.middleware.AuditActorMiddleware`, which runs each
    request in a context of its own, so the actor ends with the request.
    """
    _actor.set(actor)
