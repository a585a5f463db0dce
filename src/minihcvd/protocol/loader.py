"""Find, read and validate protocol YAML files; a bad file is one ``ProtocolError`` line.

A file may build on another with ``extends: <name>`` (a sibling file, else the shipped protocol
of that name) and replace fields of
named components with ``component_overrides: {<id>: {<field>: <value>}}``; every other top-level
key replaces the base file's key. ``original-reduced`` is written this way.

A site's override (any file outside the package) that changes a value the paper states must give
the site's own ``source``; the component is then marked ``stated_in_paper: false`` with a
``deviation`` saying what changed, and every output shows it. Hard dose limits
(``protocol.limits``) are checked on the merged file, so no variant can lift them.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from minihcvd.errors import ProtocolError
from minihcvd.protocol.models import Protocol

__all__ = ["load_protocol", "load_protocol_file", "protocol_names"]

_DATA = resources.files("minihcvd.protocol") / "data"
_SUFFIX = ".yaml"
_MAX_EXTENDS_DEPTH = 5
#: A protocol file is refused unread above this size (the shipped ones are under 20 KiB; a
#: 50 MB file took 34 s to parse before its error).
MAX_PROTOCOL_BYTES = 256 * 1024


def protocol_names() -> list[str]:
    """Names of the protocol versions shipped with the package, sorted."""
    return sorted(
        entry.name.removesuffix(_SUFFIX)
        for entry in _DATA.iterdir()
        if entry.name.endswith(_SUFFIX)
    )


@lru_cache(maxsize=16)
def load_protocol(name: str) -> Protocol:
    """The shipped protocol ``name`` (``original``, ``original-reduced``, ``amended``), validated.

    Protocols are immutable, so repeated loads return the same cached object.
    """
    if name not in protocol_names():
        raise ProtocolError(
            f"unknown protocol {name!r}; expected one of: {', '.join(protocol_names())}",
            field="protocol",
        )
    return load_protocol_file(Path(str(_DATA / f"{name}{_SUFFIX}")))


def load_protocol_file(path: Path) -> Protocol:
    """A protocol from any YAML file (for local or trial-site variants), validated."""
    raw = _read_resolved(Path(path), depth=0)
    try:
        return Protocol.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        raise ProtocolError(
            f"{first['msg']} ({error.error_count()} problem{'s' if error.error_count() > 1 else ''}"
            " in all)",
            file=Path(path).name,
            field=_field_name(first["loc"], raw) or None,
        ) from None


def _read_resolved(path: Path, depth: int) -> dict[str, Any]:
    """The file's mapping with any ``extends`` chain merged in."""
    raw = _read_mapping(path)
    base_name = raw.pop("extends", None)
    overrides = raw.pop("component_overrides", None)
    if base_name is None:
        if overrides is not None:
            raise ProtocolError(
                "component_overrides needs 'extends: <base protocol>'",
                file=path.name,
                field="component_overrides",
            )
        return raw
    if isinstance(base_name, str) and (
        base_name in ("", ".", "..") or base_name != Path(base_name).name or "\\" in base_name
    ):
        raise ProtocolError(
            f"expected the name of a protocol file in the same folder or a shipped protocol,"
            f" found {base_name!r} (a path outside the folder is not followed)",
            file=path.name,
            field="extends",
        )
    if not isinstance(base_name, str) or depth >= _MAX_EXTENDS_DEPTH:
        raise ProtocolError(
            f"expected the name of a sibling protocol file, found {base_name!r}"
            " (or extends nested too deeply)",
            file=path.name,
            field="extends",
        )
    base_path = path.with_name(f"{base_name}{_SUFFIX}")
    if not base_path.is_file() and base_name in protocol_names():
        # a site's variant of a shipped version: `extends: amended` from any folder
        base_path = Path(str(_DATA / f"{base_name}{_SUFFIX}"))
    if not base_path.is_file():
        raise ProtocolError(
            f"base protocol {base_name!r} not found next to the file or among the shipped"
            f" protocols ({', '.join(protocol_names())})",
            file=path.name,
            field="extends",
        )
    merged = _read_resolved(base_path, depth + 1)
    merged.update(raw)
    merged["components"] = _apply_overrides(
        merged.get("components"), overrides, path, site=not _is_shipped(path)
    )
    return merged


def _is_shipped(path: Path) -> bool:
    """Whether ``path`` is one of the package's own protocol files (checked against the paper)."""
    try:
        return path.resolve().parent == Path(str(_DATA)).resolve()
    except OSError:
        return False


# Fields whose change alters what is given, when, how or how much.
_DOSE_FIELDS = (
    "drug", "route", "phase", "courses", "days", "dose", "unit", "doses_per_day", "max_dose",
    "dose_via_ommaya", "condition", "from_date", "low_weight",
)


def _apply_overrides(components: Any, overrides: Any, path: Path, *, site: bool) -> Any:
    if overrides is None:
        return components
    if not isinstance(overrides, dict) or not isinstance(components, list):
        raise ProtocolError(
            "expected a mapping of component id to changed fields",
            file=path.name,
            field="component_overrides",
        )
    by_id = {c.get("id"): c for c in components if isinstance(c, dict)}
    result = [dict(c) if isinstance(c, dict) else c for c in components]
    for component_id, changes in overrides.items():
        if component_id not in by_id or not isinstance(changes, dict):
            raise ProtocolError(
                f"expected fields to change in an existing component, found {component_id!r}",
                file=path.name,
                field=f"component_overrides.{component_id}",
            )
        index = next(i for i, c in enumerate(result) if c.get("id") == component_id)
        if site:
            field = f"component_overrides.{component_id}"
            changes = _site_changes(result[index], changes, path, field)
        result[index] = {**result[index], **changes}
    return result


def _site_changes(
    base: dict[str, Any], changes: dict[str, Any], path: Path, field: str
) -> dict[str, Any]:
    """A site's changes to one component, with the deviation mark when they alter a stated value."""
    if "deviation" in changes:
        raise ProtocolError(
            "the deviation mark is set by the loader, not by a file", file=path.name,
            field=f"{field}.deviation",
        )
    base_stated = base.get("stated_in_paper", True) is True and not base.get("deviation")
    if changes.get("stated_in_paper") is True and not base_stated:
        raise ProtocolError(
            "a site variant cannot make a value stated in the trial paper", file=path.name,
            field=f"{field}.stated_in_paper",
        )
    changed = [
        key for key in _DOSE_FIELDS if key in changes and changes[key] != base.get(key)
    ]
    if not changed:
        return changes
    own_source = "source" in changes and changes["source"] != base.get("source")
    if base_stated or base.get("deviation"):
        if not own_source:
            raise ProtocolError(
                f"changes {', '.join(changed)}, which the trial paper states: give the site's own"
                " source (e.g. source: 'Site SOP 12, 2025')",
                file=path.name,
                field=f"{field}.source",
            )
        whose = "the paper's" if base_stated else "the base file's"
        unit = changes.get("unit", base.get("unit"))
        what = "; ".join(
            f"{key} {_shown(changes[key], unit if key == 'dose' else None)} instead of {whose}"
            f" {_shown(base.get(key), base.get('unit') if key == 'dose' else None)}"
            for key in changed
        )
        previous = base.get("deviation")
        deviation = f"site variant {path.name}: {what} (paper: {base.get('source')})"
        return {
            **changes,
            "stated_in_paper": False,
            "unstated_detail": None,
            "deviation": f"{previous}; {deviation}" if previous else deviation,
        }
    if not own_source and "unstated_detail" not in changes:
        # a value the paper does not state, changed: the site says what it decided
        raise ProtocolError(
            f"changes {', '.join(changed)}, a value the trial paper does not state: give the"
            " site's own source or unstated_detail together with it",
            file=path.name,
            field=f"{field}.unstated_detail",
        )
    return changes


def _shown(value: Any, unit: Any = None) -> str:
    if value is None:
        return "(none)"
    return f"{value} {unit}" if unit else str(value)


def _read_mapping(path: Path) -> dict[str, Any]:
    try:
        size = path.stat().st_size
        if size > MAX_PROTOCOL_BYTES:
            raise ProtocolError(
                f"larger than {MAX_PROTOCOL_BYTES // 1024} KiB ({size:,} bytes): not a protocol"
                " file (the shipped ones are under 20 KiB)",
                file=path.name,
            )
        content = path.read_bytes()
    except OSError as error:
        raise ProtocolError(f"cannot read the file ({error.strerror})", file=path.name) from None
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        line = content.count(b"\n", 0, error.start) + 1
        raise ProtocolError(
            f"not UTF-8 text: byte 0x{content[error.start]:02x} at line {line}; save the file"
            " as UTF-8",
            file=path.name,
        ) from None
    try:
        data = yaml.safe_load(text)
    except RecursionError:
        raise ProtocolError("not a protocol file: its lists or mappings nest too deeply",
                            file=path.name) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None)
        detail = f": {problem}" if problem else ""
        raise ProtocolError(f"not valid YAML{where}{detail}", file=path.name) from None
    if not isinstance(data, dict):
        raise ProtocolError("expected a YAML mapping at the top level", file=path.name)
    return data


def _field_name(loc: tuple[int | str, ...], raw: dict[str, Any]) -> str:
    """``('components', 3, 'dose')`` → ``components[inotuzumab-c1].dose`` (ids read better)."""
    parts: list[str] = []
    node: Any = raw
    for key in loc:
        child = _child(node, key)
        if isinstance(key, int):
            label = child["id"] if isinstance(child, dict) and "id" in child else key
            if parts:
                parts[-1] += f"[{label}]"
            else:
                parts.append(f"[{label}]")
        else:
            parts.append(str(key))
        node = child
    return ".".join(parts)


def _child(node: Any, key: int | str) -> Any:
    if isinstance(node, dict):
        return node.get(key)
    if isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
        return node[key]
    return None
