"""The deadline keeper's state in PostgreSQL: every running clock, and when to act on it.

Table ``pending_deadlines`` holds one row per running (open or paused)
deadline of every case, folded from the events topic with
:func:`complaint_events.processing.deadline_fold.fold_deadlines` (the times
are in the events: no case is replayed). The rows and the keeper's position
on each partition are written in one transaction
(:func:`complaint_events.projections.positions.apply_batch`), so a keeper killed anywhere and
started again resumes with exactly the state its position says; a finished
deadline's row is deleted.

``next_at`` is when the keeper acts on a row next (its reminder, else its
expiry; NULL while paused, or once its expiry was sent): an indexed query
finds what is due, :meth:`PendingDeadlines.fire_due` locks those rows with
``FOR UPDATE SKIP LOCKED`` (so several keepers share the work and never send
the same action at once), sends, and moves ``next_at`` on in the same
transaction. :meth:`PendingDeadlines.sweep` is the backstop: it arms again
every overdue deadline whose command was sent long enough ago and has not
taken effect (a lost message is late, never lost). Commands name their
deadline and their ids follow from it, so a repeat changes nothing on the case.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final
from uuid import UUID

from psycopg import Connection, Cursor, sql
from psycopg.rows import dict_row

from complaint_events.contracts.commands import CommandEnvelopeV1
from complaint_events.contracts.envelope import EventEnvelope
from complaint_events.domain.deadlines import Deadline, DeadlineState
from complaint_events.domain.values import DeadlineKind
from complaint_events.processing.deadline_firing import deadline_command
from complaint_events.processing.deadline_fold import Deadlines, fold_deadlines
from complaint_events.processing.deadline_schedule import Action, DueAction
from complaint_events.projections.base import Projection, Tables, TableSpec
from complaint_events.projections.positions import (
    SourceEvent,
    Target,
    apply_batch,
    create_tables,
    created_once,
    ensure_position_rows,
)

TABLE: Final = TableSpec(
    "pending_deadlines",
    "case_id uuid NOT NULL, deadline_id text NOT NULL, kind text NOT NULL,"
    " started_at timestamptz NOT NULL, due_at timestamptz NOT NULL, remind_at timestamptz,"
    " reminded boolean NOT NULL, state text NOT NULL, paused_at timestamptz,"
    " next_at timestamptz, sent_at timestamptz,"
    " PRIMARY KEY (case_id, deadline_id)",
    indexes=("next_at",),
)
POSITION: Final = "deadline-keeper"
"""The keeper's positions on the events topic, beside the projections' (projection_positions)."""

# The columns the fold decides; next_at and sent_at are the keeper's own.
_CLOCK_COLUMNS: Final = (
    "case_id", "deadline_id", "kind", "started_at", "due_at", "remind_at", "reminded",
    "state", "paused_at",
)  # fmt: skip

_ClockRow = tuple[Any, ...]
"""A row's clock columns, typed as PostgreSQL returns them (for comparing before and after)."""


class DeadlineClocks(Projection):
    """The running clocks of every case, as rows of ``pending_deadlines``."""

    name = POSITION
    tables = (TABLE,)

    def apply(self, cursor: Cursor[Any], tables: Tables, events: Sequence[EventEnvelope]) -> None:
        table = tables[TABLE.name]
        before = _load_clocks(cursor, table, {e.case_id for e in events})
        clocks: dict[UUID, Deadlines] = {
            case_id: {row[1]: _deadline(row) for row in rows} for case_id, rows in before.items()
        }
        for event in events:
            folded = fold_deadlines(clocks.get(event.case_id, {}), event)
            clocks[event.case_id] = {i: d for i, d in folded.items() if d.is_running}
        gone: list[tuple[UUID, str]] = []
        changed: list[tuple[Any, ...]] = []  # a row's clock columns and its next_at
        for case_id, now_running in sorted(clocks.items()):
            old = {row[1]: row for row in before.get(case_id, ())}
            gone.extend((case_id, i) for i in sorted(old.keys() - now_running.keys()))
            for deadline_id in sorted(now_running):
                clock = now_running[deadline_id]
                row = _row(case_id, clock)
                if old.get(deadline_id) != row:
                    changed.append((*row, _next_at(clock)))
        if gone:
            cursor.executemany(
                sql.SQL("DELETE FROM {} WHERE case_id = %s AND deadline_id = %s").format(table),
                gone,
            )
        if changed:
            cursor.executemany(_upsert(table), changed)


def _load_clocks(
    cursor: Cursor[Any], table: sql.Identifier, case_ids: Iterable[UUID]
) -> dict[UUID, list[_ClockRow]]:
    query = sql.SQL("SELECT {} FROM {} WHERE case_id = ANY(%s)").format(
        sql.SQL(", ").join(map(sql.Identifier, _CLOCK_COLUMNS)), table
    )
    found: dict[UUID, list[_ClockRow]] = {}
    for row in cursor.execute(query, [list(case_ids)]).fetchall():
        found.setdefault(row[0], []).append(tuple(row))
    return found


def _deadline(row: _ClockRow) -> Deadline:
    """A stored row as the clock it holds."""
    _, deadline_id, kind, started_at, due_at, remind_at, reminded, state, paused_at = row
    return Deadline(
        deadline_id=deadline_id,
        kind=DeadlineKind(kind),
        started_at=started_at,
        due_at=due_at,
        remind_at=remind_at,
        state=DeadlineState(state),
        paused_at=paused_at,
        reminded=reminded,
    )


def _row(case_id: UUID, clock: Deadline) -> _ClockRow:
    return (
        case_id,
        clock.deadline_id,
        clock.kind.value,
        clock.started_at,
        clock.due_at,
        clock.remind_at,
        clock.reminded,
        clock.state.value,
        clock.paused_at,
    )


def _next_at(clock: Deadline) -> datetime | None:
    """When the keeper acts on a clock next: its reminder if one is to come, else its expiry."""
    if clock.state is not DeadlineState.OPEN:
        return None
    if clock.remind_at is not None and not clock.reminded and clock.remind_at < clock.due_at:
        return clock.remind_at
    return clock.due_at


def _upsert(table: sql.Identifier) -> sql.Composed:
    columns = [*_CLOCK_COLUMNS, "next_at"]
    return sql.SQL(
        "INSERT INTO {table} ({columns}, sent_at) VALUES ({values}, NULL) "
        "ON CONFLICT (case_id, deadline_id) DO UPDATE SET {set}, sent_at = NULL"
    ).format(
        table=table,
        columns=sql.SQL(", ").join(map(sql.Identifier, columns)),
        values=sql.SQL(", ").join(sql.Placeholder() * len(columns)),
        set=sql.SQL(", ").join(
            sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c)) for c in columns[2:]
        ),
    )


# The time the keeper acts on an open row if nothing was sent yet (SQL of _next_at).
_ACTION_AT: Final = sql.SQL(
    "CASE WHEN remind_at IS NOT NULL AND NOT reminded AND remind_at < due_at"
    " AND due_at > %(now)s THEN remind_at ELSE due_at END"
)


@dataclass(frozen=True, slots=True)
class Firing:
    """What one tick sent: the actions, and their commands (in the same order)."""

    actions: list[DueAction]
    commands: list[CommandEnvelopeV1]


class PendingDeadlines:
    """The keeper's table: fed from the events topic, asked what is due, swept."""

    def __init__(self, topic: str) -> None:
        self.topic = topic  # the full name of the events topic (with any prefix)
        self._target = Target.live(DeadlineClocks())
        self._partitions: set[int] = set()
        self._created = False

    def create(self, conn: Connection[Any], partitions: Iterable[int]) -> None:
        """Create the table and the keeper's position rows, if missing (once per instance)."""
        if not self._created:
            created_once(lambda: create_tables(conn, [self._target]))
            self._created = True
        self._ensure_positions(conn, partitions)

    def apply(
        self,
        conn: Connection[Any],
        batch: Sequence[SourceEvent],
        read_up_to: Mapping[int, int],
    ) -> int:
        """Fold ``batch`` into the table and move the keeper's positions, in one transaction.

        Events below the stored position were applied before (a redelivery) and
        are skipped. Returns how many events were applied.
        """
        self._ensure_positions(conn, read_up_to)
        return apply_batch(conn, self.topic, [self._target], batch, dict(read_up_to))

    def fire_due(
        self,
        conn: Connection[Any],
        now: datetime,
        send: Callable[[list[CommandEnvelopeV1]], None],
        limit: int,
    ) -> Firing:
        """Send the reminders and expiries due at ``now`` (at most ``limit``), earliest first.

        The rows stay locked (``FOR UPDATE SKIP LOCKED``) until ``send`` has
        returned (Kafka took the commands) and ``next_at`` has moved on, so
        another keeper skips them; if sending fails, nothing moves and the next
        tick sends them again.
        """
        with conn.transaction(), conn.cursor(row_factory=dict_row) as cursor:
            rows = cursor.execute(
                sql.SQL(
                    "SELECT case_id, deadline_id, kind, due_at, remind_at, reminded FROM {} "
                    "WHERE next_at <= %s ORDER BY next_at LIMIT %s FOR UPDATE SKIP LOCKED"
                ).format(sql.Identifier(TABLE.name)),
                (now, limit),
            ).fetchall()
            if not rows:
                return Firing([], [])
            actions: list[DueAction] = []
            moves: list[tuple[datetime | None, bool, UUID, str]] = []
            for row in rows:
                action, next_at = _due_action(row, now)
                if action is not None:
                    actions.append(action)
                moves.append((next_at, action is not None, row["case_id"], row["deadline_id"]))
            commands = [deadline_command(a, now) for a in actions]
            if commands:
                send(commands)
            cursor.executemany(
                sql.SQL(
                    "UPDATE {} SET next_at = %s,"
                    " sent_at = CASE WHEN %s THEN now() ELSE sent_at END"
                    " WHERE case_id = %s AND deadline_id = %s"
                ).format(sql.Identifier(TABLE.name)),
                moves,
            )
        return Firing(actions, commands)

    def sweep(self, conn: Connection[Any], now: datetime, sent_before: timedelta) -> int:
        """Arm again every open deadline overdue at ``now`` that nothing is about to fire.

        A deadline whose command went out more than ``sent_before`` ago (real
        time) without taking effect fires again on the next tick. (A keeper that
        dies while sending leaves its rows armed: its transaction rolls back, and
        the next tick, its own or another keeper's, sends them.) Returns how many
        were armed.
        """
        with conn.transaction():
            done = conn.execute(
                sql.SQL(
                    "UPDATE {table} SET next_at = {action_at} "
                    "WHERE state = %(open)s AND (next_at IS NULL OR next_at > %(now)s)"
                    " AND {action_at} <= %(now)s"
                    " AND (sent_at IS NULL OR sent_at <= now() - %(sent_before)s)"
                ).format(table=sql.Identifier(TABLE.name), action_at=_ACTION_AT),
                {"now": now, "open": DeadlineState.OPEN.value, "sent_before": sent_before},
            )
            return done.rowcount

    def counts(self, conn: Connection[Any], now: datetime) -> tuple[int, int]:
        """(running deadlines, of which overdue at ``now``): for progress lines and checks."""
        row = conn.execute(
            sql.SQL(
                "SELECT count(*), count(*) FILTER (WHERE state = %s AND due_at <= %s) FROM {}"
            ).format(sql.Identifier(TABLE.name)),
            (DeadlineState.OPEN.value, now),
        ).fetchone()
        return (int(row[0]), int(row[1])) if row else (0, 0)

    def _ensure_positions(self, conn: Connection[Any], partitions: Iterable[int]) -> None:
        # Position rows must exist before a batch locks them: two keepers applying the
        # same partition's first batch then wait for each other instead of both applying.
        new = set(partitions) - self._partitions
        if new:
            ensure_position_rows(conn, self.topic, [POSITION], sorted(new))
            self._partitions |= new


def _due_action(row: Mapping[str, Any], now: datetime) -> tuple[DueAction | None, datetime | None]:
    """What to send for a row whose ``next_at`` has come, and its next ``next_at``.

    The expiry once its due time has come (it supersedes a reminder not yet
    sent); else the reminder. After an expiry the row waits for its
    ``DeadlineExpired`` event (or the sweep); after a reminder, for its expiry.
    """
    case_id, deadline_id = row["case_id"], row["deadline_id"]
    kind = DeadlineKind(row["kind"])
    due_at, remind_at = row["due_at"], row["remind_at"]
    if due_at <= now:
        return DueAction(case_id, deadline_id, kind, Action.EXPIRE, due_at), None
    if remind_at is not None and not row["reminded"] and remind_at <= now:
        return DueAction(case_id, deadline_id, kind, Action.REMIND, remind_at), due_at
    # Not due after all (e.g. armed by a sweep at a later clock): wait for the right time.
    if remind_at is not None and not row["reminded"] and remind_at < due_at:
        return None, remind_at
    return None, due_at
