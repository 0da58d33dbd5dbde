"""The deadline keeper's table in PostgreSQL: folded right, fired once, swept, shared.

The fold is checked against the aggregate itself: random valid case histories
(the generator of the case summary's domain check) are fed through the table
in random batches, replayed, and every case's rows must be exactly its running
clocks. Firing is checked on the real database: due actions are sent once,
locked rows are skipped by a second keeper, a failed send leaves them due, and
the sweep arms again what did not take effect.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest

from complaint_events.adapters.pending_deadlines import POSITION, PendingDeadlines
from complaint_events.contracts.commands import CommandEnvelopeV1
from complaint_events.contracts.envelope import EventEnvelope
from complaint_events.contracts.translator import to_envelope
from complaint_events.domain.acting import Acting
from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.deadlines import DeadlinePolicy, DeadlineState
from complaint_events.processing.deadline_schedule import Action
from complaint_events.projections.positions import SourceEvent, positions
from unit.projections.test_case_summary_matches_domain import _details, check_history

pytestmark = pytest.mark.integration

TOPIC = "t.complaints.events.v1"
PARTITIONS = 3
POLICY = DeadlinePolicy()
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)


@pytest.fixture
def conn(postgres_dsn: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(postgres_dsn, autocommit=True) as connection:
        yield connection


@pytest.fixture
def table(conn: psycopg.Connection[Any]) -> PendingDeadlines:
    pending = PendingDeadlines(TOPIC)
    pending.create(conn, range(PARTITIONS))
    return pending


class Stream:
    """Case events as the events topic holds them: per-case order, partition by case."""

    def __init__(self) -> None:
        self.offsets = [0] * PARTITIONS
        self.events: list[SourceEvent] = []

    def add(self, event: EventEnvelope) -> SourceEvent:
        partition = event.case_id.int % PARTITIONS
        source = SourceEvent(partition, self.offsets[partition], event)
        self.offsets[partition] += 1
        self.events.append(source)
        return source


def feed(conn: psycopg.Connection[Any], table: PendingDeadlines, events: list[SourceEvent]) -> None:
    ends: dict[int, int] = {}
    for source in events:
        ends[source.partition] = max(ends.get(source.partition, 0), source.offset + 1)
    table.apply(conn, events, ends)


def rows_of(conn: psycopg.Connection[Any], case_id: UUID) -> dict[str, tuple[Any, ...]]:
    found = conn.execute(
        "SELECT deadline_id, kind, due_at, remind_at, reminded, state, paused_at "
        "FROM pending_deadlines WHERE case_id = %s",
        (case_id,),
    ).fetchall()
    return {row[0]: tuple(row[1:]) for row in found}


def running_clocks(case: ComplaintCase) -> dict[str, tuple[Any, ...]]:
    return {
        d.deadline_id: (d.kind, d.due_at, d.remind_at, d.reminded, d.state, d.paused_at)
        for d in case.deadlines.values()
        if d.state in (DeadlineState.OPEN, DeadlineState.PAUSED)
    }


def test_the_table_holds_exactly_every_cases_running_clocks(
    conn: psycopg.Connection[Any], table: PendingDeadlines
) -> None:
    rng = random.Random(20261204)
    cases: dict[UUID, ComplaintCase] = {}
    per_case: list[list[EventEnvelope]] = []
    for _ in range(120):
        case, published = check_history(rng.choice, steps=rng.randint(5, 60))
        case_id = uuid4()  # the generator files every history under one id
        cases[case_id] = case
        per_case.append([e.model_copy(update={"case_id": case_id}) for e in published])
    # Interleave the cases as the topic would, each case's events in order.
    stream = Stream()
    queues = [list(events) for events in per_case]
    while any(queues):
        queue = rng.choice([q for q in queues if q])
        stream.add(queue.pop(0))

    start = 0
    while start < len(stream.events):
        size = rng.choice([1, 7, 50, 400])
        feed(conn, table, stream.events[start : start + size])
        start += size
    feed(conn, table, stream.events[: len(stream.events) // 2])  # a redelivery: skipped

    assert sum(bool(running_clocks(c)) for c in cases.values()) > 30  # not vacuous
    for case_id, case in cases.items():
        assert rows_of(conn, case_id) == running_clocks(case), case_id
    stored = positions(conn, TOPIC, [POSITION])[POSITION]
    assert stored == dict(enumerate(stream.offsets))


def filed(n: int) -> ComplaintCase:
    details = replace(_details(lambda options: options[0]), channel_ref=f"ref-{n}")
    return ComplaintCase.file(details, Acting("adapter:web", T0), POLICY)


def publish(stream: Stream, case: ComplaintCase) -> list[SourceEvent]:
    return [stream.add(to_envelope(e)) for e in case.collect_events()]


class Sent:
    """The commands a keeper sent, as a send callback."""

    def __init__(self) -> None:
        self.commands: list[CommandEnvelopeV1] = []

    def __call__(self, commands: list[CommandEnvelopeV1]) -> None:
        self.commands.extend(commands)


def test_two_keepers_share_the_due_deadlines_and_send_each_once(
    conn: psycopg.Connection[Any], table: PendingDeadlines, postgres_dsn: str
) -> None:
    stream = Stream()
    cases = [filed(n) for n in range(10)]
    feed(conn, table, [s for c in cases for s in publish(stream, c)])
    other = PendingDeadlines(TOPIC)
    by_other = Sent()

    with psycopg.connect(postgres_dsn, autocommit=True) as second:

        def send(commands: list[CommandEnvelopeV1]) -> None:
            # While this keeper holds its rows, the other one takes the rest, not these.
            other.fire_due(second, T0 + 25 * H, by_other, 100)
            by_first.extend(commands)

        by_first: list[CommandEnvelopeV1] = []
        assert table.fire_due(conn, T0 + 23 * H, send, 100).actions == []  # nothing due yet
        firing = table.fire_due(conn, T0 + 25 * H, send, 4)  # bounded per tick

    assert [a.action for a in firing.actions] == [Action.EXPIRE] * 4
    assert len(by_first) == 4
    assert len(by_other.commands) == 6
    sent = [c.case_id for c in [*by_first, *by_other.commands]]
    assert sorted(sent) == sorted(c.id for c in cases)  # each case once, by one keeper
    assert all(c.command_type == "expire_deadline" for c in by_first)
    # Sent once: the rows wait for their DeadlineExpired events (or the sweep).
    assert table.fire_due(conn, T0 + 26 * H, Sent(), 100).actions == []


def test_a_failed_send_leaves_the_deadlines_due(
    conn: psycopg.Connection[Any], table: PendingDeadlines
) -> None:
    stream = Stream()
    feed(conn, table, publish(stream, filed(1)))

    def broken(commands: list[CommandEnvelopeV1]) -> None:
        raise ConnectionError("broker gone")

    with pytest.raises(ConnectionError):
        table.fire_due(conn, T0 + 25 * H, broken, 100)
    sent = Sent()
    assert len(table.fire_due(conn, T0 + 25 * H, sent, 100).actions) == 1


def test_a_reminder_then_the_expiry_and_the_applied_events_end_the_row(
    conn: psycopg.Connection[Any], table: PendingDeadlines
) -> None:
    stream = Stream()
    case = filed(1)
    case.acknowledge(
        notification_id="n", language="zh", soothing=False, by=Acting("system:acknowledgement", T0)
    )
    case.request_information(["order id"], Acting("handler:h-1", T0 + H), POLICY)
    feed(conn, table, publish(stream, case))
    info = case.open_deadline(case.deadlines["information@3"].kind)
    assert info is not None
    assert info.remind_at is not None

    reminded = table.fire_due(conn, info.remind_at, Sent(), 100).actions
    assert [(a.deadline_id, a.action) for a in reminded] == [("information@3", Action.REMIND)]
    assert table.fire_due(conn, info.remind_at + H, Sent(), 100).actions == []
    case.send_reminder("information@3", Acting("system:deadline-keeper", info.remind_at))
    feed(conn, table, publish(stream, case))
    expired = table.fire_due(conn, info.due_at, Sent(), 100).actions
    assert [(a.deadline_id, a.action) for a in expired] == [("information@3", Action.EXPIRE)]
    case.expire_deadline("information@3", Acting("system:deadline-keeper", info.due_at), POLICY)
    feed(conn, table, publish(stream, case))
    # The expiry closed the case (insufficient information): only its appeal window runs.
    assert rows_of(conn, case.id) == running_clocks(case)
    assert [k for k, *_ in rows_of(conn, case.id).values()] == ["appeal_window"]


def test_a_paused_deadline_never_fires(
    conn: psycopg.Connection[Any], table: PendingDeadlines
) -> None:
    stream = Stream()
    case = filed(1)
    case.order_spot_check(
        method="third_party_appraisal",
        scope="this unit",
        lab="lab",
        cost_rule="party at fault pays",
        by=Acting("handler:h-1", T0 + H),
        policy=POLICY,
    )
    feed(conn, table, publish(stream, case))
    fired = table.fire_due(conn, T0 + 200 * H, Sent(), 100).actions
    # Only the spot check's own clock (7 days) runs; the acknowledgement's is paused.
    assert [a.deadline_id for a in fired] == ["spot_check@2"]


def test_the_sweep_arms_again_what_was_sent_and_did_not_take_effect(
    conn: psycopg.Connection[Any], table: PendingDeadlines
) -> None:
    stream = Stream()
    feed(conn, table, publish(stream, filed(1)) + publish(stream, filed(2)))
    now = T0 + 25 * H
    assert len(table.fire_due(conn, now, Sent(), 100).actions) == 2
    # The commands were lost: nothing more happens until a sweep.
    assert table.sweep(conn, now, sent_before=timedelta(minutes=5)) == 0  # sent just now
    assert table.fire_due(conn, now, Sent(), 100).actions == []
    assert table.sweep(conn, now, sent_before=timedelta(0)) == 2  # the interval has passed
    again = Sent()
    assert len(table.fire_due(conn, now, again, 100).actions) == 2
    assert table.counts(conn, now) == (2, 2)


def test_an_event_that_cannot_be_folded_fails_alone(
    conn: psycopg.Connection[Any], table: PendingDeadlines
) -> None:
    stream = Stream()
    good = publish(stream, filed(1))
    broken = to_envelope(filed(2).collect_events()[0])
    payload = dict(broken.payload)
    payload["acknowledgement_deadline"] = {"deadline_id": "acknowledgement@1"}  # no times
    poison = stream.add(broken.model_copy(update={"payload": payload}))
    with pytest.raises(KeyError):
        feed(conn, table, [*good, poison])
    assert rows_of(conn, good[0].event.case_id) == {}  # the batch rolled back whole
    feed(conn, table, good)
    assert len(rows_of(conn, good[0].event.case_id)) == 1
