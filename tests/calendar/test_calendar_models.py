"""The JSON contract of a treatment calendar (issue #2), kept stable for other layers."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from minihcvd.calendar import SctPlanning, build_calendar

CONTRACT_FIELDS = [
    "date", "phase", "course", "day", "drug", "route", "dose", "unit", "doses_per_day",
    "calculation", "source",
]


def _json() -> dict[str, Any]:
    calendar = build_calendar("amended", height_cm=175, weight_kg=76,
                              start=dt.date(2025, 1, 6), cd20_pct=50)
    return calendar.to_json_dict()


class TestToJsonDict:
    def test_top_level(self) -> None:
        """protocol, patient and administrations, then the documented extras."""
        assert list(_json()) == [
            "protocol", "protocol_title", "patient", "administrations", "holds", "courses",
            "sct_planning", "notes", "warnings",
        ]

    def test_patient(self) -> None:
        """The patient block starts with the contract's four fields."""
        patient = _json()["patient"]
        assert patient == {
            "height_cm": 175.0, "weight_kg": 76.0, "bsa_m2": 1.92, "bsa_formula": "mosteller",
            "bsa_calculated_m2": 1.92, "bsa_cap_m2": None, "cd20_pct": 50.0,
            "cns_disease": False,
            "bsa_calculation": "BSA Mosteller √(175 cm × 76 kg / 3600) = 1.9221 → 1.92 m2",
        }

    def test_administration(self) -> None:
        """Each administration has the contract fields in order, then stated_in_paper, notes."""
        first = _json()["administrations"][0]
        assert first == {
            "date": "2025-01-06", "phase": "intensive", "course": 1, "day": 1,
            "drug": "cyclophosphamide", "route": "IV", "dose": 288.0, "unit": "mg",
            "doses_per_day": 2, "calculation": "150 mg/m2 × 1.92 m2 (Mosteller) = 288 mg",
            "source": "Jabbour et al., J Hematol Oncol 2023, Methods: Procedures",
            "stated_in_paper": True, "notes": [],
        }
        assert list(first)[: len(CONTRACT_FIELDS)] == CONTRACT_FIELDS

    def test_values_use_the_contract_vocabulary(self) -> None:
        """Phases, routes and units are the issue's closed sets; dates are ISO strings."""
        rows = _json()["administrations"]
        assert {row["phase"] for row in rows} == {"intensive", "maintenance"}
        assert {row["route"] for row in rows} <= {"IV", "IT", "PO", "SC"}
        assert {row["unit"] for row in rows} == {"mg", "mcg/day"}
        assert all(dt.date.fromisoformat(row["date"]) for row in rows)

    def test_serialisable(self) -> None:
        """The dict is plain JSON (no dates, Decimals or tuples left)."""
        text = json.dumps(_json())
        assert json.loads(text) == _json()


class TestSctPlanningSummary:
    def test_without_inotuzumab(self) -> None:
        """A calendar without inotuzumab says so instead of a date."""
        planning = SctPlanning(0.0, 2.7, 0.0, 0, None, 14, None, "s")
        assert planning.summary == "no inotuzumab in this calendar"
        assert planning.to_json_dict()["sct_date"] is None

    def test_summary_line(self) -> None:
        """One line with the cumulative dose, the last dose and the earliest SCT date."""
        planning = SctPlanning(2.7, 2.7, 5.21, 8, dt.date(2025, 4, 7), 14, dt.date(2025, 7, 14),
                               "s", observation=True, observed_median_weeks=14,
                               observed_in="the amended study")
        assert planning.summary == (
            "cumulative inotuzumab 2.7 mg/m2 (5.21 mg in 8 doses; planned total 2.7 mg/m2);"
            " last dose 2025-04-07; allogeneic SCT 2025-07-14, 14 weeks after the last"
            " inotuzumab dose: the trial's observed median on the amended study, an observation"
            " of the trial, not a protocol rule (the paper leaves SCT to the treating physician)"
        )
