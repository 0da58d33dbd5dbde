"""Which of many aggregates exist, in one query: filing a batch skips reading new cases.

Intake mostly sees complaints that open new cases; asking the store about each
candidate id in turn (case and problem index, two reads a complaint) would
cost more than filing them. One query per batch answers for all of them.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any
from uuid import UUID

from eventsourcing.postgres import PostgresAggregateRecorder
from eventsourcing.sqlite import SQLiteAggregateRecorder
from psycopg.sql import SQL, Identifier

_SQLITE_CHUNK = 500  # bound parameters per statement


def existing_ids(recorder: Any, ids: Collection[UUID]) -> set[UUID]:
    """The ids among ``ids`` that have at least one stored event."""
    if not ids:
        return set()
    if isinstance(recorder, PostgresAggregateRecorder):
        statement = SQL("SELECT DISTINCT originator_id FROM {} WHERE originator_id = ANY(%s)")
        with recorder.datastore.get_connection() as conn, conn.cursor() as cursor:
            cursor.execute(statement.format(Identifier(recorder.events_table_name)), [list(ids)])
            return {row["originator_id"] for row in cursor.fetchall()}
    if isinstance(recorder, SQLiteAggregateRecorder):
        found: set[UUID] = set()
        wanted = [i.hex for i in ids]  # how the SQLite recorder stores ids
        with recorder.datastore.transaction(commit=False) as cursor:
            for start in range(0, len(wanted), _SQLITE_CHUNK):
                chunk = wanted[start : start + _SQLITE_CHUNK]
                cursor.execute(
                    f"SELECT DISTINCT originator_id FROM {recorder.events_table_name} "  # noqa: S608 - table name from the recorder, values bound
                    f"WHERE originator_id IN ({','.join('?' * len(chunk))})",
                    chunk,
                )
                found.update(UUID(str(row[0])) for row in cursor.fetchall())
        return found
    # Any other recorder (the in-memory one of unit tests): one question per id.
    return {i for i in ids if recorder.select_events(i, limit=1)}
