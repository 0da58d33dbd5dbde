"""Reading the stored events of many aggregates at once: one query on PostgreSQL.

The deadline keeper and the command processor follow many cases at a time; one
round trip instead of one a case. SQLite and the in-memory store answer in the
process, one id at a time (:mod:`complaint_events.application.in_process_ports`).
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresAggregateRecorder
from psycopg.sql import SQL, Identifier


class PostgresStoredEvents:
    """The events of many aggregates in one ``= ANY`` query."""

    def __init__(self, recorder: PostgresAggregateRecorder) -> None:
        self._recorder = recorder

    def stored_events_of(self, ids: Sequence[UUID]) -> dict[UUID, list[StoredEvent]]:
        recorder = self._recorder
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
