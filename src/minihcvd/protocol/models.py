"""The protocol data model: what a protocol YAML file may say, checked strictly on load.

Every dose-bearing object carries its ``source``; anything the trial paper (Jabbour et al.,
J Hematol Oncol 2023) does not state is marked ``stated_in_paper: false`` with an
``unstated_detail`` saying what exactly has to be confirmed. The format is described, with a
worked example, in ``docs/protocols.md``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import cached_property
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from minihcvd.protocol.limits import (
    INOTUZUMAB_PAPER_MAX_TOTAL_MG_PER_M2,
    INOTUZUMAB_TOTAL_SOURCE,
    OMMAYA_ROUTE,
    check_limit,
)

__all__ = [
    "DRUGS",
    "ROUTES",
    "Component",
    "CourseGroup",
    "CourseRef",
    "HoldRule",
    "IntrathecalDrug",
    "LowWeightDose",
    "Phase",
    "Protocol",
    "Rounding",
    "SctPlanning",
    "SupportiveCare",
    "TripleIntrathecal",
    "parse_number_spec",
]

Drug = Literal[
    "cyclophosphamide",
    "dexamethasone",
    "vincristine",
    "methotrexate",
    "cytarabine",
    "inotuzumab ozogamicin",
    "blinatumomab",
    "rituximab",
    "prednisone",
    "mercaptopurine",
    "pegfilgrastim",
    "ursodiol",
    "hydrocortisone",
]
DRUGS: tuple[str, ...] = get_args(Drug)
Route = Literal["IV", "IT", "PO", "SC"]
ROUTES: tuple[str, ...] = get_args(Route)
PhaseName = Literal["intensive", "maintenance"]
DoseUnit = Literal["mg", "mg/m2", "mcg/day", "mcg/m2/day"]
Condition = Literal["always", "cd20_positive", "cns_prophylaxis"]
NonEmpty = Annotated[str, Field(min_length=1)]


#: The largest day or course number a list may hold (the longest course is 42 days, the
#: regimen has fewer than 50 courses): a typo such as "1-99999999" is refused before any list
#: of 10^8 numbers is made (it took 31 s and 10 GB).
MAX_SPEC_NUMBER = 1000


def parse_number_spec(spec: object) -> tuple[int, ...]:
    """``"1-4,11-14"`` → ``(1, 2, 3, 4, 11, 12, 13, 14)``: lists read like the paper's.

    An integer or a list of integers (e.g. a dumped model) is accepted as it is.
    """
    if isinstance(spec, tuple | list) and all(
        isinstance(n, int) and not isinstance(n, bool) for n in spec
    ):
        numbers = list(spec)
    elif isinstance(spec, str | int) and not isinstance(spec, bool):
        numbers = _expand(str(spec))
    else:
        raise ValueError(f"expected numbers like '1-3,8', found {spec!r}")
    if numbers and max(numbers) > MAX_SPEC_NUMBER:
        raise ValueError(f"expected numbers up to {MAX_SPEC_NUMBER}, found {spec!r}")
    if not numbers or min(numbers) < 1:
        raise ValueError(f"expected numbers from 1 up, found {spec!r}")
    if len(set(numbers)) != len(numbers):
        raise ValueError(f"a number is listed twice in {spec!r}")
    return tuple(sorted(numbers))


def _expand(spec: str) -> list[int]:
    numbers: list[int] = []
    for part in spec.replace(" ", "").split(","):
        low, sep, high = part.partition("-")
        if not low.isdigit() or (sep and not high.isdigit()):
            raise ValueError(f"expected numbers like '1-3,8', found {spec!r}")
        first, last = int(low), int(high) if sep else int(low)
        if last < first:
            raise ValueError(f"ranges must run upward, found {part!r}")
        if last > MAX_SPEC_NUMBER:
            raise ValueError(f"expected numbers up to {MAX_SPEC_NUMBER}, found {spec!r}")
        numbers.extend(range(first, last + 1))
    return numbers


NumberSpec = Annotated[tuple[int, ...], BeforeValidator(parse_number_spec)]


def _list_as_tuple(value: object) -> object:
    """YAML gives lists; the models keep immutable tuples (strict mode accepts only tuples)."""
    return tuple(value) if isinstance(value, list) else value


YamlList = BeforeValidator(_list_as_tuple)


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class _Sourced(_Strict):
    """Provenance shared by everything that states a dose or a schedule.

    ``deviation`` says how a site's variant departs from a value the paper states (set by the
    loader for a ``component_overrides`` change of a stated value; see docs/protocols.md).
    ``interpretation`` says how a stated but ambiguous passage of the paper was read (the dose is
    the paper's; which courses it covers, say, is a reading to confirm).
    """

    source: NonEmpty
    stated_in_paper: bool = True
    unstated_detail: str | None = None
    deviation: Annotated[str, Field(min_length=1)] | None = None
    interpretation: Annotated[str, Field(min_length=1)] | None = None

    @model_validator(mode="after")
    def _unstated_needs_detail(self) -> _Sourced:
        if not self.stated_in_paper and not (self.unstated_detail or self.deviation):
            raise ValueError("stated_in_paper is false: unstated_detail must say what to confirm")
        if self.stated_in_paper and self.unstated_detail:
            raise ValueError("unstated_detail is only allowed with stated_in_paper: false")
        if self.stated_in_paper and self.deviation:
            raise ValueError("a deviation from the paper needs stated_in_paper: false")
        return self


class LowWeightDose(_Sourced):
    """A label's BSA-based dose for light patients (blinatumomab under 45 kg).

    ``days``, when given, replaces the component's days for these patients (the label's own
    schedule: blinatumomab steps up on day 8, the trial on day 5).
    """

    below_weight_kg: Annotated[float, Field(gt=0)]
    dose: Annotated[float, Field(gt=0)]
    unit: Literal["mg/m2", "mcg/m2/day"]
    max_dose: Annotated[float, Field(gt=0)] | None = None
    days: NumberSpec | None = None


class Rounding(_Strict):
    """How a site gives a BSA-based dose: to an increment (``increment``, e.g. 10 mg) or in
    tablets (``tablet_strengths``, e.g. 2.5 mg methotrexate). Institutional practice, not the
    paper: every rounded dose says so and shows the exact calculation beside the dose given."""

    increment: Annotated[float, Field(gt=0)] | None = None
    tablet_strengths: Annotated[tuple[Annotated[float, Field(gt=0)], ...], YamlList] = ()
    source: NonEmpty = "institutional practice (not in the trial paper)"

    @model_validator(mode="after")
    def _one_way(self) -> Rounding:
        if (self.increment is None) == (not self.tablet_strengths):
            raise ValueError("give either increment or tablet_strengths")
        if self.tablet_strengths:
            smallest = Decimal(repr(min(self.tablet_strengths)))
            if any(Decimal(repr(s)) % smallest for s in self.tablet_strengths):
                raise ValueError("every tablet strength must be a multiple of the smallest")
        return self

    @property
    def step(self) -> Decimal:
        """The amount doses are rounded to a multiple of."""
        if self.increment is not None:
            return Decimal(repr(self.increment))
        return Decimal(repr(min(self.tablet_strengths)))

    @property
    def practice(self) -> str:
        """``nearest 10 mg`` or ``tablets of 2.5 mg``."""
        step = format(self.step.normalize(), "f")
        if self.increment is not None:
            return f"nearest {step} mg"
        strengths = ", ".join(format(Decimal(repr(s)).normalize(), "f")
                              for s in sorted(self.tablet_strengths))
        return f"tablets of {strengths} mg (nearest {step} mg)"


class Component(_Sourced):
    """One drug given on the same days of one or more courses of a phase."""

    id: NonEmpty
    drug: Drug
    route: Route
    phase: PhaseName
    courses: NumberSpec
    days: NumberSpec
    dose: Annotated[float, Field(gt=0)]
    unit: DoseUnit
    doses_per_day: Annotated[int, Field(ge=1, le=6)] = 1
    max_dose: Annotated[float, Field(gt=0)] | None = None
    dose_via_ommaya: Annotated[float, Field(gt=0)] | None = None
    condition: Condition = "always"
    from_date: dt.date | None = None
    day_window: str | None = None
    note: str | None = None
    low_weight: LowWeightDose | None = None
    rounding: Rounding | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Component:
        if self.rounding is not None and self.unit != "mg/m2":
            raise ValueError("rounding is for doses in mg/m2 only: a flat dose is never rounded")
        if self.dose_via_ommaya is not None and self.route != "IT":
            raise ValueError("dose_via_ommaya is only for intrathecal (IT) doses")
        if self.dose_via_ommaya is not None and self.unit != "mg":
            raise ValueError("dose_via_ommaya needs a flat dose in mg (unit mg)")
        if self.low_weight is not None and self.unit != "mcg/day":
            raise ValueError("low_weight is only for flat continuous infusions (unit mcg/day)")
        if self.low_weight is not None and self.low_weight.unit != "mcg/m2/day":
            # an mg/m2 label dose would be written out in mg for an infusion dosed in mcg/day
            raise ValueError("low_weight.unit must be mcg/m2/day for an infusion in mcg/day")
        _within_limits(self.drug, self.route, self.dose, self.unit, self.dose_via_ommaya)
        if self.low_weight is not None:
            problem = check_limit(
                self.drug, self.route, _decimal(self.low_weight.dose), self.low_weight.unit,
                low_weight=True,
            )
            if problem is not None:
                raise ValueError(f"low_weight: {problem}")
        return self


def _decimal(value: float) -> Decimal:
    return Decimal(repr(value))


def _within_limits(
    drug: str, route: str, dose: float, unit: str, dose_via_ommaya: float | None
) -> None:
    """Refuse a dose above the hard limit of its drug and route (``protocol.limits``)."""
    problem = check_limit(drug, route, _decimal(dose), unit)
    if problem is None and dose_via_ommaya is not None:
        problem = check_limit(drug, OMMAYA_ROUTE, _decimal(dose_via_ommaya), unit)
    if problem is not None:
        raise ValueError(problem)


class CourseGroup(_Sourced):
    """``count`` consecutive courses of the same kind and length."""

    label: NonEmpty
    length_days: Annotated[int, Field(ge=1, le=366)]
    count: Annotated[int, Field(ge=1, le=100)] = 1


class Phase(_Strict):
    name: PhaseName
    courses: Annotated[tuple[CourseGroup, ...], YamlList, Field(min_length=1)]


class CourseRef(_Strict):
    """One course of the expanded plan, in treatment order."""

    phase: PhaseName
    number: int
    group: CourseGroup


class IntrathecalDrug(_Strict):
    drug: Drug
    dose: Annotated[float, Field(gt=0)]
    dose_via_ommaya: Annotated[float, Field(gt=0)] | None = None

    @model_validator(mode="after")
    def _within_limits(self) -> IntrathecalDrug:
        _within_limits(self.drug, "IT", self.dose, "mg", self.dose_via_ommaya)
        return self


class TripleIntrathecal(_Sourced):
    """Triple IT for active CNS disease: twice weekly until the CSF clears, then weekly.

    The drugs and doses are the paper's (``source``, ``stated_in_paper``); ``schedule_assumption``
    says what of the schedule the paper leaves open (how many doses until the CSF clears, the
    first day), marked on every triple IT dose without marking the doses themselves.
    """

    drugs: Annotated[tuple[IntrathecalDrug, ...], YamlList, Field(min_length=1)]
    course: Annotated[int, Field(ge=1)] = 1
    start_day: Annotated[int, Field(ge=1)]
    assumed_doses_until_clear: Annotated[int, Field(ge=1, le=12)]
    weekly_doses_after_clear: Annotated[int, Field(ge=0, le=12)]
    replaces_prophylaxis: bool
    schedule_assumption: NonEmpty


class SupportiveCare(_Sourced):
    """Supportive care the paper prescribes without doses (tumour lysis, antimicrobial
    prophylaxis): a note on each of its courses, not an administration."""

    id: NonEmpty
    text: NonEmpty
    phase: PhaseName
    courses: NumberSpec


class HoldRule(_Sourced):
    """A drug to withhold around another drug's doses (azoles around vincristine)."""

    hold: NonEmpty
    around_drug: Drug
    days_before: Annotated[int, Field(ge=0, le=14)]
    days_after: Annotated[int, Field(ge=0, le=14)]


class SctPlanning(_Strict):
    """The trial's observed median interval from the last inotuzumab dose to allogeneic SCT.

    An observation of the trial (its Results), not a rule of the protocol: the paper leaves SCT
    to the treating physician. ``observed_in`` names the patients it was observed in.
    """

    observed_median_weeks_after_last_inotuzumab: Annotated[int, Field(ge=1, le=52)]
    observed_in: NonEmpty
    source: NonEmpty


class Protocol(_Strict):
    """A validated protocol version (one YAML file in ``minihcvd/protocol/data``)."""

    schema_version: Literal[1]
    name: NonEmpty
    title: NonEmpty
    source: NonEmpty
    cd20_threshold_pct: Annotated[float, Field(ge=0, le=100)]
    inotuzumab_planned_total_mg_per_m2: Annotated[float, Field(gt=0)]
    phases: Annotated[tuple[Phase, ...], YamlList, Field(min_length=1)]
    components: Annotated[tuple[Component, ...], YamlList, Field(min_length=1, max_length=999)]
    cns_disease_therapy: TripleIntrathecal
    holds: Annotated[tuple[HoldRule, ...], YamlList] = ()
    supportive_care: Annotated[tuple[SupportiveCare, ...], YamlList] = ()
    sct_planning: SctPlanning

    @cached_property
    def courses(self) -> tuple[CourseRef, ...]:
        """Every course in treatment order, numbered from 1 within its phase."""
        refs: list[CourseRef] = []
        for phase in self.phases:
            number = 0
            for group in phase.courses:
                for _ in range(group.count):
                    number += 1
                    refs.append(CourseRef(phase=phase.name, number=number, group=group))
        return tuple(refs)

    def course(self, phase: str, number: int) -> CourseRef | None:
        """The course ``number`` of ``phase``, or None when the protocol has no such course."""
        for ref in self.courses:
            if ref.phase == phase and ref.number == number:
                return ref
        return None

    @model_validator(mode="after")
    def _consistent(self) -> Protocol:
        names = [phase.name for phase in self.phases]
        if len(set(names)) != len(names):
            raise ValueError("a phase is listed twice")
        ids = [component.id for component in self.components]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"component ids must be unique, found {', '.join(duplicates)} twice")
        for component in self.components:
            self._check_component_fits(component)
        for care in self.supportive_care:
            missing = [n for n in care.courses if self.course(care.phase, n) is None]
            if missing:
                raise ValueError(
                    f"supportive_care {care.id}: the {care.phase} phase has no course {missing[0]}"
                )
        cns = self.cns_disease_therapy
        if self.course("intensive", cns.course) is None:
            raise ValueError(f"cns_disease_therapy.course {cns.course} is not an intensive course")
        planned = sum(
            component.dose * len(component.courses) * len(component.days) * component.doses_per_day
            for component in self.components
            if component.drug == "inotuzumab ozogamicin"
        )
        if _decimal(self.inotuzumab_planned_total_mg_per_m2) > INOTUZUMAB_PAPER_MAX_TOTAL_MG_PER_M2:
            raise ValueError(
                f"inotuzumab_planned_total_mg_per_m2 {self.inotuzumab_planned_total_mg_per_m2:g}"
                f" is above the hard limit of {INOTUZUMAB_PAPER_MAX_TOTAL_MG_PER_M2} mg/m2"
                f" ({INOTUZUMAB_TOTAL_SOURCE}); no protocol file can raise it"
            )
        if abs(planned - self.inotuzumab_planned_total_mg_per_m2) > 1e-9:
            raise ValueError(
                f"inotuzumab_planned_total_mg_per_m2 is {self.inotuzumab_planned_total_mg_per_m2}"
                f" but the inotuzumab components add up to {planned:g} mg/m2"
            )
        return self

    def _check_component_fits(self, component: Component) -> None:
        for number in component.courses:
            ref = self.course(component.phase, number)
            if ref is None:
                raise ValueError(
                    f"component {component.id}: the {component.phase} phase has no course {number}"
                )
            low = component.low_weight
            if low is not None and low.days is not None and low.days[-1] > ref.group.length_days:
                raise ValueError(
                    f"component {component.id}: low_weight day {low.days[-1]} is beyond the"
                    f" {ref.group.length_days} days of {component.phase} course {number}"
                )
            if component.days[-1] > ref.group.length_days:
                raise ValueError(
                    f"component {component.id}: day {component.days[-1]} is beyond the"
                    f" {ref.group.length_days} days of {component.phase} course {number}"
                )
        if component.drug == "inotuzumab ozogamicin" and component.unit != "mg/m2":
            raise ValueError(f"component {component.id}: inotuzumab must be dosed in mg/m2")
