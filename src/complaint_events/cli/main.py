"""``complaint-events``: the command line of the complaint workflow engine."""

from __future__ import annotations

import logging
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated
from uuid import UUID

import typer
from rich.console import Console

from complaint_events import __version__
from complaint_events.application.refusals import CaseNotFoundError
from complaint_events.bootstrap import build_cases, build_producer, build_relay
from complaint_events.cli.adapters_cmd import adapters_app
from complaint_events.cli.analytics_cmd import analytics_app
from complaint_events.cli.api_cmd import api_app
from complaint_events.cli.audit_cmd import audit_app
from complaint_events.cli.case_show_cmd import case_show
from complaint_events.cli.demo_cmd import demo
from complaint_events.cli.health_cmd import health
from complaint_events.cli.metrics_port import serve_metrics_or_exit
from complaint_events.cli.options import (
    KAFKA,
    METRICS_PORT,
    POSTGRES,
    STORE,
    setting_options,
    settings_of,
)
from complaint_events.cli.privacy_cmd import privacy_app
from complaint_events.cli.projections_cmd import projections_app
from complaint_events.cli.render import history_table
from complaint_events.cli.schemas_cmd import schemas_app
from complaint_events.cli.stopping import stop_on_signals
from complaint_events.cli.store_found import open_existing_cases
from complaint_events.cli.worker_cmd import worker
from complaint_events.clock import SimulatedClock
from complaint_events.contracts.topology import EVENTS_TOPIC
from complaint_events.demo.scenario import Scenario
from complaint_events.observability.json_logs import configure_logging, format_from_env

app = typer.Typer(
    name="complaint-events",
    help="Event-sourced workflow engine for e-commerce product-quality complaints.\n\n"
    "Configuration comes from COMPLAINTS_* environment variables "
    "(see docs/configuration.md); flags override them.",
    no_args_is_help=True,
    add_completion=False,
)
case_app = typer.Typer(help="Read complaint cases from the event store.", no_args_is_help=True)
topics_app = typer.Typer(help="Manage the project's Kafka topics.", no_args_is_help=True)
app.add_typer(schemas_app, name="schemas")
app.add_typer(case_app, name="case")
app.add_typer(topics_app, name="topics")
app.add_typer(audit_app, name="audit")
case_app.command("show")(case_show)
app.add_typer(analytics_app, name="analytics")
app.add_typer(projections_app, name="projections")
app.add_typer(privacy_app, name="privacy")
app.command("health")(health)
app.command("worker")(worker)
app.command("demo")(demo)
app.add_typer(api_app, name="api")
app.add_typer(adapters_app, name="adapters")

console = Console()
err = Console(stderr=True)


@app.callback()
@setting_options(STORE, POSTGRES, KAFKA)
def _main(
    ctx: typer.Context,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log debug output.")] = False,
) -> None:
    configure_logging(logging.DEBUG if verbose else logging.INFO, format_from_env())
    if not verbose:
        # The Kafka clients narrate every connection at INFO and every failed one at
        # ERROR; an unreachable Kafka is said once, by cli.errors (or by a worker).
        for chatty in ("kafka", "aiokafka"):
            logging.getLogger(chatty).setLevel(logging.CRITICAL)


@app.command()
def version() -> None:
    """Print the version."""
    console.print(__version__)


@app.command("demo-samples")
@setting_options(STORE, POSTGRES)
def demo_samples(
    ctx: typer.Context,
    sqlite_path: Annotated[
        Path | None,
        typer.Option("--sqlite-path", help="SQLite file (default: a fresh temporary file)."),
    ] = None,
) -> None:
    """Play four hand-written sample complaints (embedded); print the histories of their cases.

    One complaint is the same problem filed again by e-mail: it is recorded as a
    duplicate on the first one's case, so the four complaints make three cases.
    """
    path = sqlite_path or Path(tempfile.mkdtemp(prefix="complaints-demo-")) / "events.sqlite"
    settings = settings_of(ctx, sqlite_path=path)
    cases = build_cases(settings)
    clock = SimulatedClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    where = settings.sqlite_path if settings.store == "sqlite" else "PostgreSQL"
    console.print(
        f"[bold]complaint-events demo[/] — event store: {settings.store} ({where}); "
        f"simulated clock from {clock.now():%Y-%m-%d %H:%M} UTC"
    )
    case_ids = Scenario(cases, clock, lambda line: console.print(f"  {line}")).run()
    for case_id in case_ids:
        console.print(history_table(case_id, cases.history(case_id)))
    console.print(
        f"[green]done[/]: {len(case_ids)} cases; simulated clock now "
        f"{clock.now():%Y-%m-%d %H:%M} UTC"
    )


@case_app.command("history")
@setting_options(STORE, POSTGRES)
def case_history(
    ctx: typer.Context, case_id: Annotated[str, typer.Argument(help="The case id (UUID).")]
) -> None:
    """Print every stored event of a case."""
    cases = open_existing_cases(settings_of(ctx))
    try:
        ident = UUID(case_id)
        console.print(history_table(ident, cases.history(ident)))
    except ValueError:
        err.print(f"[red]not a case id[/]: {case_id!r} (expected a UUID)")
        raise typer.Exit(2) from None
    except CaseNotFoundError as error:
        err.print(f"[red]{error}[/]")
        raise typer.Exit(2) from None  # as case show: an unknown case is a usage error


@topics_app.command("create")
@setting_options(KAFKA)
def topics_create(ctx: typer.Context) -> None:
    """Create every missing topic (docs/architecture.md, Topics)."""
    from complaint_events.adapters.kafka_topics import ensure_topics  # noqa: PLC0415

    created = ensure_topics(settings_of(ctx), bootstrap_timeout_ms=8_000)
    console.print(f"created: {', '.join(created)}" if created else "all topics exist")


@app.command()
@setting_options(POSTGRES, KAFKA, METRICS_PORT)
def relay(
    ctx: typer.Context,
    batch_size: Annotated[
        int | None,
        typer.Option(help="Notifications per batch [default: COMPLAINTS_RELAY_BATCH_SIZE, 2000]."),
    ] = None,
) -> None:
    """Publish stored case events to complaints.events.v1, in order, exactly once in effect.

    Runs until SIGTERM or Ctrl-C; its position is kept in PostgreSQL. With
    --metrics-port it serves Prometheus /metrics there.
    """
    from complaint_events.observability import metrics  # noqa: PLC0415 - keeps --help fast

    settings = settings_of(ctx, store="postgres", relay_batch_size=batch_size)
    serve_metrics_or_exit(settings, "relay")
    cases = build_cases(settings)
    the_relay = build_relay(settings, cases)
    stop = stop_on_signals("relay", "stopping after this batch")
    last_report = [0]
    deltas = metrics.Deltas()

    def _progress(stats: object) -> None:
        metrics.observe_relay(deltas, the_relay.stats, EVENTS_TOPIC)
        published = the_relay.stats.published
        if published - last_report[0] >= 1000:
            last_report[0] = published
            logging.getLogger("complaint_events.relay").info(
                "published %d events, position %d", published, the_relay.stats.position
            )

    the_relay.run(stop, idle_wait=settings.relay_idle_wait, on_batch=_progress)
    console.print(
        f"relay stopped: published {the_relay.stats.published}, position {the_relay.stats.position}"
    )


@app.command("relay-held")
@setting_options(POSTGRES, KAFKA)
def relay_held(
    ctx: typer.Context,
    release: Annotated[
        int | None,
        typer.Option(
            help="Publish this held notification now (after raising the topic's "
            "max.message.bytes), then forget it.",
            show_default=False,
        ),
    ] = None,
    max_bytes: Annotated[
        int, typer.Option(help="Largest record the producer may send when releasing.")
    ] = 16 * 1024 * 1024,
) -> None:
    """List the events the relay held back because they are too large for a Kafka record."""
    from complaint_events.adapters.relay_quarantine import PostgresQuarantine  # noqa: PLC0415

    settings = settings_of(ctx, store="postgres")
    quarantine = PostgresQuarantine(settings.postgres_dsn)
    topic = settings.topic(EVENTS_TOPIC)
    if release is None:
        held = quarantine.held(topic)
        for event, held_at in held:
            console.print(
                f"{event.notification_id}  {held_at:%Y-%m-%d %H:%M:%S}  {event.event_type}  "
                f"case {event.case_id}  event {event.event_id}  {event.reason}"
            )
        console.print(f"{len(held)} event(s) held for {topic}")
        return
    cases = build_cases(settings)  # kept: closing it would close the recorder's pool
    the_relay = build_relay(settings, cases)
    the_relay.producer.close()
    the_relay.producer = build_producer(settings, max_request_size=max_bytes)
    try:
        the_relay.publish_held(release)
    finally:
        the_relay.producer.close()
    quarantine.forget(topic, release)
    console.print(f"published notification {release} to {topic}")


if __name__ == "__main__":  # pragma: no cover
    app()
