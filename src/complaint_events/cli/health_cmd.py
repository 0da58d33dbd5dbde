"""``complaint-events health``: is each stream processor caught up (consumer lag)?"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from complaint_events.cli.options import KAFKA, POSTGRES, setting_options, settings_of
from complaint_events.consumers.health import HealthCheckError, ProcessorHealth, check
from complaint_events.consumers.topology import ALL, PROCESSORS

EXIT_CAUGHT_UP = 0
EXIT_LAGGING = 1
EXIT_UNREACHABLE = 2
EXIT_STALLED = 3

_HINT = "is Kafka running? start it with scripts/devstack up (or set COMPLAINTS_KAFKA_BOOTSTRAP)"
_PG_HINT = (
    "is PostgreSQL running? start it with scripts/devstack up (or set COMPLAINTS_POSTGRES_DSN)"
)


@setting_options(KAFKA, POSTGRES)
def health(
    ctx: typer.Context,
    names: Annotated[
        list[str] | None,
        typer.Argument(
            help=f"Processors to check: {', '.join(PROCESSORS)}; or {ALL} for the group "
            f"of 'worker {ALL}' (default: every processor, each in its own group).",
            show_default=False,
            metavar="NAME...",
        ),
    ] = None,
    max_lag: Annotated[
        int,
        typer.Option("--max-lag", min=0, help="Lag still counted as caught up."),
    ] = 0,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON (one object) instead of a table.")
    ] = False,
    group_all: Annotated[
        bool,
        typer.Option(
            "--group-all",
            help=f"Check the consumer group of 'worker {ALL}' instead of each processor's own.",
        ),
    ] = False,
) -> None:
    """Say whether each stream processor is caught up (its consumer lag).

    Lag is how far a processor is behind: for each partition of its
    source topics, the end offset minus the offset its consumer group
    committed, summed (a partition with nothing committed counts whole).
    For the relay, the stored notifications beyond its saved position
    (needs COMPLAINTS_STORE=postgres).

    A processor that lags is reported stalled when its worker's stall
    watchdog saw a lagging partition's committed offset stand still for
    COMPLAINTS_STALL_TIMEOUT seconds and it has not moved since (the
    watchdog then ends the worker, exit code 70, for its supervisor to
    restart it).

    Exit status: 0 every checked processor is caught up (lag ≤ --max-lag);
    1 one lags; 2 Kafka (or PostgreSQL) cannot be reached; 3 one is stalled.
    """
    if not logging.getLogger().isEnabledFor(logging.DEBUG):
        # The Kafka client logs every connection attempt; the table (or the one-line
        # error below) says all that matters unless --verbose asks for more.
        logging.getLogger("kafka").setLevel(logging.CRITICAL)
    settings = settings_of(ctx)
    err = Console(stderr=True)
    try:
        results = check(settings, names or [], max_lag=max_lag, group_all=group_all)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="NAME...") from None
    except HealthCheckError as error:
        hint = _PG_HINT if error.service == "postgres" else _HINT
        err.print(f"[red]health check failed[/]: {error}", soft_wrap=True, highlight=False)
        err.print(hint, soft_wrap=True, highlight=False)
        raise typer.Exit(EXIT_UNREACHABLE) from None
    caught_up = all(r.caught_up for r in results)
    stalled = any(r.stalled for r in results)
    if as_json:
        document = {
            "caught_up": caught_up,
            "stalled": stalled,
            "max_lag": max_lag,
            "processors": [asdict(r) for r in results],
        }
        typer.echo(json.dumps(document, indent=2))
    else:
        Console().print(_table(results, max_lag))
    if stalled:
        raise typer.Exit(EXIT_STALLED)
    raise typer.Exit(EXIT_CAUGHT_UP if caught_up else EXIT_LAGGING)


def _table(results: list[ProcessorHealth], max_lag: int) -> Table:
    table = Table(title=f"stream processors (caught up: lag ≤ {max_lag})", title_justify="left")
    table.add_column("processor", style="bold")
    table.add_column("group")
    table.add_column("lag", justify="right")
    table.add_column("caught up")
    table.add_column("detail")
    for r in results:
        table.add_row(
            r.processor,
            r.group,
            str(r.lag),
            "[green]yes[/]" if r.caught_up else "[red]stalled[/]" if r.stalled else "[red]no[/]",
            r.detail,
        )
    return table
