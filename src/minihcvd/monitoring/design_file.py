"""Designs as small TOML files: saved by ``monitor design --out``, loaded with validation.

Layout (all times in months)::

    format = "minihcvd-monitoring-design"
    version = 1
    [standard_prior]      shape, scale
    [experimental_prior]  shape, scale
    [rule]                delta_months, p_lower, min_patients, max_patients, followup_months
    [elicitation]         optional record of how the design was made

The boundary is not stored: it is recomputed from the priors and the rule on load. A file
that is not a regular file (a FIFO would block the read), is larger than 64 KiB or nests too
deeply for the parser is refused before or instead of parsing, with one line naming it.
"""

from __future__ import annotations

import math
import stat
import tomllib
from dataclasses import asdict, fields
from importlib import resources
from pathlib import Path
from typing import Any

import tomli_w

from minihcvd.atomic import write_text_atomic
from minihcvd.errors import MonitoringError
from minihcvd.monitoring.design import Elicitation, MonitoringDesign
from minihcvd.monitoring.limits import MAX_DESIGN_FILE_BYTES
from minihcvd.monitoring.posterior import InverseGammaPrior

__all__ = ["default_design_path", "design_to_toml", "load_design", "save_design"]

_FORMAT = "minihcvd-monitoring-design"
_VERSION = 1


def default_design_path() -> Path:
    """The documented default: the trial's rule, calibrated (``monitoring/data``)."""
    return Path(str(resources.files("minihcvd.monitoring") / "data" / "default_design.toml"))


def design_to_toml(design: MonitoringDesign) -> str:
    """The TOML text of a design."""
    document: dict[str, Any] = {
        "format": _FORMAT,
        "version": _VERSION,
        "standard_prior": asdict(design.standard),
        "experimental_prior": asdict(design.experimental),
        "rule": {
            "delta_months": design.delta_months,
            "p_lower": design.p_lower,
            "min_patients": design.min_patients,
            "max_patients": design.max_patients,
            "followup_months": design.followup_months,
        },
    }
    if design.elicitation is not None:
        document["elicitation"] = asdict(design.elicitation)
    return tomli_w.dumps(document)


def save_design(design: MonitoringDesign, path: Path) -> None:
    """Write the design atomically (nothing half-written on failure)."""
    try:
        write_text_atomic(path, design_to_toml(design))
    except OSError as error:
        raise MonitoringError(f"cannot write the design file: {error.strerror or error}",
                              file=path) from None


def load_design(path: Path) -> MonitoringDesign:
    """Read and validate a design file; any problem is one :class:`MonitoringError` naming it."""
    try:
        text = _read_bounded(Path(path))
        document = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise MonitoringError(f"cannot read the design file: {reason}", file=path) from None
    except tomllib.TOMLDecodeError as error:
        raise MonitoringError(f"not valid TOML: {error}", file=path) from None
    except RecursionError:
        raise MonitoringError("not a design file: its arrays or tables nest too deeply",
                              file=path) from None
    try:
        return _parse(document)
    except MonitoringError as error:
        raise MonitoringError(error.message, file=path, field=error.field) from None


def _read_bounded(path: Path) -> str:
    """The file's text, refused unread unless it is a regular file of at most 64 KiB (checked
    before opening: opening a FIFO would wait for a writer)."""
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise MonitoringError("not a regular file (a design is a TOML file)", file=path)
    too_large = MonitoringError(
        f"larger than {MAX_DESIGN_FILE_BYTES // 1024} KiB: not a design file (one is a few "
        "hundred bytes)", file=path)
    if info.st_size > MAX_DESIGN_FILE_BYTES:
        raise too_large
    with path.open("rb") as handle:
        data = handle.read(MAX_DESIGN_FILE_BYTES + 1)
    if len(data) > MAX_DESIGN_FILE_BYTES:  # it grew since
        raise too_large
    return data.decode("utf-8")


def _parse(document: dict[str, Any]) -> MonitoringDesign:
    if document.get("format") != _FORMAT or document.get("version") != _VERSION:
        raise MonitoringError(
            f"expected format = {_FORMAT!r} and version = {_VERSION}, found "
            f"{document.get('format')!r} and {document.get('version')!r}",
            field="format",
        )
    standard = InverseGammaPrior(**_numbers(document, "standard_prior", ("shape", "scale")))
    experimental = InverseGammaPrior(**_numbers(document, "experimental_prior", ("shape", "scale")))
    rule = _numbers(document, "rule", ("delta_months", "p_lower", "min_patients",
                                       "max_patients", "followup_months"))
    elicitation = None
    if "elicitation" in document:
        names = tuple(item.name for item in fields(Elicitation))
        elicitation = Elicitation(**_numbers(document, "elicitation", names))
    return MonitoringDesign(standard=standard, experimental=experimental,
                            elicitation=elicitation, **rule)


def _numbers(document: dict[str, Any], table: str, keys: tuple[str, ...]) -> dict[str, Any]:
    """The named numbers of a table; whole-number keys must be integers in the file."""
    section = document.get(table)
    if not isinstance(section, dict):
        raise MonitoringError(f"missing table [{table}]", field=table)
    missing = [key for key in keys if key not in section]
    unknown = sorted(set(section) - set(keys))
    if missing or unknown:
        raise MonitoringError(
            f"[{table}] needs exactly {', '.join(keys)}; missing {missing}, unknown {unknown}",
            field=table,
        )
    values: dict[str, Any] = {}
    for key in keys:
        value = section[key]
        whole = key in {"min_patients", "max_patients", "calibration_trials", "seed"}
        allowed = (int,) if whole else (int, float)
        if isinstance(value, bool) or not isinstance(value, allowed) or (
            not whole and not math.isfinite(value)
        ):
            kind = "a whole number" if whole else "a finite number"
            raise MonitoringError(f"[{table}] {key} must be {kind}, found {value!r}",
                                  field=f"{table}.{key}")
        values[key] = value if whole else float(value)
    return values
