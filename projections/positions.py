"""Applying a batch of events to projections and recording their source positions, atomically.

The one write path of every read model, live or being rebuilt: inside one
transaction it locks the projections' position rows, hands each projection
only the events past its position, and moves the positions on. A crash
anywhere rolls the whole batch back, so replaying from the stored positions
always gives the same rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from psycopg import Connection, errors, sql

from complaint_events.contracts.envelope import EventEnvelope
from complaint_events.projections.base import Projection, Tables, create_statements
from complaint_events.projections.read_models_schema import ensure_schema

POSITIONS_TABLE = "projection_positions"

_POSITIONS_DDL = sql.SQL(
    "CREATE TABLE IF NOT EXISTS {} ("
    " projection text NOT NULL, topic text NOT NULL, partition integer NOT NULL,"
    " next_offset bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(),"
    " PRIMARY KEY (projection, topic, partition))"
).format(sql.Identifier(POSITIONS_TABLE))


@dataclass(frozen=True, slots=True)
class SourceEvent:
    """A case event and where it was read: the position recorded with the rows."""

    partition: int
    offset: int
    event: EventEnvelope


@dataclass(frozen=True, slots=True)
class Target:
    """Where one projection writes: its tables (live or shadow) and its position name."""

    projection: Projection
    tables: Tables
    position: str

    @classmethod
    def live(cls, projection: Projection) -> Target:
        return cls(projection, Tables.live(projection.tables), projection.name)

    @classmethod
    def shadow(cls, projection: Projection) -> Target:
        return cls(projection, Tables.shadow(projection.tables), rebuild_position(projection))


def rebuild_position(projection: Projection) -> str:
    return f"{projection.name}__rebuild"


def create_tables(
    conn: Connection[Any], targets: Iterable[Target], *, indexes: bool = True
) -> None:
    """Create the positions table and every target's tables that do not exist yet.

    The positions stay in the current schema; the targets' tables go into their
    own schema (created, and an older release's tables moved there, first).
    ``indexes=False`` leaves out the secondary indexes (for tables about to be bulk loaded).
    """
    targets = list(targets)
    with conn.transaction():
        conn.execute(_POSITIONS_DDL)
        ensure_schema(conn, [spec for target in targets for spec in target.projection.tables])
        for target in targets:
            for spec in target.projection.tables:
                actual = target.tables.name(spec.name)
                for statement in create_statements(spec, actual, indexes=indexes):
                    conn.execute(statement)


def created_once(create: Callable[[], None]) -> None:
    """Run ``create`` (CREATE … IF NOT EXISTS statements); once more if another process won.

    Two processes creating the same table at the same moment can both pass the
    IF NOT EXISTS check, and one then fails on PostgreSQL's catalogue; the second
    try finds the table there.
    """
    try:
        create()
    except (errors.UniqueViolation, errors.DuplicateTable, errors.DuplicateObject):
        create()


def positions(
    conn: Connection[Any], topic: str, names: Sequence[str], *, lock: bool = False
) -> dict[str, dict[int, int]]:
    """Next offset to apply, per position name and partition (missing: start at 0)."""
    query = sql.SQL(
        "SELECT projection, partition, next_offset FROM {} "
        "WHERE topic = %s AND projection = ANY(%s) ORDER BY projection, partition{}"
    ).format(sql.Identifier(POSITIONS_TABLE), sql.SQL(" FOR UPDATE") if lock else sql.SQL(""))
    found: dict[str, dict[int, int]] = {name: {} for name in names}
    for name, partition, next_offset in conn.execute(query, (topic, list(names))).fetchall():
        found[name][partition] = next_offset
    return found


def ensure_position_rows(
    conn: Connection[Any], topic: str, names: Sequence[str], partitions: Iterable[int]
) -> None:
    """Rows at offset 0 for positions not recorded yet, so that they can be locked."""
    with conn.transaction():
        for name in names:
            for partition in partitions:
                conn.execute(
                    sql.SQL(
                        "INSERT INTO {} (projection, topic, partition, next_offset) "
                        "VALUES (%s, %s, %s, 0) ON CONFLICT DO NOTHING"
                    ).format(sql.Identifier(POSITIONS_TABLE)),
                    (name, topic, partition),
                )


def apply_batch(
    conn: Connection[Any],
    topic: str,
    targets: Sequence[Target],
    batch: Sequence[SourceEvent],
    read_up_to: dict[int, int] | None = None,
) -> int:
    """Apply ``batch`` to every target and move their positions on, in one transaction.

    ``read_up_to`` (partition -> next offset) covers messages read but not in
    ``batch`` (dead letters), so that positions step over them too. Returns how
    many (event, projection) applications were made; events below a target's
    recorded position are skipped, so a replay changes nothing.
    """
    ends: dict[int, int] = dict(read_up_to or {})
    for source in batch:
        ends[source.partition] = max(ends.get(source.partition, 0), source.offset + 1)
    applied = 0
    with conn.transaction():
        current = positions(conn, topic, [t.position for t in targets], lock=True)
        for target in targets:
            seen = current[target.position]
            fresh = [s for s in batch if s.offset >= seen.get(s.partition, 0)]
            if fresh:
                with conn.cursor() as cursor:
                    target.projection.apply(cursor, target.tables, [s.event for s in fresh])
                applied += len(fresh)
            move_positions(conn, topic, target.position, ends)
    return applied


def move_positions(conn: Connection[Any], topic: str, name: str, ends: dict[int, int]) -> None:
    """Move the positions ``name`` to ``ends`` (partition -> next offset); never backwards."""
    with conn.cursor() as cursor:
        cursor.executemany(
            sql.SQL(
                "INSERT INTO {} AS p (projection, topic, partition, next_offset) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT (projection, topic, partition) "
                "DO UPDATE SET next_offset = GREATEST(p.next_offset, EXCLUDED.next_offset), "
                "updated_at = now()"
            ).format(sql.Identifier(POSITIONS_TABLE)),
            [(name, topic, partition, end) for partition, end in sorted(ends.items())],
        )
