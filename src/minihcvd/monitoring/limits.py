"""Upper bounds on the monitoring layer's sizes, and memory estimated before allocating.

Every size a user types (trials, patients, seeds, scenarios, prior strengths) has a documented
upper bound (docs/monitoring.md) far beyond any real design but below what a typo reaches
(``--trials 1000000000``, ``--max-patients 100000000``): past it, one line names the option and
the bound. What a run will hold in memory is estimated from its shape before anything is
allocated and compared with the memory the machine has available.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from minihcvd.errors import MonitoringError

__all__ = [
    "MAX_ACCRUAL_PER_MONTH",
    "MAX_CALIBRATION_TRIALS",
    "MAX_DEATHS",
    "MAX_DESIGN_FILE_BYTES",
    "MAX_EXPOSURE_MONTHS",
    "MAX_MONTHS",
    "MAX_PATIENTS",
    "MAX_PRIOR_SCALE",
    "MAX_PRIOR_SHAPE",
    "MAX_QUADRATURE_NODES",
    "MAX_SCENARIOS",
    "MAX_SEED",
    "MAX_TRIALS",
    "MIN_ACCRUAL_PER_MONTH",
    "MIN_PRIOR_SHAPE",
    "available_memory_bytes",
    "check_memory",
    "check_positive",
    "check_whole",
]

#: Simulated trials per scenario (``monitor simulate --trials``).
MAX_TRIALS = 10_000_000
#: Simulated trials per scenario when calibrating p_L (``monitor design --calibration-trials``):
#: calibration keeps every look of every trial in memory to reuse it for each candidate p_L
#: (ten times the default of 20,000; about 2.8 GB for 110 patients).
MAX_CALIBRATION_TRIALS = 200_000
#: Planned accrual of a design (``--max-patients``, ``--min-patients``).
MAX_PATIENTS = 10_000
#: Scenarios of one grid (designs x true medians x accrual rates).
MAX_SCENARIOS = 10_000
#: Seeds: NumPy's ``SeedSequence`` takes any whole number >= 0; 64 bits is plenty.
MAX_SEED = 2**64 - 1
#: Prior strength: a shape counts deaths (a prior worth more than a million is a typo).
MAX_PRIOR_SHAPE = 1e6
#: Below this a prior's mass sits so close to 0 that the quadrature's range (its central
#: 1 - 2e-17 in log space) leaves the float range: a shape of 1e-300 was a ValueError.
MIN_PRIOR_SHAPE = 0.01
#: Nodes of one quadrature grid (a margin delta > 0): about 34 MB an array. A small standard
#: shape spreads the prior over a long range in log space and many deaths need a fine step
#: there; a_S = 0.001 with a_E = 1e6 asked for 2^29 nodes and was killed for its memory.
MAX_QUADRATURE_NODES = 2**22 + 1
#: Prior scale counts patient-months (a million deaths of 1,000 months' mean survival).
MAX_PRIOR_SCALE = 1e9
#: Deaths and follow-up a posterior accepts (``monitor posterior``).
MAX_DEATHS = 10_000_000
MAX_EXPOSURE_MONTHS = 1e12
#: Medians, improvements, margins and follow-up of a design or scenario (833 years).
MAX_MONTHS = 10_000.0
#: Accrual rates: from one patient in 83 years to 10,000 a month.
MIN_ACCRUAL_PER_MONTH = 0.001
MAX_ACCRUAL_PER_MONTH = 10_000.0
#: A design file is a few hundred bytes; anything past this is not one (refused unread).
MAX_DESIGN_FILE_BYTES = 64 * 1024


def check_whole(value: object, name: str, low: int, high: int, *, option: str | None = None) -> int:
    """``value`` as an int in ``[low, high]``, or one line naming ``name`` and the range."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise MonitoringError(
            f"{option or name} must be a whole number from {low:,} to {high:,}, found {value!r}",
            field=name,
        )
    return int(value)


def check_positive(value: object, name: str, high: float, *, low: float = 0.0,
                   option: str | None = None) -> float:
    """``value`` as a float in ``(0, high]`` (``[low, high]`` if ``low`` > 0), else one line."""
    number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
    if number is None or not (math.isfinite(number) and number <= high
                              and (number > 0 if low == 0 else number >= low)):
        lower = f"> {low:g}" if low == 0 else f"at least {low:g}"
        raise MonitoringError(f"{option or name} must be a number {lower} and at most {high:g}, "
                              f"found {value!r}", field=name)
    return float(number)


def available_memory_bytes() -> int:
    """Memory the kernel says can be allocated without swapping (``MemAvailable``), else the
    free physical memory."""
    try:
        for line in Path("/proc/meminfo").read_text(encoding="ascii").splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # no way to know: do not refuse
        return 2**62


def check_memory(needed_bytes: float, what: str, advice: str) -> None:
    """Refuse before allocating when ``needed_bytes`` exceeds the available memory."""
    available = available_memory_bytes()
    if needed_bytes > available:
        raise MonitoringError(
            f"{what} needs about {_size(needed_bytes)} of memory, {_size(available)} is "
            f"available; {advice}",
            field="memory",
        )


def _size(n_bytes: float) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.1f} {unit}"
    return f"{n_bytes / 1e3:.1f} kB"
