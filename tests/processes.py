"""Child processes of the test process: that parallel code leaves none behind, and what a
fresh interpreter loads when it imports a module."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from minihcvd.parallel import worker_processes

needs_two = pytest.mark.skipif(worker_processes() < 2, reason="needs fork and two cores")


def _child_pids() -> set[int]:
    """This process's children, exited-but-unreaped ones included (from /proc)."""
    me = os.getpid()
    children = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # Fields after the ")" that closes the command name: state, ppid, ...
        if int(stat.rsplit(")", 1)[1].split()[1]) == me:
            children.add(int(entry))
    return children

class ChildWatch:
    """The children running when a test starts (e.g. multiprocessing's resource tracker)."""

    def __init__(self) -> None:
        self.at_start = _child_pids()

    def none_left(self) -> bool:
        """No process started since is left running or unreaped."""
        return _child_pids() <= self.at_start


def loaded_by_import(module: str, candidates: Sequence[str]) -> list[str]:
    """Which of ``candidates`` a fresh interpreter has loaded once it imports ``module``."""
    probe = (
        f"import sys, {module}; "
        f"print(','.join(m for m in {tuple(candidates)!r} if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    return loaded.split(",") if loaded else []
