"""The projector: follows ``complaints.events.v1`` into the read-model tables.

It reads every partition itself (no consumer group: the positions that count
are the ones stored with the rows), starting each partition at the lowest
position of the projections it feeds. A batch is applied to all projections in
one transaction (:func:`complaint_events.projections.positions.apply_batch`). A message that is
not a case event is dead-lettered with the reason and stepped over.

A case event that a projection cannot apply (PostgreSQL refuses a value, or
the projection's code fails on it) must not stop the read models: the batch's
transaction is rolled back, its events are applied again one at a time, and
the one that fails is dead-lettered for the projections it failed, with the
error as its reason, while every other projection and every other event goes
on. A lost connection is not the event's fault: it is raised, and the
service's restart loop tries again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg
from kafka import KafkaProducer, TopicPartition
from pydantic import ValidationError

from complaint_events.adapters.kafka_clients import KafkaClients
from complaint_events.adapters.kafka_topics import TopicMissingError
from complaint_events.clock import Clock, SystemClock
from complaint_events.contracts.dead_letters import DeadLetter, field_errors
from complaint_events.contracts.envelope import decode_event
from complaint_events.contracts.topology import EVENTS_DLQ_TOPIC
from complaint_events.observability import metrics
from complaint_events.projections.positions import (
    SourceEvent,
    Target,
    apply_batch,
    create_tables,
    ensure_position_rows,
    positions,
)

log = logging.getLogger(__name__)

PROCESSOR = "projector"


@dataclass
class ProjectorStats:
    """What the projector has done since it started."""

    read: int = 0
    applied: int = 0
    dead_lettered: int = 0
    batches: int = 0
    behind: dict[int, int] = field(default_factory=dict)


class EventSource:
    """The events topic, read partition by partition from given offsets."""

    def __init__(self, kafka: KafkaClients, topic: str) -> None:
        self.topic = topic
        self.consumer = kafka.consumer("complaint-events-projector", auto_offset_reset="earliest")
        found = self.consumer.partitions_for_topic(topic)
        if not found:
            self.consumer.close()
            raise TopicMissingError(topic)
        self.partitions = sorted(found)
        self.tps = [TopicPartition(topic, p) for p in self.partitions]
        self.consumer.assign(self.tps)

    def seek(self, offsets: dict[int, int]) -> None:
        for tp in self.tps:
            self.consumer.seek(tp, offsets.get(tp.partition, 0))

    def poll(self, max_records: int, timeout_ms: int = 500) -> list[Any]:
        records = self.consumer.poll(timeout_ms=timeout_ms, max_records=max_records)
        return sorted(
            (r for batch in records.values() for r in batch), key=lambda r: (r.partition, r.offset)
        )

    def end_offsets(self) -> dict[int, int]:
        return {tp.partition: end for tp, end in self.consumer.end_offsets(self.tps).items()}

    def close(self) -> None:
        self.consumer.close()


class Projector:
    """Feeds projections from the events topic; positions and rows in one transaction."""

    def __init__(
        self,
        dsn: str,
        kafka: KafkaClients,
        topic: str,
        targets: Sequence[Target],
        *,
        dead_letter_topic: str | None = None,
        batch_size: int = 1000,
        clock: Clock | None = None,
    ) -> None:
        self.clock = clock or SystemClock()
        self.dsn = dsn
        self.kafka = kafka
        self.topic = topic
        self.targets = list(targets)
        self.dead_letter_topic = dead_letter_topic
        self.batch_size = batch_size
        self.stats = ProjectorStats()
        self._conn: psycopg.Connection[Any] | None = None
        self._source: EventSource | None = None
        self._producer: KafkaProducer | None = None

    def start(self) -> None:
        """Create missing tables, then position the reader at the stored positions."""
        self._conn = psycopg.connect(self.dsn, autocommit=True)
        create_tables(self._conn, self.targets)
        self._source = EventSource(self.kafka, self.topic)
        names = [t.position for t in self.targets]
        ensure_position_rows(self._conn, self.topic, names, self._source.partitions)
        stored = positions(self._conn, self.topic, names)
        self._source.seek(
            {p: min(stored[n].get(p, 0) for n in names) for p in self._source.partitions}
        )
        log.info("projector: %s from %s", ", ".join(names), stored)

    def run_once(self, timeout_ms: int = 500) -> int:
        """Apply the next batch; return how many messages it read."""
        conn, source = self._started()
        records = source.poll(self.batch_size, timeout_ms)
        if not records:
            return 0
        batch: list[SourceEvent] = []
        letters: list[DeadLetter] = []
        for record in records:
            try:
                event = decode_event(record.value)
            except ValidationError as error:
                letters.append(_dead_letter(record, error, self.clock.now()))
                continue
            batch.append(SourceEvent(record.partition, record.offset, event))
        self._dead_letter(letters)
        read_up_to = {r.partition: r.offset + 1 for r in records}
        try:
            self.stats.applied += apply_batch(conn, self.topic, self.targets, batch, read_up_to)
        except _CONNECTION_LOST:
            raise
        except Exception:  # noqa: BLE001 - isolated below, event by event
            log.warning("projector: a batch of %d events failed; isolating the cause", len(batch))
            self._apply_one_by_one(conn, records, batch, read_up_to)
        self.stats.read += len(records)
        self.stats.batches += 1
        return len(records)

    def run(
        self,
        stop: threading.Event,
        idle_wait: float = 0.2,
        on_batch: Callable[[ProjectorStats], None] | None = None,
    ) -> None:
        """Project until ``stop`` is set."""
        self.start()
        try:
            while not stop.is_set():
                if self.run_once() == 0:
                    stop.wait(idle_wait)
                elif on_batch is not None:
                    on_batch(self.stats)
        finally:
            self.close()

    def caught_up(self) -> bool:
        """Whether every target's position has reached the end of every partition."""
        conn, source = self._started()
        ends = source.end_offsets()
        stored = positions(conn, self.topic, [t.position for t in self.targets])
        return all(
            stored[t.position].get(p, 0) >= end for t in self.targets for p, end in ends.items()
        )

    def _apply_one_by_one(
        self,
        conn: psycopg.Connection[Any],
        records: Sequence[Any],
        batch: Sequence[SourceEvent],
        read_up_to: dict[int, int],
    ) -> None:
        """Apply ``batch`` an event and a projection at a time; dead-letter what fails."""
        raw = {(r.partition, r.offset): r for r in records}
        for source in batch:
            try:
                self.stats.applied += apply_batch(conn, self.topic, self.targets, [source])
                continue
            except _CONNECTION_LOST:
                raise
            except Exception:  # noqa: BLE001, S110 - each projection is tried on its own next
                pass
            past = {source.partition: source.offset + 1}
            for target in self.targets:
                try:
                    self.stats.applied += apply_batch(conn, self.topic, [target], [source])
                except _CONNECTION_LOST:
                    raise
                except Exception as error:  # noqa: BLE001 - the event is set aside, with why
                    apply_batch(conn, self.topic, [target], [], past)
                    record = raw[(source.partition, source.offset)]
                    self._dead_letter([_unprojectable(record, source, target, error, self.clock)])
        # Dead letters read in this batch were never in it: step over them too.
        apply_batch(conn, self.topic, self.targets, [], read_up_to)

    def _started(self) -> tuple[psycopg.Connection[Any], EventSource]:
        if self._conn is None or self._source is None:
            raise RuntimeError("the projector is not started; call start() first")
        return self._conn, self._source

    def close(self) -> None:
        if self._source is not None:
            self._source.close()
        if self._producer is not None:
            self._producer.close()
        if self._conn is not None:
            self._conn.close()

    def _dead_letter(self, letters: list[DeadLetter]) -> None:
        if not letters:
            return
        self.stats.dead_lettered += len(letters)
        for letter in letters:
            log.warning(
                "projector: %s[%s]@%s set aside: %s",
                letter.source_topic,
                letter.source_partition,
                letter.source_offset,
                letter.reason,
            )
        if self.dead_letter_topic is None:
            return
        if self._producer is None:
            self._producer = self.kafka.producer()
        for letter in letters:
            self._producer.send(
                self.dead_letter_topic, key=letter.key, value=letter.value, headers=letter.headers()
            )
        self._producer.flush()
        metrics.count_dead_letters(EVENTS_DLQ_TOPIC, letters)


_CONNECTION_LOST = (psycopg.OperationalError, psycopg.InterfaceError)
"""Errors of the connection, not of an event: the service restarts and tries again."""


def _unprojectable(
    record: Any, source: SourceEvent, target: Target, error: Exception, clock: Clock
) -> DeadLetter:
    event = source.event
    return DeadLetter(
        key=record.key,
        value=record.value or b"",
        reason=(
            f"projection {target.position} could not apply {event.event_type} "
            f"{event.event_id}: {type(error).__name__}: {error}"
        )[:2000],
        processor=f"{PROCESSOR}:{target.position}",
        failed_at=clock.now(),
        source_topic=record.topic,
        source_partition=record.partition,
        source_offset=record.offset,
        original_headers=tuple(record.headers or ()),
    )


def _dead_letter(record: Any, error: ValidationError, now: datetime) -> DeadLetter:
    return DeadLetter(
        key=record.key,
        value=record.value or b"",
        reason=f"not a valid case event ({error.error_count()} problems)",
        errors=field_errors(error),
        processor=PROCESSOR,
        failed_at=now,
        source_topic=record.topic,
        source_partition=record.partition,
        source_offset=record.offset,
        original_headers=tuple(record.headers or ()),
    )
