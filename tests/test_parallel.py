"""Work on two cores: same results whichever process computes them, errors raised here, no
process left behind (jobs shared with a helper; a helper fed as work appears)."""

from __future__ import annotations

import os
import signal
import stat
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
from tests.processes import ChildWatch, needs_two

from minihcvd import parallel
from minihcvd.parallel import StreamWorker, run_jobs, worker_processes


def _square(value: int) -> tuple[int, int]:
    time.sleep(0.05)  # long enough for the helper to take some of the jobs, even under load
    return value * value, os.getpid()


def _fail(value: int) -> int:
    raise ValueError(f"job {value} failed")


class TestRunJobs:
    @needs_two
    def test_results_in_job_order_from_both_processes(self, children: ChildWatch) -> None:
        """Every job runs once, results come back in order, some in the helper process."""
        jobs: list[Callable[[], tuple[int, int]]] = [partial(_square, i) for i in range(12)]
        results = run_jobs(jobs)
        assert [value for value, _ in results] == [i * i for i in range(12)]
        assert {pid for _, pid in results} - {os.getpid()}, "the helper drew nothing"
        assert children.none_left()

    def test_serial_when_told(self, children: ChildWatch, monkeypatch: pytest.MonkeyPatch) -> None:
        """MINIHCVD_PROCESSES=1 draws everything in this process."""
        monkeypatch.setenv("MINIHCVD_PROCESSES", "1")
        assert worker_processes() == 1
        results = run_jobs([partial(_square, i) for i in range(4)])
        assert results == [(i * i, os.getpid()) for i in range(4)]

    @needs_two
    def test_an_error_is_raised_here_and_the_helper_reaped(self, children: ChildWatch) -> None:
        """A failing job raises in the caller (redrawn here if the helper hit it)."""
        jobs: list[Callable[[], object]] = [partial(_square, i) for i in range(6)]
        jobs[3] = partial(_fail, 3)
        with pytest.raises(ValueError, match="job 3 failed"):
            run_jobs(jobs)
        assert children.none_left()

    @needs_two
    def test_no_second_helper_while_one_holds_the_other_core(
        self, children: ChildWatch, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """On two cores a stream's helper takes the second one: jobs then run here, and
        are shared again once that helper is gone."""
        monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1})
        jobs: list[Callable[[], tuple[int, int]]] = [partial(_square, i) for i in range(6)]
        with StreamWorker[str, int]() as stream:
            assert stream.pid is not None
            assert worker_processes() == 1
            assert {pid for _, pid in run_jobs(jobs)} == {os.getpid()}
        assert worker_processes() == 2
        assert {pid for _, pid in run_jobs(jobs)} - {os.getpid()}
        assert children.none_left()

    def test_single_job_needs_no_helper(self, children: ChildWatch) -> None:
        assert run_jobs([partial(_square, 5)]) == [(25, os.getpid())]
        assert run_jobs([]) == []


class TestStreamWorker:
    @needs_two
    def test_jobs_sent_one_by_one_run_in_the_helper(self, children: ChildWatch) -> None:
        """Jobs submitted while this process works run in the helper; results by key."""
        with StreamWorker[int, tuple[int, int]]() as worker:
            for i in range(3):
                worker.submit(i, partial(_square, i))
                time.sleep(0.12)  # this process "works"; the helper keeps up
            results = worker.finish()
        assert {key: value for key, (value, _) in results.items()} == {0: 0, 1: 1, 2: 4}
        assert os.getpid() not in {pid for _, pid in results.values()}
        assert children.none_left()

    @needs_two
    def test_a_backlog_at_the_end_is_shared_with_a_second_helper(
        self, children: ChildWatch
    ) -> None:
        """Jobs still queued when this process waits are drawn by two processes."""
        with StreamWorker[int, tuple[int, int]]() as worker:
            for i in range(8):
                worker.submit(i, partial(_square, i))
            results = worker.finish()
        assert [results[i][0] for i in range(8)] == [i * i for i in range(8)]
        assert len({pid for _, pid in results.values()}) == 2
        assert children.none_left()

    @needs_two
    def test_prepare_runs_in_the_helper_only(self, children: ChildWatch, tmp_path: Path) -> None:
        """The set-up step (importing matplotlib, say) is paid by the helper, once."""
        marker = tmp_path / "prepared"
        with StreamWorker[int, tuple[int, int]](partial(_touch, marker)) as worker:
            worker.submit(0, partial(_square, 2))
            assert worker.finish()[0][0] == 4
        assert marker.read_text() != str(os.getpid())

    def test_without_a_helper_the_jobs_run_here(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("MINIHCVD_PROCESSES", "1")
        with StreamWorker[int, tuple[int, int]]() as worker:
            worker.submit(0, partial(_square, 3))
            worker.submit(0, partial(_fail, 0))  # a key already submitted is ignored
            assert worker.pid is None
            assert worker.finish() == {0: (9, os.getpid())}

    @needs_two
    def test_an_error_is_raised_here_and_the_helper_reaped(self, children: ChildWatch) -> None:
        with StreamWorker[int, object]() as worker:
            worker.submit(0, partial(_square, 1))
            worker.submit(1, partial(_fail, 1))
            with pytest.raises(ValueError, match="job 1 failed"):
                worker.finish()
        assert children.none_left()

    @needs_two
    def test_an_abandoned_worker_leaves_no_process(self, children: ChildWatch) -> None:
        """Closing before finish (a failed analysis) kills and reaps the helper."""
        worker = StreamWorker[int, tuple[int, int]]()
        worker.submit(0, partial(_square, 1))
        worker.close()
        worker.close()
        assert children.none_left()


def _holds_pipe(inode: int) -> tuple[int, bool]:
    """(this pid, whether any of its file descriptors is the pipe with ``inode``)."""
    time.sleep(0.1)  # long enough for the forked child to take the other job
    held = False
    for entry in os.listdir("/proc/self/fd"):
        try:
            info = os.fstat(int(entry))
        except OSError:
            continue
        held |= stat.S_ISFIFO(info.st_mode) and info.st_ino == inode
    return os.getpid(), held


class TestStreamWorkerPlumbing:
    @needs_two
    def test_other_forked_children_do_not_hold_the_job_pipe(
        self, children: ChildWatch, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A child forked for other work (the Cox models, where a third core is free) closes
        its copy of a stream's job pipe at once: else the stream's helper would not see the
        end of its jobs until that child exits."""
        monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1, 2, 3})
        with StreamWorker[int, tuple[int, int]]() as worker:
            assert worker._job_write >= 0
            inode = os.fstat(worker._job_write).st_ino
            seen = dict(run_jobs([partial(_holds_pipe, inode)] * 2))
            assert seen == {os.getpid(): True, **{pid: False for pid in seen if pid != os.getpid()}}
            assert len(seen) == 2
            worker.submit(0, partial(_square, 2))
            assert worker.finish()[0][0] == 4
        assert children.none_left()

    @needs_two
    def test_the_spool_is_removed_and_late_jobs_refused(self) -> None:
        with StreamWorker[int, tuple[int, int]]() as worker:
            spool = worker._spool
            assert spool is not None and spool.is_dir()
            worker.submit(0, partial(_square, 3))
            worker.end_of_jobs()
            with pytest.raises(RuntimeError, match="after end_of_jobs"):
                worker.submit(1, partial(_square, 4))
            assert worker.finish()[0][0] == 9
        assert not spool.exists()


def _touch(path: Path) -> None:
    path.write_text(str(os.getpid()))


def _record_pid(folder: Path, seconds: float) -> int:
    """A slow job that leaves its process id in ``folder``."""
    (folder / str(os.getpid())).touch()
    time.sleep(seconds)
    return os.getpid()


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for PID 1 to reap it counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _fail_to_prepare() -> None:
    raise RuntimeError("no matplotlib here")


class TestStreamWorkerRobustness:
    @needs_two
    def test_closing_kills_the_helpers_own_helper(self, tmp_path: Path) -> None:
        """After end_of_jobs the helper forks a helper of its own for the backlog; closing the
        worker (an error in the caller) must stop that one too, not leave it to PID 1."""
        worker = StreamWorker[int, int]()
        for i in range(4):
            worker.submit(i, partial(_record_pid, tmp_path, 5.0))
        worker.end_of_jobs()
        deadline = time.monotonic() + 10
        while len(list(tmp_path.iterdir())) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        pids = [int(p.name) for p in tmp_path.iterdir()]
        assert len(pids) == 2, "the backlog was not shared"
        worker.close()
        time.sleep(0.2)
        assert [pid for pid in pids if _alive(pid)] == []

    @needs_two
    def test_a_killed_helper_has_its_jobs_done_here(self, children: ChildWatch) -> None:
        import signal

        with StreamWorker[int, tuple[int, int]]() as worker:
            for i in range(3):
                worker.submit(i, partial(_square, i))
            assert worker.pid is not None
            os.kill(worker.pid, signal.SIGKILL)
            results = worker.finish()
        assert results == {i: (i * i, os.getpid()) for i in range(3)}
        assert children.none_left()

    @needs_two
    def test_a_failing_prepare_means_the_jobs_are_done_here(self, children: ChildWatch) -> None:
        with StreamWorker[int, tuple[int, int]](_fail_to_prepare) as worker:
            worker.submit(0, partial(_square, 5))
            assert worker.finish() == {0: (25, os.getpid())}
        assert children.none_left()

    def test_no_fork_means_the_jobs_are_done_here(
        self, children: ChildWatch, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A failed fork (a process limit, no memory) is no error: the work runs here, and
        nothing is left open or on disk."""

        def no_fork() -> int:
            raise OSError(11, "Resource temporarily unavailable")

        monkeypatch.setattr(os, "fork", no_fork)
        fds_before = set(os.listdir("/proc/self/fd"))
        spools_before = set(Path(tempfile.gettempdir()).glob("minihcvd-jobs-*"))
        with StreamWorker[int, tuple[int, int]]() as worker:
            worker.submit(0, partial(_square, 2))
            assert worker.pid is None
            assert worker.finish() == {0: (4, os.getpid())}
        assert run_jobs([partial(_square, i) for i in range(3)]) == [
            (i * i, os.getpid()) for i in range(3)
        ]
        assert set(os.listdir("/proc/self/fd")) == fds_before
        assert set(Path(tempfile.gettempdir()).glob("minihcvd-jobs-*")) == spools_before
        assert children.none_left()

    @needs_two
    @pytest.mark.parametrize("start", ["stream", "jobs"])
    def test_an_interrupt_just_after_the_fork_leaves_nothing(
        self, children: ChildWatch, monkeypatch: pytest.MonkeyPatch, start: str
    ) -> None:
        """Ctrl-C or SIGTERM (SystemExit) arriving as the helper is forked, before it is
        handed over, is raised here and leaves no process, descriptor or spool behind."""
        real_sigmask = signal.pthread_sigmask
        parent = os.getpid()

        def unblock_and_interrupt(how: int, mask: object) -> object:
            previous = real_sigmask(how, mask)  # type: ignore[arg-type]
            if how == signal.SIG_SETMASK and os.getpid() == parent and parallel._HELPERS:
                raise KeyboardInterrupt  # the pending signal's handler, once unblocked
            return previous

        monkeypatch.setattr(signal, "pthread_sigmask", unblock_and_interrupt)
        fds_before = set(os.listdir("/proc/self/fd"))
        spools_before = set(Path(tempfile.gettempdir()).glob("minihcvd-jobs-*"))
        with pytest.raises(KeyboardInterrupt):
            if start == "stream":
                StreamWorker[int, int]()
            else:
                parallel.JobRunner([partial(_square, 1), partial(_square, 2)])
        assert children.none_left()
        assert set(os.listdir("/proc/self/fd")) == fds_before
        assert set(Path(tempfile.gettempdir()).glob("minihcvd-jobs-*")) == spools_before

    @needs_two
    def test_the_helper_removes_the_spool_once_it_has_every_job(self) -> None:
        with StreamWorker[int, tuple[int, int]]() as worker:
            spool = worker._spool
            assert spool is not None
            worker.submit(0, partial(_square, 1))
            worker.end_of_jobs()
            deadline = time.monotonic() + 10
            while spool.exists() and time.monotonic() < deadline:
                time.sleep(0.02)
            assert not spool.exists()  # before finish(): a killed parent leaves nothing
            assert worker.finish()[0][0] == 1

    @needs_two
    def test_atexit_handlers_of_the_helper_run_and_of_the_parent_do_not(
        self, tmp_path: Path
    ) -> None:
        """The helper runs the exit handlers it registered (matplotlib removes its temporary
        config folder in one) but never the parent's (they would act on the parent's files)."""
        import atexit

        parent_marker = tmp_path / "parent-handler-ran"
        atexit.register(parent_marker.touch)
        try:
            with StreamWorker[int, tuple[int, int]](
                partial(atexit.register, (tmp_path / "helper-handler-ran").touch)
            ) as worker:
                worker.submit(0, partial(_square, 3))
                assert worker.finish()[0][0] == 9
        finally:
            atexit.unregister(parent_marker.touch)
        assert (tmp_path / "helper-handler-ran").exists()
        assert not parent_marker.exists()
