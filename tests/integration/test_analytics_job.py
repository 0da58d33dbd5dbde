"""The analytics job on the real stack: its own group, --once, restarts, redelivery."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest
import typer
from kafka import KafkaAdminClient, KafkaProducer
from typer.testing import CliRunner, Result

from complaint_events.adapters.kafka_topics import ensure_topics
from complaint_events.analytics.job import STATE_FILE, AnalyticsJob, JobOptions, JobResult, group_id
from complaint_events.application.cases import ComplaintCases
from complaint_events.bootstrap import build_cases, build_relay
from complaint_events.cli.analytics_cmd import analytics_app
from complaint_events.clock import SimulatedClock
from complaint_events.contracts.dead_letters import read_context
from complaint_events.contracts.topology import EVENTS_DLQ_TOPIC, EVENTS_TOPIC
from complaint_events.domain.acting import Acting
from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.complaint import ComplaintDetails, EvidenceRef
from complaint_events.domain.values import (
    Channel,
    EvidenceKind,
    ResolutionCode,
)
from complaint_events.settings import Settings
from complaint_support import numbered_complaint
from stack_support import read_topic, topic_size

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
AS_OF = T0 + timedelta(days=10)
HANDLER = "handler:h-1"


def at(hours: float) -> Acting:
    return Acting(HANDLER, T0 + timedelta(hours=hours))


def details(n: int, channel: Channel, sku: str) -> ComplaintDetails:
    return numbered_complaint(
        n,
        T0,
        channel=channel,
        channel_ref=f"{channel.value}-{n}",
        sku=sku,
        evidence=(EvidenceRef(EvidenceKind.PHOTO, "s3://e/1.jpg"),),
    )


def ack(hours: float) -> Callable[[ComplaintCase], object]:
    return lambda c: c.acknowledge(notification_id="n", language="zh", soothing=False, by=at(hours))


def spot_check(settings: Settings, outcome: str) -> list[Callable[[ComplaintCase], object]]:
    policy = settings.deadline_policy()
    return [
        lambda c: c.order_spot_check(
            method="third_party_appraisal",
            scope="unit",
            lab="lab",
            cost_rule="the party at fault pays",
            by=at(2),
            policy=policy,
        ),
        lambda c: c.record_spot_check_result(
            outcome=outcome, report_ref="r", findings="f", cost_payer="merchant", by=at(20)
        ),
    ]


def file_story(settings: Settings, cases: ComplaintCases) -> list[UUID]:
    """Six complaints on 2026-03-02 09:00 UTC and what became of them."""
    filed = cases.file_complaints(
        [
            (details(n, channel, sku), Acting("adapter:web", T0))
            for n, (channel, sku) in enumerate(
                [(Channel.WEB, "sku-a")] * 2
                + [(Channel.APP, "sku-a")]
                + [(Channel.WEB, "sku-a"), (Channel.APP, "sku-a"), (Channel.WEB, "sku-b")]
            )
        ]
    )
    ids = [o.case_id for o in filed]
    policy = settings.deadline_policy()
    steps: dict[int, list[Callable[[ComplaintCase], object]]] = {
        0: [ack(2)],  # in time
        1: [ack(30)],  # late, 2026-03-03
        2: [],  # never acknowledged: overdue from 2026-03-03 09:00
        3: [
            ack(1),
            *spot_check(settings, "defect_confirmed"),
            lambda c: c.close(ResolutionCode.WITHDRAWN, "", at(38), policy),  # 2026-03-03 23:00
        ],
        4: [
            ack(1),
            lambda c: c.request_merchant_evidence({"summary": "leaks"}, at(2), policy),
            lambda c: c.submit_merchant_evidence(
                [{"kind": "explanation", "uri": "s3://m/1"}],
                "tested",
                Acting("merchant:m-1", T0 + timedelta(hours=10)),
            ),
        ],
        5: [ack(1), *spot_check(settings, "no_defect")],
    }
    for n, commands in steps.items():
        for command in commands:
            cases.act(ids[n], command)
    return ids


def relay_everything(settings: Settings, cases: ComplaintCases) -> None:
    relay = build_relay(settings, cases)
    relay.start()
    while relay.run_once():
        pass
    relay.close()


def story_on_the_topic(settings: Settings) -> tuple[ComplaintCases, list[UUID]]:
    """The story filed in a store of the stack and relayed to its events topic; its case ids."""
    ensure_topics(settings)
    cases = build_cases(settings)
    ids = file_story(settings, cases)
    relay_everything(settings, cases)
    return cases, ids


def run_once(settings: Settings, out: Path) -> JobResult:
    """The job with --once, in process, its clock at AS_OF."""
    return AnalyticsJob(
        settings, JobOptions(out_dir=out, once=True), clock=SimulatedClock(AS_OF)
    ).run()


def sla(out: Path) -> dict[tuple[str, str], dict[str, str]]:
    with (out / "sla_daily.csv").open(newline="") as f:
        return {(r["day"], r["channel"]): r for r in csv.DictReader(f)}


def skus(out: Path) -> dict[str, dict[str, str]]:
    with (out / "defects_by_sku.csv").open(newline="") as f:
        return {r["sku"]: r for r in csv.DictReader(f)}


def pick(row: dict[str, str], *names: str) -> tuple[str, ...]:
    return tuple(row[n] for n in names)


ACK = ("complaints_filed", "ack_in_time", "ack_late", "ack_overdue")


def committed(settings: Settings) -> int:
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    try:
        group = group_id(settings)
        offsets = admin.list_group_offsets(group).get(group, {})
    finally:
        admin.close()
    return sum(o.offset for tp, o in offsets.items() if tp.topic == settings.topic(EVENTS_TOPIC))


def test_once_reports_the_stream_and_a_second_run_reads_nothing_new(
    stack_settings: Settings, tmp_path: Path
) -> None:
    cases, ids = story_on_the_topic(stack_settings)
    topic = stack_settings.topic(EVENTS_TOPIC)
    total = topic_size(stack_settings.kafka_bootstrap, topic)
    out = tmp_path / "report"

    first = run_once(stack_settings, out)

    assert (first.rebuilt, first.progress.read, first.progress.applied) == (True, total, total)
    rows = sla(out)
    assert set(rows) == {
        ("2026-03-02", "app"),
        ("2026-03-02", "web"),
        ("2026-03-03", "app"),
        ("2026-03-03", "web"),
    }
    assert pick(rows[("2026-03-02", "web")], *ACK) == ("4", "3", "0", "0")
    assert pick(rows[("2026-03-02", "app")], *ACK, "ack_compliance") == (
        "2",
        "1",
        "0",
        "0",
        "1.0000",
    )
    assert pick(
        rows[("2026-03-02", "app")],
        "evidence_requested",
        "evidence_answered_in_time",
        "evidence_answered_late",
    ) == ("1", "1", "0")
    assert pick(rows[("2026-03-03", "web")], *ACK, "cases_closed", "close_mean_hours") == (
        "0",
        "0",
        "1",
        "0",
        "1",
        "38.0000",
    )
    assert pick(rows[("2026-03-03", "app")], *ACK) == ("0", "0", "0", "1")
    assert pick(skus(out)["sku-a"], "complaints", "spot_checks", "defects_confirmed") == (
        "5",
        "1",
        "1",
    )
    assert skus(out)["sku-a"]["defect_rate"] == "1.0000"
    assert pick(skus(out)["sku-b"], "complaints", "spot_checks", "defect_rate") == (
        "1",
        "1",
        "0.0000",
    )
    assert (out / "daily_report.png").read_bytes()[:4] == b"\x89PNG"
    assert committed(stack_settings) == total  # committed once the files were written

    before = {p.name: p.read_bytes() for p in out.glob("*.csv")}
    second = run_once(stack_settings, out)

    assert (second.rebuilt, second.progress.read) == (False, 0)
    assert second.report.events_applied == total
    assert {p.name: p.read_bytes() for p in out.glob("*.csv")} == before

    # One redelivered message and one new event: only the new one counts.
    [(key, headers, value), *_] = read_topic(stack_settings.kafka_bootstrap, topic)
    producer = KafkaProducer(bootstrap_servers=stack_settings.kafka_bootstrap)
    producer.send(topic, key=key.encode(), value=value, headers=list(headers.items()))
    producer.flush()
    producer.close()
    cases.act(ids[2], ack(50))  # late, 2026-03-04
    relay_everything(stack_settings, cases)

    third = run_once(stack_settings, out)

    p = third.progress
    assert (p.read, p.applied, p.duplicates) == (2, 1, 1)
    rows = sla(out)
    assert ("2026-03-03", "app") not in rows  # no longer overdue: acknowledged late
    assert pick(rows[("2026-03-04", "app")], *ACK) == ("0", "0", "1", "0")

    # Without the state file the job rebuilds from offset zero, whatever the group committed.
    (out / STATE_FILE).unlink()
    rebuilt = run_once(stack_settings, out)

    assert (rebuilt.rebuilt, rebuilt.progress.read) == (True, total + 2)
    assert rebuilt.progress.duplicates == 1
    assert sla(out) == rows


def cli(settings: Settings, out: Path) -> Result:
    """``complaint-events analytics report --once``, mounted as cli/main.py mounts it."""
    root = typer.Typer()
    root.add_typer(analytics_app, name="analytics")
    root.command("version")(lambda: None)  # a second command: a group, like the real CLI
    return CliRunner().invoke(
        root,
        ["analytics", "report", "--once", "--out", str(out), "--kafka", settings.kafka_bootstrap],
        env={"COMPLAINTS_TOPIC_PREFIX": settings.topic_prefix},
    )


def test_the_cli_writes_the_report_and_prints_a_summary(
    stack_settings: Settings, tmp_path: Path
) -> None:
    story_on_the_topic(stack_settings)
    out = tmp_path / "cli-report"

    result = cli(stack_settings, out)

    assert result.exit_code == 0, result.output
    assert "report written" in result.stdout
    assert "sla_daily.csv" in result.stdout
    assert "2026-03-02" in result.stdout, result.stdout
    assert "highest defect rate: sku-a (100%)" in result.stdout
    assert {p.name for p in out.iterdir()} >= {
        "sla_daily.csv",
        "defects_by_sku.csv",
        "daily_report.png",
        STATE_FILE,
    }


def test_a_missing_topic_is_a_clear_error(stack_settings: Settings, tmp_path: Path) -> None:
    result = cli(stack_settings, tmp_path)
    assert result.exit_code == 2
    assert "complaint-events topics create" in result.output


def test_a_message_it_cannot_read_is_dead_lettered_and_the_report_goes_on(
    stack_settings: Settings, tmp_path: Path
) -> None:
    story_on_the_topic(stack_settings)
    topic = stack_settings.topic(EVENTS_TOPIC)
    producer = KafkaProducer(bootstrap_servers=stack_settings.kafka_bootstrap)
    producer.send(topic, key=b"k", value=b"not an event").get(timeout=30)
    producer.close()
    total = topic_size(stack_settings.kafka_bootstrap, topic)

    result = run_once(stack_settings, tmp_path / "report")

    assert (result.progress.read, result.progress.applied) == (total, total - 1)
    assert result.progress.undecodable == 1
    [(key, headers, value)] = read_topic(
        stack_settings.kafka_bootstrap, stack_settings.topic(EVENTS_DLQ_TOPIC)
    )
    assert (key, value) == ("k", b"not an event")
    context = read_context(list(headers.items()))
    assert context["dlq_processor"] == "analytics"
    assert context["dlq_reason"].startswith("not a valid case event")
    assert committed(stack_settings) == total
