"""The relay: the only writer of case events to ``complaints.events.v1``.

It follows the event store's notification log and publishes each case event,
keyed by case id (so in per-case order), with its event id in the headers,
through an idempotent producer. Its position is tracked in PostgreSQL and
saved only after Kafka acknowledged the batch.

Exactly once in effect, across crashes: a relay killed after Kafka took a
batch but before the position was saved would publish that batch again on
restart. To close that window it reads, at start, the last message of every
partition and its ``notification_id`` header; since one relay publishes in
notification order, any notification at or below that number for its
partition is already on the topic and is skipped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from eventsourcing.persistence import ApplicationRecorder, Mapper, Notification
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.partitioner.default import murmur2

from complaint_events.contracts.envelope import kafka_headers
from complaint_events.contracts.translator import to_envelope, to_json_bytes
from complaint_events.domain.case import ComplaintCase

log = logging.getLogger(__name__)

NOTIFICATION_HEADER = "notification_id"
_CASE_TOPIC_PREFIX = f"{ComplaintCase.__module__}:ComplaintCase."


class PositionStore(Protocol):
    """Where the relay remembers the last notification it published."""

    def load(self, name: str) -> int: ...

    def save(self, name: str, position: int) -> None: ...


def partition_for(key: bytes, partitions: int) -> int:
    """Kafka's default partitioner (murmur2), computed here so the relay knows where a key goes."""
    return int(murmur2(key) & 0x7FFFFFFF) % partitions


@dataclass
class RelayStats:
    """What the relay has done since it started."""

    published: int = 0
    skipped_already_on_topic: int = 0
    position: int = 0


class Relay:
    """Publishes stored case events to Kafka, in order, exactly once in effect."""

    def __init__(
        self,
        *,
        recorder: ApplicationRecorder,
        mapper: Mapper[Any],
        producer: KafkaProducer,
        positions: PositionStore,
        topic: str,
        bootstrap_servers: str,
        batch_size: int = 500,
        name: str = "relay",
    ) -> None:
        self.recorder = recorder
        self.mapper = mapper
        self.producer = producer
        self.positions = positions
        self.topic = topic
        self.bootstrap_servers = bootstrap_servers
        self.batch_size = batch_size
        self.name = f"{name}:{topic}"
        self.stats = RelayStats()
        self._partitions = 0
        self._on_topic: dict[int, int] = {}

    def start(self) -> None:
        """Load the tracked position and learn what is already on the topic."""
        self.stats.position = self.positions.load(self.name)
        partitions = self.producer.partitions_for(self.topic)
        if not partitions:
            raise RuntimeError(
                f"topic {self.topic} does not exist; run 'complaint-events topics create'"
            )
        self._partitions = len(partitions)
        self._on_topic = last_published(self.bootstrap_servers, self.topic, self._partitions)
        log.info(
            "relay %s starting after notification %d; on topic: %s",
            self.name,
            self.stats.position,
            self._on_topic or "nothing",
        )

    def run_once(self) -> int:
        """Publish the next batch; return how many notifications it covered."""
        notifications = self.recorder.select_notifications(
            start=self.stats.position, limit=self.batch_size, inclusive_of_start=False
        )
        if not notifications:
            return 0
        futures = [self._publish(n) for n in notifications if _is_case_event(n)]
        self.producer.flush()
        for future in futures:
            if future is not None:
                future.get(timeout=0)  # raises if Kafka refused the message
        last = notifications[-1].id
        self.positions.save(self.name, last)
        self.stats.position = last
        return len(notifications)

    def run(
        self,
        stop: threading.Event,
        idle_wait: float = 0.2,
        on_batch: Callable[[RelayStats], None] | None = None,
    ) -> None:
        """Relay until ``stop`` is set, waiting ``idle_wait`` seconds when caught up."""
        self.start()
        while not stop.is_set():
            if self.run_once() == 0:
                stop.wait(idle_wait)
            elif on_batch is not None:
                on_batch(self.stats)
        self.producer.flush()

    def _publish(self, notification: Notification) -> Any:
        key = str(notification.originator_id).encode()
        partition = partition_for(key, self._partitions)
        if notification.id <= self._on_topic.get(partition, 0):
            self.stats.skipped_already_on_topic += 1
            return None
        envelope = to_envelope(self.mapper.to_domain_event(notification))
        headers = [*kafka_headers(envelope), (NOTIFICATION_HEADER, str(notification.id).encode())]
        self.stats.published += 1
        return self.producer.send(
            self.topic, key=key, value=to_json_bytes(envelope), partition=partition, headers=headers
        )


def _is_case_event(notification: Notification) -> bool:
    return notification.topic.startswith(_CASE_TOPIC_PREFIX)


def last_published(bootstrap_servers: str, topic: str, partitions: int) -> dict[int, int]:
    """The notification id of the last relayed message in each partition of ``topic``.

    Only the relay should write to the topic; if something else did, its messages
    (without a ``notification_id`` header) are stepped over, looking further back.
    """
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap_servers, enable_auto_commit=False, group_id=None
    )
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        ends = consumer.end_offsets(tps)
        found: dict[int, int] = {}
        for tp in tps:
            # One partition at a time: a fetch for another assigned partition must not
            # stand in the way of reading this one's last records.
            consumer.assign([tp])
            for back in (1, 100, 10_000, ends[tp]):
                start = max(ends[tp] - back, 0)
                if ends[tp] == 0:
                    break
                last = _last_notification_id(consumer, tp, start, ends[tp])
                if last is not None:
                    found[tp.partition] = last
                    break
                if start == 0:
                    break
        return found
    finally:
        consumer.close()


def _last_notification_id(
    consumer: KafkaConsumer, tp: TopicPartition, start: int, end: int
) -> int | None:
    """The highest notification id among the records ``start`` .. ``end - 1``, if any has one."""
    consumer.seek(tp, start)
    deadline = time.monotonic() + 30
    last: int | None = None
    while time.monotonic() < deadline:
        for records in consumer.poll(timeout_ms=500, max_records=500).values():
            for record in records:
                value = _header(record.headers, NOTIFICATION_HEADER)
                if value is not None:
                    last = value if last is None else max(last, value)
                if record.offset >= end - 1:
                    return last
        if consumer.position(tp) >= end:
            return last
    raise RuntimeError(f"could not read the last messages of {tp.topic}[{tp.partition}]")


def _header(headers: Sequence[tuple[str, bytes]], name: str) -> int | None:
    for key, value in headers:
        if key == name:
            return int(value)
    return None
