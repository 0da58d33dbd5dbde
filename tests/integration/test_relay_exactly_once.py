"""The relay publishes every stored case event exactly once, in per-case order (real Kafka + PG)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from uuid import UUID

import pytest

from complaint_events.adapters.kafka_clients import KafkaClients
from complaint_events.adapters.kafka_topics import ensure_topics
from complaint_events.adapters.postgres_positions import PostgresPositionStore
from complaint_events.application.cases import ComplaintCases
from complaint_events.bootstrap import build_cases, build_producer, build_relay
from complaint_events.contracts.topology import EVENTS_TOPIC
from complaint_events.relay import Relay
from complaint_events.settings import Settings
from stack_support import assert_topic_matches_store, file_cases, stored_event_ids, topic_size
from waiting import wait_until

pytestmark = pytest.mark.integration


def relay_process(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "COMPLAINTS_POSTGRES_DSN": settings.postgres_dsn,
        "COMPLAINTS_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "COMPLAINTS_TOPIC_PREFIX": settings.topic_prefix,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "complaint_events.cli.main", "relay", "--batch-size", "50"],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


class Filer(threading.Thread):
    """Files cases in small batches until told to stop, so that a relay killed while it runs
    is killed mid-stream however long the relay takes to start."""

    def __init__(self, cases: ComplaintCases, start: int) -> None:
        super().__init__(daemon=True)
        self.cases = cases
        self.next = start
        self.filed: list[UUID] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set() and self.next < 20_000:
            self.filed += file_cases(self.cases, self.next, 50)
            self.next += 50


def test_relay_killed_mid_stream_and_restarted_publishes_each_event_once_in_order(
    stack_settings: Settings, tmp_path: Path
) -> None:
    ensure_topics(stack_settings)
    cases = build_cases(stack_settings)
    topic = stack_settings.topic(EVENTS_TOPIC)
    case_ids = file_cases(cases, 0, 300)
    filer = Filer(cases, 300)

    relays: list[subprocess.Popen[bytes]] = []

    def started(relay: subprocess.Popen[bytes]) -> subprocess.Popen[bytes]:
        relays.append(relay)
        return relay

    try:
        first = started(relay_process(stack_settings, tmp_path / "relay.log"))
        filer.start()
        wait_until(
            lambda: topic_size(stack_settings.kafka_bootstrap, topic) >= 1500,
            timeout=90,
            what="the relay to publish a first part of the stream",
        )
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        published_by_first = topic_size(stack_settings.kafka_bootstrap, topic)

        second = started(relay_process(stack_settings, tmp_path / "relay.log"))
        wait_until(
            lambda: topic_size(stack_settings.kafka_bootstrap, topic) >= published_by_first + 600,
            timeout=90,
            what="the restarted relay to publish events filed while it was down and after",
        )
        filer.stop.set()
        filer.join(timeout=120)
        assert not filer.is_alive(), "filing did not stop"
        case_ids += filer.filed
        expected = stored_event_ids(cases, case_ids)
        positions = PostgresPositionStore(stack_settings.postgres_dsn)
        last = cases.recorder.max_notification_id()
        wait_until(
            lambda: positions.load(f"relay:{topic}") == last,
            timeout=180,
            what="the restarted relay to catch up with the event store",
        )
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=30) == 0, (tmp_path / "relay.log").read_text()[-3000:]
    finally:  # a relay left running would go on publishing into the next tests
        for relay in relays:
            if relay.poll() is None:
                relay.kill()
                relay.wait(timeout=10)
    assert sum(len(ids) for ids in expected.values()) == 3 * len(case_ids)
    assert_topic_matches_store(stack_settings, expected)


class CrashOnSave(PostgresPositionStore):
    """A position store that dies the first time it is asked to save: a crash in the window
    between Kafka acknowledging a batch and the position being committed."""

    def save(self, name: str, position: int) -> None:
        raise RuntimeError("simulated crash before saving the position")


def test_relay_restarted_after_publishing_but_before_saving_position_publishes_nothing_twice(
    stack_settings: Settings,
) -> None:
    ensure_topics(stack_settings)
    cases = build_cases(stack_settings)
    case_ids = file_cases(cases, 0, 40)
    crashing = Relay(
        recorder=cases.recorder,
        mapper=cases.mapper,
        producer=build_producer(stack_settings),
        positions=CrashOnSave(stack_settings.postgres_dsn),
        topic=stack_settings.topic(EVENTS_TOPIC),
        kafka=KafkaClients(stack_settings),
        batch_size=1000,
    )
    crashing.start()
    with pytest.raises(RuntimeError, match="simulated crash"):
        crashing.run_once()
    assert topic_size(stack_settings.kafka_bootstrap, stack_settings.topic(EVENTS_TOPIC)) == 120

    more = file_cases(cases, 40, 10)
    restarted = build_relay(stack_settings, cases)
    restarted.start()
    while restarted.run_once():
        pass

    assert restarted.stats.skipped_already_on_topic == 120
    assert restarted.stats.published == 30
    restarted.close()
    assert_topic_matches_store(stack_settings, stored_event_ids(cases, case_ids + more))
