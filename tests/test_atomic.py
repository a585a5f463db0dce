"""All-or-nothing output helpers: folders replaced as a whole, output paths checked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from minihcvd import atomic
from minihcvd.atomic import (
    OutputFolder,
    atomic_output_dir,
    check_output_file,
    check_output_folder,
    remove_leftovers,
    write_text_atomic,
)
from minihcvd.errors import ReportError

OUTPUT = OutputFolder("the test output", ("a.txt", "b.txt", "sub"), ReportError)


def _tree(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): p.read_text() for p in sorted(folder.rglob("*")) if p.is_file()
    }


class TestAtomicOutputDir:
    def test_success_moves_files_into_new_target(self, tmp_path: Path) -> None:
        """A new target folder appears with exactly the staged files."""
        target = tmp_path / "out"
        with atomic_output_dir(target, OUTPUT) as staging:
            (staging / "sub").mkdir()
            (staging / "sub" / "a.txt").write_text("a")
        assert (target / "sub" / "a.txt").read_text() == "a"
        assert [p.name for p in tmp_path.iterdir()] == ["out"]

    def test_failure_leaves_nothing(self, tmp_path: Path) -> None:
        """An exception inside the block leaves neither target nor staging behind."""
        target = tmp_path / "out"
        with pytest.raises(RuntimeError), atomic_output_dir(target, OUTPUT) as staging:
            (staging / "a.txt").write_text("a")
            raise RuntimeError("boom")
        assert list(tmp_path.iterdir()) == []

    def test_failure_keeps_the_old_folder_as_it_was(self, tmp_path: Path) -> None:
        """An error while writing leaves the earlier output exactly as it was."""
        target = tmp_path / "out"
        target.mkdir()
        (target / "a.txt").write_text("old")
        with pytest.raises(RuntimeError), atomic_output_dir(target, OUTPUT) as staging:
            (staging / "a.txt").write_text("new")
            raise RuntimeError("boom")
        assert _tree(target) == {"a.txt": "old"}
        assert [p.name for p in tmp_path.iterdir()] == ["out"]

    def test_existing_target_is_replaced_as_a_whole(self, tmp_path: Path) -> None:
        """A file of the earlier run that this run does not write is gone (nothing stale)."""
        target = tmp_path / "out"
        (target / "sub").mkdir(parents=True)
        (target / "sub" / "old.png").write_text("old figure")
        (target / "b.txt").write_text("old")
        with atomic_output_dir(target, OUTPUT) as staging:
            (staging / "a.txt").write_text("new")
        assert _tree(target) == {"a.txt": "new"}
        assert [p.name for p in tmp_path.iterdir()] == ["out"]

    def test_without_an_exchange_two_renames_do(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Where renameat2 is missing (not Linux, a file system without it) the folder is
        still replaced as a whole and no old folder is left."""
        monkeypatch.setattr(atomic, "_exchange", lambda first, second: False)
        target = tmp_path / "out"
        target.mkdir()
        (target / "b.txt").write_text("old")
        with atomic_output_dir(target, OUTPUT) as staging:
            (staging / "a.txt").write_text("new")
        assert _tree(target) == {"a.txt": "new"}
        assert [p.name for p in tmp_path.iterdir()] == ["out"]

    def test_foreign_entries_are_refused_and_kept(self, tmp_path: Path) -> None:
        """A folder holding files this output never writes is not replaced (they would be
        lost): one error naming them, nothing written."""
        target = tmp_path / "out"
        target.mkdir()
        (target / "notes.txt").write_text("mine")
        refused = pytest.raises(ReportError, match=r"holds notes.txt, which is not part of the "
                                r"test output; the folder is replaced as a whole: remove it")
        with refused, atomic_output_dir(target, OUTPUT) as staging:
            (staging / "a.txt").write_text("new")
        assert _tree(target) == {"notes.txt": "mine"}
        assert [p.name for p in tmp_path.iterdir()] == ["out"]

    def test_os_error_is_the_outputs_error(self, tmp_path: Path) -> None:
        """A failure of the file system (here: a path under a file) is one error naming the
        target, not an OSError."""
        (tmp_path / "file").write_text("x")
        target = tmp_path / "file" / "out"
        refused = pytest.raises(ReportError, match="cannot write the test output: Not a directory")
        with refused, atomic_output_dir(target, OUTPUT):
            pass


class TestLeftovers:
    def test_a_dead_writers_staging_folder_is_removed(self, tmp_path: Path) -> None:
        """A staging or old folder whose process has ended is removed by the next run;
        one of a live process (this one) stays."""
        done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)
        dead = int(done.stdout)
        for name in (f".out.minihcvd-{dead}-abc_12.staging", f".x.minihcvd-{dead}-zz.old"):
            (tmp_path / name).mkdir()
            (tmp_path / name / "half.png").write_text("half")
        mine = tmp_path / f".out.minihcvd-{os.getpid()}-live.staging"
        mine.mkdir()
        (tmp_path / ".hidden.staging").mkdir()  # not one of ours
        with atomic_output_dir(tmp_path / "out", OUTPUT) as staging:
            (staging / "a.txt").write_text("a")
        assert sorted(p.name for p in tmp_path.iterdir()) == [
            ".hidden.staging", mine.name, "out"
        ]

    def test_remove_leftovers_lists_what_it_removed(self, tmp_path: Path) -> None:
        """remove_leftovers returns the folders it removed."""
        leftover = tmp_path / f".out.minihcvd-{2**22 + 7}-q.staging"  # above Linux's pid_max
        leftover.mkdir()
        assert remove_leftovers(tmp_path) == [leftover]
        assert list(tmp_path.iterdir()) == []


def _special_paths(folder: Path) -> dict[str, Path]:
    os.mkfifo(folder / "fifo")
    (folder / "target").mkdir()
    (folder / "link").symlink_to(folder / "target")
    (folder / "file").write_text("x")
    return {
        "fifo": folder / "fifo",
        "link": folder / "link",
        "device": Path("/dev/null"),
        "file": folder / "file",
        "folder": folder / "target",
    }


FOLDER_REFUSALS = [
    ("fifo", "--out must name a folder to write; this is a FIFO"),
    ("link", "--out must name a folder to write; this is a symbolic link"),
    ("device", "--out must name a folder to write; this is a device"),
    ("file", "the output path exists and is not a folder"),
]


class TestCheckOutputFolder:
    @pytest.mark.parametrize(("name", "message"), FOLDER_REFUSALS)
    def test_refuses_what_is_not_a_folder(self, name: str, message: str, tmp_path: Path) -> None:
        """A FIFO, a symbolic link (even to a folder), a device, a file: refused."""
        path = _special_paths(tmp_path)[name]
        with pytest.raises(ReportError) as raised:
            check_output_folder(path, OUTPUT)
        assert raised.value.one_line() == f"{path}: {message}"

    @pytest.mark.parametrize(("given", "which"), [
        ("", "the current folder"), (".", "the current folder"), ("/", "the root folder"),
        ("..", "a folder that holds the current one"),
    ])
    def test_refuses_the_current_folder_and_those_above(
        self, given: str, which: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """--out '' (read as '.'), '.', '/' and '..' would replace the folder one is in."""
        (tmp_path / "here").mkdir()
        monkeypatch.chdir(tmp_path / "here")
        with pytest.raises(ReportError, match=f"it is replaced as a whole\\); this is {which}$"):
            check_output_folder(Path(given), OUTPUT)

    def test_refuses_an_unwritable_parent(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A parent folder this process may not write in is refused before any work (as root
        every folder is writable, so the permission is denied here by stand-in)."""
        monkeypatch.setattr(atomic.os, "access", lambda path, mode: False)
        with pytest.raises(ReportError, match="cannot write the test output: Permission denied"):
            check_output_folder(tmp_path / "new", OUTPUT)

    def test_allows_absent_and_own_folders(self, tmp_path: Path) -> None:
        """An absent path (parents too) and a folder of its own entries pass."""
        check_output_folder(tmp_path / "a" / "b", OUTPUT)
        (tmp_path / "own").mkdir()
        (tmp_path / "own" / "a.txt").write_text("x")
        check_output_folder(tmp_path / "own", OUTPUT)


class TestCheckOutputFile:
    @pytest.mark.parametrize(("name", "kind"), [
        ("fifo", "not a regular file"), ("link", "a symbolic link"),
        ("device", "not a regular file"), ("folder", "a folder"),
    ])
    def test_refuses_what_is_not_a_regular_file(
        self, name: str, kind: str, tmp_path: Path
    ) -> None:
        """Only an absent path or a regular file may be (re)written."""
        path = _special_paths(tmp_path)[name]
        with pytest.raises(ReportError) as raised:
            check_output_file(path, error=ReportError)
        assert raised.value.one_line() == f"{path}: --out must name a file to write; this is {kind}"

    def test_allows_absent_and_regular_files(self, tmp_path: Path) -> None:
        """An absent path and a regular file pass."""
        check_output_file(tmp_path / "new.csv", error=ReportError)
        check_output_file(_special_paths(tmp_path)["file"], error=ReportError)


class TestWriteTextAtomic:
    def test_writes_and_leaves_no_temporary(self, tmp_path: Path) -> None:
        """The file has the text and no temporary file remains."""
        write_text_atomic(tmp_path / "x" / "f.txt", "hé")
        assert (tmp_path / "x" / "f.txt").read_text(encoding="utf-8") == "hé"
        assert [p.name for p in (tmp_path / "x").iterdir()] == ["f.txt"]


class TestPermissions:
    def test_written_file_has_umask_mode(self, tmp_path: Path) -> None:
        """An atomically written file is as readable as a plainly written one (not 0600)."""
        plain = tmp_path / "plain.txt"
        plain.write_text("x")
        atomic_file = tmp_path / "atomic.txt"
        write_text_atomic(atomic_file, "x")
        assert atomic_file.stat().st_mode & 0o777 == plain.stat().st_mode & 0o777

    def test_new_output_dir_has_umask_mode(self, tmp_path: Path) -> None:
        """A new output folder gets the mode of a plain mkdir, not tempfile's 0700."""
        plain = tmp_path / "plain"
        plain.mkdir()
        target = tmp_path / "out"
        with atomic_output_dir(target, OUTPUT) as staging:
            (staging / "a.txt").write_text("a")
        assert target.stat().st_mode & 0o777 == plain.stat().st_mode & 0o777
