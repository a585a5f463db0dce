"""What a user may ask of a calendar beyond the protocol: course delays and dose adjustments.

Courses are named ``N`` (intensive course N) or ``mN`` (maintenance course N), so
``--delay 3:7`` delays intensive course 3 by a week and ``--adjust vincristine@m2:50%:neuropathy``
halves vincristine in maintenance course 2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from minihcvd.errors import CalendarError
from minihcvd.protocol import DRUGS, ROUTES

__all__ = ["MAX_DELAY_DAYS", "CourseDelay", "DoseAdjustment", "course_name", "parse_course"]

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
class DoseAdjustment:
    """Give ``percent`` % of ``drug``'s dose in one course, for a stated ``reason``."""

    drug: str
    phase: str
    course: int
    percent: Decimal
    reason: str
    route: str | None = None

    @classmethod
    def parse(cls, text: str) -> DoseAdjustment:
        """``"DRUG[/ROUTE]@COURSE:PERCENT%:REASON"``, e.g. ``"vincristine@2:50%:neuropathy"``.

        The route is needed only when the course gives the drug by two routes (methotrexate IV
        and IT in even courses), so a systemic reduction never silently changes an IT dose.
        """
        target, at, rest = text.partition("@")
        drug, slash, route = target.partition("/")
        parts = rest.split(":", 2)
        if not at or len(parts) != 3:
            raise CalendarError(
                "expected DRUG[/ROUTE]@COURSE:PERCENT%:REASON such as"
                f" vincristine@2:50%:neuropathy, found {text!r}",
                field="adjust",
            )
        phase, course = parse_course(parts[0], field="adjust")
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
