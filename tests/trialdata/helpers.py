"""Write small literal packages for the tests."""

from __future__ import annotations

from pathlib import Path

PATIENTS_HEADER = "patient_id,cohort,start_date,last_followup_date,death_date"


def write_package_files(directory: Path, **files: str) -> Path:
    """Write ``name=text`` pairs as ``name.csv`` (dedented, stripped) into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        lines = [line.strip() for line in text.strip().splitlines()]
        (directory / f"{name}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory
