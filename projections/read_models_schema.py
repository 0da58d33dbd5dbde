"""The PostgreSQL schema that holds the read models, and moving them there from older releases.

Analysts connect to the database to query the read models. Kept in a schema of
their own, the read models are what ``\\dt+ read_models.*`` lists, each with its
comment, and nothing else: the event store, the projections' positions and the
workers' own tables (pending deadlines, ledgers, locks) stay in the
connection's current schema (``public`` unless configured otherwise).

Releases before the schema existed created the read models in the current
schema. :func:`ensure_schema` runs where the projector, a rebuild or a test
creates the tables: it creates the schema and moves each read-model table found
in the current schema into it (``ALTER TABLE … SET SCHEMA`` keeps its rows,
indexes and the projections' positions valid, so nothing is replayed). A
rebuild shadow left there by an unfinished rebuild is dropped: the next rebuild
starts its shadows afresh in any case.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from psycopg import Connection, sql

from complaint_events.projections.base import TableSpec, shadow_name

READ_MODELS_SCHEMA: Final = "read_models"
"""The schema of every read-model table (and of nothing else)."""

SCHEMA_COMMENT: Final = (
    "Read models of complaint-events: tables built from the events topic"
    " complaints.events.v1 by the projector (complaint-events projections run) and"
    " rebuilt from it on demand (complaint-events projections rebuild). Read only:"
    " every row can be rebuilt from the events. Times are UTC timestamps; durations"
    " are in seconds (sums) or hours (means); ratios are between 0 and 1."
)

_LOCK_KEY: Final = "complaint-events: read_models schema"
"""Serialises schema creation and the move between processes starting at once."""


def ensure_schema(conn: Connection[Any], specs: Iterable[TableSpec]) -> None:
    """Create the schemas ``specs`` live in, and move there what an older release left behind.

    Runs inside the caller's transaction.
    """
    by_schema: dict[str, list[TableSpec]] = {}
    for spec in specs:
        if spec.schema is not None:
            by_schema.setdefault(spec.schema, []).append(spec)
    if not by_schema:
        return
    conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (_LOCK_KEY,))
    for schema, in_schema in by_schema.items():
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        if schema == READ_MODELS_SCHEMA:
            conn.execute(
                sql.SQL("COMMENT ON SCHEMA {} IS {}").format(
                    sql.Identifier(schema), sql.Literal(SCHEMA_COMMENT)
                )
            )
        _move_old_tables(conn, schema, [spec.name for spec in in_schema])


def _move_old_tables(conn: Connection[Any], schema: str, names: list[str]) -> None:
    """Move the tables ``names`` from the current schema into ``schema``, where it has none
    of that name yet; drop their rebuild shadows there."""
    old_schema = _scalar(conn, "SELECT current_schema()")
    if old_schema is None or old_schema == schema:
        return
    shadows = [shadow_name(name) for name in names]
    in_old = _tables(conn, old_schema, [*names, *shadows])
    in_new = _tables(conn, schema, names)
    for name in names:
        if name in in_old and name not in in_new:
            conn.execute(
                sql.SQL("ALTER TABLE {} SET SCHEMA {}").format(
                    sql.Identifier(old_schema, name), sql.Identifier(schema)
                )
            )
    for shadow in shadows:
        if shadow in in_old:
            conn.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(old_schema, shadow)))


def _tables(conn: Connection[Any], schema: str, names: list[str]) -> set[str]:
    """Which of the tables ``names`` exist in ``schema``."""
    rows = conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = %s AND tablename = ANY(%s)",
        (schema, names),
    ).fetchall()
    return {name for (name,) in rows}


def _scalar(conn: Connection[Any], query: str) -> Any:
    row = conn.execute(query).fetchone()
    return None if row is None else row[0]
