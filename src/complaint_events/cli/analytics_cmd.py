"""``complaint-events analytics``: jobs that read the event stream as their own consumer group."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Final

import typer
from rich.console import Console
from rich.table import Table

from complaint_events.cli.options import KAFKA, setting_options, settings_of
from complaint_events.cli.stopping import stop_on_signals

if TYPE_CHECKING:  # the job imports matplotlib: only when the command runs
    from complaint_events.analytics.daily_report import SlaRow
    from complaint_events.analytics.job import JobProgress, JobResult

analytics_app = typer.Typer(
    help="Analytics jobs that read complaints.events.v1 as their own consumer group.",
    no_args_is_help=True,
)
console = Console()
err = Console(stderr=True)

_SUMMARY_DAYS: Final = 14


@analytics_app.command("report")
@setting_options(KAFKA)
def report(
    ctx: typer.Context,
    out: Annotated[
        Path, typer.Option("--out", help="Directory of the report files (created if missing).")
    ] = Path("analytics-report"),
    once: Annotated[
        bool, typer.Option("--once", help="Read until caught up, write the report, exit.")
    ] = False,
    every: Annotated[
        float, typer.Option("--every", min=1, help="Seconds between reports when running on.")
    ] = 60.0,
    from_beginning: Annotated[
        bool,
        typer.Option(
            "--from-beginning",
            help="Ignore the saved state and rebuild the report from offset zero.",
        ),
    ] = False,
    session_timeout: Annotated[
        float | None,
        typer.Option(
            "--session-timeout",
            min=1,
            help="Consumer group session timeout in seconds "
            "\\[env COMPLAINTS_KAFKA_SESSION_TIMEOUT].",
        ),
    ] = None,
) -> None:
    """Write the daily SLA and defect report (two CSV files and a PNG chart).

    Reads complaints.events.v1 as the consumer group complaint-events-analytics,
    apart from the workers. What it has folded is kept with its offsets in
    OUT/analytics-state.json, so a restart resumes and the report stays whole;
    without that file (or with --from-beginning) it rebuilds from offset zero.
    Offsets are committed after the files are written. Until SIGTERM or Ctrl-C
    it rewrites the report every --every seconds; --once stops when caught up.
    """
    from kafka.errors import KafkaError  # noqa: PLC0415

    from complaint_events.adapters.kafka_topics import TopicMissingError  # noqa: PLC0415
    from complaint_events.analytics.job import AnalyticsJob, AnalyticsJobError, JobOptions  # noqa: PLC0415

    if not logging.getLogger().isEnabledFor(logging.DEBUG):
        logging.getLogger("kafka").setLevel(logging.WARNING)
    settings = settings_of(ctx)
    options = JobOptions(
        out_dir=out,
        once=once,
        every=every,
        from_beginning=from_beginning,
        session_timeout=session_timeout,
    )
    job = AnalyticsJob(settings, options, on_progress=_print_progress)
    stop = stop_on_signals("analytics", "writing the report and stopping")
    mode = "until caught up" if once else f"reporting every {every:g}s"
    err.print(f"analytics: reading {job.topic} as group {job.group}, {mode}")
    try:
        result = job.run(stop)
    except (AnalyticsJobError, TopicMissingError) as error:
        err.print(f"[red]analytics: {error}[/]")
        raise typer.Exit(2) from None
    except KafkaError as error:
        err.print(f"[red]analytics: Kafka at {settings.kafka_bootstrap}: {error!r}[/]")
        raise typer.Exit(2) from None

    p = result.progress
    how = "rebuilt from offset zero" if result.rebuilt else "resumed from the saved state"
    console.print(
        f"[green]report written[/] to {out}/ ({how}; as of {result.as_of:%Y-%m-%d %H:%M} UTC): "
        + ", ".join(f.name for f in result.files)
    )
    console.print(
        f"read {p.read:,} messages this run: {p.applied:,} new events, {p.duplicates:,} "
        f"already counted, {p.undecodable + p.set_aside:,} dead-lettered; the report holds "
        f"{result.report.events_applied:,} events of {result.report.cases:,} cases"
    )
    _print_summary(result)


def _print_progress(progress: JobProgress) -> None:
    lag = "" if progress.lag is None else f", {progress.lag:,} to go"
    err.print(
        f"analytics: read {progress.read:,} events ({progress.per_second:,.0f}/s), "
        f"{progress.applied:,} new{lag}",
        highlight=False,
    )


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{share:.0%}"


_SUMMARY_COLUMNS: Final[tuple[tuple[str, Callable[[SlaRow], object]], ...]] = (
    ("day", lambda r: r.day.isoformat()),
    ("filed", lambda r: r.complaints_filed),
    ("ack in time", lambda r: r.ack_in_time),
    ("late", lambda r: r.ack_late),
    ("overdue", lambda r: r.ack_overdue),
    ("ack SLA", lambda r: _percent(r.ack_compliance)),
    ("closed", lambda r: r.cases_closed),
)


_EVIDENCE_FIGURES: Final = (
    ("evidence_requested", "requested"),
    ("evidence_answered_in_time", "answered in time"),
    ("evidence_answered_late", "answered late"),
    ("evidence_deadline_expired", "deadlines expired"),
    ("default_judgments", "default judgments"),
)


def _print_summary(result: JobResult) -> None:
    days = result.report.daily_totals(result.as_of)
    table = Table(title="Acknowledgement SLA per day, all channels (UTC)", title_justify="left")
    for name, _ in _SUMMARY_COLUMNS:
        table.add_column(name, justify="left" if name == "day" else "right", no_wrap=True)
    for row in days[-_SUMMARY_DAYS:]:
        table.add_row(*(str(cell(row)) for _, cell in _SUMMARY_COLUMNS))
    if len(days) > _SUMMARY_DAYS:
        table.caption = f"last {_SUMMARY_DAYS} of {len(days)} days; every day is in the CSV"
    console.print(table)
    evidence = ", ".join(
        f"{sum(getattr(row, column) for row in days)} {label}"
        for column, label in _EVIDENCE_FIGURES
    )
    console.print(f"merchant evidence: {evidence}", highlight=False)
    skus = result.report.sku_rows()
    line = (
        f"defects: {len(skus)} SKUs, {sum(s.spot_checks for s in skus)} spot checks with a "
        f"result, {sum(s.defects_confirmed for s in skus)} defects confirmed, "
        f"{sum(s.batch_alerts for s in skus)} batch alerts"
    )
    checked = [s for s in skus if s.defect_rate is not None]
    if checked:
        worst = max(checked, key=lambda s: (s.defect_rate or 0, s.defects_confirmed))
        line += f"; highest defect rate: {worst.sku} ({_percent(worst.defect_rate)})"
    console.print(line, highlight=False)
