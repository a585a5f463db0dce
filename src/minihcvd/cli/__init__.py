"""Command-line interface: ``minihcvd <command>``. Each module registers its commands on ``app``."""

from __future__ import annotations

from minihcvd.cli import (  # noqa: F401  (imported for their command registrations)
    analysis_commands,
    cohort_commands,
    data_commands,
    monitor_commands,
    schedule_commands,
    web_commands,
)
from minihcvd.cli.app import app, end_process, start_process

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    start_process()
    try:
        app()
    except SystemExit as done:
        end_process(done.code)
        raise
