"""Helpers for relay tests: filing many cases fast, reading the events topic back, and
publishing a store's events and projecting them as the workers would."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from uuid import UUID

from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from complaint_events.adapters.kafka_clients import KafkaClients
from complaint_events.adapters.kafka_topics import ensure_topics
from complaint_events.application.cases import ComplaintCases
from complaint_events.bootstrap import build_relay
from complaint_events.contracts.envelope import event_id_for
from complaint_events.contracts.topology import EVENTS_TOPIC
from complaint_events.domain.acting import Acting
from complaint_events.domain.complaint import ComplaintDetails
from complaint_events.projections.catalog import ALL_PROJECTIONS
from complaint_events.projections.rebuild import rebuild
from complaint_events.settings import Settings
from complaint_support import numbered_complaint

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def complaint(n: int) -> ComplaintDetails:
    return numbered_complaint(
        n, T0, order_id=f"O-{n}", merchant_id=f"m-{n % 7}", sku=f"SKU-{n % 11}"
    )


def file_cases(cases: ComplaintCases, start: int, count: int, batch: int = 250) -> list[UUID]:
    """File ``count`` complaints in batches, then give each two more events."""
    ids: list[UUID] = []
    for first in range(start, start + count, batch):
        numbers = range(first, min(first + batch, start + count))
        outcomes = cases.file_complaints(
            [(complaint(n), Acting("adapter:web", T0)) for n in numbers]
        )
        ids.extend(o.case_id for o in outcomes)
    later = Acting("handler:h1", T0 + timedelta(hours=1))
    for case_id in ids:
        cases.act(
            case_id,
            lambda c: (
                c.acknowledge(notification_id="n", language="zh", soothing=False, by=later),
                c.escalate("test", 1, later),
            ),
        )
    return ids


def _partitions(consumer: KafkaConsumer, topic: str, wait_s: float = 10.0) -> set[int]:
    """The topic's partitions; none when it does not exist. Just after the topic was
    created the client's metadata may not list its partitions yet: ask again until it does."""
    deadline = time.monotonic() + wait_s
    while True:
        if topic not in consumer.topics():  # a fresh metadata request
            return set()
        partitions = consumer.partitions_for_topic(topic)
        if partitions or time.monotonic() > deadline:
            return set(partitions or ())
        time.sleep(0.1)


def read_topic(bootstrap: str, topic: str) -> list[tuple[str, dict[str, bytes], bytes]]:
    """Every message on ``topic`` as (key, headers, value), partition by partition."""
    return [(r.key.decode(), dict(r.headers), r.value) for r in topic_records(bootstrap, topic)]


def topic_records(bootstrap: str, topic: str) -> list[ConsumerRecord]:
    """Every record on ``topic``, partition by partition, with its offset and timestamp."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        group_id=None,
        consumer_timeout_ms=3000,
    )
    try:
        partitions = _partitions(consumer, topic)
        if not partitions:
            return []
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends = consumer.end_offsets(tps)
        records: list[ConsumerRecord] = []
        remaining = {tp: ends[tp] for tp in tps if ends[tp] > 0}
        read: dict[TopicPartition, int] = defaultdict(int)
        while any(read[tp] < end for tp, end in remaining.items()):
            for tp, batch in consumer.poll(timeout_ms=1000).items():
                for r in batch:
                    read[tp] = r.offset + 1
                    records.append(r)
        return records
    finally:
        consumer.close()


def topic_size(bootstrap: str, topic: str) -> int:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in partitions]
        return sum(consumer.end_offsets(tps).values()) if tps else 0
    finally:
        consumer.close()


def stored_event_ids(cases: ComplaintCases, case_ids: list[UUID]) -> dict[UUID, list[str]]:
    """Each case's event ids in stored order: what the topic must hold, no more, no less."""
    return {
        case_id: [str(event_id_for(case_id, e.originator_version)) for e in cases.history(case_id)]
        for case_id in case_ids
    }


def assert_topic_matches_store(settings: Settings, expected: dict[UUID, list[str]]) -> None:
    messages = read_topic(settings.kafka_bootstrap, settings.topic(EVENTS_TOPIC))
    on_topic = [h["event_id"].decode() for _, h, _ in messages]
    assert len(on_topic) == len(set(on_topic)), "an event was published twice"
    want = {e for ids in expected.values() for e in ids}
    assert set(on_topic) == want, f"missing {len(want - set(on_topic))} events"
    per_case: dict[str, list[str]] = defaultdict(list)
    for key, headers, value in messages:
        per_case[key].append(headers["event_id"].decode())
        assert json.loads(value)["case_id"] == key
    for case_id, ids in expected.items():
        assert per_case[str(case_id)] == ids, f"case {case_id} out of order on the topic"


def publish_and_project(settings: Settings, cases: ComplaintCases) -> None:
    """Relay every stored event to the events topic, then build every read model from it."""
    ensure_topics(settings)
    relay = build_relay(settings, cases)
    relay.start()
    while relay.run_once():
        pass
    relay.close()
    rebuild(
        settings.postgres_dsn,
        KafkaClients(settings),
        settings.topic(EVENTS_TOPIC),
        ALL_PROJECTIONS,
    )
