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

How the processes are kept in hand:

* A child does its work inside one ``try`` that ends in ``os._exit`` (status 1 on any error),
  so it never returns into the parent's call stack and never runs the parent's ``finally``
  blocks or atexit handlers; SIGINT and SIGTERM are blocked across the ``fork`` so that no
  signal can land before that. Its standard streams go to /dev/null (another thread of the
  parent, a progress bar, may have held their locks at the fork) and its warnings are off.
  Atexit handlers registered by the child itself (matplotlib's temporary config folder) do run.
* A stream's child leads its own process group, so that closing the worker kills the helper it
  may have forked too; it also exits as soon as it finds its parent gone.
* The parent reaps every child it forked, also on error or Ctrl-C (use the classes as context
  managers), and removes the spool folder.
* A job gives the same result whichever process runs it, and results come back keyed, so the
  output does not depend on the split. Anything unusual — one core, no ``fork`` or a failed
  one, no temporary folder, ``MINIHCVD_PROCESSES=1``, a failed or killed child — falls back to
  running the remaining jobs in the parent, which then raises any error itself.
"""

# bandit B403/B301 (pickle): jobs and results go between this process and its own forked
# children only (a private pipe and a mode-0700 spool folder from mkdtemp), never data from
# outside.
from __future__ import annotations

import atexit
import contextlib
import os
import pickle  # nosec B403
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
K = TypeVar("K", bound=Hashable)

#: Job numbers travel as single bytes.
MAX_JOBS = 255
_ENV = "MINIHCVD_PROCESSES"
_BLOCKED = {signal.SIGINT, signal.SIGTERM}


def worker_processes() -> int:
    """2 where a new forked helper would have a core of its own, else 1.

    A core is taken by this process and by each helper it runs already (a figures' helper
    forked earlier): on two cores a second helper would only share them, and forking a large
    process costs more in copied pages than the overlap gains. ``MINIHCVD_PROCESSES=1``: never.
    """
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
    return 2 if cores - 1 - len(_HELPERS) >= 1 else 1


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
            try:
                self._start()
            except BaseException as error:  # a signal too: nothing may be left behind
                self.close()
                if not isinstance(error, OSError):  # no pipe or no fork: all jobs run here
                    raise

    def _start(self) -> None:
        task_read, task_write = os.pipe()
        os.write(task_write, bytes(range(len(self.jobs))))  # < 64 KiB: never blocks
        os.close(task_write)  # an empty queue then reads as end of file
        self._task_read = task_read
        result_read, result_write = os.pipe()
        self._result_read = result_read
        try:
            work = partial(_run_queue, self.jobs, task_read, result_read)
            _fork(work, result_write, self._started)
        finally:
            os.close(result_write)

    def _started(self, pid: int) -> None:
        self.pid = pid

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


def _run_queue(
    jobs: Sequence[Callable[[], object]], task_read: int, result_read: int
) -> dict[int, object]:
    os.close(result_read)
    return {index: jobs[index]() for index in _Taker(task_read)}


class StreamWorker(Generic[K, T]):
    """A helper process forked now, fed jobs as they appear, its results collected at the end.

    ``prepare`` runs in the child at once (while the parent goes on): the expensive set-up the
    jobs share, such as importing matplotlib. :meth:`submit` pickles a job into a spool folder
    and sends its number down a pipe (a few bytes, so the parent never waits on the child);
    the child runs the jobs in the order given. After :meth:`end_of_jobs` the child knows no
    more will come and shares what is left with a helper of its own (call it when this
    process is about to have little else to do). :meth:`finish` returns every result by key;
    jobs the child did not deliver (no child, or it failed) run here then. Use it as a
    context manager: leaving the block kills the child and any helper of its, reaps the
    child and removes the spool.
    """

    def __init__(self, prepare: Callable[[], object] | None = None) -> None:
        self.jobs: dict[K, Callable[[], T]] = {}
        self.pid: int | None = None
        self._closed = False
        self._job_write = self._result_read = -1
        self._spool: Path | None = None
        if worker_processes() >= 2:
            try:
                self._start(prepare)
            except BaseException as error:  # a signal too: nothing may be left behind
                self.close()
                if not isinstance(error, OSError):  # no folder, pipe or fork: jobs run here
                    raise

    def _start(self, prepare: Callable[[], object] | None) -> None:
        self._spool = Path(tempfile.mkdtemp(prefix="minihcvd-jobs-"))
        job_read, job_write = os.pipe()
        self._job_write = job_write
        _JOB_PIPES.add(job_write)
        try:
            result_read, result_write = os.pipe()
            self._result_read = result_read
            try:
                me = os.getpid()
                work = partial(_run_stream, prepare, self._spool, job_read, result_read, me)
                _fork(work, result_write, self._started, own_group=True)
            finally:
                os.close(result_write)
        finally:
            os.close(job_read)

    def _started(self, pid: int) -> None:
        self.pid = pid

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
        """No more jobs: the child sees the end of its input."""
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
        """Kill the child and its helpers and reap the child if it still runs; close the
        pipes, remove the spool (idempotent)."""
        if self.pid is not None:
            _kill(self.pid, group=True)
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


def _run_stream(
    prepare: Callable[[], object] | None,
    spool: Path,
    job_read: int,
    result_read: int,
    parent: int,
) -> dict[Any, Any]:
    """Run jobs as they arrive; once the parent has sent its last one and several are left,
    share those with a forked helper of our own."""
    os.close(result_read)
    if prepare is not None:
        prepare()
    inbox = _Inbox(job_read, spool, parent)
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

    def __init__(self, fd: int, spool: Path, parent: int) -> None:
        self.fd = fd
        self.spool = spool
        self.parent = parent
        self.pending: list[tuple[object, Callable[[], object]]] = []
        self.ended = False
        self._buffer = b""

    def receive(self, *, wait: bool) -> None:
        """Take every job sent so far (waiting for one when ``wait``)."""
        self._check_parent()
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
            self.pending.append(pickle.loads(path.read_bytes()))  # nosec B301
            path.unlink()
        if self.ended:
            self._check_parent()  # a dead parent's pipe ends too, but not its jobs
            shutil.rmtree(self.spool, ignore_errors=True)  # every job is read: not needed

    def _check_parent(self) -> None:
        if os.getppid() != self.parent:
            shutil.rmtree(self.spool, ignore_errors=True)  # nobody else will
            raise _Orphaned


class _Orphaned(Exception):
    """The parent is gone: the helper stops (its results have nowhere to go)."""


#: Helpers forked by this process and not reaped yet (each keeps a core busy).
_HELPERS: set[int] = set()

#: Write ends of StreamWorker job pipes open in this process. A forked child closes its
#: copies at once: a stream's helper sees the end of its jobs only when every copy is closed.
_JOB_PIPES: set[int] = set()


def _fork(
    work: Callable[[], dict[Any, Any]],
    result_write: int,
    started: Callable[[int], None],
    *,
    own_group: bool = False,
) -> None:
    """Fork a child that sends ``work()``'s results pickled down ``result_write`` and exits
    (status 0, or 1 on any error: the parent then recomputes the work and raises the error).
    In the parent, ``started`` gets the child's pid while SIGINT and SIGTERM are still
    blocked, so that its owner can stop it whatever a pending signal then raises; raises
    OSError if there is no fork."""
    for stream in (sys.stdout, sys.stderr):  # nothing buffered may be written twice
        with contextlib.suppress(AttributeError, OSError, ValueError):
            stream.flush()
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, _BLOCKED)  # until the child is in hand
    try:
        with warnings.catch_warnings():
            # Python 3.12+ warns on fork() with other threads running (the CLI's progress
            # bar): the child touches none of their locks (see _child)
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:
            _child(work, result_write, mask, own_group)  # never returns
        _HELPERS.add(pid)
        started(pid)
        if own_group:
            with contextlib.suppress(OSError):  # the child may have done it (or exited)
                os.setpgid(pid, pid)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def _child(
    work: Callable[[], dict[Any, Any]], result_write: int, mask: set[Any], own_group: bool
) -> None:
    status = 1
    try:
        for number in _BLOCKED:
            signal.signal(number, signal.SIG_DFL)  # Ctrl-C or a kill ends the helper quietly
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        if own_group:
            os.setpgid(0, 0)
        for fd in _JOB_PIPES:  # other streams' job pipes: their helpers must see their end
            os.close(fd)
        _JOB_PIPES.clear()
        _HELPERS.clear()  # the parent's helpers, not ours
        atexit._clear()  # the parent's handlers are not ours to run
        quiet = open(os.devnull, "w")  # noqa: SIM115 (lives until os._exit)
        sys.stdout = sys.stderr = quiet  # the real streams' locks may be held by a thread
        warnings.simplefilter("ignore")
        data = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(data)
        while view:
            view = view[os.write(result_write, view) :]
        status = 0
    except BaseException:  # reported by the exit status
        status = 1
    finally:
        with contextlib.suppress(BaseException):
            atexit._run_exitfuncs()  # the child's own: matplotlib's temporary config folder
        os._exit(status)


def _collect(pid: int, result_read: int) -> dict[Any, Any]:
    """What child ``pid`` sent, once it has exited; nothing if it failed or was cut short."""
    payload = _read_all(result_read)
    _, status = os.waitpid(pid, 0)
    _HELPERS.discard(pid)
    if status != 0:
        return {}
    try:
        results: dict[Any, Any] = pickle.loads(payload)  # nosec B301
    except Exception:  # truncated: the caller recomputes
        return {}
    return results


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


def _kill(pid: int, *, group: bool = False) -> None:
    """SIGKILL ``pid`` (and its process group, when it leads one) and reap it."""
    if group:
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
    _HELPERS.discard(pid)
