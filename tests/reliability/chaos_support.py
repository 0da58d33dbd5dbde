"""The chaos run's own stack and what it checks at the end.

A chaos run stops its broker and its database, so it never uses the shared
stack: it runs on a :class:`private_stack.PrivateStack`. The helpers here
read back what the workers left: the cases in the event store, each deadline's
expiries, the dead-letter topics and the read models' rows.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql

from complaint_events.application.cases import ComplaintCases
from complaint_events.domain.deadlines import Deadline, DeadlineState
from complaint_events.projections.catalog import ALL_PROJECTIONS
from complaint_events.projections.positions import Target
from stack_support import read_topic, topic_records


@dataclass
class CaseReport:
    """What the event store holds, case by case."""

    steps: dict[UUID, Counter[str]] = field(default_factory=dict)
    expiries: Counter[tuple[UUID, str]] = field(default_factory=Counter)
    expired_kinds: Counter[str] = field(default_factory=Counter)
    expired_state: set[tuple[UUID, str]] = field(default_factory=set)
    overdue: list[tuple[UUID, str, str]] = field(default_factory=list)
    reminders: int = 0
    running: dict[UUID, dict[str, tuple[Any, ...]]] = field(default_factory=dict)


def case_ids_in_store(dsn: str, event: str = "ComplaintFiled") -> set[UUID]:
    """Every case that has an ``event`` (by default: its filing) in the store."""
    with psycopg.connect(dsn) as conn:
        try:
            rows = conn.execute(
                "SELECT DISTINCT originator_id FROM complaints_events WHERE topic LIKE %s",
                (f"%:ComplaintCase.{event}",),
            ).fetchall()
        except psycopg.errors.UndefinedTable:
            return set()
    return {row[0] for row in rows}


def overdue_deadlines(cases: ComplaintCases, case_ids: set[UUID], now: Any) -> list[str]:
    """Open deadlines already due at ``now``: expiries the keeper has not (yet) made."""
    return [
        f"{case_id} {d.deadline_id} due {d.due_at.isoformat()}"
        for case_id in case_ids
        for d in cases.get_case(case_id).deadlines.values()
        if d.state is DeadlineState.OPEN and d.due_at <= now
    ]


def read_cases(cases: ComplaintCases, case_ids: set[UUID], now: Any) -> CaseReport:
    """Every case's events counted by type, its expiries per deadline, its overdue clocks."""
    report = CaseReport()
    for case_id in case_ids:
        events = list(cases.repository.event_store.get(case_id))
        report.steps[case_id] = Counter(type(e).__name__ for e in events)
        for e in events:
            if type(e).__name__ == "DeadlineExpired":
                report.expiries[case_id, e.deadline_id] += 1  # type: ignore[attr-defined]
                report.expired_kinds[str(e.kind)] += 1  # type: ignore[attr-defined]
            elif type(e).__name__ == "DeadlineReminderSent":
                report.reminders += 1
        case = cases.get_case(case_id)
        report.running[case_id] = running_clocks(case.deadlines.values())
        for d in case.deadlines.values():
            if d.state is DeadlineState.EXPIRED:
                report.expired_state.add((case_id, d.deadline_id))
            if d.state is DeadlineState.OPEN and d.due_at <= now:
                report.overdue.append((case_id, d.deadline_id, d.due_at.isoformat()))
    return report


def running_clocks(deadlines: Iterable[Deadline]) -> dict[str, tuple[Any, ...]]:
    """The running (open or paused) clocks, as the keeper's table should hold them."""
    return {
        d.deadline_id: (d.kind.value, d.due_at, d.remind_at, d.reminded, d.state.value)
        for d in deadlines
        if d.is_running
    }


def keeper_table(dsn: str) -> dict[UUID, dict[str, tuple[Any, ...]]]:
    """What the deadline keeper's table holds, case by case."""
    found: dict[UUID, dict[str, tuple[Any, ...]]] = {}
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT case_id, deadline_id, kind, due_at, remind_at, reminded, state "
            "FROM pending_deadlines"
        ).fetchall()
    for case_id, deadline_id, *clock in rows:
        found.setdefault(case_id, {})[deadline_id] = tuple(clock)
    return found


def dead_letters(bootstrap: str, topic: str) -> list[tuple[bytes, bytes, dict[str, bytes]]]:
    """Every dead letter on ``topic`` as (original key, original value, headers)."""
    return [(key.encode(), value, headers) for key, headers, value in read_topic(bootstrap, topic)]


def relayed_records(bootstrap: str, topic: str) -> list[tuple[str, str]]:
    """Each case event on the events topic: its event id and where it sits (partition,
    offset, notification id, time appended), so that a double can be traced."""
    found = []
    for r in topic_records(bootstrap, topic):
        headers = dict(r.headers)
        if "notification_id" in headers:
            where = (
                f"partition {r.partition} offset {r.offset} "
                f"notification {headers['notification_id'].decode()} at {r.timestamp}"
            )
            found.append((json.loads(r.value)["event_id"], where))
    return found


def doubles(records: list[tuple[str, str]]) -> dict[str, list[str]]:
    """The event ids found more than once, with where each copy sits."""
    places: dict[str, list[str]] = defaultdict(list)
    for event_id, where in records:
        places[event_id].append(where)
    return {event_id: where for event_id, where in places.items() if len(where) > 1}


def projection_rows(dsn: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every live read-model table's rows, in a stable order."""
    found = {}
    with psycopg.connect(dsn) as conn:
        for projection in ALL_PROJECTIONS:
            tables = Target.live(projection).tables
            for spec in projection.tables:
                name = tables.name(spec.name)
                query = sql.SQL("SELECT * FROM {}").format(tables[spec.name])
                rows = conn.execute(query).fetchall()
                found[f"{projection.name}.{name}"] = sorted(rows, key=repr)
    return found
