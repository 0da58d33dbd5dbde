"""Which of many aggregates exist, in one query: filing a batch skips reading new cases.

Intake mostly sees complaints that open new cases; asking the store about each
candidate id in turn (case and problem index, two reads a complaint) would
cost more than filing them. One query per batch answers for all of them.
"""

from __future__ import annotations

from collections.abc import Collection
from uuid import UUID

from eventsourcing.postgres import PostgresAggregateRecorder
from eventsourcing.sqlite import SQLiteAggregateRecorder
from psycopg.sql import SQL, Identifier

_SQLITE_CHUNK = 500  # bound parameters per statement


class PostgresAggregateExistence:
    """One ``= ANY`` query for the whole batch."""

    def __init__(self, recorder: PostgresAggregateRecorder) -> None:
        self._recorder = recorder

    def existing(self, ids: Collection[UUID]) -> set[UUID]:
        if not ids:
            return set()
        recorder = self._recorder
        statement = SQL("SELECT DISTINCT originator_id FROM {} WHERE originator_id = ANY(%s)")
        with recorder.datastore.get_connection() as conn, conn.cursor() as cursor:
            cursor.execute(statement.format(Identifier(recorder.events_table_name)), [list(ids)])
            return {row["originator_id"] for row in cursor.fetchall()}


class SQLiteAggregateExistence:
    """One ``IN`` query per few hundred ids (SQLite's bound on parameters)."""

    def __init__(self, recorder: SQLiteAggregateRecorder) -> None:
        self._recorder = recorder

    def existing(self, ids: Collection[UUID]) -> set[UUID]:
        if not ids:
            return set()
        recorder = self._recorder
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
