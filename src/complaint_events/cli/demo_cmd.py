"""``complaint-events demo``: the whole workflow on a synthetic stream, embedded or on the stack."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
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


EMBEDDED_OUT = Path("demo-output")
STACK_OUT = EMBEDDED_OUT / "stack"
STORE_FILE = "events.sqlite"


@setting_options(STORE, POSTGRES, KAFKA)
def demo(
    ctx: typer.Context,
    cases: Annotated[int, typer.Option("--cases", min=1, help="Complaints in the stream.")] = 200,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the stream.")] = 42,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help=f"Where report.html, events.jsonl, the API token's hash and (embedded) the "
            f"event store go (default: {EMBEDDED_OUT}; {STACK_OUT} on the stack).",
            file_okay=False,
            show_default=False,
        ),
    ] = None,
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
        typer.Option(
            "--sqlite-path",
            help=f"SQLite file of the embedded run (default: OUT/{STORE_FILE}, replaced by "
            "each run).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Play a synthetic complaint stream through the whole lifecycle.

    Embedded by default: SQLite event store (OUT/events.sqlite), in-process bus,
    simulated clock; the same domain and processor logic as the Kafka
    deployment, with no Kafka, PostgreSQL or Java. With --stack (or
    --kafka/--postgres) the same scenario runs on Apache Kafka and PostgreSQL
    through real 'complaint-events worker' processes, in a fresh database and
    under a fresh topic prefix, and the cases end the same way; a run that
    fails there removes its database, topics and output folder. Writes
    OUT/report.html (charts) and OUT/events.jsonl (the event log, which
    'complaint-events audit verify --file' checks), and ends with the commands
    that show a case of the run, verify it and start the API on its store.
    """
    # Loaded here, not with the command line: the demo's store, scenario and report
    # (Jinja2) would cost every other command their import time.
    from complaint_events.audit.dossier import verify_event_log  # noqa: PLC0415
    from complaint_events.demo.embedded import embedded_settings, play_embedded  # noqa: PLC0415
    from complaint_events.demo.hand_off import (  # noqa: PLC0415
        HandOff,
        as_typed,
        busiest_case,
        executable,
        free_port,
        write_api_token,
    )
    from complaint_events.demo.report import write_report  # noqa: PLC0415
    from complaint_events.demo.summary import summarise  # noqa: PLC0415
    from complaint_events.demo.summary_table import summary_table  # noqa: PLC0415

    given = command_line(ctx)
    on_stack = (
        stack
        or given.gave(KAFKA) is not None
        or given.gave(POSTGRES) is not None
        or given.gave(STORE) == "postgres"
    )
    began = time.monotonic()
    if on_stack:
        out = out or STACK_OUT
        run, env = _play_on_stack(cases, seed, out, settings_of(ctx))
    else:
        out = out or EMBEDDED_OUT
        out.mkdir(parents=True, exist_ok=True)
        path = sqlite_path or _fresh_store(out / STORE_FILE)
        console.print(
            f"[bold]complaint-events demo[/] — {cases} complaints, seed {seed}; "
            f"event store: sqlite ({path}); in-process bus; simulated clock"
        )
        run, _steps = _with_progress(
            lambda progress: play_embedded(cases, seed, embedded_settings(path), progress)
        )
        env = {"COMPLAINTS_STORE": "sqlite", "COMPLAINTS_SQLITE_PATH": as_typed(path)}
    wall = time.monotonic() - began
    summary = summarise(run.log.envelopes)
    out.mkdir(parents=True, exist_ok=True)
    events_file = out / "events.jsonl"
    with events_file.open("w", encoding="utf-8") as sink:
        for envelope in run.log.envelopes:
            sink.write(envelope.model_dump_json() + "\n")
    report = out / "report.html"
    write_report(summary, report, seed, str(events_file), on_stack)
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
    tokens_file, token = write_api_token(out)
    hand_off = HandOff(
        executable=as_typed(executable()),
        env=env,
        case_id=busiest_case(run.log.envelopes),
        token=token,
        tokens_file=as_typed(tokens_file),
        port=free_port(),
        inline=not on_stack,
        as_of=None if on_stack else run.ended,
    )
    console.print("\n[bold]look at this run's cases[/] (from this folder, one line at a time):")
    for line in hand_off.lines():
        console.print(f"  {line}", soft_wrap=True, highlight=False, markup=False)


def _fresh_store(path: Path) -> Path:
    """``path`` with no store left there by a previous run (SQLite's side files too)."""
    for stale in (path, *(path.with_name(path.name + end) for end in ("-wal", "-shm", "-journal"))):
        stale.unlink(missing_ok=True)
    return path


def _with_progress(play: Callable[[OnProgress], DemoRun]) -> tuple[DemoRun, int]:
    """Play with a progress bar; return the run and how many simulated moments it took."""
    steps = 0
    with Progress(
        TextColumn("[bold]playing[/]"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%  simulated {task.fields[when]}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task("play", total=1.0, when="")

        def advance(fraction: float, when: str) -> None:
            nonlocal steps
            steps += 1
            progress.update(task, completed=fraction, when=when)

        run = play(advance)
    return run, steps


def _play_on_stack(
    cases: int, seed: int, out: Path, base: Settings
) -> tuple[DemoRun, dict[str, str]]:
    """Play on the stack; return the run and the settings that point at its cases.

    A run that does not finish removes what it made (its database, its topics, its
    output folder), after saying what failed and showing the end of the workers' logs.
    """
    from complaint_events.demo.on_stack import (  # noqa: PLC0415 - loads Kafka/faust only here
        StackUnavailableError,
        discard,
        play_on_stack,
        prepare,
    )
    from complaint_events.demo.stack_bus import StackNotSettlingError  # noqa: PLC0415
    from complaint_events.demo.stack_workers import WorkerExitedError  # noqa: PLC0415

    try:
        place = prepare(base)
    except StackUnavailableError as error:
        err.print(f"[red]{escape(str(error))}[/]", soft_wrap=True, highlight=False)
        raise typer.Exit(EXIT_UNUSABLE) from None
    made_out = not out.exists()
    workdir = out / "workers"
    shutil.rmtree(workdir, ignore_errors=True)  # a previous run's logs and worker state
    console.print(
        f"[bold]complaint-events demo[/] — {cases} complaints, seed {seed}; on the stack: "
        f"Kafka {place.settings.kafka_bootstrap} (topics {place.settings.topic_prefix}*), "
        f"PostgreSQL database {place.database}; output in {out}, workers' logs and clock "
        f"in {workdir}"
    )
    console.print("each simulated moment waits until the workers have settled")
    began = time.monotonic()
    try:
        run, steps = _with_progress(
            lambda progress: play_on_stack(cases, seed, place, workdir, progress)
        )
    except BaseException as error:
        if isinstance(error, StackNotSettlingError | WorkerExitedError):
            err.print(
                f"[red]the demo could not finish on the stack[/]: {escape(str(error))}",
                soft_wrap=True,
                highlight=False,
            )
            _show_log_ends(workdir)
        else:
            err.print(
                f"[red]the demo on the stack stopped[/]: {type(error).__name__} "
                f"{escape(str(error))}",
                soft_wrap=True,
            )
        left = discard(place, base)
        shutil.rmtree(out if made_out else workdir, ignore_errors=True)
        removed = f"database {place.database}, topics {place.settings.topic_prefix}*, {workdir}"
        if made_out:
            removed += f" and {out}"
        err.print(f"removed what this run made: {removed}", soft_wrap=True, highlight=False)
        for problem in left:
            err.print(f"[yellow]left behind[/]: {escape(problem)}", soft_wrap=True)
        if isinstance(error, StackNotSettlingError | WorkerExitedError):
            raise typer.Exit(EXIT_STACK_FAILED) from None
        raise
    played = time.monotonic() - began
    console.print(
        f"played {steps} simulated moments in {played:.0f} s "
        f"({played / max(steps, 1):.2f} s each on average)"
    )
    return run, place.env


def _show_log_ends(workdir: Path, lines: int = 15) -> None:
    for log in sorted(workdir.glob("worker-*.log")):
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
        err.print(f"--- the end of {log}:", highlight=False)
        for line in tail:
            err.print(line, markup=False, highlight=False, soft_wrap=True)
