"""The read models as an analyst finds them in PostgreSQL: their own schema, every part commented.

An analyst connects with psql and lists ``read_models``: they must find the
read-model tables there and nothing else, each table and each column with a
comment saying what it holds (a column added without one fails here). A
database built by a release that kept the read models in the default schema
must, when the projector starts, have them moved into the schema with their
rows and positions, carry on from there, and hold what a fresh projection holds.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import psycopg
import pytest
from psycopg import sql

from case_stories import story
from complaint_events.projections.base import Projection, Tables, TableSpec, create_statements
from complaint_events.projections.catalog import ALL_PROJECTIONS
from complaint_events.projections.positions import (
    POSITIONS_TABLE,
    SourceEvent,
    Target,
    apply_batch,
    create_tables,
    positions,
)
from complaint_events.projections.read_models_schema import READ_MODELS_SCHEMA

pytestmark = pytest.mark.integration

TOPIC = "events"
LIVE_NAMES = {spec.name for p in ALL_PROJECTIONS for spec in p.tables}


@pytest.fixture
def conn(postgres_dsn: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(postgres_dsn, autocommit=True) as connection:
        yield connection


def events(seed: int) -> list[SourceEvent]:
    rng = random.Random(seed)
    return [
        SourceEvent(0, offset, event)
        for offset, event in enumerate(story(rng.randrange, cases=6, steps=80))
    ]


def tables_in(conn: psycopg.Connection[Any], schema: str) -> set[str]:
    rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,))
    return {name for (name,) in rows.fetchall()}


def rows(conn: psycopg.Connection[Any], table: sql.Identifier) -> list[tuple[Any, ...]]:
    return conn.execute(sql.SQL("SELECT * FROM {} ORDER BY 1, 2, 3").format(table)).fetchall()


def test_the_schema_holds_the_read_models_only_each_table_and_column_commented(conn) -> None:
    create_tables(conn, [Target.live(p) for p in ALL_PROJECTIONS])

    assert tables_in(conn, READ_MODELS_SCHEMA) == LIVE_NAMES
    assert POSITIONS_TABLE in tables_in(conn, "public")
    assert not LIVE_NAMES & tables_in(conn, "public")
    (schema_comment,) = conn.execute(
        "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = %s",
        (READ_MODELS_SCHEMA,),
    ).fetchone()
    assert schema_comment
    uncommented_tables = conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relkind IN ('r', 'v', 'm')"
        " AND coalesce(btrim(obj_description(c.oid, 'pg_class')), '') = ''",
        (READ_MODELS_SCHEMA,),
    ).fetchall()
    assert uncommented_tables == []
    columns = conn.execute(
        "SELECT c.relname, a.attname, col_description(c.oid, a.attnum)"
        " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
        " WHERE n.nspname = %s AND c.relkind IN ('r', 'v', 'm')",
        (READ_MODELS_SCHEMA,),
    ).fetchall()
    assert len(columns) > 60
    assert [(t, c) for t, c, comment in columns if not (comment or "").strip()] == []


def test_every_mean_and_ratio_column_says_what_it_divides(conn) -> None:
    create_tables(conn, [Target.live(p) for p in ALL_PROJECTIONS])

    derived = conn.execute(
        "SELECT table_name, column_name, col_description("
        " format('%%I.%%I', table_schema, table_name)::regclass, ordinal_position)"
        " FROM information_schema.columns WHERE table_schema = %s AND is_generated = 'ALWAYS'",
        (READ_MODELS_SCHEMA,),
    ).fetchall()

    assert {(t, c) for t, c, _ in derived} >= {
        ("sla_daily", "ack_mean_hours"),
        ("sla_daily", "merchant_response_mean_hours"),
        ("sla_daily", "close_mean_hours"),
        ("merchant_scorecard", "response_mean_hours"),
        ("sku_quality", "defect_ratio"),
    }
    for _table, column, comment in derived:
        assert ("/ 3600" in comment) if column.endswith("_hours") else ("0-1" in comment)


def released_before_the_schema(spec: TableSpec) -> TableSpec:
    """The table as an earlier release created it: default schema, no comments or means."""
    return replace(
        spec,
        schema=None,
        comment="",
        column_comments={},
        added=tuple(column for column in spec.added if "GENERATED" not in column),
    )


def old_target(projection: Projection) -> Target:
    return Target(projection, Tables({s.name: s.name for s in projection.tables}), projection.name)


def test_a_database_of_an_earlier_release_is_moved_into_the_schema_on_start(conn) -> None:
    history = events(seed=17)
    before, after = history[: len(history) // 2], history[len(history) // 2 :]
    old = [old_target(p) for p in ALL_PROJECTIONS]
    with conn.transaction():
        conn.execute(
            sql.SQL("CREATE TABLE {} (x int)").format(sql.Identifier("case_summary__rebuild"))
        )
        for target in old:
            for spec in target.projection.tables:
                for statement in create_statements(released_before_the_schema(spec), spec.name):
                    conn.execute(statement)
    create_tables(conn, [])  # the positions table, as that release had it
    apply_batch(conn, TOPIC, old, before)
    old_rows = {
        spec.name: rows(conn, sql.Identifier(spec.name))
        for t in old
        for spec in t.projection.tables
    }
    names = [p.name for p in ALL_PROJECTIONS]
    old_positions = positions(conn, TOPIC, names)

    live = [Target.live(p) for p in ALL_PROJECTIONS]
    create_tables(conn, live)  # what the projector (or a rebuild) does when it starts

    assert tables_in(conn, READ_MODELS_SCHEMA) == LIVE_NAMES
    assert not (LIVE_NAMES | {"case_summary__rebuild"}) & tables_in(conn, "public")
    assert positions(conn, TOPIC, names) == old_positions
    for target in live:
        for spec in target.projection.tables:
            width = len(old_rows[spec.name][0]) if old_rows[spec.name] else 0
            moved = [row[:width] for row in rows(conn, spec.identifier)]
            assert moved == old_rows[spec.name], spec.name
            commented = conn.execute(
                "SELECT obj_description(%s::regclass, 'pg_class')", (spec.qualified_name,)
            ).fetchone()
            assert commented == (spec.comment,)

    # The projector carries on from its positions; the rows are those of a fresh projection.
    apply_batch(conn, TOPIC, live, after)
    fresh = [Target.shadow(p) for p in ALL_PROJECTIONS]
    create_tables(conn, fresh)
    apply_batch(conn, TOPIC, fresh, history)
    for target, rebuilt in zip(live, fresh, strict=True):
        for spec in target.projection.tables:
            assert rows(conn, target.tables[spec.name]) == rows(conn, rebuilt.tables[spec.name])
            assert rows(conn, target.tables[spec.name]), f"{spec.name} is empty: a weak test"
