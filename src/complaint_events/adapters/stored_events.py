"""Reading the stored events of many aggregates at once (one query on PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresAggregateRecorder
from psycopg.sql import SQL, Identifier


def stored_events_of(recorder: Any, ids: Sequence[UUID]) -> dict[UUID, list[StoredEvent]]:
    """The stored events of each aggregate among ``ids`` that has any, in version order."""
    if not isinstance(recorder, PostgresAggregateRecorder):
        # SQLite and in-memory recorders answer in-process: one question per id costs little.
        found = {i: recorder.select_events(i) for i in ids}
        return {i: list(events) for i, events in found.items() if events}
    statement = SQL(
        "SELECT originator_id, originator_version, topic, state FROM {}.{} "
        "WHERE originator_id = ANY(%s) ORDER BY originator_id, originator_version"
    ).format(Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name))
    events: dict[UUID, list[StoredEvent]] = {}
    with recorder.datastore.get_connection() as conn, conn.cursor() as cursor:
        cursor.execute(statement, [list(ids)])
        for row in cursor.fetchall():
            events.setdefault(row["originator_id"], []).append(
                StoredEvent(
                    originator_id=row["originator_id"],
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=bytes(row["state"]),
                )
            )
    return events
