"""The web commands as a user runs them: `web createsite/createuser/users`, `audit verify`
(intact, then tampered with behind the application's back), bad input as one line."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.web.servers import fresh_database, run_minihcvd

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def database_url() -> Iterator[str | None]:
    with fresh_database() as url:
        yield url


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory, database_url: str | None) -> Path:
    folder = tmp_path_factory.mktemp("commands") / "data"
    made = run_minihcvd(
        ["web", "createsite", "--code", "A", "--name", "Hospital A", "--data-dir", str(folder)],
        database_url,
    )
    assert made.returncode == 0, made.stderr
    user = run_minihcvd(
        [
            "web",
            "createuser",
            "--username",
            "nurse-a",
            "--role",
            "nurse",
            "--site",
            "A",
            "--password-stdin",
            "--data-dir",
            str(folder),
        ],
        database_url,
        stdin="a long enough passphrase 42\n",
    )
    assert user.returncode == 0, user.stderr
    return folder


def test_createsite_and_createuser_say_what_they_made(
    data_dir: Path, database_url: str | None
) -> None:
    """The list shows the user with role and site; the data folder has its 0600 key."""
    listed = run_minihcvd(["web", "users", "--data-dir", str(data_dir)], database_url)
    assert listed.returncode == 0
    assert "nurse-a" in listed.stdout and "nurse" in listed.stdout and " A " in listed.stdout
    assert (data_dir / "secret_key").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    ("args", "stdin", "line"),
    [
        (
            ["web", "createsite", "--code", "a b", "--name", "X"],
            "",
            "error: field 'code': 1-8 capital letters or digits (found 'a b')",
        ),
        (
            [
                "web",
                "createuser",
                "--username",
                "u1",
                "--role",
                "surgeon",
                "--site",
                "A",
                "--password-stdin",
            ],
            "a long enough passphrase 42\n",
            "error: field 'role': expected one of investigator, nurse, pharmacist, statistician, "
            "monitor, admin, found 'surgeon'",
        ),
        (
            [
                "web",
                "createuser",
                "--username",
                "u2",
                "--role",
                "nurse",
                "--site",
                "Q",
                "--password-stdin",
            ],
            "a long enough passphrase 42\n",
            "error: field 'site': no site with the code Q",
        ),
        (
            [
                "web",
                "createuser",
                "--username",
                "u3",
                "--role",
                "nurse",
                "--site",
                "A",
                "--password-stdin",
            ],
            "short\n",
            "error: field 'password': This password is too short. It must contain at least 12 "
            "characters.",
        ),
        (
            [
                "web",
                "createuser",
                "--username",
                "u4",
                "--role",
                "nurse",
                "--site",
                "all",
                "--password-stdin",
            ],
            "a long enough passphrase 42\n",
            "error: field 'site': only statisticians and monitors may have all sites, not a nurse",
        ),
        (
            ["web", "createuser", "--username", "u5", "--role", "nurse", "--site", "A"],
            "",
            "error: field 'password': no terminal to ask for the password: use --password-stdin",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    data_dir: Path, database_url: str | None, args: list[str], stdin: str, line: str
) -> None:
    """One red line naming the field, exit code 2, no traceback, nothing created."""
    done = run_minihcvd([*args, "--data-dir", str(data_dir)], database_url, stdin=stdin)
    assert done.returncode == 2
    assert done.stderr.strip() == line
    listed = run_minihcvd(["web", "users", "--data-dir", str(data_dir)], database_url).stdout
    assert "u1" not in listed and "u5" not in listed


def test_a_data_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    """--data-dir naming a file: one line, exit 2."""
    (tmp_path / "file").write_text("x")
    done = run_minihcvd(["web", "users", "--data-dir", str(tmp_path / "file")], None)
    assert done.returncode == 2 and "expected a folder, found a file" in done.stderr


def _tamper(data_dir: Path, database_url: str | None) -> None:
    """Change entry 2 behind the application's back, as a database administrator could."""
    if database_url is None:
        with sqlite3.connect(data_dir / "minihcvd.sqlite3") as connection:
            connection.execute("DROP TRIGGER audit_auditentry_no_update")
            connection.execute("UPDATE audit_auditentry SET reason = 'forged' WHERE sequence = 2")
        return
    import psycopg

    with psycopg.connect(database_url) as conn:
        conn.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
        conn.execute("UPDATE audit_auditentry SET reason = 'forged' WHERE sequence = 2")


def test_audit_verify_passes_then_names_the_tampered_entry(
    tmp_path: Path, database_url: str | None
) -> None:
    """Exit 0 on an intact chain; exit 1 naming entry #2 once it was altered in the database."""
    with fresh_database() as url:
        folder = tmp_path / "data"
        run_minihcvd(
            ["web", "createsite", "--code", "A", "--name", "Hospital A", "--data-dir", str(folder)],
            url,
        )
        run_minihcvd(
            ["web", "createsite", "--code", "B", "--name", "Hospital B", "--data-dir", str(folder)],
            url,
        )
        intact = run_minihcvd(["audit", "verify", "--data-dir", str(folder)], url)
        assert intact.returncode == 0 and "audit trail intact: 2 entries" in intact.stdout
        _tamper(folder, url)
        broken = run_minihcvd(["audit", "verify", "--data-dir", str(folder)], url)
        assert broken.returncode == 1
        assert broken.stderr.strip() == (
            "audit trail broken at entry #2: its content does not match its hash "
            "(1 entry before it is intact)"
        )
