"""Events and censorings for time-to-event parameters, declared as small validated objects.

As in admiral's ``event_source``/``censor_source``: an event always has ``CNSR = 0``, a censoring
a positive code, and each carries its provenance (description, source dataset and variable) into
ADTTE's ``EVNTDESC``/``CNSDTDSC``/``SRCDOM``/``SRCVAR``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from minihcvd.errors import DerivationError

__all__ = [
    "CensorSource",
    "EventSource",
    "death_event",
    "last_alive_censor",
    "relapse_event",
]


@dataclass(frozen=True)
class EventSource:
    """An event: its date variable in ``dataset_name`` and its description (CNSR 0)."""

    dataset_name: str
    date: str
    event_description: str

    @property
    def censor(self) -> int:
        """Always 0: an event is never censored."""
        return 0

    def __post_init__(self) -> None:
        _check_names(self.dataset_name, self.date, self.event_description)


@dataclass(frozen=True)
class CensorSource:
    """A censoring: its date variable, a positive CNSR code and descriptions."""

    dataset_name: str
    date: str
    event_description: str
    censor_date_description: str
    censor: int = 1

    def __post_init__(self) -> None:
        _check_names(self.dataset_name, self.date, self.event_description)
        if self.censor < 1:
            raise DerivationError(f"a censor source needs CNSR >= 1, got {self.censor}")
        if not self.censor_date_description:
            raise DerivationError("a censor source needs a censor date description")


def _check_names(dataset_name: str, date: str, description: str) -> None:
    if not (dataset_name and date and description):
        raise DerivationError("a TTE source needs a dataset name, a date variable, a description")


death_event: Final = EventSource(dataset_name="ADSL", date="DTHDT", event_description="DEATH")
relapse_event: Final = EventSource(dataset_name="ADSL", date="RELDT", event_description="RELAPSE")
last_alive_censor: Final = CensorSource(
    dataset_name="ADSL",
    date="LSTALVDT",
    event_description="LAST KNOWN ALIVE",
    censor_date_description="LAST KNOWN ALIVE DATE",
)
