"""The paper's published numbers, read from ``data/published_targets.yaml``.

The generator takes its exact-by-construction counts from here and the reproduction check
compares every entry with the generated cohorts, so each number lives in one place, next to
where the paper reports it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any, Final, Literal

import yaml

from minihcvd.errors import CohortError

__all__ = [
    "GROUPS",
    "KINDS",
    "PUBLISHED_COHORT_SIZES",
    "PublishedTarget",
    "Table3Row",
    "published_targets",
    "published_value",
    "scaled_count",
    "table3_rows",
]

GROUPS: Final = ("overall", "original", "amended")
KINDS: Final = ("exact", "calibrated", "modelled", "unmodelled")
_FILE: Final = "published_targets.yaml"
#: Patients per protocol version (Methods: the amendment started with patient #68).
PUBLISHED_COHORT_SIZES: Final = {"original": 67, "amended": 43}

Group = Literal["overall", "original", "amended"]


@dataclass(frozen=True)
class PublishedTarget:
    """One published number for one group (overall or a protocol cohort)."""

    id: str
    group: str
    label: str
    value: float
    unit: str
    place: str
    kind: str
    measure: str
    ci: tuple[float, float] | None = None
    note: str | None = None

    @property
    def scale(self) -> float:
        """Factor from the measured value to the published unit (survival fractions to %)."""
        return 100.0 if self.unit == "%" and self.measure.endswith(".estimate") else 1.0

    @property
    def decimals(self) -> int:
        """Decimal places the paper prints this number with."""
        text = repr(self.value).rstrip("0").rstrip(".")
        return len(text.split(".")[1]) if "." in text else 0

    @property
    def key(self) -> str:
        """Unique name, e.g. ``os_3y/amended``."""
        return f"{self.id}/{self.group}"


@dataclass(frozen=True)
class Table3Row:
    """A Table 3 term with its numbers of patients at grade 3, 4 and 5."""

    term: str
    grade3: int
    grade4: int
    grade5: int


@functools.cache
def _document() -> dict[str, Any]:
    text = resources.files("minihcvd.cohort").joinpath("data", _FILE).read_text("utf-8")
    loaded = yaml.safe_load(text)
    if not isinstance(loaded, dict) or "targets" not in loaded or "table3" not in loaded:
        raise CohortError("expected 'targets' and 'table3' sections", file=_FILE)
    return loaded


def _slug(term: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", term.lower()).strip("_")


@functools.cache
def table3_rows() -> tuple[Table3Row, ...]:
    """Table 3 of the paper, row by row."""
    rows = _document()["table3"]["rows"]
    return tuple(Table3Row(r["term"], *(int(g) for g in r["grades"])) for r in rows)


def _entry_targets(entry: dict[str, Any]) -> list[PublishedTarget]:
    if entry.get("kind") not in KINDS:
        raise CohortError(
            f"kind must be one of {KINDS}, found {entry.get('kind')!r}",
            file=_FILE,
            field=str(entry.get("id")),
        )
    targets = []
    for group, value in entry["values"].items():
        if group not in GROUPS:
            raise CohortError(
                f"group must be one of {GROUPS}, found {group!r}",
                file=_FILE,
                field=str(entry["id"]),
            )
        ci = entry.get("ci", {}).get(group)
        measure = entry["measure"]
        measure = measure[group] if isinstance(measure, dict) else measure
        where = "overall" if group == "overall" else f"by_group.{group}"
        measure = measure.replace("{group}", group).replace("{g}", where)
        targets.append(
            PublishedTarget(
                id=entry["id"],
                group=group,
                label=entry["label"],
                value=float(value),
                unit=entry["unit"],
                place=entry["place"],
                kind=entry["kind"],
                measure=measure,
                ci=(float(ci[0]), float(ci[1])) if ci else None,
                note=" ".join(entry["note"].split()) if entry.get("note") else None,
            )
        )
    return targets


@functools.cache
def published_targets() -> tuple[PublishedTarget, ...]:
    """Every published number, one per group, in the paper's order (Tables 1–2, survival, …)."""
    targets = [t for entry in _document()["targets"] for t in _entry_targets(entry)]
    place = _document()["table3"]["place"]
    for row in table3_rows():
        for grade, count in zip((3, 4, 5), (row.grade3, row.grade4, row.grade5), strict=True):
            targets.append(
                PublishedTarget(
                    id=f"ae_{_slug(row.term)}_grade{grade}",
                    group="overall",
                    label=f"{row.term}, grade {grade}",
                    value=float(count),
                    unit="patients",
                    place=place,
                    kind="exact",
                    measure=f"results:adverse_events.rows[term={row.term}].grade_{grade}.count",
                )
            )
    keys = [t.key for t in targets]
    if len(set(keys)) != len(keys):
        raise CohortError("target ids must be unique per group", file=_FILE)
    return tuple(targets)


def published_value(target_id: str, group: str = "overall") -> float:
    """The published value of ``target_id`` for ``group``; a :class:`CohortError` if absent."""
    for target in published_targets():
        if target.id == target_id and target.group == group:
            return target.value
    raise CohortError(f"no published target {target_id!r} for group {group!r}", file=_FILE)


def scaled_count(target_id: str, cohort: str, n: int) -> int:
    """Published count of ``target_id`` in ``cohort``, scaled to a cohort of ``n`` patients."""
    count = published_value(target_id, cohort)
    return min(n, round(count * n / PUBLISHED_COHORT_SIZES[cohort]))
