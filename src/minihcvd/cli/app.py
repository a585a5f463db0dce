"""The Typer application and its error edge.

The CLI is a thin layer over the library: commands parse options, call library functions and
print results. Only the project's own errors are caught, here, at the edge: one red line on
stderr and the error's exit code. Anything else is a bug and keeps its traceback.

Exit codes: 0 success; 1 the requested check found something (e.g. a monitoring rule would stop);
2 bad input (our errors and Click's usage errors).
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from typer._click.exceptions import ClickException
from typer.core import TyperGroup

from minihcvd.errors import MinihcvdError

__all__ = ["app", "console", "end_process", "err_console", "skip_teardown", "start_process"]

console = Console()
err_console = Console(stderr=True)


_teardown = {"skip": False}


def skip_teardown() -> None:
    """Let the process end without the interpreter's teardown once this command has finished.

    After ``analyze`` on a registry-sized package the teardown only frees the data object by
    object (0.1–0.2 s at 200,000 patients). A command calls this only when everything it made
    is written and its helper processes are reaped. Atexit handlers still run (matplotlib's
    temporary folders, logging). Only the console script acts on it (:func:`end_process`);
    a command invoked in-process (tests, library use) is unaffected.
    """
    _teardown["skip"] = True


def end_process(code: object) -> None:
    """Exit at once with ``code`` if the finished command allowed it (else return)."""
    skip, _teardown["skip"] = _teardown["skip"], False
    if not skip or not (code is None or isinstance(code, int)):
        return
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os._exit(code or 0)


def start_process() -> None:
    """The console script's set-up: SIGTERM ends the command like Ctrl-C does, through its
    cleanup (helper processes killed and reaped, temporary files removed, no half-written
    output), and the process ends normally unless this command calls :func:`skip_teardown`."""

    def terminate(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminate)
    _teardown["skip"] = False


def _print_error_line(message: str) -> None:
    err_console.print(f"[bold red]error:[/bold red] {escape(message)}", soft_wrap=True)


# The order of `minihcvd --help`: the workflow, from one patient's calendar to the whole trial.
_COMMAND_ORDER = (
    "demo", "schedule", "validate", "derive", "analyze", "synthesize", "reproduce", "monitor",
    "serve", "web", "audit",
)


class _ErrorEdgeGroup(TyperGroup):
    """A group whose invocation turns our errors and usage errors into one line and an exit code.

    Usage errors of a sub-command (an option that is not a number, a missing option) are raised
    while the sub-command parses its arguments, inside this invocation; Click would print a
    usage panel, we print one line that names the option and points to ``--help``.
    """

    def list_commands(self, ctx: Any) -> list[str]:
        """Commands in workflow order (registration order follows module imports)."""
        registered = super().list_commands(ctx)
        rank = {name: index for index, name in enumerate(_COMMAND_ORDER)}
        return sorted(registered, key=lambda name: rank.get(name, len(rank)))

    def invoke(self, ctx: Any) -> Any:  # typer vendors click; its Context type is private
        try:
            return super().invoke(ctx)
        except MinihcvdError as error:
            _print_error_line(error.one_line())
            ctx.exit(error.exit_code)
        except ClickException as error:
            error_ctx = getattr(error, "ctx", None)  # usage errors carry the failing command
            command_path = error_ctx.command_path if error_ctx is not None else "minihcvd"
            _print_error_line(f"{error.format_message()} (see '{command_path} --help')")
            ctx.exit(error.exit_code)


app = typer.Typer(
    name="minihcvd",
    cls=_ErrorEdgeGroup,
    help="mini-Hyper-CVD + inotuzumab ± blinatumomab (NCT01371630): regimen, data, analysis.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
