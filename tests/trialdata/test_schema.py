"""The schema, docs/data-format.md and the shipped example agree."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from minihcvd.trialdata import FILES, FileSpec, validate_package

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "data-format.md").read_text(encoding="utf-8")
EXAMPLE = ROOT / "examples" / "trial-package"


class TestDocumentation:
    @pytest.mark.parametrize("spec", FILES, ids=lambda spec: spec.name)
    def test_every_column_is_documented(self, spec: FileSpec) -> None:
        """Each schema column has a row in its file's table in docs/data-format.md."""
        section = DOC.split(f"### `{spec.name}`")[1].split("###")[0]
        documented = re.findall(r"^\| `([a-z0-9_]+)` \|", section, flags=re.MULTILINE)
        assert documented == [c.name for c in spec.columns]

    @pytest.mark.parametrize("spec", FILES, ids=lambda spec: spec.name)
    def test_example_in_docs_is_the_shipped_one(self, spec: FileSpec) -> None:
        """The example shown in the docs is byte for byte the one under examples/."""
        name = spec.name
        shown = DOC.split(f"`examples/trial-package/{name}`:\n\n```csv\n")[1].split("```")[0]
        assert shown == (EXAMPLE / name).read_text(encoding="utf-8")


class TestExample:
    def test_example_is_valid(self) -> None:
        """The shipped example package has no problems."""
        assert validate_package(EXAMPLE) == []


class TestColumnRoles:
    def test_required_columns(self) -> None:
        """Required columns in file order: what the response rules need from assessments.csv."""
        from minihcvd.trialdata.schema import ASSESSMENTS, PATIENTS

        assert PATIENTS.required_columns == (
            "patient_id", "cohort", "start_date", "last_followup_date", "death_date"
        )
        assert ASSESSMENTS.required_columns == (
            "patient_id", "assessment_date", "bm_blasts_pct", "anc_10e9_per_l",
            "platelets_10e9_per_l", "extramedullary_disease",
        )

    def test_non_baseline_columns(self) -> None:
        """Identifiers and outcomes are not baseline; every Table 1 column is."""
        from minihcvd.trialdata.schema import PATIENT_NON_BASELINE_COLUMNS

        assert frozenset({
            "patient_id", "cohort", "start_date", "last_followup_date", "death_date",
            "best_response", "response_date", "relapse_date", "sct_date", "blinatumomab_date",
            "mrd_negative",
        }) == PATIENT_NON_BASELINE_COLUMNS
