"""Which commands were refused, and why: one command id, one answer, even when redelivered.

A refused command records no event on its case, so without a note of the
refusal a redelivery (at least once, a rebalance, a restart) would be decided
again against the case as it stands later, and might be accepted after the
caller was told it was rejected. The ledger keeps each refusal beside the
events (same database or SQLite file); the case store answers a redelivered
refused command from it. Written just after the batch's events are saved: a
crash between the two leaves the refusal unnoted, to be decided again.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from uuid import UUID

import psycopg
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteDatastore

from complaint_events.application.ports import Refusal

_CREATE = (
    "CREATE TABLE IF NOT EXISTS command_rejections ("
    " command_id text PRIMARY KEY, case_id text NOT NULL,"
    " reason text NOT NULL, code text NOT NULL)"
)


class PostgresRejectionLedger:
    """Refusals in PostgreSQL, through the event store's connection pool."""

    def __init__(self, datastore: PostgresDatastore) -> None:
        self._datastore = datastore
        try:
            with datastore.transaction(commit=True) as cursor:
                cursor.execute(_CREATE)
        except psycopg.errors.UniqueViolation:
            pass  # another process created it at the same moment

    def find(self, command_ids: Collection[str]) -> dict[str, Refusal]:
        if not command_ids:
            return {}
        with self._datastore.transaction(commit=False) as cursor:
            cursor.execute(
                "SELECT command_id, case_id, reason, code FROM command_rejections "
                "WHERE command_id = ANY(%s)",
                [list(command_ids)],
            )
            rows = cursor.fetchall()
        return {
            r["command_id"]: Refusal(r["command_id"], UUID(r["case_id"]), r["reason"], r["code"])
            for r in rows
        }

    def record(self, refusals: Sequence[Refusal]) -> None:
        if not refusals:
            return
        with self._datastore.transaction(commit=True) as cursor:
            cursor.executemany(
                "INSERT INTO command_rejections (command_id, case_id, reason, code) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT (command_id) DO NOTHING",
                [(r.command_id, str(r.case_id), r.reason, r.code) for r in refusals],
            )


class SQLiteRejectionLedger:
    """Refusals in the SQLite file of the event store."""

    def __init__(self, datastore: SQLiteDatastore) -> None:
        self._datastore = datastore
        with datastore.transaction(commit=True) as cursor:
            cursor.execute(_CREATE)

    def find(self, command_ids: Collection[str]) -> dict[str, Refusal]:
        found: dict[str, Refusal] = {}
        with self._datastore.transaction(commit=False) as cursor:
            for command_id in command_ids:
                cursor.execute(
                    "SELECT case_id, reason, code FROM command_rejections WHERE command_id = ?",
                    (command_id,),
                )
                row = cursor.fetchone()
                if row is not None:
                    found[command_id] = Refusal(command_id, UUID(row[0]), row[1], row[2])
        return found

    def record(self, refusals: Sequence[Refusal]) -> None:
        if not refusals:
            return
        with self._datastore.transaction(commit=True) as cursor:
            cursor.executemany(
                "INSERT OR IGNORE INTO command_rejections (command_id, case_id, reason, code) "
                "VALUES (?, ?, ?, ?)",
                [(r.command_id, str(r.case_id), r.reason, r.code) for r in refusals],
            )
