"""The columns of each file of a trial data package: their kind, codes and ranges.

This table is the single description the reader, the writer, the validator and
docs/data-format.md share. Kinds: ``id`` (non-empty text), ``text``, ``code`` (one of ``codes``),
``date`` (``YYYY-MM-DD``), ``bool`` (``true``/``false``), ``int`` and ``float`` (with optional
``minimum``/``maximum``). Empty cells are missing values unless the column is ``required_value``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

from minihcvd.clinical.adverse_events import CTCAE_VERSIONS
from minihcvd.clinical.response import PATIENT_RESPONSE_CODES
from minihcvd.clinical.risk import KARYOTYPE_CODES, SALVAGE_CODES

__all__ = [
    "ADMINISTRATIONS",
    "ADVERSE_EVENTS",
    "ASSESSMENTS",
    "COHORT_CODES",
    "FILES",
    "PATIENTS",
    "PATIENT_NON_BASELINE_COLUMNS",
    "ColumnSpec",
    "FileSpec",
]

Kind = Literal["id", "text", "code", "date", "bool", "int", "float"]
COHORT_CODES: Final = ("original", "amended")


@dataclass(frozen=True)
class ColumnSpec:
    """One column: its kind, whether the column and a value are required, allowed values."""

    name: str
    kind: Kind
    description: str
    required: bool = False
    required_value: bool = False
    codes: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class FileSpec:
    """One CSV file of the package."""

    name: str
    required: bool
    description: str
    columns: tuple[ColumnSpec, ...] = field(default_factory=tuple)

    def column(self, name: str) -> ColumnSpec | None:
        """The spec of ``name``, or None for an extra column."""
        return next((c for c in self.columns if c.name == name), None)

    @property
    def required_columns(self) -> tuple[str, ...]:
        """Names of the columns the file must have (in file order)."""
        return tuple(c.name for c in self.columns if c.required)


def _req(
    name: str,
    kind: Kind,
    description: str,
    *,
    codes: tuple[str, ...] = (),
    minimum: float | None = None,
    maximum: float | None = None,
) -> ColumnSpec:
    """A column that must be present and filled in every row."""
    return ColumnSpec(
        name, kind, description, True, True, codes=codes, minimum=minimum, maximum=maximum
    )


def _pct(name: str, description: str) -> ColumnSpec:
    return ColumnSpec(name, "float", description, minimum=0.0, maximum=100.0)


_PATIENT_KEYS_AND_OUTCOMES: Final = (
    _req("patient_id", "id", "unique patient identifier (USUBJID)"),
    _req("cohort", "code", "protocol version", codes=COHORT_CODES),
    _req("start_date", "date", "first day of treatment (day 1)"),
    _req("last_followup_date", "date", "last date known alive, or the death date"),
    ColumnSpec("death_date", "date", "date of death; empty if alive", required=True),
    ColumnSpec("best_response", "code", "best overall response", codes=PATIENT_RESPONSE_CODES),
    ColumnSpec("response_date", "date", "date of first response (CR/CRp/CRi)"),
    ColumnSpec("relapse_date", "date", "date of relapse after the response"),
    ColumnSpec("sct_date", "date", "allogeneic stem cell transplantation"),
    ColumnSpec("blinatumomab_date", "date", "first blinatumomab dose"),
    ColumnSpec("mrd_negative", "bool", "MRD negative by flow (1e-4) at any time"),
)
_PATIENT_BASELINE: Final = (
    ColumnSpec("age", "float", "age at start, years", minimum=0.0, maximum=120.0),
    ColumnSpec("sex", "code", "sex", codes=("M", "F")),
    ColumnSpec("ecog", "int", "ECOG performance status", minimum=0, maximum=4),
    ColumnSpec("wbc", "float", "white blood cells, 10^9/L", minimum=0.0),
    _pct("pb_blasts_pct", "peripheral blood blasts, %"),
    _pct("bm_blasts_pct", "bone marrow blasts, %"),
    ColumnSpec("karyotype", "code", "karyotype category (Table 1)", codes=KARYOTYPE_CODES),
    ColumnSpec("high_risk_cytogenetics", "bool", "Ho-Tr or KMT2A rearrangement"),
    ColumnSpec("ph_like", "bool", "Ph-like by RNA sequencing"),
    ColumnSpec("crlf2", "bool", "CRLF2 overexpression"),
    ColumnSpec("tp53_mutated", "bool", "TP53 mutation"),
    ColumnSpec("cns_disease", "bool", "CNS disease at start"),
    _pct("cd19_pct", "CD19 expression, % of blasts"),
    _pct("cd20_pct", "CD20 expression, % of blasts"),
    _pct("cd22_pct", "CD22 expression, % of blasts"),
    ColumnSpec("prior_sct", "bool", "prior allogeneic SCT"),
    ColumnSpec("salvage", "code", "salvage status", codes=SALVAGE_CODES),
    ColumnSpec("first_remission_months", "float", "first CR duration", minimum=0.0),
    ColumnSpec("primary_refractory", "bool", "never in remission before"),
)

PATIENTS: Final = FileSpec(
    "patients.csv",
    required=True,
    description="one row per patient",
    columns=(*_PATIENT_KEYS_AND_OUTCOMES, *_PATIENT_BASELINE),
)

ASSESSMENTS: Final = FileSpec(
    "assessments.csv",
    required=False,
    description="one row per bone marrow assessment",
    columns=(
        _req("patient_id", "id", "patient"),
        _req("assessment_date", "date", "date of the marrow assessment"),
        ColumnSpec("bm_blasts_pct", "float", "marrow blasts, %", True, minimum=0.0, maximum=100.0),
        ColumnSpec("anc_10e9_per_l", "float", "neutrophils, 10^9/L", True, minimum=0.0),
        ColumnSpec("platelets_10e9_per_l", "float", "platelets, 10^9/L", True, minimum=0.0),
        ColumnSpec("extramedullary_disease", "bool", "extramedullary disease present", True),
        ColumnSpec("blasts_due_to_recovery", "bool", "blasts explained by regeneration"),
        ColumnSpec("mrd_flow_level", "float", "flow MRD fraction", minimum=0.0, maximum=1.0),
        ColumnSpec("mrd_ngs_level", "float", "NGS MRD fraction", minimum=0.0, maximum=1.0),
    ),
)

ADVERSE_EVENTS: Final = FileSpec(
    "adverse_events.csv",
    required=False,
    description="one row per adverse event",
    columns=(
        _req("patient_id", "id", "patient"),
        _req("term", "text", "adverse event term"),
        _req("onset_date", "date", "onset date"),
        _req("grade", "int", "CTCAE grade", minimum=1, maximum=5),
        _req("ctcae_version", "code", "CTCAE version", codes=CTCAE_VERSIONS),
        ColumnSpec("hematologic", "bool", "haematological event", True),
        ColumnSpec("treatment_related", "bool", "related to study treatment", True),
    ),
)

ADMINISTRATIONS: Final = FileSpec(
    "administrations.csv",
    required=False,
    description="one row per dose given (the schedule JSON fields)",
    columns=(
        _req("patient_id", "id", "patient"),
        _req("date", "date", "date given"),
        ColumnSpec("phase", "text", "treatment phase", True),
        ColumnSpec("course", "int", "course number", True, minimum=1),
        ColumnSpec("day", "int", "day within the course", True),
        _req("drug", "text", "drug name"),
        ColumnSpec("route", "text", "route", True),
        ColumnSpec("dose", "float", "dose given", True, minimum=0.0),
        ColumnSpec("unit", "text", "dose unit", True),
        ColumnSpec("doses_per_day", "int", "doses per day", True, minimum=1),
    ),
)

FILES: Final = (PATIENTS, ASSESSMENTS, ADVERSE_EVENTS, ADMINISTRATIONS)

#: patients.csv columns that identify the patient or record outcomes: every other column
#: (Table 1's and any extra one) is a baseline characteristic.
PATIENT_NON_BASELINE_COLUMNS: Final = frozenset(c.name for c in _PATIENT_KEYS_AND_OUTCOMES)
