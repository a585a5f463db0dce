"""Derived analysis datasets (ADaM): ADSL, ADRS, ADTTE, ADAE and the SCT interval table."""

from minihcvd.adam.compute import adsl_rows
from minihcvd.adam.export import write_datasets
from minihcvd.adam.pipeline import AdamDatasets, derive_all
from minihcvd.adam.sources import (
    CensorSource,
    EventSource,
    death_event,
    last_alive_censor,
    relapse_event,
)

__all__ = [
    "AdamDatasets",
    "CensorSource",
    "EventSource",
    "adsl_rows",
    "death_event",
    "derive_all",
    "last_alive_censor",
    "relapse_event",
    "write_datasets",
]
