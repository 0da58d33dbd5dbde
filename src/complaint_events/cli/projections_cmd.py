"""``complaint-events projections``: run, rebuild and inspect the read models."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from complaint_events.adapters.kafka_clients import KafkaClients
from complaint_events.cli.metrics_port import serve_metrics_or_exit
from complaint_events.cli.options import (
    KAFKA,
    METRICS_PORT,
    POSTGRES,
    setting_options,
    settings_of,
)
from complaint_events.cli.stopping import stop_on_signals
from complaint_events.contracts.topology import EVENTS_DLQ_TOPIC, EVENTS_TOPIC

if TYPE_CHECKING:
    from complaint_events.projections.base import Projection

projections_app = typer.Typer(
    help="Read models in PostgreSQL, fed from complaints.events.v1: run, rebuild, status.",
    no_args_is_help=True,
)
console = Console()
err = Console(stderr=True)

Names = Annotated[
    list[str] | None,
    typer.Argument(help="Projections (default: all); see `complaint-events projections list`."),
]


def chosen(names: list[str] | None) -> list[Projection]:
    """The projections named (all when none are), or exit 2 naming the known ones."""
    from complaint_events.projections.catalog import ALL_PROJECTIONS  # noqa: PLC0415 - keeps other commands fast

    by_name = {p.name: p for p in ALL_PROJECTIONS}
    unknown = [n for n in names or [] if n not in by_name]
    if unknown:
        err.print(f"[red]unknown projection {', '.join(unknown)}[/]; known: {', '.join(by_name)}")
        raise typer.Exit(2)
    return [by_name[n] for n in names] if names else list(ALL_PROJECTIONS)


@projections_app.command("list")
def list_projections() -> None:
    """Every projection and its tables."""
    table = Table("projection", "tables")
    for projection in chosen(None):
        table.add_row(projection.name, ", ".join(t.qualified_name for t in projection.tables))
    console.print(table)


@projections_app.command("run")
@setting_options(KAFKA, POSTGRES, METRICS_PORT)
def run(
    ctx: typer.Context,
    names: Names = None,
    batch_size: Annotated[int, typer.Option(help="Events per transaction.")] = 1000,
) -> None:
    """Follow the events topic into the read-model tables until SIGTERM or Ctrl-C.

    Each batch of events and the positions it reached are written in one
    transaction, so a projector killed at any moment resumes without loss or
    double counting. With --metrics-port it serves Prometheus /metrics there.
    """
    from complaint_events.observability import metrics  # noqa: PLC0415
    from complaint_events.projections.positions import Target  # noqa: PLC0415
    from complaint_events.projections.projector import Projector  # noqa: PLC0415

    settings = settings_of(ctx)
    serve_metrics_or_exit(settings, "projector")
    projector = Projector(
        settings.postgres_dsn,
        KafkaClients(settings),
        settings.topic(EVENTS_TOPIC),
        [Target.live(p) for p in chosen(names)],
        dead_letter_topic=settings.topic(EVENTS_DLQ_TOPIC),
        batch_size=batch_size,
    )
    stop = stop_on_signals("projector", "stopping after this batch")
    log = logging.getLogger("complaint_events.projector")
    last = [0]
    deltas = metrics.Deltas()

    def _progress(stats: object) -> None:
        metrics.observe_projector(deltas, projector.stats)
        if projector.stats.read - last[0] >= 1000:
            last[0] = projector.stats.read
            log.info(
                "projected %d events in %d batches", projector.stats.read, projector.stats.batches
            )

    projector.run(stop, on_batch=_progress)
    console.print(f"projector stopped after {projector.stats.read} events")


@projections_app.command("rebuild")
@setting_options(KAFKA, POSTGRES)
def rebuild_command(
    ctx: typer.Context,
    names: Names = None,
    batch_size: Annotated[int, typer.Option(help="Events per transaction.")] = 2000,
) -> None:
    """Rebuild projections from offset zero into shadow tables, then swap them in atomically.

    Queries keep answering from the old tables until the swap; a running
    projector waits for the swap and then carries on from the rebuilt position.
    """
    from complaint_events.projections.rebuild import rebuild  # noqa: PLC0415

    settings = settings_of(ctx)
    selected = chosen(names)
    with Progress(
        TextColumn("rebuilding {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=False,
    ) as bar:
        task = bar.add_task(", ".join(p.name for p in selected), total=None)

        def _progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        report = rebuild(
            settings.postgres_dsn,
            KafkaClients(settings),
            settings.topic(EVENTS_TOPIC),
            selected,
            batch_size=batch_size,
            progress=_progress,
        )
    console.print(
        f"rebuilt {', '.join(report.projections)}: {report.messages} events in "
        f"{report.seconds:.1f} s ({report.rate:,.0f} events/s)"
    )


@projections_app.command("status")
@setting_options(KAFKA, POSTGRES)
def status(ctx: typer.Context, names: Names = None) -> None:
    """How far each projection is behind the events topic; exit 1 if any is behind."""
    import psycopg  # noqa: PLC0415

    from complaint_events.projections.positions import positions  # noqa: PLC0415
    from complaint_events.projections.projector import EventSource  # noqa: PLC0415

    settings = settings_of(ctx)
    topic = settings.topic(EVENTS_TOPIC)
    selected = chosen(names)
    try:
        with psycopg.connect(settings.postgres_dsn, autocommit=True, connect_timeout=5) as conn:
            stored = positions(conn, topic, [p.name for p in selected])
    except psycopg.errors.UndefinedTable:
        stored = {p.name: {} for p in selected}
    source = EventSource(KafkaClients(settings), topic)
    try:
        ends = source.end_offsets()
    finally:
        source.close()
    table = Table("projection", "behind (events)", "positions (partition: next offset)")
    behind_any = False
    for projection in selected:
        mine = stored[projection.name]
        behind = sum(max(end - mine.get(p, 0), 0) for p, end in ends.items())
        behind_any = behind_any or behind > 0
        table.add_row(
            projection.name,
            str(behind),
            ", ".join(f"{p}: {mine.get(p, 0)}/{end}" for p, end in sorted(ends.items())),
        )
    console.print(table)
    raise typer.Exit(1 if behind_any else 0)
