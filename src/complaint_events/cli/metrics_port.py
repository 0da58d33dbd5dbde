"""The metrics port of a long-running command (relay, projector), or exit 2 saying why."""

from __future__ import annotations

import typer
from rich.console import Console

from complaint_events.settings import Settings

err = Console(stderr=True)


def serve_metrics_or_exit(settings: Settings, what: str) -> None:
    """Serve ``/metrics`` if ``--metrics-port`` (COMPLAINTS_METRICS_PORT) is set; a port
    that cannot be opened ends the command with exit code 2, naming it."""
    if settings.metrics_port == 0:
        return
    from complaint_events.observability.metrics_server import (  # noqa: PLC0415 - keeps --help fast
        MetricsPortError,
        serve_metrics,
    )

    try:
        serve_metrics(settings, what)
    except MetricsPortError as error:
        err.print(f"[red]{error}[/]")
        raise typer.Exit(2) from None
