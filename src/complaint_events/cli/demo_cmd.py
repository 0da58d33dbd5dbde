"""``complaint-events demo``: the whole workflow on a synthetic stream, embedded or on the stack."""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from complaint_events.cli.options import (
    KAFKA,
    POSTGRES,
    STORE,
    command_line,
    setting_options,
    settings_of,
)
from complaint_events.settings import Settings

if TYPE_CHECKING:
    from complaint_events.demo.playing import DemoRun, OnProgress

console = Console()
err = Console(stderr=True)

EXIT_UNUSABLE = 2
EXIT_STACK_FAILED = 1


@setting_options(STORE, POSTGRES, KAFKA)
def demo(
    ctx: typer.Context,
    cases: Annotated[int, typer.Option("--cases", min=1, help="Complaints in the stream.")] = 200,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the stream.")] = 42,
    out: Annotated[
        Path, typer.Option("--out", help="Where report.html and events.jsonl go.", file_okay=False)
    ] = Path("demo-output"),
    stack: Annotated[
        bool,
        typer.Option(
            "--stack",
            help="Run on the real stack (Kafka, PostgreSQL, the workers) found in the "
            "environment; implied by --kafka, --postgres or --store postgres.",
        ),
    ] = False,
    sqlite_path: Annotated[
        Path | None,
        typer.Option("--sqlite-path", help="SQLite file (default: a fresh temporary file)."),
    ] = None,
) -> None:
    """Play a synthetic complaint stream through the whole lifecycle.

    Embedded by default: SQLite event store, in-process bus, simulated clock; the
    same domain and processor logic as the Kafka deployment, with no Kafka,
    PostgreSQL or Java. With --stack (or --kafka/--postgres) the same scenario
    runs on Apache Kafka and PostgreSQL through real 'complaint-events worker'
    processes, in a fresh database and under a fresh topic prefix, and the cases
    end the same way. Writes OUT/report.html (charts) and OUT/events.jsonl (the
    event log, which 'complaint-events audit verify --file' checks).
    """
    # Loaded here, not with the command line: the report's charts (matplotlib) take half
    # a second that every other command would pay.
    from complaint_events.audit.dossier import verify_event_log  # noqa: PLC0415
    from complaint_events.demo.embedded import embedded_settings, play_embedded  # noqa: PLC0415
    from complaint_events.demo.report import summary_table, write_report  # noqa: PLC0415
    from complaint_events.demo.summary import summarise  # noqa: PLC0415

    given = command_line(ctx)
    on_stack = (
        stack
        or given.gave(KAFKA) is not None
        or given.gave(POSTGRES) is not None
        or given.gave(STORE) == "postgres"
    )
    began = time.monotonic()
    if on_stack:
        run = _play_on_stack(cases, seed, out, settings_of(ctx))
    else:
        path = sqlite_path or Path(tempfile.mkdtemp(prefix="complaints-demo-")) / "events.sqlite"
        console.print(
            f"[bold]complaint-events demo[/] — {cases} complaints, seed {seed}; "
            f"event store: sqlite ({path}); in-process bus; simulated clock"
        )
        run = _with_progress(
            lambda progress: play_embedded(cases, seed, embedded_settings(path), progress)
        )
    wall = time.monotonic() - began
    summary = summarise(run.log.envelopes)
    out.mkdir(parents=True, exist_ok=True)
    events_file = out / "events.jsonl"
    with events_file.open("w", encoding="utf-8") as sink:
        for envelope in run.log.envelopes:
            sink.write(envelope.model_dump_json() + "\n")
    report = out / "report.html"
    where = "on Kafka, PostgreSQL and the workers" if on_stack else "embedded"
    write_report(summary, report, seed, str(events_file), where)
    console.print(summary_table(summary, seed))
    checked = verify_event_log(events_file.read_text(encoding="utf-8").splitlines())
    console.print(
        f"event log: {events_file} ({summary.events} events; hash chains "
        f"{'[green]OK[/]' if checked.ok else '[red]BROKEN[/]'})"
    )
    console.print(f"report: {report}")
    console.print(
        f"[green]done[/]: {summary.cases} cases in {wall:.1f} s; simulated "
        f"{run.started:%Y-%m-%d} to {run.ended:%Y-%m-%d}"
    )


def _with_progress(play: Callable[[OnProgress], DemoRun]) -> DemoRun:
    with Progress(
        TextColumn("[bold]playing[/]"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%  simulated {task.fields[when]}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task("play", total=1.0, when="")
        return play(lambda f, when: progress.update(task, completed=f, when=when))


def _play_on_stack(cases: int, seed: int, out: Path, base: Settings) -> DemoRun:
    from complaint_events.demo.on_stack import (  # noqa: PLC0415 - loads Kafka/faust only here
        StackUnavailableError,
        play_on_stack,
        prepare,
    )
    from complaint_events.demo.stack_bus import StackNotSettlingError  # noqa: PLC0415
    from complaint_events.demo.stack_workers import WorkerExitedError  # noqa: PLC0415

    logging.getLogger("kafka").setLevel(logging.ERROR)  # its client chatter is not the demo's
    try:
        place = prepare(base)
    except StackUnavailableError as error:
        err.print(f"[red]{error}[/]")
        raise typer.Exit(EXIT_UNUSABLE) from None
    workdir = out / "stack"
    console.print(
        f"[bold]complaint-events demo[/] — {cases} complaints, seed {seed}; on the stack: "
        f"Kafka {place.settings.kafka_bootstrap} (topics {place.settings.topic_prefix}*), "
        f"PostgreSQL database {place.database}; workers' logs and clock in {workdir}"
    )
    console.print(
        "each simulated moment waits until the workers have settled: expect about a second per step"
    )
    try:
        run = _with_progress(lambda progress: play_on_stack(cases, seed, place, workdir, progress))
    except (StackNotSettlingError, WorkerExitedError) as error:
        err.print(f"[red]the demo could not finish on the stack[/]: {error}")
        raise typer.Exit(EXIT_STACK_FAILED) from None
    console.print("explore this run's cases with these settings (e.g. complaint-events api serve):")
    for name, value in place.env.items():
        console.print(f"  export {name}='{value}'")
    return run
