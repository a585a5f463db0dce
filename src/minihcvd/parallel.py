"""Work on two cores with ``fork``: jobs shared with a helper, and a helper fed as work appears.

Two shapes, both for CPU-bound pure-Python work (matplotlib's text layout, pandas), where
threads do not help because it holds the GIL:

* :class:`JobRunner` — a known list of jobs. The parent forks one child; both take job
  numbers from one pipe (one byte each: a read of one byte from a pipe is atomic, so every job
  is taken once, by whichever process is free — the split adapts to a busy machine). The child
  inherits the data by ``fork`` (nothing is copied in) and sends its results back pickled.
* :class:`StreamWorker` — jobs that appear one by one while the parent goes on working. The
  child is forked early, while the process is still small, runs a ``prepare`` step at once
  (importing matplotlib, say) and then runs the jobs the parent sends it, pickled into a
  spool folder, as they come; when the parent has sent its last job the child shares what
  is left with a helper of its own.

Children exit with ``os._exit`` (no atexit handlers, no flushing of the parent's buffers); the
parent always reaps them, also on error or Ctrl-C, so no process is left behind. A job gives
the same result whichever process runs it, and results come back keyed, so the output does not
depend on the split. Anything unusual — one core, no ``fork``, ``MINIHCVD_PROCESSES=1``, a
failed or killed child — falls back to running the remaining jobs in the parent, which then
raises any error itself.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import shutil
import signal
import sys
import tempfile
import warnings
from collections.abc import Callable, Hashable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, Generic, TypeVar

__all__ = ["MAX_JOBS", "JobRunner", "StreamWorker", "run_jobs", "worker_processes"]

T = TypeVar("T")

#: Job numbers travel as single bytes.
MAX_JOBS = 255
_ENV = "MINIHCVD_PROCESSES"


def worker_processes() -> int:
    """2 where a forked helper can run on a second core, else 1 (``MINIHCVD_PROCESSES=1``)."""
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


def run_jobs(jobs: Sequence[Callable[[], T]]) -> list[T]:
    """``[job() for job in jobs]``, computed by this process and a forked child together."""
    with JobRunner(jobs, minimum=2) as runner:
        return runner.finish()


class JobRunner(Generic[T]):
    """Jobs handed to a forked helper now and finished together with this process later.

    Creating the runner forks the helper, which starts on the jobs at once, so this process
    can do other work meanwhile (draw the curves while the Cox models are fitted);
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
        pid = _fork()
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
                pid, self.pid = self.pid, None
                done.update(_collect(pid, self._result_read))
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


#: Write ends of StreamWorker job pipes open in this process. A forked child closes its
#: copies at once: a stream's helper sees the end of its jobs only when every copy is closed.
_JOB_PIPES: set[int] = set()


def _fork() -> int:
    for stream in (sys.stdout, sys.stderr):  # nothing buffered may be written twice
        with contextlib.suppress(AttributeError, OSError, ValueError):
            stream.flush()
    with warnings.catch_warnings():
        # Python 3.12+ warns on fork() with other threads running (the CLI's progress bar):
        # the child only computes and writes to its own pipe, never to their locks
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:
        for fd in _JOB_PIPES:
            os.close(fd)
        _JOB_PIPES.clear()
    return pid


def _child(
    jobs: Sequence[Callable[[], object]], task_read: int, result_read: int, result_write: int
) -> None:
    os.close(result_read)
    _run_child(lambda: {index: jobs[index]() for index in _Taker(task_read)}, result_write)


def _run_child(work: Callable[[], dict[Any, Any]], result_write: int) -> None:
    """In a forked child: send ``work()``'s results pickled to the parent, then exit (status 0,
    or 1 on any error: the parent then recomputes the work itself and raises the error)."""
    status = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C ends the helper, quietly
        _write_all(result_write, pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL))
        status = 0
    except BaseException:  # reported by the exit status
        status = 1
    finally:
        os._exit(status)


def _collect(pid: int, result_read: int) -> dict[Any, Any]:
    """What child ``pid`` sent, once it has exited; nothing if it failed or was cut short."""
    payload = _read_all(result_read)
    _, status = os.waitpid(pid, 0)
    if status != 0:
        return {}
    try:
        results: dict[Any, Any] = pickle.loads(payload)
    except Exception:  # truncated: the caller recomputes
        return {}
    return results


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


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


K = TypeVar("K", bound=Hashable)


class StreamWorker(Generic[K, T]):
    """A helper process forked now, fed jobs as they appear, its results collected at the end.

    ``prepare`` runs in the child at once (while the parent goes on): the expensive set-up the
    jobs share, such as importing matplotlib. :meth:`submit` pickles a job into a spool folder
    and sends its number down a pipe (a few bytes, so the parent never waits on the child);
    the child runs the jobs in the order given. After :meth:`end_of_jobs` the child knows the
    parent is about to wait, its core free, and shares what is left with a helper of its own.
    :meth:`finish` returns every result by key; jobs the child did not deliver (no child, or
    it failed) run here then. Use it as a context manager: leaving the block kills and reaps a
    child that is still running and removes the spool.
    """

    def __init__(self, prepare: Callable[[], object] | None = None) -> None:
        self.jobs: dict[K, Callable[[], T]] = {}
        self.pid: int | None = None
        self._closed = False
        self._job_write = self._result_read = -1
        self._spool: Path | None = None
        if worker_processes() >= 2:
            self._start(prepare)

    def _start(self, prepare: Callable[[], object] | None) -> None:
        self._spool = Path(tempfile.mkdtemp(prefix="minihcvd-jobs-"))
        job_read, job_write = os.pipe()
        result_read, result_write = os.pipe()
        _JOB_PIPES.add(job_write)
        pid = _fork()
        if pid == 0:  # the child (its copy of job_write closed by _fork): never returns
            _stream_child(prepare, self._spool, job_read, result_read, result_write)
        os.close(job_read)
        os.close(result_write)
        self.pid, self._job_write, self._result_read = pid, job_write, result_read

    def submit(self, key: K, job: Callable[[], T]) -> None:
        """Queue ``job`` under ``key`` (a key already submitted is ignored)."""
        if key in self.jobs:
            return
        if self._closed:
            raise RuntimeError("no job can be submitted after end_of_jobs()")
        number = len(self.jobs)
        self.jobs[key] = job
        if self._job_write < 0 or self._spool is None:
            return
        data = pickle.dumps((key, job), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            (self._spool / f"{number}.pickle").write_bytes(data)
            os.write(self._job_write, f"{number}\n".encode("ascii"))  # < PIPE_BUF: atomic
        except OSError:  # the child is gone: finish() computes what it did not deliver
            self._close_jobs()

    def end_of_jobs(self) -> None:
        """No more jobs: the child sees the end of its input (and that this process waits)."""
        self._closed = True
        self._close_jobs()

    def finish(self) -> dict[K, T]:
        """Every submitted job's result, by key (the child's, else computed here)."""
        done: dict[K, T] = {}
        if self.pid is not None:
            try:
                self.end_of_jobs()
                pid, self.pid = self.pid, None
                done.update(_collect(pid, self._result_read))
            finally:
                self.close()
        return {key: done[key] if key in done else job() for key, job in self.jobs.items()}

    def _close_jobs(self) -> None:
        if self._job_write >= 0:
            _JOB_PIPES.discard(self._job_write)
            os.close(self._job_write)
            self._job_write = -1

    def close(self) -> None:
        """Kill and reap the child if it still runs; close the pipes, remove the spool
        (idempotent)."""
        if self.pid is not None:
            _kill(self.pid)
            self.pid = None
        self._close_jobs()
        if self._result_read >= 0:
            os.close(self._result_read)
            self._result_read = -1
        if self._spool is not None:
            shutil.rmtree(self._spool, ignore_errors=True)
            self._spool = None

    def __enter__(self) -> StreamWorker[K, T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _stream_child(
    prepare: Callable[[], object] | None,
    spool: Path,
    job_read: int,
    result_read: int,
    result_write: int,
) -> None:
    os.close(result_read)
    _run_child(partial(_run_stream, prepare, _Inbox(job_read, spool)), result_write)


def _run_stream(prepare: Callable[[], object] | None, inbox: _Inbox) -> dict[Any, Any]:
    """Run jobs as they arrive; once the parent has sent its last one (it is waiting now, its
    core free) and several are left, share those with a forked helper of our own."""
    if prepare is not None:
        prepare()
    results: dict[Any, Any] = {}
    while inbox.pending or not inbox.ended:
        inbox.receive(wait=not inbox.pending)
        if inbox.ended and len(inbox.pending) > 1:
            keys = [key for key, _ in inbox.pending]
            results.update(zip(keys, run_jobs([job for _, job in inbox.pending]), strict=True))
            inbox.pending.clear()
        elif inbox.pending:
            key, job = inbox.pending.pop(0)
            results[key] = job()
    return results


class _Inbox:
    """Job numbers from the pipe (one line each), the jobs themselves from the spool."""

    def __init__(self, fd: int, spool: Path) -> None:
        self.fd = fd
        self.spool = spool
        self.pending: list[tuple[object, Callable[[], object]]] = []
        self.ended = False
        self._buffer = b""

    def receive(self, *, wait: bool) -> None:
        """Take every job sent so far (waiting for one when ``wait``)."""
        os.set_blocking(self.fd, wait)
        while not self.ended:
            try:
                chunk = os.read(self.fd, 1 << 16)
            except BlockingIOError:
                break
            if not chunk:
                self.ended = True
                break
            self._buffer += chunk
            os.set_blocking(self.fd, False)  # got something: take the rest without waiting
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            path = self.spool / f"{int(line)}.pickle"
            self.pending.append(pickle.loads(path.read_bytes()))
            path.unlink()
