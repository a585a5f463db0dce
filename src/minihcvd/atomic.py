"""All-or-nothing output: a command that fails half-way leaves no partial files behind.

Every output path a command is given (``--out``, ``--plot``) goes through here:

- :func:`check_output_file` / :func:`check_output_folder` refuse, before any work, a path that
  must not be replaced: anything but an absent path, a regular file (file outputs) or a folder
  (folder outputs) — a symbolic link, a device, a FIFO, a socket — and, for a folder, the
  current folder or one that holds it (``--out ''``, ``--out .``, ``--out /``), or a folder
  holding entries the command never writes (replacing the folder would delete them).
- :func:`write_bytes_atomic` writes a file through a temporary file beside it and
  ``os.replace``.
- :func:`atomic_output_dir` writes a folder as a whole: the new folder is written beside the
  old one (a staging folder in the same parent), swapped with it in one step (Linux
  ``renameat2(RENAME_EXCHANGE)``; elsewhere two renames), and the old one is removed. A reader
  sees the old folder or the new one, never a mix, and nothing of the old run is left. A
  staging (or old) folder left by a process that was killed (SIGKILL, power loss) is removed
  by the next run that writes into the same parent folder.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

from minihcvd.errors import MinihcvdError

__all__ = [
    "OutputFolder",
    "atomic_output_dir",
    "check_output_file",
    "check_output_folder",
    "remove_leftovers",
    "write_bytes_atomic",
    "write_text_atomic",
]

#: Staging and old folders are named ``.<target>.minihcvd-<pid>-<random>.staging|.old``: the
#: process id tells a later run whether the writer is still alive.
_LEFTOVER = re.compile(r"^\..*\.minihcvd-(?P<pid>\d+)-[a-z0-9_]+\.(?:staging|old)$")
_SHOWN_ENTRIES = 5


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


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISREG(mode):
        return "a file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a FIFO" if stat.S_ISFIFO(mode) else "a socket"


def check_output_file(
    path: Path, *, error: type[MinihcvdError], option: str = "--out"
) -> None:
    """Refuse (as ``error``, one line naming ``path``) anything but an absent path or a regular
    file: a folder (the current folder ``''``/``.`` too), a device, a FIFO, a symbolic link."""
    try:
        info: os.stat_result | None = os.lstat(path)
    except FileNotFoundError:
        info = None
    except OSError as failure:  # e.g. a path under a file
        raise error(f"cannot write {str(path)!r} ({failure.strerror or failure})",
                    field=option.lstrip("-")) from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        kind = _kind(info.st_mode)
        shown = kind if kind in ("a symbolic link", "a folder") else "not a regular file"
        raise error(f"{option} must name a file to write; this is {shown}", file=path)


@dataclass(frozen=True)
class OutputFolder:
    """A kind of output folder: what it is called in messages (``what``, e.g. "the report"),
    the names of the entries it may hold in any run (``owned``; a sub-folder is one entry) and
    the error its refusals raise."""

    what: str
    owned: tuple[str, ...]
    error: type[MinihcvdError]

    def check(self, path: Path, option: str = "--out") -> None:
        """:func:`check_output_folder` for this kind of output (call it before any work)."""
        check_output_folder(path, self, option=option)

    def writing(self, path: Path) -> AbstractContextManager[Path]:
        """:func:`atomic_output_dir` for this kind of output."""
        return atomic_output_dir(path, self)


def check_output_folder(path: Path, output: OutputFolder, *, option: str = "--out") -> None:
    """Refuse (as ``output.error``) an output folder path that must not be replaced as a whole.

    Allowed: an absent path (its parents are created) or a folder whose entries all have
    names in ``output.owned``. Refused: a regular file, a symbolic link, a device, FIFO or
    socket, a path under a file, the current folder or a folder that holds it (``--out ''``,
    ``.``, ``/``), a folder holding anything else (it would be deleted with the old output),
    and a parent folder this process may not write in.
    """
    what, error = output.what, output.error
    path = Path(path)
    try:
        info: os.stat_result | None = os.lstat(path)
    except FileNotFoundError:
        info = None
    except OSError as failure:  # e.g. a path under a file
        raise error(f"cannot write {what}: {failure.strerror or failure}", file=path) from None
    if info is not None and stat.S_ISREG(info.st_mode):
        raise error("the output path exists and is not a folder", file=path)
    if info is not None and not stat.S_ISDIR(info.st_mode):
        raise error(f"{option} must name a folder to write; this is {_kind(info.st_mode)}",
                    file=path)
    if info is not None:
        resolved, here = path.resolve(), Path.cwd().resolve()
        if resolved == here or resolved in here.parents:
            which = ("the root folder" if resolved == Path(resolved.anchor)
                     else "the current folder" if resolved == here
                     else "a folder that holds the current one")
            raise error(f"{option} must name a folder to write (it is replaced as a whole);"
                        f" this is {which}", file=path)
    # the new folder is made in the parent (or the nearest ancestor that exists)
    parent = next(folder for folder in path.absolute().parents if folder.exists())
    if not os.access(parent, os.W_OK | os.X_OK):
        raise error(f"cannot write {what}: {os.strerror(errno.EACCES)}", file=path)
    foreign = [] if info is None else sorted(set(os.listdir(path)) - set(output.owned))
    if foreign:
        shown = ", ".join(foreign[:_SHOWN_ENTRIES])
        more = len(foreign) - _SHOWN_ENTRIES
        listed = shown + (f" and {more} more" if more > 0 else "")
        raise error(
            f"holds {listed}, which is not part of {what}; the folder is replaced as a whole:"
            f" remove {'it' if len(foreign) == 1 else 'them'} or write to a new folder",
            file=path,
        )


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
def atomic_output_dir(target: Path, output: OutputFolder) -> Iterator[Path]:
    """Yield a staging folder beside ``target``; on success it replaces ``target`` as a whole.

    ``target`` is checked (:func:`check_output_folder`) before and again just before the swap.
    An ``OSError`` (full disk, no permission, a path under a file) becomes
    ``output.error("cannot write <what>: <reason>", file=target)``; on any error or
    interruption the staging folder is removed and ``target`` is as it was.
    """
    target = Path(target)
    check_output_folder(target, output)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_leftovers(target.parent)
        staging = Path(tempfile.mkdtemp(
            prefix=f".{target.name}.minihcvd-{os.getpid()}-", suffix=".staging",
            dir=target.parent,
        ))
    except OSError as failure:
        raise _write_error(output, target, failure) from None
    try:
        _give_default_mode(staging, is_dir=True)
        yield staging
        check_output_folder(target, output)
        _replace_folder(staging, target)
    except OSError as failure:
        raise _write_error(output, target, failure) from None
    finally:
        if os.path.lexists(staging):
            shutil.rmtree(staging, ignore_errors=True)


def remove_leftovers(folder: Path) -> list[Path]:
    """Remove the staging and old folders in ``folder`` whose writing process has ended."""
    removed = []
    for name in os.listdir(folder):
        found = _LEFTOVER.match(name)
        if found is not None and not _alive(int(found["pid"])):
            shutil.rmtree(folder / name, ignore_errors=True)
            removed.append(folder / name)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _write_error(output: OutputFolder, target: Path, failure: OSError) -> MinihcvdError:
    return output.error(f"cannot write {output.what}: {failure.strerror or failure}",
                        file=target)


def _replace_folder(staging: Path, target: Path) -> None:
    """Put ``staging`` at ``target`` and remove the old ``target`` (if any)."""
    if not os.path.lexists(target):
        os.rename(staging, target)
        return
    if _exchange(staging, target):
        shutil.rmtree(staging)  # now the old folder
        return
    old = staging.with_name(staging.name.removesuffix(".staging") + ".old")
    os.rename(target, old)
    try:
        os.rename(staging, target)
    except BaseException:
        os.rename(old, target)
        raise
    shutil.rmtree(old)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2``); False where it is not available."""
    import ctypes  # here: the commands' start-up does not pay for it

    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:  # no C library to load (not a POSIX system)
        return False
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second),
                 _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):  # not on this file system
        return False
    raise OSError(code, os.strerror(code), str(second))

