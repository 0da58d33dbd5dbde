"""``complaint-events worker``: run stream processors (faust workers)."""

from __future__ import annotations

import inspect
from typing import Annotated

import typer
from rich.console import Console

from complaint_events.cli.options import (
    KAFKA,
    METRICS_PORT,
    POSTGRES,
    setting_options,
    settings_of,
)
from complaint_events.clock import ClockError, clock_from_spec

err = Console(stderr=True)


def _processor_list() -> str:
    from complaint_events.consumers.topology import PROCESSORS  # noqa: PLC0415 - keeps --help of other commands fast

    return "\n\n".join(f"{spec.name}: {spec.summary}" for spec in PROCESSORS.values())


@setting_options(KAFKA, POSTGRES, METRICS_PORT)
def worker(
    ctx: typer.Context,
    names: Annotated[
        list[str],
        typer.Argument(help="Processors to run (or 'all'); see the list above.", metavar="NAME..."),
    ],
    clock: Annotated[
        str | None,
        typer.Option("--clock", help="'system' or 'file:PATH' \\[env COMPLAINTS_CLOCK]."),
    ] = None,
    loglevel: Annotated[str, typer.Option("--loglevel", help="debug, info or warning.")] = "info",
) -> None:
    """Run stream processors until SIGTERM or Ctrl-C.

    Each processor started alone is its own consumer group
    (complaint-events-NAME); 'all' runs every processor, the relay included,
    in one process for small installs. The event store is PostgreSQL.
    `complaint-events health` tells whether they are caught up.

    A worker whose processors leave messages waiting without committing an
    offset for COMPLAINTS_STALL_TIMEOUT seconds (default 60) logs which
    partitions stalled and exits with code 70: run it under a supervisor
    that restarts it (compose restart policy, systemd, Kubernetes).

    With --metrics-port (COMPLAINTS_METRICS_PORT) it serves Prometheus
    /metrics there; each worker on one host needs a port of its own.
    """
    from complaint_events.consumers.app import run_worker  # noqa: PLC0415
    from complaint_events.consumers.topology import resolve  # noqa: PLC0415
    from complaint_events.observability.metrics_server import MetricsPortError  # noqa: PLC0415

    settings = settings_of(ctx, store="postgres", clock=clock)
    try:
        resolve(names)
        clock_from_spec(settings.clock).now()  # a clock that cannot tell the time stops here
    except (ValueError, ClockError) as error:
        err.print(f"[red]{error}[/]")
        raise typer.Exit(2) from None
    try:
        run_worker(settings, names, loglevel=loglevel)
    except MetricsPortError as error:
        err.print(f"[red]{error}[/]")
        raise typer.Exit(2) from None


worker.__doc__ = f"{inspect.cleandoc(worker.__doc__ or '')}\n\nProcessors:\n\n{_processor_list()}"
