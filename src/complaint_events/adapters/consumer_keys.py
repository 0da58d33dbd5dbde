"""Consumers' keys beside the event store: PostgreSQL, or the embedded SQLite file.

``consumer_keys`` holds one row per consumer (``key`` NULL once erased), each
key wrapped by the installation's key-encryption key, which is not in the
database (:mod:`complaint_events.application.secrets`): a dump of these tables
opens nothing.
``personal_data_erasures`` keeps every erasure as a row, so the fact stays
auditable after the key is gone. Both use the event store's own connections.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, Final

import psycopg
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteDatastore
from psycopg.types.json import Jsonb

from complaint_events.application.ports import Erasure
from complaint_events.application.secrets import new_key, unwrap_key, wrap_key

_POSTGRES_TABLES: Final = (
    (
        "CREATE TABLE IF NOT EXISTS consumer_keys ("
        " consumer_id text PRIMARY KEY, key bytea NULL,"
        " created_at timestamptz NOT NULL DEFAULT now(), erased_at timestamptz NULL)"
    ),
    (
        "CREATE TABLE IF NOT EXISTS personal_data_erasures ("
        " id bigserial PRIMARY KEY, consumer_id text NOT NULL, erased_at timestamptz NOT NULL,"
        " details jsonb NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now())"
    ),
)
_SQLITE_TABLES: Final = (
    (
        "CREATE TABLE IF NOT EXISTS consumer_keys ("
        " consumer_id TEXT PRIMARY KEY, key BLOB NULL,"
        " created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP, erased_at TEXT NULL)"
    ),
    (
        "CREATE TABLE IF NOT EXISTS personal_data_erasures ("
        " id INTEGER PRIMARY KEY AUTOINCREMENT, consumer_id TEXT NOT NULL,"
        " erased_at TEXT NOT NULL, details TEXT NOT NULL,"
        " recorded_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
    ),
)
# A key erased earlier is replaced when the consumer files again: their new
# contact needs a key, and the old ciphertext does not open with the new one.
_POSTGRES_INSERT_KEYS: Final = (
    "INSERT INTO consumer_keys (consumer_id, key, created_at)"
    " SELECT i, k, now() FROM unnest(%s::text[], %s::bytea[]) AS t(i, k)"
    " ON CONFLICT (consumer_id) DO UPDATE SET key = EXCLUDED.key,"
    " created_at = EXCLUDED.created_at, erased_at = NULL WHERE consumer_keys.key IS NULL"
)
_SQLITE_INSERT_KEY: Final = (
    "INSERT INTO consumer_keys (consumer_id, key, created_at) VALUES (?, ?, CURRENT_TIMESTAMP)"
    " ON CONFLICT (consumer_id) DO UPDATE SET key = EXCLUDED.key,"
    " created_at = EXCLUDED.created_at, erased_at = NULL WHERE consumer_keys.key IS NULL"
)


class PostgresConsumerKeys:
    """Keys in PostgreSQL, through the event store's connection pool."""

    def __init__(self, datastore: PostgresDatastore, key_encryption_key: bytes) -> None:
        self._datastore = datastore
        self._kek = key_encryption_key
        try:
            with datastore.transaction(commit=True) as cursor:
                for statement in _POSTGRES_TABLES:
                    cursor.execute(statement)
        except psycopg.errors.UniqueViolation:
            pass  # another process created them at the same moment

    def get_or_create(self, consumer_id: str) -> bytes:
        return self.get_or_create_many([consumer_id])[consumer_id]

    def get_or_create_many(self, consumer_ids: Collection[str]) -> dict[str, bytes]:
        ids = sorted(set(consumer_ids))  # one order for every writer: no deadlocks
        if not ids:
            return {}
        with self._datastore.transaction(commit=True) as cursor:
            cursor.execute(
                _POSTGRES_INSERT_KEYS,
                (ids, [wrap_key(self._kek, new_key(), i) for i in ids]),
            )
            cursor.execute(
                "SELECT consumer_id, key FROM consumer_keys WHERE consumer_id = ANY(%s)", (ids,)
            )
            rows = cursor.fetchall()
        return {
            r["consumer_id"]: unwrap_key(self._kek, bytes(r["key"]), r["consumer_id"]) for r in rows
        }

    def get(self, consumer_id: str) -> bytes | None:
        with self._datastore.transaction(commit=False) as cursor:
            cursor.execute("SELECT key FROM consumer_keys WHERE consumer_id = %s", (consumer_id,))
            row = cursor.fetchone()
        if row is None or row["key"] is None:
            return None
        return unwrap_key(self._kek, bytes(row["key"]), consumer_id)

    def erase(
        self, consumer_id: str, at: datetime, details: Mapping[str, Any] | None = None
    ) -> bool:
        with self._datastore.transaction(commit=True) as cursor:
            cursor.execute(
                "SELECT key IS NOT NULL AS had_key FROM consumer_keys"
                " WHERE consumer_id = %s FOR UPDATE",
                (consumer_id,),
            )
            row = cursor.fetchone()
            cursor.execute(
                "UPDATE consumer_keys SET key = NULL, erased_at = %s WHERE consumer_id = %s",
                (at, consumer_id),
            )
            cursor.execute(
                "INSERT INTO personal_data_erasures (consumer_id, erased_at, details)"
                " VALUES (%s, %s, %s)",
                (consumer_id, at, Jsonb(dict(details or {}))),
            )
        return bool(row and row["had_key"])

    def erasures(self, consumer_id: str) -> list[Erasure]:
        with self._datastore.transaction(commit=False) as cursor:
            cursor.execute(
                "SELECT erased_at, details FROM personal_data_erasures"
                " WHERE consumer_id = %s ORDER BY id",
                (consumer_id,),
            )
            return [Erasure(consumer_id, r["erased_at"], r["details"]) for r in cursor.fetchall()]


class SQLiteConsumerKeys:
    """Keys in the embedded store's SQLite file."""

    def __init__(self, datastore: SQLiteDatastore, key_encryption_key: bytes) -> None:
        self._datastore = datastore
        self._kek = key_encryption_key
        with datastore.transaction(commit=True) as cursor:
            for statement in _SQLITE_TABLES:
                cursor.execute(statement)

    def get_or_create(self, consumer_id: str) -> bytes:
        return self.get_or_create_many([consumer_id])[consumer_id]

    def get_or_create_many(self, consumer_ids: Collection[str]) -> dict[str, bytes]:
        ids = sorted(set(consumer_ids))
        if not ids:
            return {}
        found: dict[str, bytes] = {}
        with self._datastore.transaction(commit=True) as cursor:
            for consumer_id in ids:
                cursor.execute(
                    _SQLITE_INSERT_KEY,
                    (consumer_id, wrap_key(self._kek, new_key(), consumer_id)),
                )
                cursor.execute(
                    "SELECT key FROM consumer_keys WHERE consumer_id = ?", (consumer_id,)
                )
                stored = bytes(cursor.fetchone()[0])
                found[consumer_id] = unwrap_key(self._kek, stored, consumer_id)
        return found

    def get(self, consumer_id: str) -> bytes | None:
        with self._datastore.transaction(commit=False) as cursor:
            cursor.execute("SELECT key FROM consumer_keys WHERE consumer_id = ?", (consumer_id,))
            row = cursor.fetchone()
        if row is None or row[0] is None:
            return None
        return unwrap_key(self._kek, bytes(row[0]), consumer_id)

    def erase(
        self, consumer_id: str, at: datetime, details: Mapping[str, Any] | None = None
    ) -> bool:
        with self._datastore.transaction(commit=True) as cursor:
            cursor.execute("SELECT key FROM consumer_keys WHERE consumer_id = ?", (consumer_id,))
            row = cursor.fetchone()
            cursor.execute(
                "UPDATE consumer_keys SET key = NULL, erased_at = ? WHERE consumer_id = ?",
                (at.isoformat(), consumer_id),
            )
            cursor.execute(
                "INSERT INTO personal_data_erasures (consumer_id, erased_at, details)"
                " VALUES (?, ?, ?)",
                (consumer_id, at.isoformat(), json.dumps(dict(details or {}), ensure_ascii=False)),
            )
        return row is not None and row[0] is not None

    def erasures(self, consumer_id: str) -> list[Erasure]:
        with self._datastore.transaction(commit=False) as cursor:
            cursor.execute(
                "SELECT erased_at, details FROM personal_data_erasures"
                " WHERE consumer_id = ? ORDER BY id",
                (consumer_id,),
            )
            return [
                Erasure(consumer_id, datetime.fromisoformat(r[0]), json.loads(r[1]))
                for r in cursor.fetchall()
            ]
