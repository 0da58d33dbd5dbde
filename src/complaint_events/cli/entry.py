"""The ``complaint-events`` command's entry point.

A worker process loads only the worker command: the full command line also
imports the HTTP API, the analytics charts (matplotlib, numpy) and the demo,
about 55 MiB of memory and half a second of start-up that a stream processor,
restarted by its supervisor after a crash, should not pay.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Run ``complaint-events`` with the arguments of this process."""
    if sys.argv[1:2] == ["worker"]:
        import typer  # noqa: PLC0415 - the point of this module is what is not imported

        from complaint_events.cli.worker_cmd import worker  # noqa: PLC0415

        alone = typer.Typer(add_completion=False)
        alone.command()(worker)
        alone(args=sys.argv[2:], prog_name="complaint-events worker")
    else:
        from complaint_events.cli.main import app  # noqa: PLC0415

        app()
