"""Render the report's figures on two cores: the parent and one forked child share a job queue.

matplotlib's text layout, not the data, is what a figure costs (about 0.15 s for PNG + SVG at
110 or 200,000 patients alike), and it holds the GIL, so threads do not help. On Linux the
parent forks one child after matplotlib is imported; both take job numbers from one pipe
(one byte each: a read of one byte from a pipe is atomic, so every job is taken once, by
whichever process is free — the split adapts to a busy machine). The child sends its figures
back pickled through a second pipe and exits with ``os._exit`` (no atexit handlers, no
flushing of the parent's buffers); the parent always reaps it, also on error or Ctrl-C, so
no process is left behind. Each figure is drawn by the same code from the same data whichever
process draws it, and the results come back in job order, so the output does not depend on
the split. Anything unusual — one core, no ``fork``, ``MINIHCVD_FIGURE_PROCESSES=1``, a
failed or killed child — falls back to drawing the remaining figures in the parent, which then
raises any error itself.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

__all__ = ["MAX_JOBS", "JobRunner", "render_jobs", "worker_processes"]

T = TypeVar("T")

#: Job numbers travel as single bytes.
MAX_JOBS = 255
_ENV = "MINIHCVD_FIGURE_PROCESSES"


def worker_processes() -> int:
    """2 where a forked helper can run on a second core, else 1 (``MINIHCVD_FIGURE_PROCESSES``)."""
    if sys.platform != "linux" or not hasattr(os, "fork"):
        return 1  # fork is unsafe on macOS and absent on Windows
    wanted = os.environ.get(_ENV, "").strip()
    if wanted:
        try:
            if int(wanted) <= 1:
                return 1
        except ValueError:
            return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return 2 if cores >= 2 else 1


def render_jobs(jobs: Sequence[Callable[[], T]]) -> list[T]:
    """``[job() for job in jobs]``, computed by this process and a forked child together."""
    with JobRunner(jobs, minimum=2) as runner:
        return runner.finish()


class JobRunner(Generic[T]):
    """Jobs handed to a forked helper now and finished together with this process later.

    Creating the runner forks the helper, which starts on the jobs at once, so this process
    can do other work meanwhile (fit the Cox models while the curves are drawn);
    :meth:`finish` then takes the jobs still queued and collects the helper's. Use it as a
    context manager: leaving the block kills and reaps a helper that is still running.
    """

    def __init__(self, jobs: Sequence[Callable[[], T]], *, minimum: int = 1) -> None:
        self.jobs = list(jobs)
        self.pid: int | None = None
        self._task_read = self._result_read = -1
        if minimum <= len(self.jobs) <= MAX_JOBS and worker_processes() >= 2:
            self._start()

    def _start(self) -> None:
        task_read, task_write = os.pipe()
        os.write(task_write, bytes(range(len(self.jobs))))  # < 64 KiB: never blocks
        os.close(task_write)  # an empty queue then reads as end of file
        result_read, result_write = os.pipe()
        for stream in (sys.stdout, sys.stderr):  # nothing buffered may be written twice
            with contextlib.suppress(AttributeError, OSError, ValueError):
                stream.flush()
        with warnings.catch_warnings():
            # Python 3.12+ warns on fork() with other threads running (the CLI's progress
            # bar): the child only draws and writes to its own pipe, never to their locks
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # the child: never returns
            _child(self.jobs, task_read, result_read, result_write)
        os.close(result_write)
        self.pid, self._task_read, self._result_read = pid, task_read, result_read

    def finish(self) -> list[T]:
        """Every job's result, in job order (the queued ones computed here)."""
        done: dict[int, T] = {}
        if self.pid is not None:
            try:
                for index in _Taker(self._task_read):
                    done[index] = self.jobs[index]()
                payload = _read_all(self._result_read)
                _, status = os.waitpid(self.pid, 0)
                self.pid = None
                if status == 0:
                    with contextlib.suppress(Exception):  # truncated: redrawn below
                        theirs: dict[int, T] = pickle.loads(payload)
                        done.update(theirs)
            finally:
                self.close()
        # whatever the child did not deliver (it failed or was killed) is computed here
        return [done[i] if i in done else job() for i, job in enumerate(self.jobs)]

    def close(self) -> None:
        """Kill and reap the helper if it still runs; close the pipes (idempotent)."""
        if self.pid is not None:
            _kill(self.pid)
            self.pid = None
        for fd in (self._task_read, self._result_read):
            if fd >= 0:
                os.close(fd)
        self._task_read = self._result_read = -1

    def __enter__(self) -> JobRunner[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _child(
    jobs: Sequence[Callable[[], object]], task_read: int, result_read: int, result_write: int
) -> None:
    status = 1
    try:
        os.close(result_read)
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C ends the helper, quietly
        mine = {index: jobs[index]() for index in _Taker(task_read)}
        data = pickle.dumps(mine, protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(data)
        while view:
            view = view[os.write(result_write, view) :]
        status = 0
    except BaseException:  # reported by the exit status; the parent redraws and raises
        status = 1
    finally:
        os._exit(status)


class _Taker:
    """Job numbers from the shared pipe, one byte per read, until it is empty."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def __iter__(self) -> _Taker:
        return self

    def __next__(self) -> int:
        byte = os.read(self.fd, 1)
        if not byte:
            raise StopIteration
        return byte[0]


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
