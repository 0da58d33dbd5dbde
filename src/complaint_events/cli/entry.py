"""The ``complaint-events`` command's entry point.

A worker process loads only the worker command: the full command line also
imports the HTTP API, the analytics charts (matplotlib, numpy) and the demo,
about 55 MiB of memory and half a second of start-up that a stream processor,
restarted by its supervisor after a crash, should not pay.

Typer's help shows a type beside every option, ``<bool>`` too, although a
flag takes no value: :func:`_flags_without_type` blanks the type of flags
(``--help`` included) before the command runs.

Either way, an unusable setting or an unreachable service ends the command
with one line and exit code 2 (:mod:`complaint_events.cli.errors`), not a
traceback. The command line waits 5 s for PostgreSQL (a worker 30 s) unless
``COMPLAINTS_POSTGRES_CONNECT_TIMEOUT`` says otherwise.
"""

from __future__ import annotations

import os
import sys
from typing import Any


def main() -> None:
    """Run ``complaint-events`` with the arguments of this process."""
    try:
        _run()
    except Exception as error:
        from complaint_events.cli.errors import EXIT_UNUSABLE, explain  # noqa: PLC0415

        message = explain(error)
        if message is None:
            raise
        print(f"complaint-events: {message}", file=sys.stderr)  # noqa: T201
        sys.exit(EXIT_UNUSABLE)


def _run() -> None:
    if sys.argv[1:2] == ["worker"]:
        import typer  # noqa: PLC0415 - the point of this module is what is not imported

        from complaint_events.cli.worker_cmd import worker  # noqa: PLC0415

        alone = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
        alone.command()(worker)
        command = typer.main.get_command(alone)
        _flags_without_type(command)
        command(args=sys.argv[2:], prog_name="complaint-events worker")
    else:
        os.environ.setdefault("COMPLAINTS_POSTGRES_CONNECT_TIMEOUT", "5")
        import typer  # noqa: PLC0415

        from complaint_events.cli.main import app  # noqa: PLC0415

        command = typer.main.get_command(app)
        _flags_without_type(command)
        command(prog_name="complaint-events")


def _flags_without_type(command: Any) -> None:
    """Blank the ``<bool>`` typer's help prints beside each flag, here and in subcommands."""
    import click  # noqa: PLC0415

    for param in command.params:
        if getattr(param, "is_flag", False):
            param.metavar = ""
    help_option = command.get_help_option(click.Context(command))
    if help_option is not None:
        help_option.metavar = ""
    for sub in getattr(command, "commands", {}).values():
        _flags_without_type(sub)
