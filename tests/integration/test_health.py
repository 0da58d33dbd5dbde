"""The health check reads consumer lag from the real broker and the relay's from PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.structs import OffsetAndMetadata

from complaint_events.adapters.kafka_topics import ensure_topics
from complaint_events.adapters.postgres_positions import PostgresPositionStore
from complaint_events.adapters.relay_leadership import RelayLeadership
from complaint_events.bootstrap import build_cases
from complaint_events.consumers.health import ProcessorHealth, check
from complaint_events.consumers.progress_store import record
from complaint_events.consumers.stall_rule import Partition, StallRule
from complaint_events.consumers.topology import PROCESSORS, app_id
from complaint_events.contracts.topology import EVENTS_TOPIC, INTAKE_TOPIC
from complaint_events.settings import Settings
from stack_support import file_cases

pytestmark = pytest.mark.integration

CLI = str(Path(sys.executable).parent / "complaint-events")

# Messages produced to each partition of the intake topic.
PER_PARTITION = {0: 3, 1: 2, 2: 1}


def produce_intake(settings: Settings) -> None:
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all")
    try:
        for partition, count in PER_PARTITION.items():
            for n in range(count):
                producer.send(
                    settings.topic(INTAKE_TOPIC),
                    value=f"m{partition}-{n}".encode(),
                    partition=partition,
                ).get(timeout=10)
    finally:
        producer.close()


def commit(settings: Settings, name: str, offsets: dict[int, int]) -> None:
    """Commit ``offsets`` (partition -> next offset) on the intake topic as ``name``'s group."""
    consumer = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=app_id(settings, name),
        enable_auto_commit=False,
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
    )
    try:
        tps = {p: TopicPartition(settings.topic(INTAKE_TOPIC), p) for p in offsets}
        consumer.assign(list(tps.values()))
        consumer.commit({tps[p]: OffsetAndMetadata(o, "", -1) for p, o in offsets.items()})
    finally:
        consumer.close()


@pytest.fixture
def intake_stack(stack_settings: Settings) -> Settings:
    """Topics created and six messages waiting on the intake topic (3, 2 and 1 a partition)."""
    ensure_topics(stack_settings)
    produce_intake(stack_settings)
    return stack_settings


def only(results: list[ProcessorHealth]) -> ProcessorHealth:
    assert len(results) == 1
    return results[0]


def test_intake_group_lags_until_it_commits_to_the_end(intake_stack: Settings) -> None:
    settings = intake_stack
    group = app_id(settings, "intake")

    never_ran = only(check(settings, ["intake"]))
    assert (never_ran.group, never_ran.lag, never_ran.caught_up) == (group, 6, False)
    assert "unknown" in never_ran.detail
    assert [r.committed for r in never_ran.rows] == [None, None, None]

    commit(settings, "intake", {0: 2, 1: 2})
    partly = only(check(settings, ["intake"]))
    assert (partly.lag, partly.caught_up) == (2, False)
    assert [(r.partition, r.committed, r.end, r.lag) for r in partly.rows] == [
        (0, 2, 3, 1),
        (1, 2, 2, 0),
        (2, None, 1, 1),
    ]
    assert "2 messages behind" in partly.detail
    assert f"nothing committed yet on {settings.topic(INTAKE_TOPIC)}[2]" in partly.detail
    assert only(check(settings, ["intake"], max_lag=2)).caught_up

    commit(settings, "intake", {0: 3, 1: 2, 2: 1})
    done = only(check(settings, ["intake"]))
    assert (done.lag, done.caught_up, done.detail) == (0, True, "caught up")


def test_all_checks_every_processor_under_the_group_of_worker_all(
    intake_stack: Settings,
) -> None:
    settings = intake_stack
    commit(settings, "intake", {0: 3, 1: 2, 2: 1})  # the intake's own group is not the one

    results = check(settings, ["all"])
    assert [r.processor for r in results] == list(PROCESSORS)
    by_name = {r.processor: r for r in results}
    for name, spec in PROCESSORS.items():
        if spec.sources:
            assert by_name[name].group == app_id(settings, "all"), name
    assert (by_name["intake"].lag, by_name["intake"].caught_up) == (6, False)
    assert by_name["router"].caught_up  # nothing on the events topic yet
    assert by_name["relay"].caught_up

    grouped = only(check(settings, ["intake"], group_all=True))
    assert (grouped.group, grouped.lag) == (app_id(settings, "all"), 6)


def test_relay_lag_is_the_notifications_beyond_its_saved_position(
    stack_settings: Settings,
) -> None:
    cases = build_cases(stack_settings)
    try:
        file_cases(cases, 0, 3)
        newest = cases.recorder.max_notification_id()
    finally:
        cases.close()
    assert newest

    behind = only(check(stack_settings, ["relay"]))
    assert (behind.lag, behind.caught_up) == (newest, False)
    assert behind.group == f"relay:{stack_settings.topic(EVENTS_TOPIC)}"

    positions = PostgresPositionStore(stack_settings.postgres_dsn)
    try:
        positions.save(behind.group, newest)
    finally:
        positions.close()
    caught_up = only(check(stack_settings, ["relay"]))
    assert (caught_up.lag, caught_up.caught_up) == (0, True)
    assert caught_up.detail.endswith("; no relay holds the lead")

    leader = RelayLeadership(stack_settings.postgres_dsn, behind.group, identity="relay-a")
    try:
        assert leader.try_acquire()
        led = only(check(stack_settings, ["relay"]))
    finally:
        leader.release()
    assert "; led by relay-a (backend " in led.detail


def test_relay_is_not_checked_without_the_postgres_store(stack_settings: Settings) -> None:
    sqlite = stack_settings.model_copy(update={"store": "sqlite"})
    relay = only(check(sqlite, ["relay"]))
    assert not relay.caught_up
    assert "COMPLAINTS_STORE=postgres" in relay.detail


def run(*args: str, settings: Settings) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": str(Path(CLI).parent),
        "COLUMNS": "200",
        "COMPLAINTS_SECRETS_FILE": os.environ["COMPLAINTS_SECRETS_FILE"],  # tests/conftest.py
        "COMPLAINTS_STORE": settings.store,
        "COMPLAINTS_POSTGRES_DSN": settings.postgres_dsn,
        "COMPLAINTS_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "COMPLAINTS_TOPIC_PREFIX": settings.topic_prefix,
    }
    return subprocess.run(
        [CLI, "health", *args], capture_output=True, text=True, timeout=60, check=False, env=env
    )


def test_cli_exits_1_while_a_group_lags_and_0_once_caught_up(intake_stack: Settings) -> None:
    settings = intake_stack
    commit(settings, "intake", {0: 2, 1: 2})

    lagging = run("intake", "commands", settings=settings)
    assert lagging.returncode == 1, lagging.stderr
    assert "2 messages behind" in lagging.stdout
    assert app_id(settings, "intake") in lagging.stdout

    as_json = run("intake", "--json", settings=settings)
    assert as_json.returncode == 1, as_json.stderr
    document = json.loads(as_json.stdout)
    assert document["caught_up"] is False
    [intake] = document["processors"]
    assert (intake["processor"], intake["lag"]) == ("intake", 2)
    assert [row["committed"] for row in intake["rows"]] == [2, 2, None]

    assert run("intake", "--max-lag", "2", settings=settings).returncode == 0

    commit(settings, "intake", {0: 3, 1: 2, 2: 1})
    caught_up = run("intake", "commands", "relay", settings=settings)
    assert caught_up.returncode == 0, caught_up.stdout + caught_up.stderr
    assert caught_up.stdout.count("│ yes ") == 3  # the "caught up" column of each row


def test_cli_exits_2_with_a_hint_when_kafka_cannot_be_reached() -> None:
    nowhere = Settings(kafka_bootstrap="127.0.0.1:1")  # nothing listens on port 1
    result = run("intake", settings=nowhere)
    assert result.returncode == 2
    assert "cannot reach Kafka at 127.0.0.1:1" in result.stderr
    assert "scripts/devstack up" in result.stderr
    assert result.stdout == ""


def test_a_lagging_group_is_stalled_while_its_offset_stands_where_the_watchdog_saw_it(
    intake_stack: Settings,
) -> None:
    settings = intake_stack
    topic = settings.topic(INTAKE_TOPIC)
    group = app_id(settings, "intake")
    commit(settings, "intake", {0: 1, 1: 2})
    rule = StallRule(timeout=settings.stall_timeout)
    for partition, committed, end in ((0, 1, 3), (1, 2, 2), (2, None, 1)):
        rule.observe(Partition(topic, partition), committed, end, now=0.0)

    record(settings.postgres_dsn, group, rule.observations(), now=30.0, stalled=set())
    behind = only(check(settings, ["intake"]))
    assert (behind.stalled, behind.lag) == (False, 3)  # 30 s without progress: not yet 60

    stalled = {o.partition for o in rule.stalled(60.0)}
    record(settings.postgres_dsn, group, rule.observations(), now=60.0, stalled=stalled)
    stuck = only(check(settings, ["intake"]))
    assert (stuck.stalled, stuck.caught_up) == (True, False)
    assert stuck.detail.startswith(f"stalled: {topic}[0,2] no progress for 6")  # 60 s, or just over
    assert " s; 3 messages behind; " in stuck.detail

    commit(settings, "intake", {0: 2})  # partition 0 moved on since the watchdog looked
    moving = only(check(settings, ["intake"]))
    assert moving.stalled
    assert moving.detail.startswith(f"stalled: {topic}[2] no progress for ")

    commit(settings, "intake", {2: 1})
    assert not only(check(settings, ["intake"])).stalled
