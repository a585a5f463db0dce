"""How fast ``build_calendar`` makes the virtual cohort's 110 calendars (budget: 10 ms each).

Baseline, in the same process: the rejected design's extra cost, where every administration row
is also a validated pydantic model that is dumped to JSON types. The ratio shows what building
rows as named tuples from already-validated protocol data saves.

    .venv/bin/python benchmarks/bench_schedule.py
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict

from minihcvd.calendar import TreatmentCalendar, build_calendar

N_PATIENTS = 110
REPEATS = 5
BUDGET_MS = 10.0


class _AdministrationModel(BaseModel):
    model_config = ConfigDict(strict=False, extra="allow", frozen=True)

    date: dt.date
    phase: str
    course: int
    day: int
    drug: str
    route: str
    dose: float
    unit: str
    doses_per_day: int
    calculation: str
    source: str


def _patients() -> list[dict[str, object]]:
    return [
        {
            "protocol": "original" if index % 2 else "amended",
            "height_cm": 150 + index * 0.4,
            "weight_kg": 45 + index * 0.5,
            "start": dt.date(2013, 1, 7) + dt.timedelta(days=30 * index),
            "cd20_pct": float(index % 40),
            "cns_disease": index % 20 == 0,
        }
        for index in range(N_PATIENTS)
    ]


def _build(patient: dict[str, object]) -> TreatmentCalendar:
    return build_calendar(**patient)  # type: ignore[arg-type]


def _cohort(step: Callable[[dict[str, object]], object]) -> float:
    """Best seconds per patient over REPEATS runs of the whole cohort (the least disturbed)."""
    patients = _patients()
    timings = []
    for _ in range(REPEATS):
        began = time.perf_counter()
        for patient in patients:
            step(patient)
        timings.append((time.perf_counter() - began) / len(patients))
    return min(timings)


def _pydantic_rows(patient: dict[str, object]) -> None:
    """The rows as pydantic models, created and dumped to JSON types (the rejected design)."""
    calendar = _build(patient)
    for row in calendar.administrations:
        _AdministrationModel.model_validate(row._asdict()).model_dump(mode="json")


def main() -> None:
    _build(_patients()[0])  # load and validate the protocol files once (cached)
    build_s = _cohort(_build)
    json_s = _cohort(lambda patient: _build(patient).to_json_dict())
    baseline_s = _cohort(_pydantic_rows)
    rows = sum(len(_build(p).administrations) for p in _patients()) / N_PATIENTS
    print(f"calendars: {N_PATIENTS} patients, {rows:.0f} administrations each on average")
    print(f"build_calendar:                {build_s * 1000:6.2f} ms per patient")
    print(f"build_calendar + to_json_dict: {json_s * 1000:6.2f} ms per patient"
          f" (budget {BUDGET_MS:g} ms: {json_s * 1000 / BUDGET_MS:.2f} of it)")
    print(f"baseline (pydantic rows):      {baseline_s * 1000:6.2f} ms per patient")
    print(f"ratio baseline / build + json: {baseline_s / json_s:.1f}x")


if __name__ == "__main__":
    main()
