"""``complaint-events demo``: the whole workflow on a synthetic stream, embedded (no Kafka)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from complaint_events.audit.dossier import verify_event_log
from complaint_events.cli.options import DsnOpt, KafkaOpt, StoreOpt
from complaint_events.demo.embedded import embedded_settings, play
from complaint_events.demo.report import summary_table, write_report
from complaint_events.demo.summary import summarise

console = Console()
err = Console(stderr=True)

EXIT_NOT_YET = 2


def demo(
    cases: Annotated[int, typer.Option("--cases", min=1, help="Complaints in the stream.")] = 200,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the stream.")] = 42,
    out: Annotated[
        Path, typer.Option("--out", help="Where report.html and events.jsonl go.", file_okay=False)
    ] = Path("demo-output"),
    store: StoreOpt = None,
    postgres: DsnOpt = None,
    kafka: KafkaOpt = None,
    sqlite_path: Annotated[
        Path | None,
        typer.Option("--sqlite-path", help="SQLite file (default: a fresh temporary file)."),
    ] = None,
) -> None:
    """Play a synthetic complaint stream through the whole lifecycle, embedded.

    SQLite event store, in-process bus, simulated clock: the same domain and
    processor logic as the Kafka deployment, with no Kafka, PostgreSQL or Java.
    Writes OUT/report.html (charts) and OUT/events.jsonl (the event log, which
    'complaint-events audit verify --file' checks).
    """
    if kafka is not None or store == "postgres" or postgres is not None:
        err.print("not yet: run the workers (see README Workers)")
        raise typer.Exit(EXIT_NOT_YET)
    path = sqlite_path or Path(tempfile.mkdtemp(prefix="complaints-demo-")) / "events.sqlite"
    settings = embedded_settings(path)
    console.print(
        f"[bold]complaint-events demo[/] — {cases} complaints, seed {seed}; "
        f"event store: sqlite ({path}); in-process bus; simulated clock"
    )
    began = time.monotonic()
    with Progress(
        TextColumn("[bold]playing[/]"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%  simulated {task.fields[when]}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task("play", total=1.0, when="")
        run = play(
            cases, seed, settings, lambda f, when: progress.update(task, completed=f, when=when)
        )
    wall = time.monotonic() - began
    summary = summarise(run.log.envelopes)
    out.mkdir(parents=True, exist_ok=True)
    events_file = out / "events.jsonl"
    with events_file.open("w", encoding="utf-8") as sink:
        for envelope in run.log.envelopes:
            sink.write(envelope.model_dump_json() + "\n")
    report = out / "report.html"
    write_report(summary, report, seed, str(events_file))
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
