"""Events the relay could not publish, kept in PostgreSQL until an operator acts.

A stored event larger than a Kafka record may be (the contracts' bounds keep
events far below it, docs/contracts.md) would make the relay retry it forever
and block every case behind it. The relay holds such an event here instead,
with why, and goes on; ``complaint-events relay-held`` lists what is held and
publishes one again once the topic accepts it (``--release``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

from complaint_events.relay import HeldEvent

_CREATE = """
CREATE TABLE IF NOT EXISTS relay_quarantine (
    topic TEXT NOT NULL,
    notification_id BIGINT NOT NULL,
    case_id UUID NOT NULL,
    event_id UUID NOT NULL,
    event_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    reason TEXT NOT NULL,
    held_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (topic, notification_id)
)
"""


class PostgresQuarantine:
    """The relay's quarantine table; holding the same notification twice keeps one row."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self._ready = False

    def hold(self, event: HeldEvent) -> None:
        with self._connect() as conn:
            conn.execute(
                "INSERT INTO relay_quarantine (topic, notification_id, case_id, event_id, "
                "event_type, size_bytes, reason) VALUES (%s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (topic, notification_id) DO NOTHING",
                (
                    event.topic,
                    event.notification_id,
                    event.case_id,
                    event.event_id,
                    event.event_type,
                    event.size_bytes,
                    event.reason,
                ),
            )

    def held(self, topic: str) -> list[tuple[HeldEvent, datetime]]:
        """What is held for ``topic``, oldest first, with when it was held."""
        with self._connect() as conn, conn.cursor(row_factory=dict_row) as cursor:
            rows = cursor.execute(
                "SELECT * FROM relay_quarantine WHERE topic = %s ORDER BY notification_id",
                (topic,),
            ).fetchall()
        return [(_held(row), row["held_at"]) for row in rows]

    def forget(self, topic: str, notification_id: int) -> None:
        with self._connect() as conn:
            conn.execute(
                "DELETE FROM relay_quarantine WHERE topic = %s AND notification_id = %s",
                (topic, notification_id),
            )

    def _connect(self) -> psycopg.Connection[Any]:
        conn = psycopg.connect(self.dsn, autocommit=True)
        if not self._ready:
            conn.execute(_CREATE)
            self._ready = True
        return conn


def _held(row: dict[str, Any]) -> HeldEvent:
    return HeldEvent(
        topic=row["topic"],
        notification_id=row["notification_id"],
        case_id=row["case_id"],
        event_id=row["event_id"],
        event_type=row["event_type"],
        size_bytes=row["size_bytes"],
        reason=row["reason"],
    )
