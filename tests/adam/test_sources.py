"""Event and censoring sources."""

from __future__ import annotations

import pytest

from minihcvd.adam.sources import CensorSource, EventSource, death_event, last_alive_censor
from minihcvd.errors import DerivationError


class TestSources:
    def test_ready_made_provenance(self) -> None:
        """The ready-made sources point at ADSL variables with their descriptions."""
        assert (death_event.dataset_name, death_event.date, death_event.censor) == (
            "ADSL",
            "DTHDT",
            0,
        )
        assert (last_alive_censor.date, last_alive_censor.censor) == ("LSTALVDT", 1)

    def test_event_source_is_uncensored(self) -> None:
        """Event sources always have CNSR 0."""
        assert EventSource(dataset_name="ADSL", date="DTHDT", event_description="D").censor == 0

    def test_censor_code_must_be_positive(self) -> None:
        """A censor source with CNSR 0 is refused."""
        with pytest.raises(DerivationError, match="CNSR >= 1"):
            CensorSource(
                dataset_name="ADSL",
                date="LSTALVDT",
                event_description="ALIVE",
                censor_date_description="LAST",
                censor=0,
            )

    def test_description_required(self) -> None:
        """A source without a description is refused."""
        with pytest.raises(DerivationError, match="needs a dataset name"):
            EventSource(dataset_name="ADSL", date="DTHDT", event_description="")
