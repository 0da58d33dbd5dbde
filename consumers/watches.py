"""What a worker's stall watchdog watches: where its parts have got to, and how far they could.

Each watch reads, per partition, how far its part of the worker has got
(``committed``) and how far it could (``end``):

- a consumer group: its committed offsets against the end offsets of the
  source partitions assigned to this worker;
- the projector (a thread, not a consumer group): the slowest read model's
  stored position against the events topic's end offsets;
- the relay (a thread too): its tracked position against the newest
  notification of the event store.

A watch that cannot see (Kafka or PostgreSQL out of reach, or a read that takes
too long) raises :class:`CannotSeeError`: that is not a stall of the worker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Protocol

import psycopg
from kafka import TopicPartition
from psycopg import sql

from complaint_events.application.cases import ComplaintCases
from complaint_events.consumers.health import (
    PROJECTIONS,
    HealthCheckError,
    kafka_view,
    relay_position_name,
)
from complaint_events.consumers.progress_store import NOTIFICATIONS
from complaint_events.consumers.stall_rule import Partition
from complaint_events.contracts.topology import EVENTS_TOPIC
from complaint_events.projections.catalog import ALL_PROJECTIONS
from complaint_events.projections.positions import positions as projection_positions
from complaint_events.settings import Settings

CLIENT_ID: Final = "complaint-events-watchdog"
# A watch must never hang on a lock the stalled worker (or anyone) holds.
_PG_OPTIONS: Final = "-c statement_timeout=5000 -c lock_timeout=5000"
# The eventsourcing PostgreSQL recorder names the table after the application.
EVENT_STORE_TABLE: Final = f"{ComplaintCases.name.lower()}_events"

Seen = dict[Partition, tuple[int | None, int]]  # partition -> (committed, end)


class CannotSeeError(Exception):
    """The watch could not see this round; why, for the log."""


class Watch(Protocol):
    """One part of a worker whose progress the watchdog judges."""

    name: str  # recorded in worker_progress.group_id; the consumer group, for a group
    label: str  # what the error line says before the partitions ("" for a consumer group)
    progress: str  # how the error line says it did not move, e.g. "no offset committed"
    waiting: str  # what waits, e.g. "messages"

    def read(self) -> Seen: ...


@dataclass
class GroupWatch:
    """A consumer group's committed offsets on the partitions this worker holds."""

    settings: Settings
    name: str
    topics: list[str]
    assigned: Callable[[], set[Partition] | None]  # None: faust cannot say; watch them all
    label: str = ""
    progress: str = "no offset committed"
    waiting: str = "messages"

    def read(self) -> Seen:
        try:
            with kafka_view(self.settings, client_id=CLIENT_ID) as kafka:
                mine = self.assigned()
                if mine is None:
                    mine = {
                        Partition(tp.topic, tp.partition)
                        for t in self.topics
                        for tp in kafka.partitions(t)
                    }
                watched = sorted(p for p in mine if p.topic in self.topics)
                tps = [TopicPartition(p.topic, p.partition) for p in watched]
                ends = kafka.end_offsets(tps)
                committed = kafka.committed(self.name)
        except HealthCheckError as error:
            raise CannotSeeError(
                f"cannot read offsets from Kafka ({error.__cause__ or error})"
            ) from error
        return {p: (committed.get(tp), ends[tp]) for p, tp in zip(watched, tps, strict=True)}


@dataclass
class ProjectionsWatch:
    """The slowest read model's stored positions against the events topic's end offsets."""

    settings: Settings
    name: str = PROJECTIONS
    label: str = "projections on "
    progress: str = "no position stored"
    waiting: str = "events"

    def read(self) -> Seen:
        topic = self.settings.topic(EVENTS_TOPIC)
        try:
            with kafka_view(self.settings, client_id=CLIENT_ID) as kafka:
                ends = kafka.end_offsets(kafka.partitions(topic))
        except HealthCheckError as error:
            raise CannotSeeError(
                f"cannot read offsets from Kafka ({error.__cause__ or error})"
            ) from error
        names = [p.name for p in ALL_PROJECTIONS]
        try:
            with _connect(self.settings) as conn:
                stored = projection_positions(conn, topic, names)
        except psycopg.errors.UndefinedTable:
            stored = {name: {} for name in names}  # the projector has not started yet
        except psycopg.Error as error:
            raise CannotSeeError(_pg_error(error)) from error
        return {
            Partition(topic, tp.partition): (
                min(stored[name].get(tp.partition, 0) for name in names),
                end,
            )
            for tp, end in ends.items()
        }


@dataclass
class RelayWatch:
    """The relay's tracked position against the newest notification of the event store."""

    settings: Settings
    name: str = ""
    label: str = "relay on "
    progress: str = "no position saved"
    waiting: str = "notifications"

    def __post_init__(self) -> None:
        self.name = relay_position_name(self.settings)

    def read(self) -> Seen:
        try:
            with _connect(self.settings) as conn:
                row = conn.execute(
                    "SELECT position FROM tracked_positions WHERE name = %s", (self.name,)
                ).fetchone()
                newest = conn.execute(
                    sql.SQL("SELECT max(notification_id) FROM {}").format(
                        sql.Identifier(EVENT_STORE_TABLE)
                    )
                ).fetchone()
        except psycopg.errors.UndefinedTable:
            return {}  # the relay has not started yet
        except psycopg.Error as error:
            raise CannotSeeError(_pg_error(error)) from error
        position = int(row[0]) if row else 0
        return {NOTIFICATIONS: (position, int(newest[0] or 0) if newest else 0)}


def _connect(settings: Settings) -> psycopg.Connection[Any]:
    return psycopg.connect(
        settings.postgres_dsn, autocommit=True, connect_timeout=5, options=_PG_OPTIONS
    )


def _pg_error(error: BaseException) -> str:
    return f"cannot read positions from PostgreSQL ({' '.join(str(error).split())})"
