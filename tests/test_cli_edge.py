"""The CLI's error edge: usage errors and our errors become one line and exit code 2."""

from __future__ import annotations

import typer
from tests.processes import loaded_by_import
from typer.testing import CliRunner

from minihcvd.cli import app


class TestUsageErrors:
    def test_non_numeric_option_is_one_line(self) -> None:
        """A value that is not a number names the option in one line, exit 2."""
        result = CliRunner().invoke(
            app,
            ["schedule", "--protocol", "amended", "--height-cm", "abc", "--weight-kg", "70",
             "--start", "2025-01-06"],
        )
        assert result.exit_code == 2
        lines = result.output.strip().splitlines()
        assert len(lines) == 1
        assert lines[0].startswith("error: Invalid value for '--height-cm'")
        assert lines[0].endswith("(see 'minihcvd schedule --help')")

    def test_missing_option_is_one_line(self) -> None:
        """A missing required option is one line naming it, exit 2."""
        result = CliRunner().invoke(
            app, ["schedule", "--protocol", "amended", "--weight-kg", "70", "--start", "2025-01-06"]
        )
        assert result.exit_code == 2
        assert result.output.strip() == (
            "error: Missing option '--height-cm'. (see 'minihcvd schedule --help')"
        )


class TestHelp:
    def test_commands_in_workflow_order(self) -> None:
        """`minihcvd --help` lists the demo first, then the workflow from patient to trial."""
        from minihcvd.cli.app import _COMMAND_ORDER, _ErrorEdgeGroup

        group = typer.main.get_command(app)
        assert isinstance(group, _ErrorEdgeGroup)
        with group.make_context("minihcvd", ["--help"], resilient_parsing=True) as ctx:
            assert tuple(group.list_commands(ctx)) == _COMMAND_ORDER

    def test_every_command_has_help(self) -> None:
        """`--help` of every command and sub-command renders (help texts are Rich markup)."""
        group = typer.main.get_command(app)
        assert isinstance(group, typer.core.TyperGroup)
        paths: list[list[str]] = []
        for name, command in group.commands.items():
            paths.append([name])
            if isinstance(command, typer.core.TyperGroup):
                paths.extend([name, sub] for sub in command.commands)
        runner = CliRunner()
        for path in paths:
            result = runner.invoke(app, [*path, "--help"])
            assert result.exit_code == 0, (path, result.output)
            assert "Usage:" in result.output


class TestStartUp:
    def test_loading_the_cli_leaves_the_heavy_layers_unloaded(self) -> None:
        """The commands import their library layers when they run: `minihcvd --help` or
        `minihcvd analyze` do not pay for pandas, pydantic, the protocol files or matplotlib
        that they do not use (start-up is part of every command's time)."""
        heavy = ("pandas", "pydantic", "yaml", "scipy", "matplotlib", "minihcvd.protocol")
        assert loaded_by_import("minihcvd.cli", heavy) == []


class TestEnding:
    def test_ending_without_teardown_still_runs_exit_handlers(self) -> None:
        """The console script's quick exit after analyze skips only the freeing of objects:
        exit handlers (matplotlib's temporary folders, logging) still run, output is flushed,
        and the exit code is kept."""
        import subprocess
        import sys

        probe = (
            "import atexit, sys\n"
            "from minihcvd.cli.app import end_process, skip_teardown\n"
            "atexit.register(lambda: print('exit handler ran'))\n"
            "print('before', end='')\n"
            "skip_teardown()\n"
            "end_process(3)\n"
            "print('not reached')\n"
        )
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
        assert done.returncode == 3
        assert done.stdout == "beforeexit handler ran\n"
