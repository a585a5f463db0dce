from __future__ import annotations

from typing import Any


def test_patient_a_gets_the_first_study_id(patient_a: Any) -> None:
    """The first patient of site A is A-0001."""
    assert patient_a.study_id == "A-0001"
