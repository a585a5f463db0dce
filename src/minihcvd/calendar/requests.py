"""What a user may ask of a calendar beyond the protocol: course delays and dose adjustments.

Courses are named ``N`` (intensive course N) or ``mN`` (maintenance course N), so
``--delay 3:7`` delays intensive course 3 by a week and ``--adjust vincristine@m2:50%:neuropathy``
halves vincristine in maintenance course 2. An adjustment may last: a list (``3,5,7``), a range in
treatment order (``m1-m39``, ``5-m3``) or an open range to the end of treatment (``m5-``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from minihcvd.errors import CalendarError
from minihcvd.protocol import DRUGS, ROUTES

__all__ = [
    "MAX_DELAY_DAYS",
    "CourseDelay",
    "CourseSpan",
    "DoseAdjustment",
    "course_name",
    "parse_course",
    "parse_course_spans",
]

MAX_DELAY_DAYS = 365
_COURSE = re.compile(r"^(m?)(\d{1,3})$")
_PERCENT = re.compile(r"^(\d{1,3}(?:\.\d{1,2})?)%$")


def parse_course(text: str, *, field: str) -> tuple[str, int]:
    """``"3"`` → ``("intensive", 3)``; ``"m2"`` → ``("maintenance", 2)``."""
    match = _COURSE.match(text.strip())
    if match is None or int(match.group(2)) < 1:
        raise CalendarError(
            f"expected a course like 3 (intensive) or m2 (maintenance), found {text!r}",
            field=field,
        )
    return ("maintenance" if match.group(1) else "intensive", int(match.group(2)))


def course_name(phase: str, number: int) -> str:
    """The short name users type: ``3`` or ``m2``."""
    return f"m{number}" if phase == "maintenance" else str(number)


@dataclass(frozen=True, slots=True)
class CourseDelay:
    """Start ``phase`` course ``course`` (and everything after it) ``days`` later."""

    phase: str
    course: int
    days: int

    @classmethod
    def parse(cls, text: str) -> CourseDelay:
        """``"COURSE:DAYS"``, e.g. ``"3:7"`` or ``"m2:14"``."""
        course_text, sep, days_text = text.partition(":")
        if not sep or not days_text.strip().isdigit():
            raise CalendarError(
                f"expected COURSE:DAYS such as 3:7 or m2:14, found {text!r}", field="delay"
            )
        phase, course = parse_course(course_text, field="delay")
        return cls(phase=phase, course=course, days=int(days_text))

    def __post_init__(self) -> None:
        if not 1 <= self.days <= MAX_DELAY_DAYS:
            raise CalendarError(
                f"expected a delay of 1-{MAX_DELAY_DAYS} days, found {self.days}", field="delay"
            )


@dataclass(frozen=True, slots=True)
class CourseSpan:
    """Courses ``first`` to ``last`` in treatment order (``last`` None: to the end of treatment);
    ``first == last`` for one listed course."""

    first: tuple[str, int]
    last: tuple[str, int] | None

    @property
    def single(self) -> bool:
        return self.first == self.last

    @property
    def text(self) -> str:
        start = course_name(*self.first)
        if self.single:
            return start
        return f"{start}-" if self.last is None else f"{start}-{course_name(*self.last)}"


def parse_course_spans(text: str, *, field: str) -> tuple[CourseSpan, ...]:
    """``"3,5,7"``, ``"m1-m39"``, ``"m5-"`` or ``"1-3,m2"`` → its spans, in the order given."""
    spans: list[CourseSpan] = []
    for part in text.split(","):
        start, dash, end = part.strip().partition("-")
        first = parse_course(start, field=field)
        if not dash:
            spans.append(CourseSpan(first, first))
        elif not end.strip():
            spans.append(CourseSpan(first, None))
        else:
            spans.append(CourseSpan(first, parse_course(end, field=field)))
    return tuple(spans)


@dataclass(frozen=True, slots=True)
class DoseAdjustment:
    """Give ``percent`` % of ``drug``'s dose in one course, or in every course of ``spans``,
    for a stated ``reason``.

    ``phase`` and ``course`` name the (first) course; ``spans`` is empty for one course, else the
    listed courses and ranges (resolved against the protocol by ``build_calendar``).
    """

    drug: str
    phase: str
    course: int
    percent: Decimal
    reason: str
    route: str | None = None
    spans: tuple[CourseSpan, ...] = ()

    @property
    def courses_text(self) -> str:
        """The courses as typed: ``3``, ``3,5,7``, ``m5-``."""
        if not self.spans:
            return course_name(self.phase, self.course)
        return ",".join(span.text for span in self.spans)

    @classmethod
    def parse(cls, text: str) -> DoseAdjustment:
        """``"DRUG[/ROUTE]@COURSES:PERCENT%:REASON"``, e.g. ``"vincristine@2:50%:neuropathy"``,
        ``"mercaptopurine@m1-m39:50%:TPMT"``, ``"vincristine@3,5,7:50%:neuropathy"``,
        ``"vincristine@m5-:50%:neuropathy"`` (from m5 to the end of treatment).

        The route is needed only when a course gives the drug by two routes (methotrexate IV
        and IT in even courses), so a systemic reduction never silently changes an IT dose.
        """
        target, at, rest = text.partition("@")
        drug, slash, route = target.partition("/")
        parts = rest.split(":", 2)
        if not at or len(parts) != 3:
            raise CalendarError(
                "expected DRUG[/ROUTE]@COURSES:PERCENT%:REASON such as"
                f" vincristine@2:50%:neuropathy, found {text!r}",
                field="adjust",
            )
        spans = parse_course_spans(parts[0], field="adjust")
        phase, course = spans[0].first
        percent = _PERCENT.match(parts[1].strip())
        if percent is None:
            raise CalendarError(
                f"expected a percentage such as 50%, found {parts[1]!r}", field="adjust"
            )
        return cls(
            drug=drug.strip().lower(),
            phase=phase,
            course=course,
            percent=Decimal(percent.group(1)),
            reason=parts[2].strip(),
            route=route.strip().upper() if slash else None,
            spans=() if len(spans) == 1 and spans[0].single else spans,
        )

    def __post_init__(self) -> None:
        if self.drug not in DRUGS:
            raise CalendarError(
                f"expected a drug of the regimen ({', '.join(DRUGS)}), found {self.drug!r}",
                field="adjust",
            )
        if not Decimal(0) < self.percent <= Decimal(100):
            raise CalendarError(
                f"expected a percentage above 0% and at most 100%, found {self.percent}%",
                field="adjust",
            )
        if self.route is not None and self.route not in ROUTES:
            raise CalendarError(
                f"expected a route among {', '.join(ROUTES)}, found {self.route!r}", field="adjust"
            )
        if not self.reason:
            raise CalendarError("a dose adjustment needs a reason", field="adjust")
