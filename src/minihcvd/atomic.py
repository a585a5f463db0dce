"""All-or-nothing output: a command that fails half-way leaves no partial files behind."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_output_dir", "write_bytes_atomic", "write_text_atomic"]


def _umask() -> int:
    """The process umask (read by setting and restoring it; there is no getter)."""
    current = os.umask(0)
    os.umask(current)
    return current


def _give_default_mode(path: Path, *, is_dir: bool) -> None:
    """Give a temporary file or folder the mode a plain ``open``/``mkdir`` would have.

    ``tempfile`` creates them private (0600/0700); outputs such as calendars and reports are
    meant to be shared like any other file the user writes.
    """
    path.chmod((0o777 if is_dir else 0o666) & ~_umask())


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        _give_default_mode(Path(tmp_name), is_dir=False)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    """UTF-8 text version of :func:`write_bytes_atomic`."""
    write_bytes_atomic(path, text.encode("utf-8"))


@contextmanager
def atomic_output_dir(target: Path) -> Iterator[Path]:
    """Yield a staging folder; on success move its contents into ``target``, on error drop it.

    Files already in ``target`` that the command does not produce are left alone; files it
    produces replace their old versions only once everything has been written.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(
        tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".staging", dir=target.parent)
    )
    try:
        _give_default_mode(staging, is_dir=True)
        yield staging
        if not target.exists():
            os.replace(staging, target)
            return
        for source in sorted(staging.rglob("*")):
            if source.is_dir():
                continue
            destination = target / source.relative_to(staging)
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, destination)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
