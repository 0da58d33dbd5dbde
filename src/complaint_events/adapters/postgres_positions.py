"""Tracked positions (of the relay, later of projections) in a PostgreSQL table."""

from __future__ import annotations

import psycopg

CREATE_TRACKED_POSITIONS = """
CREATE TABLE IF NOT EXISTS tracked_positions (
    name text PRIMARY KEY,
    position bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
)
"""


class PostgresPositionStore:
    """One row per follower: the last notification (or offset) it fully handled."""

    def __init__(self, dsn: str) -> None:
        self._conn = psycopg.connect(dsn, autocommit=True)
        self._conn.execute(CREATE_TRACKED_POSITIONS)

    def load(self, name: str) -> int:
        row = self._conn.execute(
            "SELECT position FROM tracked_positions WHERE name = %s", (name,)
        ).fetchone()
        return int(row[0]) if row else 0

    def save(self, name: str, position: int) -> None:
        self._conn.execute(
            "INSERT INTO tracked_positions (name, position) VALUES (%s, %s) "
            "ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = now()",
            (name, position),
        )

    def close(self) -> None:
        self._conn.close()
