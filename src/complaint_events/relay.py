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

One relay publishes. Given a :class:`Leadership` (a PostgreSQL advisory lock,
:mod:`complaint_events.adapters.relay_leadership`), a relay publishes only
while it holds the lock; a second relay is a hot standby that tries for the
lock every ``standby_retry`` seconds and takes over when the leader dies or
its lock connection drops. Why the two never publish an event twice:

- The leader checks that it still holds the lock before each batch, and while
  it waits for Kafka to acknowledge the batch, every ``standby_retry``
  seconds. Having lost it, it closes its producer at once (records not yet
  sent are dropped), goes back to standing by and, when it leads again, starts
  afresh (:meth:`Relay.start`).
- The position is saved on the lock connection by a statement that writes only
  while the lock is held: a relay that lost the lock never moves it.
- The new leader, once it has the lock, waits ``takeover_wait`` seconds before
  :meth:`Relay.start` reads the position and the last message of every
  partition. Whatever the old leader sent after its last successful check
  (serialising a batch takes milliseconds, and it notices the loss within
  ``standby_retry`` seconds while waiting for Kafka) has landed by then, or was
  dropped with its producer, so the tails include it and it is skipped.

An event too large for a Kafka record is not published: the relay holds it in
its quarantine (:mod:`complaint_events.adapters.relay_quarantine`) with the
reason, logs an error and goes on, so one event cannot block every case behind
it. The contracts' bounds keep events far below the limit; this is the backstop.

What is left: a produce request already on the wire when the old leader closed
its producer, that the broker appends more than ``takeover_wait`` seconds
later. Keep ``takeover_wait`` well above ``standby_retry``.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, Mapper, Notification
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaTimeoutError
from kafka.partitioner.default import murmur2

from complaint_events.adapters.kafka_clients import KafkaClients, close_dropping_unsent
from complaint_events.adapters.kafka_topics import TopicMissingError
from complaint_events.adapters.relay_leadership import LeadershipLostError
from complaint_events.contracts.envelope import EventEnvelope, kafka_headers
from complaint_events.contracts.translator import to_envelope, to_json_bytes
from complaint_events.domain.case import ComplaintCase
from complaint_events.observability.json_logs import case_fields

log = logging.getLogger(__name__)

NOTIFICATION_HEADER = "notification_id"
_CASE_TOPIC_PREFIX = f"{ComplaintCase.__module__}:ComplaintCase."


MAX_RECORD_BYTES = 1_000_000
"""What the relay publishes at most per event (key, value and headers): below the
1 MiB that both Kafka's broker (``message.max.bytes``) and kafka-python's
producer (``max_request_size``) accept by default, with room for the batch."""


@dataclass(frozen=True, slots=True)
class HeldEvent:
    """A stored event the relay did not publish, and why."""

    topic: str
    notification_id: int
    case_id: UUID
    event_id: UUID
    event_type: str
    size_bytes: int
    reason: str


class Quarantine(Protocol):
    """Where the relay keeps events it cannot publish (see ``relay_quarantine``)."""

    def hold(self, event: HeldEvent) -> None: ...


class HeldInMemory:
    """A quarantine for a relay without PostgreSQL (tests, one-off runs): a list."""

    def __init__(self) -> None:
        self.events: list[HeldEvent] = []

    def hold(self, event: HeldEvent) -> None:
        self.events.append(event)


class PositionStore(Protocol):
    """Where the relay remembers the last notification it published."""

    def load(self, name: str) -> int: ...

    def save(self, name: str, position: int) -> None: ...


class Wakeups(Protocol):
    """Wakes a caught-up relay when events are stored (``adapters/store_wakeups``)."""

    def wait(self, stop: threading.Event, timeout: float) -> None: ...

    def close(self) -> None: ...


class Leadership(Protocol):
    """The lock that lets one relay of a topic publish (see ``relay_leadership``)."""

    @property
    def leading(self) -> bool: ...

    def try_acquire(self) -> bool: ...

    def holds(self) -> bool: ...

    def holder(self) -> str | None: ...

    def release(self) -> None: ...


@functools.lru_cache(maxsize=16_384)
def partition_for(key: bytes, partitions: int) -> int:
    """Kafka's default partitioner (murmur2), computed here so the relay knows where a key goes.

    kafka-python's murmur2 is pure Python, 6.8 µs a key on these machines; a case's
    events share its key, so the partitions of recent cases are remembered."""
    return int(murmur2(key) & 0x7FFFFFFF) % partitions


@dataclass
class RelayStats:
    """What the relay has done since it started."""

    published: int = 0
    skipped_already_on_topic: int = 0
    position: int = 0
    leading: bool = False
    terms: int = 0  # how many times this relay took the lead
    held: int = 0  # events too large to publish, kept in the quarantine


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
        kafka: KafkaClients,
        batch_size: int = 500,
        name: str = "relay",
        leadership: Leadership | None = None,
        producer_factory: Callable[[], KafkaProducer] | None = None,
        standby_retry: float = 1.0,
        takeover_wait: float = 3.0,
        quarantine: Quarantine | None = None,
        max_record_bytes: int = MAX_RECORD_BYTES,
        wakeups: Wakeups | None = None,
    ) -> None:
        self.recorder = recorder
        self.mapper = mapper
        self.producer = producer
        self.positions = positions
        self.topic = topic
        self.kafka = kafka
        self.batch_size = batch_size
        self.name = f"{name}:{topic}"
        self.stats = RelayStats()
        self.leadership = leadership
        self.producer_factory = producer_factory
        self.standby_retry = standby_retry
        self.takeover_wait = takeover_wait
        self.quarantine = quarantine if quarantine is not None else HeldInMemory()
        self.max_record_bytes = max_record_bytes
        self.wakeups = wakeups
        self._partitions = 0
        self._on_topic: dict[int, int] = {}

    def start(self) -> None:
        """Load the tracked position and learn what is already on the topic.

        With a leadership this relay must lead: if it does not yet, it takes the
        lock now or raises :class:`LeadershipLostError` naming who leads. Called
        directly (``start``, then ``run_once`` until caught up, then ``close``),
        it does not wait ``takeover_wait``: that is for one-off runs where no
        other relay was leading a moment ago. :meth:`run` stands by and waits.
        """
        if self.leadership is not None and not self.leadership.leading:
            if not self.leadership.try_acquire():
                raise LeadershipLostError(
                    f"relay {self.name}: {self.leadership.holder() or 'another relay'} leads"
                )
            self.stats.leading = True
            self.stats.terms += 1
        self.stats.position = self.positions.load(self.name)
        partitions = self.producer.partitions_for(self.topic)
        if not partitions:
            raise TopicMissingError(self.topic)
        self._partitions = len(partitions)
        self._on_topic = last_published(self.kafka, self.topic, self._partitions)
        log.info(
            "relay %s starting after notification %d; on topic: %s",
            self.name,
            self.stats.position,
            self._on_topic or "nothing",
        )

    def run_once(self) -> int:
        """Publish the next batch; return how many notifications it covered.

        With a leadership, raises :class:`LeadershipLostError` as soon as the lock is
        found lost: before the batch, while Kafka has not yet acknowledged it, or
        when saving the position.
        """
        self._check_leading()
        notifications = self.recorder.select_notifications(
            start=self.stats.position, limit=self.batch_size, inclusive_of_start=False
        )
        if not notifications:
            return 0
        self._check_leading()
        futures = [self._publish(n) for n in notifications if _is_case_event(n)]
        self._flush()
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
        """Relay until ``stop`` is set, waiting ``idle_wait`` seconds when caught up
        (with ``wakeups``, only until events are stored).

        With a leadership, publishes only while leading and stands by otherwise.
        Owns the producer and the leadership: closes both on return.
        """
        clean = False
        try:
            while not stop.is_set():
                if not self._take_lead(stop):
                    break
                try:
                    self.start()
                    while not stop.is_set():
                        if self.run_once() == 0:
                            self._idle(stop, idle_wait)
                        elif on_batch is not None:
                            on_batch(self.stats)
                    self.producer.flush()
                except LeadershipLostError as lost:
                    self._step_down(lost)
                    # A standby that still has its connection gets the first chance.
                    stop.wait(max(self.takeover_wait, 2 * self.standby_retry))
            clean = True
        finally:
            self.stats.leading = False
            try:
                # After a failure, drop what was not sent: a relay that takes over must
                # not find records of this one landing after it read the topic's tails.
                # Either way the producer is done before the lock is given up.
                if clean:
                    self.producer.close()
                else:
                    close_dropping_unsent(self.producer)
            finally:
                if self.wakeups is not None:
                    self.wakeups.close()
                if self.leadership is not None:
                    self.leadership.release()

    def _idle(self, stop: threading.Event, idle_wait: float) -> None:
        if self.wakeups is None:
            stop.wait(idle_wait)
        else:
            self.wakeups.wait(stop, idle_wait)

    def close(self) -> None:
        """Flush and close the producer and give the lead up (after ``start``/``run_once``)."""
        self.stats.leading = False
        try:
            self.producer.close()
        finally:
            if self.leadership is not None:
                self.leadership.release()

    def _take_lead(self, stop: threading.Event) -> bool:
        """Wait until this relay leads (at once without a leadership); False if stopped."""
        if self.leadership is None:
            return True
        said = False
        while not self.leadership.try_acquire():
            if not said:
                log.info(
                    "relay %s: standing by, the lock is held by %s; trying every %.1f s",
                    self.name,
                    self.leadership.holder() or "an unknown session (or PostgreSQL is down)",
                    self.standby_retry,
                )
                said = True
            if stop.wait(self.standby_retry):
                return False
        log.info(
            "relay %s: leading; waiting %.1f s for batches a previous leader had in flight",
            self.name,
            self.takeover_wait,
        )
        if stop.wait(self.takeover_wait):
            return False
        self.stats.leading = True
        self.stats.terms += 1
        return True

    def _step_down(self, lost: LeadershipLostError) -> None:
        """Stop publishing at once; with a fresh producer, stand by again."""
        self.stats.leading = False
        log.warning("relay %s: lost the lead (%s); standing by", self.name, lost)
        close_dropping_unsent(self.producer)  # records not yet sent are dropped, not published late
        if self.producer_factory is None:
            raise lost
        self.producer = self.producer_factory()

    def _check_leading(self) -> None:
        if self.leadership is not None and not self.leadership.holds():
            raise LeadershipLostError(f"relay {self.name}: the lock is no longer held")

    def _flush(self) -> None:
        """Wait for Kafka's acknowledgement, checking the lead every ``standby_retry`` s."""
        if self.leadership is None:
            self.producer.flush()
            return
        while True:
            try:
                self.producer.flush(timeout=self.standby_retry)
            except KafkaTimeoutError:
                self._check_leading()
            else:
                return

    def _publish(self, notification: Notification) -> Any:
        key = str(notification.originator_id).encode()
        partition = partition_for(key, self._partitions)
        if notification.id <= self._on_topic.get(partition, 0):
            self.stats.skipped_already_on_topic += 1
            return None
        envelope, value, headers = self._record(notification)
        size = len(key) + len(value) + sum(len(name) + len(v) for name, v in headers)
        if size > self.max_record_bytes:
            self._hold(notification, envelope, size)
            return None
        self.stats.published += 1
        return self.producer.send(
            self.topic, key=key, value=value, partition=partition, headers=headers
        )

    def _record(
        self, notification: Notification
    ) -> tuple[EventEnvelope, bytes, list[tuple[str, bytes]]]:
        """The envelope of a stored event, its bytes and its headers on the topic."""
        envelope = to_envelope(self.mapper.to_domain_event(notification))
        headers = [*kafka_headers(envelope), (NOTIFICATION_HEADER, str(notification.id).encode())]
        return envelope, to_json_bytes(envelope), headers

    def publish_held(self, notification_id: int) -> None:
        """Publish one held event now, through this relay's producer (built to accept it).

        For an operator who raised the topic's ``max.message.bytes``: the event
        reaches the topic after the events that followed it in the store, which
        every reader takes in its stride (they are idempotent per event id).
        """
        [notification] = self.recorder.select_notifications(
            start=notification_id, limit=1, inclusive_of_start=True
        )
        if notification.id != notification_id:
            raise LookupError(f"no notification {notification_id} in the event store")
        _, value, headers = self._record(notification)
        key = str(notification.originator_id).encode()
        self.producer.send(self.topic, key=key, value=value, headers=headers).get(timeout=60)

    def _hold(self, notification: Notification, envelope: EventEnvelope, size: int) -> None:
        held = HeldEvent(
            topic=self.topic,
            notification_id=notification.id,
            case_id=envelope.case_id,
            event_id=envelope.event_id,
            event_type=envelope.event_type,
            size_bytes=size,
            reason=f"{size} bytes, more than the {self.max_record_bytes} a record may hold",
        )
        log.error(
            "relay %s: held %s %s of case %s (notification %d): %s; see "
            "'complaint-events relay-held'",
            self.name,
            held.event_type,
            held.event_id,
            held.case_id,
            held.notification_id,
            held.reason,
            extra=case_fields(held.case_id, envelope.correlation_id),
        )
        self.quarantine.hold(held)
        self.stats.held += 1


def _is_case_event(notification: Notification) -> bool:
    return notification.topic.startswith(_CASE_TOPIC_PREFIX)


def last_published(kafka: KafkaClients, topic: str, partitions: int) -> dict[int, int]:
    """The notification id of the last relayed message in each partition of ``topic``.

    Only the relay should write to the topic; if something else did, its messages
    (without a ``notification_id`` header) are stepped over, looking further back.
    """
    consumer = kafka.consumer()
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
