"""``complaint-events audit``: histories, hash-chain verification and dossiers for auditors.

Exit status of every audit command: 0 all is well; 1 a bad event was found
(altered, removed, reordered, inserted); 2 a usage error, an unknown case or
an unreachable service.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn
from uuid import UUID

import typer
from kafka.errors import KafkaError
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from complaint_events import __version__
from complaint_events.adapters.kafka_clients import KafkaClients
from complaint_events.application.cases import ComplaintCases
from complaint_events.application.refusals import CaseNotFoundError
from complaint_events.audit.dossier import (
    DossierError,
    build_dossier,
    is_event_log,
    verify_dossier,
    verify_event_log,
)
from complaint_events.audit.history import history_rows
from complaint_events.audit.sources import (
    TopicNotFoundError,
    check_stored,
    read_topic,
    store_case_ids,
    store_events,
    verify_store,
    verify_topic,
)
from complaint_events.audit.verify import ChainVerifier, Problem, VerifyReport, cross_check
from complaint_events.cli.options import (
    KAFKA,
    POSTGRES,
    STORE,
    JsonOpt,
    setting_options,
    settings_of,
)
from complaint_events.cli.store_found import open_existing_cases
from complaint_events.clock import ClockError, clock_from_spec
from complaint_events.contracts.topology import EVENTS_TOPIC
from complaint_events.settings import Settings

EXIT_OK = 0
EXIT_BAD_EVENT = 1
EXIT_USAGE = 2

audit_app = typer.Typer(
    help="For auditors: a case's full history (who, when, why), verification of the "
    "events' hash chain in the event store and on the events topic, and self-contained "
    "dossiers that can be checked offline.",
    no_args_is_help=True,
)

# Hashes, case ids and paths are copied from this output and compared: never wrap a line.
out = Console(soft_wrap=True)
err = Console(stderr=True)

CaseArg = Annotated[
    str, typer.Argument(help="The case id (UUID).", show_default=False, metavar="CASE")
]


# ------------------------------------------------------------------- history


@audit_app.command("history")
@setting_options(STORE, POSTGRES)
def history(ctx: typer.Context, case_id: CaseArg, as_json: JsonOpt = False) -> None:
    """Every event of a case: who, when, what, why (reason, rule references) and its hash."""
    ident = parse_case_id(case_id)
    cases = open_cases(ctx)
    try:
        events = store_events(cases, ident)
    except CaseNotFoundError as error:
        fail(str(error), EXIT_USAGE)
    rows = {row.sequence: row for row in history_rows(e.envelope for e in events if e.envelope)}
    if as_json:
        typer.echo(json.dumps([asdict(r) for r in rows.values()], ensure_ascii=False, indent=2))
        return
    table = Table(title=f"history of case {ident}", title_justify="left")
    for column in ("#", "when (UTC)", "event", "who", "why", "rule refs", "hash"):
        table.add_column(column, overflow="fold", no_wrap=column in ("#", "event"))
    for event in events:
        row = rows.get(event.sequence)
        if row is None:
            table.add_row(
                str(event.sequence), "", "[red]unreadable[/]", "", escape(event.error or "")
            )
            continue
        table.add_row(
            str(row.sequence),
            _utc(row.recorded_at),
            row.event_type,
            escape(row.actor),
            escape(row.why),
            escape(", ".join(row.rule_refs)),
            (row.hash or "unchained")[:12],
        )
    out.print(table)
    out.print("check the chain with: complaint-events audit verify " + str(ident))


# -------------------------------------------------------------------- verify


@audit_app.command("verify")
@setting_options(STORE, POSTGRES, KAFKA)
def verify(
    ctx: typer.Context,
    case_id: Annotated[
        str | None, typer.Argument(help="The case id (UUID).", show_default=False, metavar="CASE")
    ] = None,
    all_cases: Annotated[bool, typer.Option("--all", help="Check every case.")] = False,
    dossier: Annotated[
        Path | None,
        typer.Option("--file", help="Check an exported dossier, offline.", dir_okay=False),
    ] = None,
    topic: Annotated[
        bool | None,
        typer.Option(
            "--topic/--no-topic",
            help="Also check the events topic and compare it with the store "
            "(default: yes with the postgres store).",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Check that no event was altered, removed, reordered or inserted; name the first bad one.

    Checks each case's hash chain in the event store and on the events topic,
    and that the two copies agree; or, with --file, an exported dossier
    (no database, no Kafka). Exit status: 0 all is well, 1 a bad event was
    found, 2 usage error, unknown case, or Kafka/PostgreSQL unreachable.
    """
    if sum((case_id is not None, all_cases, dossier is not None)) != 1:
        fail("give exactly one of CASE, --all or --file DOSSIER", EXIT_USAGE)
    if dossier is not None:
        _verify_file(dossier, as_json)
        return
    ident = parse_case_id(case_id) if case_id is not None else None
    settings = settings_of(ctx)
    check_topic = topic if topic is not None else settings.store == "postgres"
    cases = open_existing_cases(settings)
    reports: dict[str, VerifyReport] = {}
    with Progress(console=err, transient=True, disable=not err.is_terminal) as progress:
        try:
            ids = [ident] if ident is not None else list(store_case_ids(cases))
            task = progress.add_task("event store: cases", total=len(ids))
            reports["store"] = verify_store(cases, ids, lambda _: progress.advance(task))
        except CaseNotFoundError:
            pass  # the topic may still know the case: then it was removed from the store
        if check_topic:
            reading = progress.add_task("events topic: messages", total=None)
            reports["topic"] = _verify_topic(settings, ident, lambda: progress.advance(reading))
    if "store" not in reports:
        if not reports.get("topic", VerifyReport(0)).cases:
            fail(f"no complaint case with id {ident}", EXIT_USAGE)
        reports["store"] = VerifyReport(0)
    _report(reports, as_json, ident)


def _verify_topic(settings: Settings, ident: UUID | None, tick: Callable[[], None]) -> VerifyReport:
    topic = settings.topic(EVENTS_TOPIC)
    if not logging.getLogger().isEnabledFor(logging.DEBUG):
        logging.getLogger("kafka").setLevel(logging.CRITICAL)
    try:
        return verify_topic(read_topic(KafkaClients(settings), topic, ident), tick)
    except (KafkaError, TopicNotFoundError, TimeoutError) as error:
        fail(
            f"cannot read the events topic {topic} at {settings.kafka_bootstrap} ({error}); "
            "start Kafka (scripts/devstack up) or check the store alone with --no-topic",
            EXIT_USAGE,
        )


def _report(reports: dict[str, VerifyReport], as_json: bool, ident: UUID | None) -> None:
    problems: list[Problem] = [p for r in reports.values() for p in r.problems]
    behind = 0
    if "topic" in reports:
        crossed = cross_check(reports["store"], reports["topic"])
        problems.extend(crossed.problems)
        behind = crossed.behind
    head = _head(reports["store"], ident)
    if as_json:
        document = {
            "ok": not problems,
            "sources": {
                name: {"cases": r.cases, "events": r.checked, "bad_cases": len(r.problems)}
                for name, r in reports.items()
            },
            "not_yet_on_topic": behind,
            "first_problem": asdict(problems[0]) if problems else None,
            "problems": [asdict(p) for p in problems],
            "chain_head": head,
        }
        typer.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        for name, r in reports.items():
            verdict = "[green]OK[/]" if r.ok else f"[red]{len(r.problems)} bad case(s)[/]"
            out.print(f"{name:<6} {r.cases} case(s), {r.checked} event(s): {verdict}")
        if "topic" in reports and behind:
            out.print(f"{behind} stored event(s) not on the topic yet (relay behind)")
        _print_outcome(problems, head)
    raise typer.Exit(EXIT_BAD_EVENT if problems else EXIT_OK)


def _head(report: VerifyReport, ident: UUID | None) -> dict[str, Any] | None:
    """The last event of a good chain: what a dossier's chain head is compared with."""
    if ident is None or not report.ok:
        return None
    chain = report.chains.get(str(ident), ())
    return {"sequence": len(chain), "hash": chain[-1]} if chain else None


def _print_outcome(problems: list[Problem], head: dict[str, Any] | None) -> None:
    if head is not None and not problems:
        out.print(f"chain head: event {head['sequence']}, hash {head['hash']}")
    if not problems:
        out.print("[green]OK[/]: no event altered, removed, reordered or inserted")
        return
    first = problems[0]
    out.print(f"[red bold]FIRST BAD EVENT[/]: {escape(first.describe())}", soft_wrap=True)
    if len(problems) > 1:
        table = Table(title="first bad event of each bad case", title_justify="left")
        for column in ("case", "event", "kind", "what is wrong", "where"):
            table.add_column(column, overflow="fold")
        for p in problems:
            table.add_row(p.case_id, str(p.sequence or "?"), p.kind, escape(p.detail), p.where)
        out.print(table)


def _verify_file(path: Path, as_json: bool) -> None:
    try:
        text = path.read_text(encoding="utf-8")
        if is_event_log(text):
            _verify_event_log(path, text, as_json)
        document = json.loads(text)
        report = verify_dossier(document)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, DossierError) as error:
        fail(f"cannot read the dossier {path}: {error}", EXIT_USAGE)
    if as_json:
        document = {
            "ok": report.ok,
            "events": report.checked,
            "first_problem": asdict(report.first_problem) if report.first_problem else None,
            "chain_head": document.get("chain_head"),
        }
        typer.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        out.print(f"dossier {path}: {report.checked} event(s) of case {document.get('case_id')}")
        head = document.get("chain_head") if report.ok else None
        _print_outcome(list(report.problems), head if isinstance(head, dict) else None)
        if report.ok:
            out.print("compare the chain head with: complaint-events audit verify CASE")
    raise typer.Exit(EXIT_OK if report.ok else EXIT_BAD_EVENT)


def _verify_event_log(path: Path, text: str, as_json: bool) -> NoReturn:
    """Check a JSONL event log (one envelope a line, many cases), e.g. the demo's."""
    report = verify_event_log(text.splitlines())
    if as_json:
        document = {
            "ok": report.ok,
            "cases": report.cases,
            "events": report.checked,
            "first_problem": asdict(report.first_problem) if report.first_problem else None,
            "problems": [asdict(p) for p in report.problems],
        }
        typer.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        out.print(f"event log {path}: {report.checked} event(s) of {report.cases} case(s)")
        _print_outcome(list(report.problems), None)
    raise typer.Exit(EXIT_OK if report.ok else EXIT_BAD_EVENT)


# -------------------------------------------------------------------- export


@audit_app.command("export")
@setting_options(STORE, POSTGRES)
def export(
    ctx: typer.Context,
    case_id: CaseArg,
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Write the dossier here (default: standard output).", dir_okay=False
        ),
    ] = None,
) -> None:
    """Write a case's dossier: its events as published (with hashes), the chain head, how to verify.

    Refuses (exit 1) when the stored chain is already broken, naming the first bad event.
    """
    ident = parse_case_id(case_id)
    settings = settings_of(ctx)
    cases = open_existing_cases(settings)
    try:
        events = store_events(cases, ident)
    except CaseNotFoundError as error:
        fail(str(error), EXIT_USAGE)
    verifier = ChainVerifier()
    check_stored(verifier, ident, events)
    problem = verifier.report().first_problem
    if problem is not None:
        fail(f"not exporting, the stored chain is broken: {problem.describe()}", EXIT_BAD_EVENT)
    envelopes = [e.envelope for e in events if e.envelope is not None]
    try:
        exported_at = clock_from_spec(settings.clock).now()
    except ClockError as error:
        fail(str(error), EXIT_USAGE)
    dossier = build_dossier(str(ident), envelopes, exported_at.astimezone(UTC), __version__)
    text = json.dumps(dossier, ensure_ascii=False, indent=2) + "\n"
    if out_file is None:
        typer.echo(text, nl=False)
        return
    out_file.write_text(text, encoding="utf-8")
    head = dossier["chain_head"]
    err.print(
        f"wrote {out_file}: {len(envelopes)} event(s) of case {ident}; chain head event "
        f"{head['sequence']}, hash {head['hash']}",
        soft_wrap=True,
        highlight=False,
    )


# ------------------------------------------------------------------- helpers


def open_cases(ctx: typer.Context) -> ComplaintCases:
    """The store of this invocation's settings, which must exist (reading never creates one)."""
    return open_existing_cases(settings_of(ctx))


def parse_case_id(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        fail(f"not a case id: {text!r} (expected a UUID)", EXIT_USAGE)


def _utc(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return iso


def fail(message: str, code: int) -> NoReturn:
    err.print(f"[red]{escape(message)}[/]", soft_wrap=True, highlight=False)
    raise typer.Exit(code)
