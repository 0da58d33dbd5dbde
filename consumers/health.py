"""Is each stream processor caught up? Consumer lag per group and partition, and the relay's.

A processor's lag is how many messages on its source topics its consumer group
has not yet committed: per partition, the end offset minus the committed
offset (a partition without a committed offset counts whole). The relay is not
a consumer group; its lag is how many notifications of the event store lie
beyond its saved position.

A processor that is behind is also *stalled* when its worker's watchdog
(:mod:`complaint_events.consumers.watchdog`) saw a lagging partition's committed offset stand
still for the stall timeout, and that offset has not moved since: behind is
"busy catching up", stalled is "not consuming at all".
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Final, TypeVar

import psycopg
from kafka import TopicPartition
from kafka.errors import KafkaError
from psycopg.conninfo import conninfo_to_dict

from complaint_events.adapters.kafka_clients import KafkaClients
from complaint_events.adapters.postgres_positions import PostgresPositionStore
from complaint_events.adapters.relay_leadership import RelayLeadership
from complaint_events.bootstrap import build_cases
from complaint_events.consumers import progress_store
from complaint_events.consumers.progress_store import NOTIFICATIONS
from complaint_events.consumers.stall_rule import NOTHING_COMMITTED
from complaint_events.consumers.topology import ALL, PROCESSORS, app_id, resolve
from complaint_events.contracts.topology import EVENTS_TOPIC
from complaint_events.projections.catalog import ALL_PROJECTIONS
from complaint_events.projections.positions import positions as projection_positions
from complaint_events.settings import Settings

RELAY: Final = "relay"
PROJECTIONS: Final = "projections"
_TIMEOUT_MS: Final = 5000
# Group states in which the broker knows nothing about the group.
_UNKNOWN_STATES: Final = frozenset({"Dead", ""})
_RETRY_PAUSE: Final = 0.2  # seconds between asking again for a group's coordinator

T = TypeVar("T")


class HealthCheckError(Exception):
    """The check could not be made: Kafka (or PostgreSQL, for the relay) did not answer."""

    def __init__(self, message: str, *, service: str = "kafka") -> None:
        super().__init__(message)
        self.service = service  # "kafka" or "postgres": what to tell the user to start


@dataclass(frozen=True, slots=True)
class LagRow:
    """One partition of one source topic, as seen by one consumer group."""

    processor: str
    group: str
    topic: str
    partition: int
    committed: int | None  # None: the group never committed an offset here
    end: int
    lag: int


@dataclass(frozen=True, slots=True)
class ProcessorHealth:
    """Whether one processor is caught up, and why (or why not)."""

    processor: str
    group: str  # the consumer group, or the relay's position name
    lag: int
    rows: list[LagRow] = field(default_factory=list)
    caught_up: bool = False
    detail: str = ""
    stalled: bool = False  # a watchdog saw it make no progress while messages waited


def check(
    settings: Settings, names: list[str], *, max_lag: int = 0, group_all: bool = False
) -> list[ProcessorHealth]:
    """The health of the named processors (none named, or ``all``: every processor).

    ``group_all`` (implied by the name ``all``) checks the single consumer group of
    ``worker all`` instead of each processor's own group. A processor is caught up
    when its lag is at most ``max_lag``. Raises :class:`HealthCheckError` when
    Kafka or PostgreSQL cannot be reached, or ``ValueError`` for an unknown name.
    """
    selected = resolve(names)
    group_all = group_all or ALL in names
    groups = {
        name: app_id(settings, ALL if group_all else name)
        for name in selected
        if PROCESSORS[name].sources
    }
    found: dict[str, ProcessorHealth] = {}
    if groups:
        recorded = _recorded_progress(settings, set(groups.values()))
        with kafka_view(settings) as kafka:
            for name, group in groups.items():
                health = _consumer_health(kafka, settings, name, group, max_lag)
                stall = recorded.get(group, [])
                found[name] = _with_stall(health, stall, settings.stall_timeout)
    if RELAY in selected:
        found[RELAY] = _relay_health(settings, max_lag)
    if PROJECTIONS in selected:
        found[PROJECTIONS] = _projections_health(settings, max_lag)
    return [found[name] for name in selected]


def _projections_health(settings: Settings, max_lag: int) -> ProcessorHealth:
    """The read models' lag: topic end offsets minus the positions stored with their rows."""
    topic = settings.topic(EVENTS_TOPIC)
    with kafka_view(settings) as kafka:
        tps = kafka.partitions(topic)
        ends = {tp.partition: end for tp, end in kafka.end_offsets(tps).items()}
    names = [p.name for p in ALL_PROJECTIONS]
    try:
        with psycopg.connect(settings.postgres_dsn, autocommit=True, connect_timeout=5) as conn:
            stored = projection_positions(conn, topic, names)
    except psycopg.errors.UndefinedTable:
        stored = {name: {} for name in names}
    except psycopg.Error as error:
        raise HealthCheckError(
            f"cannot read the projections' positions from PostgreSQL at "
            f"{_where(settings.postgres_dsn)} ({' '.join(str(error).split())})",
            service="postgres",
        ) from error
    behind = {
        name: sum(max(end - stored[name].get(p, 0), 0) for p, end in ends.items()) for name in names
    }
    lag = max(behind.values(), default=0)
    lagging = [f"{name} {n} behind" for name, n in behind.items() if n > max_lag]
    detail = "; ".join(lagging) if lagging else "caught up"
    health = ProcessorHealth(
        PROJECTIONS, "projection_positions", lag, caught_up=not lagging, detail=detail
    )
    # As the watchdog sees the projector: the slowest read model, partition by partition.
    slowest = {p: min((stored[name].get(p, 0) for name in names), default=0) for p in ends}
    rows = [
        LagRow(PROJECTIONS, PROJECTIONS, topic, p, slowest[p], end, max(end - slowest[p], 0))
        for p, end in ends.items()
    ]
    recorded = _recorded_progress(settings, {PROJECTIONS}).get(PROJECTIONS, [])
    return _with_stall(health, recorded, settings.stall_timeout, rows)


@dataclass
class KafkaView:
    """What the broker says about topics and consumer groups (group states cached).

    Open one with :func:`kafka_view`; it can be kept open for repeated checks.
    """

    admin: Any  # kafka-python has no type hints
    consumer: Any
    _states: dict[str, tuple[str, int]] = field(default_factory=dict)

    def partitions(self, topic: str) -> list[TopicPartition]:
        found = self.consumer.partitions_for_topic(topic) or set()
        return [TopicPartition(topic, p) for p in sorted(found)]

    def end_offsets(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        ends = self.consumer.end_offsets(tps, timeout_ms=_TIMEOUT_MS)
        return {tp: int(ends[tp]) for tp in tps}

    def committed(self, group: str) -> dict[TopicPartition, int]:
        offsets = _asking_again(lambda: self.admin.list_group_offsets(group)).get(group, {})
        # -1 is how the broker says "no offset" for a partition it was asked about.
        return {tp: int(meta.offset) for tp, meta in offsets.items() if meta.offset >= 0}

    def lag(self, group: str, topics: list[str]) -> int:
        """Messages on ``topics`` that ``group`` has not committed yet (all, where none)."""
        tps = [tp for topic in topics for tp in self.partitions(topic)]
        ends = self.end_offsets(tps)
        committed = self.committed(group)
        return sum(max(0, ends[tp] - committed.get(tp, 0)) for tp in tps)

    def state(self, group: str) -> tuple[str, int]:
        """The group's state (``Dead`` when unknown) and how many members it has."""
        if group not in self._states:
            described = _asking_again(lambda: self.admin.describe_groups([group])).get(group, {})
            self._states[group] = (
                str(described.get("group_state") or "Dead"),
                len(described.get("members") or []),
            )
        return self._states[group]


def _asking_again(ask: Callable[[], T]) -> T:
    """``ask()``, asked again while the broker answers with a retriable error.

    A group's coordinator is not available for a moment after the broker starts
    (it creates ``__consumer_offsets`` on the first group lookup) or moves the
    group: that is no reason to report Kafka unreachable.
    """
    give_up = time.monotonic() + _TIMEOUT_MS / 1000
    while True:
        try:
            return ask()
        except KafkaError as error:
            if not error.retriable or time.monotonic() >= give_up:
                raise
            time.sleep(_RETRY_PAUSE)


@contextmanager
def kafka_view(
    settings: Settings, client_id: str = "complaint-events-health"
) -> Iterator[KafkaView]:
    kafka = KafkaClients(settings)
    clients: list[Any] = []
    try:
        clients.append(
            kafka.admin(client_id, request_timeout_ms=_TIMEOUT_MS, bootstrap_timeout_ms=_TIMEOUT_MS)
        )
        clients.append(
            kafka.consumer(
                client_id, request_timeout_ms=_TIMEOUT_MS, bootstrap_timeout_ms=_TIMEOUT_MS
            )
        )
        yield KafkaView(clients[0], clients[1])
    except KafkaError as error:
        raise HealthCheckError(f"cannot reach Kafka at {kafka.bootstrap} ({error})") from error
    finally:
        for client in clients:
            client.close()


def _consumer_health(
    kafka: KafkaView, settings: Settings, name: str, group: str, max_lag: int
) -> ProcessorHealth:
    topics = [settings.topic(source) for source in PROCESSORS[name].sources]
    tps = [tp for topic in topics for tp in kafka.partitions(topic)]
    missing = [t for t in topics if not any(tp.topic == t for tp in tps)]
    if missing:
        return ProcessorHealth(
            name,
            group,
            lag=0,
            caught_up=False,
            detail=f"topic {', '.join(missing)} does not exist; "
            "run 'complaint-events topics create'",
        )
    ends = kafka.end_offsets(tps)
    committed = kafka.committed(group)
    rows = [
        LagRow(
            name,
            group,
            tp.topic,
            tp.partition,
            committed.get(tp),
            ends[tp],
            max(0, ends[tp] - committed.get(tp, 0)),
        )
        for tp in tps
    ]
    lag = sum(row.lag for row in rows)
    return ProcessorHealth(
        name,
        group,
        lag,
        rows,
        caught_up=lag <= max_lag,
        detail=_consumer_detail(kafka, group, rows, lag, max_lag),
    )


def _recorded_progress(
    settings: Settings, groups: set[str]
) -> dict[str, list[progress_store.RecordedProgress]]:
    """What the watchdogs recorded for these groups; nothing if PostgreSQL does not answer.

    Consumer lag is Kafka's to tell; the watchdogs' records only add whether a
    lagging processor is stalled, so without them the check still says "behind".
    """
    try:
        with psycopg.connect(settings.postgres_dsn, autocommit=True, connect_timeout=5) as conn:
            return {group: progress_store.recorded(conn, group) for group in groups}
    except psycopg.Error:
        return {}


def _with_stall(
    health: ProcessorHealth,
    recorded: list[progress_store.RecordedProgress],
    timeout: float,
    rows: list[LagRow] | None = None,
) -> ProcessorHealth:
    """``health``, marked stalled if a lagging partition has stood still as the watchdog saw it.

    Stalled: the watchdog saw messages waiting at this very committed offset, and
    either judged it stalled or the offset has not moved for the stall timeout.
    """
    seen = {(r.topic, r.partition): r for r in recorded}
    stuck: list[tuple[LagRow, float]] = []
    for row in health.rows if rows is None else rows:
        r = seen.get((row.topic, row.partition))
        committed = NOTHING_COMMITTED if row.committed is None else row.committed
        if r is None or not row.lag or r.committed != committed or r.end <= max(r.committed, 0):
            continue
        if r.stalled or (timeout > 0 and r.still_for >= timeout):
            stuck.append((row, r.still_for))
    if not stuck:
        return health
    places = ", ".join(
        f"{topic}[{','.join(str(row.partition) for row, _ in stuck if row.topic == topic)}]"
        for topic in dict.fromkeys(row.topic for row, _ in stuck)
    )
    note = f"stalled: {places} no progress for {min(s for _, s in stuck):.0f} s"
    return replace(health, stalled=True, caught_up=False, detail=f"{note}; {health.detail}")


def _consumer_detail(
    kafka: KafkaView, group: str, rows: list[LagRow], lag: int, max_lag: int
) -> str:
    notes: list[str] = []
    uncommitted = [row for row in rows if row.committed is None]
    state, members = kafka.state(group)
    if len(uncommitted) == len(rows):
        if state in _UNKNOWN_STATES:
            notes.append("group is unknown to Kafka: no worker of it has run yet")
        else:
            notes.append("group has not committed an offset yet")
    elif uncommitted:
        where = ", ".join(f"{row.topic}[{row.partition}]" for row in uncommitted)
        notes.append(f"nothing committed yet on {where}")
    if lag == 0:
        notes.insert(0, "caught up")
    elif lag <= max_lag:
        notes.insert(0, f"{lag} behind, within --max-lag {max_lag}")
    else:
        notes.insert(0, f"{lag} messages behind")
        if members == 0 and state not in _UNKNOWN_STATES:
            notes.append("no worker is running in the group")
    return "; ".join(notes)


def relay_position_name(settings: Settings) -> str:
    """The name under which the relay keeps its position in the event store's database."""
    return f"{RELAY}:{settings.topic(EVENTS_TOPIC)}"


def _relay_health(settings: Settings, max_lag: int) -> ProcessorHealth:
    position_name = relay_position_name(settings)
    if settings.store != "postgres":
        return ProcessorHealth(
            RELAY,
            position_name,
            lag=0,
            caught_up=False,
            detail="not checked: the relay follows the PostgreSQL event store and keeps its "
            "position there; set COMPLAINTS_STORE=postgres",
        )
    try:
        positions = PostgresPositionStore(settings.postgres_dsn)
        try:
            position = positions.load(position_name)
        finally:
            positions.close()
        cases = build_cases(settings)
        try:
            newest = cases.recorder.max_notification_id() or 0
        finally:
            cases.close()
        looking = RelayLeadership(settings.postgres_dsn, position_name, "complaint-events-health")
        try:
            leader = looking.holder()
        finally:
            looking.release()
    except psycopg.Error as error:
        raise HealthCheckError(
            f"cannot read the relay's position from PostgreSQL at "
            f"{_where(settings.postgres_dsn)} ({' '.join(str(error).split())})",
            service="postgres",
        ) from error
    lag = max(0, newest - position)
    detail = f"at notification {position} of {newest}"
    if lag > max_lag:
        detail = f"{lag} notifications behind; {detail}"
    elif lag:
        detail = f"{lag} behind, within --max-lag {max_lag}; {detail}"
    else:
        detail = f"caught up; {detail}"
    detail += f"; led by {leader}" if leader else "; no relay holds the lead"
    health = ProcessorHealth(RELAY, position_name, lag, caught_up=lag <= max_lag, detail=detail)
    row = LagRow(
        RELAY, position_name, NOTIFICATIONS.topic, NOTIFICATIONS.partition, position, newest, lag
    )
    recorded = _recorded_progress(settings, {position_name}).get(position_name, [])
    return _with_stall(health, recorded, settings.stall_timeout, [row])


def _where(dsn: str) -> str:
    """Host, port and database of a DSN, without its password."""
    info = conninfo_to_dict(dsn)
    return f"{info.get('host', 'localhost')}:{info.get('port', 5432)}/{info.get('dbname', '')}"
