"""Rebuilding projections from offset zero into shadow tables, swapped in atomically.

Queries keep reading the live tables while the shadows fill. The shadows are
filled by :class:`complaint_events.projections.bulk_load.BulkLoad`: every event up to the end
offsets seen at the start is folded in memory and the rows are written with
``COPY`` (see that module for what it costs in memory). At the end, one
transaction locks the live positions (a running projector waits), brings the
shadows up to them, renames the shadows into place and records their
positions, so the live projector resumes exactly after what the rebuild
applied. Readers see the old tables or the new ones, never a mix.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import Connection, sql
from pydantic import ValidationError

from complaint_events.adapters.kafka_clients import KafkaClients
from complaint_events.contracts.envelope import EventEnvelope
from complaint_events.projections.base import Projection, qualified, shadow_name
from complaint_events.projections.bulk_load import BulkLoad
from complaint_events.projections.positions import (
    POSITIONS_TABLE,
    SourceEvent,
    Target,
    apply_batch,
    create_tables,
    ensure_position_rows,
    positions,
)
from complaint_events.projections.projector import EventSource

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (messages read, messages to read)


@dataclass(frozen=True, slots=True)
class RebuildReport:
    """What a rebuild did and how fast."""

    projections: tuple[str, ...]
    messages: int
    seconds: float

    @property
    def rate(self) -> float:
        """Events per second into all rebuilt projections."""
        return self.messages / self.seconds if self.seconds > 0 else 0.0


def rebuild(
    dsn: str,
    kafka: KafkaClients,
    topic: str,
    projections: Sequence[Projection],
    *,
    batch_size: int = 2000,
    progress: Progress | None = None,
) -> RebuildReport:
    """Rebuild ``projections`` from offset zero of ``topic`` and swap them in."""
    started = time.perf_counter()
    shadows = [Target.shadow(p) for p in projections]
    lives = [Target.live(p) for p in projections]
    with psycopg.connect(dsn, autocommit=True) as conn:
        create_tables(conn, lives)
        _drop(conn, topic, shadows)
        create_tables(conn, shadows, indexes=False)
        source = EventSource(kafka, topic)
        try:
            names = [t.position for t in shadows]
            ensure_position_rows(conn, topic, names, source.partitions)
            source.seek(dict.fromkeys(source.partitions, 0))
            ends = source.end_offsets()
            total = sum(ends.values())
            read = _fill(conn, source, topic, shadows, ends, batch_size, progress, total)
            with conn.transaction():
                read += _swap(conn, source, topic, projections, batch_size)
        finally:
            source.close()
    report = RebuildReport(tuple(p.name for p in projections), read, time.perf_counter() - started)
    log.info(
        "rebuilt %s: %d events in %.1f s (%.0f events/s)",
        ", ".join(report.projections),
        report.messages,
        report.seconds,
        report.rate,
    )
    return report


def _fill(
    conn: Connection[Any],
    source: EventSource,
    topic: str,
    shadows: Sequence[Target],
    ends: dict[int, int],
    batch_size: int,
    progress: Progress | None,
    total: int,
) -> int:
    """Fold everything up to ``ends`` in memory, then copy it into the shadow tables."""
    read = 0
    load = BulkLoad(conn, topic, shadows)
    while not all(load.next_offsets.get(p, 0) >= end for p, end in ends.items()):
        records = source.poll(batch_size, timeout_ms=1000)
        load.add(_events(records, topic), {r.partition: r.offset + 1 for r in records})
        read += len(records)
        if progress is not None:
            progress(min(read, total), total)
    load.finish()
    return read


def _swap(
    conn: Connection[Any],
    source: EventSource,
    topic: str,
    projections: Sequence[Projection],
    batch_size: int,
) -> int:
    """Inside the caller's transaction: catch up with the live positions, then rename."""
    live_names = [p.name for p in projections]
    shadow_names = [Target.shadow(p).position for p in projections]
    shadows = [Target.shadow(p) for p in projections]
    live = positions(conn, topic, live_names, lock=True)
    ends = {
        partition: max(live[n].get(partition, 0) for n in live_names)
        for partition in source.partitions
    }
    read = 0
    while not _reached(positions(conn, topic, shadow_names), shadow_names, ends):
        read += _apply_next(conn, source, topic, shadows, batch_size)
    rebuilt = positions(conn, topic, shadow_names)
    for projection in projections:
        for spec in projection.tables:
            _rename_into_place(conn, spec.schema, spec.name)
        conn.execute(
            sql.SQL("DELETE FROM {} WHERE projection = %s AND topic = %s").format(
                sql.Identifier(POSITIONS_TABLE)
            ),
            (projection.name, topic),
        )
        conn.cursor().executemany(
            sql.SQL(
                "INSERT INTO {} (projection, topic, partition, next_offset) VALUES (%s, %s, %s, %s)"
            ).format(sql.Identifier(POSITIONS_TABLE)),
            [
                (projection.name, topic, partition, offset)
                for partition, offset in sorted(rebuilt[Target.shadow(projection).position].items())
            ],
        )
        conn.execute(
            sql.SQL("DELETE FROM {} WHERE projection = %s AND topic = %s").format(
                sql.Identifier(POSITIONS_TABLE)
            ),
            (Target.shadow(projection).position, topic),
        )
    return read


def _apply_next(
    conn: Connection[Any],
    source: EventSource,
    topic: str,
    targets: Sequence[Target],
    batch_size: int,
) -> int:
    records = source.poll(batch_size, timeout_ms=1000)
    if records:
        batch = _events(records, topic)
        apply_batch(conn, topic, targets, batch, {r.partition: r.offset + 1 for r in records})
    return len(records)


def _events(records: Sequence[Any], topic: str) -> list[SourceEvent]:
    """The case events among ``records``; any other message is skipped (the projector
    dead-lettered it when it first read it)."""
    batch: list[SourceEvent] = []
    for record in records:
        try:
            batch.append(
                SourceEvent(
                    record.partition, record.offset, EventEnvelope.model_validate_json(record.value)
                )
            )
        except ValidationError:
            log.warning("rebuild: %s[%s]@%s is not a case event; skipped", topic,
                        record.partition, record.offset)  # fmt: skip
    return batch


def _reached(stored: dict[str, dict[int, int]], names: Sequence[str], ends: dict[int, int]) -> bool:
    return all(stored[n].get(p, 0) >= end for n in names for p, end in ends.items())


def _rename_into_place(conn: Connection[Any], schema: str | None, table: str) -> None:
    """Replace the live table by its rebuilt shadow (in the same schema), and give its
    indexes the live names."""
    shadow, old = shadow_name(table), f"{table}__old"
    conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(qualified(schema, old)))
    conn.execute(
        sql.SQL("ALTER TABLE IF EXISTS {} RENAME TO {}").format(
            qualified(schema, table), sql.Identifier(old)
        )
    )
    conn.execute(
        sql.SQL("ALTER TABLE {} RENAME TO {}").format(
            qualified(schema, shadow), sql.Identifier(table)
        )
    )
    conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(qualified(schema, old)))
    indexes = conn.execute(
        "SELECT indexname FROM pg_indexes"
        " WHERE schemaname = coalesce(%s, current_schema()) AND tablename = %s",
        (schema, table),
    ).fetchall()
    for (index,) in indexes:
        if index.startswith(shadow):
            conn.execute(
                sql.SQL("ALTER INDEX {} RENAME TO {}").format(
                    qualified(schema, index), sql.Identifier(table + index[len(shadow) :])
                )
            )


def _drop(conn: Connection[Any], topic: str, shadows: Sequence[Target]) -> None:
    """Forget an earlier, unfinished rebuild."""
    with conn.transaction():
        for target in shadows:
            for spec in target.projection.tables:
                conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(target.tables[spec.name]))
            conn.execute(
                sql.SQL("DELETE FROM {} WHERE projection = %s AND topic = %s").format(
                    sql.Identifier(POSITIONS_TABLE)
                ),
                (target.position, topic),
            )
