"""The project's exceptions, one hierarchy so the CLI can catch exactly ours at its edge.

::

    MinihcvdError                 base; exit code 2 (bad input) unless a subclass says otherwise
    ├── ProtocolError             a protocol file is missing, malformed or inconsistent
    ├── DosingError               a dose cannot be computed safely (bad body size, cap exceeded)
    ├── CalendarError             a schedule request is inconsistent (delay, adjustment)
    ├── ClinicalRuleError         a clinical rule got impossible input
    ├── TrialDataError            a trial data package is unreadable or invalid
    │   └── ValidationFailed      validation found problems (carries them all)
    ├── DerivationError           an ADaM derivation's preconditions do not hold
    ├── AnalysisError             a statistical analysis cannot be run on the given data
    ├── CohortError               the virtual cohort cannot be generated as asked
    ├── MonitoringError           a monitoring design or its inputs are invalid
    └── ReportError               a report cannot be rendered

Context is keyword-only: ``file``, ``row`` (1-based data row, header excluded), ``field``. The
message says what was expected, what was found and, where it helps, what to do.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "AnalysisError",
    "CalendarError",
    "ClinicalRuleError",
    "CohortError",
    "DerivationError",
    "DosingError",
    "MinihcvdError",
    "MonitoringError",
    "ProtocolError",
    "ReportError",
    "TrialDataError",
    "ValidationFailed",
]


class MinihcvdError(Exception):
    """Base of every error this project raises on purpose."""

    exit_code: int = 2

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.row = row
        self.field = field
        super().__init__(self.one_line())

    def location(self) -> str:
        """Where the problem is, e.g. ``patients.csv, row 3, field 'start_date'``."""
        parts: list[str] = []
        if self.file is not None:
            parts.append(self.file)
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.field is not None:
            parts.append(f"field '{self.field}'")
        return ", ".join(parts)

    def one_line(self) -> str:
        """The message as the CLI prints it: location first, then what is wrong, on one line."""
        where = self.location()
        text = " ".join(self.message.split())
        return f"{where}: {text}" if where else text


class ProtocolError(MinihcvdError):
    """A protocol definition is unknown, unreadable or fails validation."""


class DosingError(MinihcvdError):
    """A dose cannot be computed safely from the inputs given."""


class CalendarError(MinihcvdError):
    """A treatment calendar request is inconsistent with the protocol."""


class ClinicalRuleError(MinihcvdError):
    """A clinical rule received input it cannot judge (e.g. a negative blast percentage)."""


class TrialDataError(MinihcvdError):
    """A trial data package cannot be read or written."""


class ValidationFailed(TrialDataError):
    """Validation of a trial data package found one or more problems.

    ``problems`` holds every finding as its own :class:`TrialDataError`, so callers can list them
    all; the message is the first one plus a count.
    """

    def __init__(self, problems: list[TrialDataError]) -> None:
        if not problems:
            raise ValueError("ValidationFailed needs at least one problem")
        self.problems = list(problems)
        first = problems[0]
        more = len(problems) - 1
        suffix = f" (and {more} more problem{'s' if more != 1 else ''})" if more else ""
        super().__init__(
            first.message + suffix, file=first.file, row=first.row, field=first.field
        )


class DerivationError(MinihcvdError):
    """An ADaM derivation's preconditions do not hold (missing column, bad option)."""


class AnalysisError(MinihcvdError):
    """A statistical analysis cannot be run on the data given."""


class CohortError(MinihcvdError):
    """The virtual cohort cannot be generated as requested."""


class MonitoringError(MinihcvdError):
    """A monitoring design, its prior or its data are invalid."""


class ReportError(MinihcvdError):
    """A report cannot be rendered or written."""
