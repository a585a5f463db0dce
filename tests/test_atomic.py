"""All-or-nothing output helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

from minihcvd.atomic import atomic_output_dir, write_text_atomic


class TestAtomicOutputDir:
    def test_success_moves_files_into_new_target(self, tmp_path: Path) -> None:
        """A new target folder appears with exactly the staged files."""
        target = tmp_path / "out"
        with atomic_output_dir(target) as staging:
            (staging / "sub").mkdir()
            (staging / "sub" / "a.txt").write_text("a")
        assert (target / "sub" / "a.txt").read_text() == "a"
        assert [p.name for p in tmp_path.iterdir()] == ["out"]

    def test_failure_leaves_nothing(self, tmp_path: Path) -> None:
        """An exception inside the block leaves neither target nor staging behind."""
        target = tmp_path / "out"
        with pytest.raises(RuntimeError), atomic_output_dir(target) as staging:
            (staging / "a.txt").write_text("a")
            raise RuntimeError("boom")
        assert list(tmp_path.iterdir()) == []

    def test_existing_target_keeps_unrelated_files(self, tmp_path: Path) -> None:
        """Files the command does not produce stay; produced ones are replaced."""
        target = tmp_path / "out"
        target.mkdir()
        (target / "keep.txt").write_text("keep")
        (target / "a.txt").write_text("old")
        with atomic_output_dir(target) as staging:
            (staging / "a.txt").write_text("new")
        assert (target / "keep.txt").read_text() == "keep"
        assert (target / "a.txt").read_text() == "new"


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
        atomic = tmp_path / "atomic.txt"
        write_text_atomic(atomic, "x")
        assert atomic.stat().st_mode & 0o777 == plain.stat().st_mode & 0o777

    def test_new_output_dir_has_umask_mode(self, tmp_path: Path) -> None:
        """A new output folder gets the mode of a plain mkdir, not tempfile's 0700."""
        plain = tmp_path / "plain"
        plain.mkdir()
        target = tmp_path / "out"
        with atomic_output_dir(target) as staging:
            (staging / "a.txt").write_text("a")
        assert target.stat().st_mode & 0o777 == plain.stat().st_mode & 0o777
