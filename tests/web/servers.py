"""Helpers for the tests that run the application as its users do: commands in a new process
and ``minihcvd serve`` on a free port, on SQLite or, when the test session runs on PostgreSQL,
on a fresh database of that server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from minihcvd.web.config import DATABASE_URL_VARIABLE


@contextmanager
def fresh_database() -> Iterator[str | None]:
    """A new empty PostgreSQL database on the session's server (``None`` on SQLite)."""
    url = os.environ.get(DATABASE_URL_VARIABLE, "")
    if not url:
        yield None
        return
    import psycopg

    name = f"minihcvd_{uuid.uuid4().hex[:12]}"
    base, _, query = url.partition("?")
    suffix = f"?{query}" if query else ""

    def on(database: str) -> str:  # the same server and options, another database
        return f"{base.rsplit('/', 1)[0]}/{database}{suffix}"

    with psycopg.connect(on("postgres"), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield on(name)
    finally:
        with psycopg.connect(on("postgres"), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def command_environment(database_url: str | None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in (DATABASE_URL_VARIABLE, "DJANGO_SETTINGS_MODULE", "MINIHCVD_DATA_DIR")
    }
    if database_url:
        env[DATABASE_URL_VARIABLE] = database_url
    env["COLUMNS"] = "120"
    return env


def run_minihcvd(
    args: list[str], database_url: str | None, stdin: str = "", timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``minihcvd ARGS`` in a new process (exit code, stdout, stderr)."""
    return subprocess.run(
        [sys.executable, "-m", "minihcvd", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=command_environment(database_url),
        timeout=timeout,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RunningServer:
    url: str
    output: str
    passwords: dict[str, str]


@contextmanager
def serve_demo(
    data_dir: Path, database_url: str | None, timeout_s: float = 180, demo: bool = True
) -> Iterator[RunningServer]:
    """``minihcvd serve --demo`` (or without ``--demo`` on a prepared data folder) until the
    block ends; the printed demo passwords."""
    port = free_port()
    log = data_dir.parent / "serve.log"
    with log.open("w") as handle:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "minihcvd",
                "serve",
                "--data-dir",
                str(data_dir),
                "--port",
                str(port),
                "--workers",
                "2",
                *(["--demo"] if demo else []),
            ],
            stdout=handle,
            stderr=subprocess.STDOUT,
            env=command_environment(database_url),
        )
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            text = log.read_text()
            if "Listening at" in text:
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"minihcvd serve did not start:\n{text}")
            time.sleep(0.2)
        passwords = {}
        for line in text.splitlines():
            cells = [cell.strip() for cell in line.split("│")]
            if len(cells) == 6 and cells[1] and cells[1] != "username":
                passwords[cells[1]] = cells[4]
        yield RunningServer(f"http://127.0.0.1:{port}", text, passwords)
    finally:
        process.terminate()
        process.wait(timeout=30)
