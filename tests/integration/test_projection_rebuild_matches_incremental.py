"""A rebuild gives exactly the rows that incremental processing gives, crashes included.

For random valid case histories (real aggregates, published envelopes, cases
interleaved across partitions), the live tables are fed in random batches
with a crash — a batch whose transaction dies half-way — and a replay from the
stored positions, as a restarted projector would do; the shadow tables are
filled from offset zero as a rebuild fills them (folded in memory, written by
COPY, in random batches), then carried on by the incremental path over a
random tail, as a rebuild does before its swap. Every table of every
projection must then hold the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import sql

from case_stories import story
from complaint_events.contracts.envelope import EventEnvelope
from complaint_events.projections.base import Projection, Tables
from complaint_events.projections.bulk_load import BulkLoad
from complaint_events.projections.catalog import ALL_PROJECTIONS
from complaint_events.projections.positions import (
    SourceEvent,
    Target,
    apply_batch,
    create_tables,
    ensure_position_rows,
)
from complaint_events.projections.read_models_schema import READ_MODELS_SCHEMA
from complaint_events.relay import partition_for

pytestmark = pytest.mark.integration

TOPIC = "events"
PARTITIONS = 3


class CrashError(Exception):
    """The projector dies in the middle of a batch."""


class DiesMidBatch(Projection):
    name = "dies_mid_batch"
    tables = ()

    def apply(self, cursor: Any, tables: Tables, events: Sequence[EventEnvelope]) -> None:
        raise CrashError


def on_partitions(events: list[EventEnvelope]) -> list[SourceEvent]:
    """The events as the topic holds them: keyed by case, offsets counted per partition."""
    next_offset = dict.fromkeys(range(PARTITIONS), 0)
    placed = []
    for event in events:
        partition = partition_for(str(event.case_id).encode(), PARTITIONS)
        placed.append(SourceEvent(partition, next_offset[partition], event))
        next_offset[partition] += 1
    return placed


def rows(conn: psycopg.Connection[Any], table: sql.Identifier) -> list[tuple[Any, ...]]:
    return conn.execute(sql.SQL("SELECT * FROM {} ORDER BY 1, 2, 3").format(table)).fetchall()


def reset(conn: psycopg.Connection[Any]) -> None:
    conn.execute(
        sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(READ_MODELS_SCHEMA))
    )
    names = [
        r[0]
        for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        ).fetchall()
    ]
    for name in names:
        conn.execute(sql.SQL("DROP TABLE {} CASCADE").format(sql.Identifier(name)))


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_rebuild_equals_incremental_processing_with_a_crash(
    postgres_dsn: str, data: st.DataObject
) -> None:
    choose = lambda n: data.draw(st.integers(0, n - 1))  # noqa: E731
    events = on_partitions(
        story(choose, cases=data.draw(st.integers(1, 4)), steps=data.draw(st.integers(0, 40)))
    )
    live = [Target.live(p) for p in ALL_PROJECTIONS]
    shadow = [Target.shadow(p) for p in ALL_PROJECTIONS]
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        reset(conn)
        create_tables(conn, [*live, *shadow])
        ensure_position_rows(conn, TOPIC, [t.position for t in [*live, *shadow]], range(PARTITIONS))

        # Incremental: random batches; one of them crashes; the projector restarts from
        # its stored positions (re-reading events it may already have applied).
        crash_at = data.draw(st.integers(0, max(len(events) - 1, 0)))
        delivered = 0
        crashed = False
        while delivered < len(events):
            size = data.draw(st.integers(1, 8))
            batch = events[delivered : delivered + size]
            if not crashed and delivered <= crash_at < delivered + size:
                crashed = True
                with pytest.raises(CrashError):
                    apply_batch(conn, TOPIC, [*live, Target.live(DiesMidBatch())], batch)
                replay_from = data.draw(st.integers(0, delivered))
                delivered = replay_from  # a restart re-reads from an earlier committed offset
                continue
            apply_batch(conn, TOPIC, live, batch)
            delivered += size

        # Rebuild: from offset zero into the shadows in memory and by COPY, then the
        # events published meanwhile through the incremental path.
        copied = data.draw(st.integers(0, len(events)))
        load = BulkLoad(conn, TOPIC, shadow)
        start = 0
        while start < copied:
            size = data.draw(st.integers(1, 8))
            load.add(events[start : min(start + size, copied)])
            start += size
        load.finish()
        apply_batch(conn, TOPIC, shadow, events[copied:])

        for target, rebuilt in zip(live, shadow, strict=True):
            for spec in target.projection.tables:
                assert rows(conn, target.tables[spec.name]) == rows(
                    conn, rebuilt.tables[spec.name]
                ), f"{target.projection.name}: {spec.name} differs after a rebuild"
