"""What a test folder holds, to check that a refused command wrote or replaced nothing."""

from __future__ import annotations

from pathlib import Path


def snapshot(folder: Path) -> dict[str, tuple[int, int, int, bytes]]:
    """``folder`` and every entry under it: mode, size, modification time (a file made and
    removed again changes its folder's), and a file's bytes."""
    entries = {}
    for path in [folder, *sorted(folder.rglob("*"))]:
        info = path.lstat()
        content = path.read_bytes() if path.is_file() and not path.is_symlink() else b""
        entries[str(path.relative_to(folder))] = (info.st_mode, info.st_size,
                                                  info.st_mtime_ns, content)
    return entries
