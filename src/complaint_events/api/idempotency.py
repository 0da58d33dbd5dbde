"""Idempotency keys: a retried request gets the first answer, and is not processed twice.

A client sends ``Idempotency-Key``; the key is scoped to the caller. The first
request *claims* the key (a row without an answer), is processed, and stores
its answer; a retry with the same body gets that answer back with the same
status code; the same key with a different body is refused (422), and a retry
while the first request is still being processed gets 409. Records expire
after ``Settings.idempotency_ttl``; a claim whose request died before
answering is given up after :data:`ABANDONED_AFTER`.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final, Protocol

from psycopg.types.json import Jsonb

from complaint_events.api.database import Database

ABANDONED_AFTER: Final = timedelta(minutes=1)

CREATE_TABLE: Final = """
CREATE TABLE IF NOT EXISTS api_idempotency (
    key text NOT NULL,
    principal text NOT NULL,
    request_hash text NOT NULL,
    status_code integer,
    response jsonb,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (principal, key)
)
"""


class ClaimKind(StrEnum):
    NEW = "new"  # process the request, then complete() or release()
    REPLAY = "replay"  # answer with the stored response
    MISMATCH = "mismatch"  # the key was used for a different request
    IN_PROGRESS = "in_progress"  # the first request has not answered yet


@dataclass(frozen=True, slots=True)
class Claim:
    kind: ClaimKind
    status_code: int | None = None
    response: dict[str, Any] | None = None


def request_hash(method: str, path: str, body: Any) -> str:
    """What identifies "the same request": method, path and the body as canonical JSON."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


class IdempotencyStore(Protocol):
    def claim(
        self, principal: str, key: str, request_hash: str, now: datetime, ttl: timedelta
    ) -> Claim: ...

    def complete(
        self, principal: str, key: str, status_code: int, response: dict[str, Any]
    ) -> None: ...

    def release(self, principal: str, key: str) -> None: ...


class PostgresIdempotencyStore:
    """Records in table ``api_idempotency``; one transaction per claim."""

    def __init__(self, db: Database) -> None:
        self._db = db
        with db.connection() as conn:
            conn.execute(CREATE_TABLE)

    def claim(
        self, principal: str, key: str, request_hash: str, now: datetime, ttl: timedelta
    ) -> Claim:
        with self._db.connection() as conn, conn.transaction():
            conn.execute(
                "DELETE FROM api_idempotency WHERE principal = %s AND key = %s "
                "AND (created_at < %s OR (status_code IS NULL AND created_at < %s))",
                (principal, key, now - ttl, now - ABANDONED_AFTER),
            )
            inserted = conn.execute(
                "INSERT INTO api_idempotency (key, principal, request_hash, created_at) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING key",
                (key, principal, request_hash, now),
            ).fetchone()
            if inserted is not None:
                return Claim(ClaimKind.NEW)
            row = conn.execute(
                "SELECT request_hash, status_code, response FROM api_idempotency "
                "WHERE principal = %s AND key = %s",
                (principal, key),
            ).fetchone()
        if row is None:  # deleted between the two statements by another claim: try again
            return self.claim(principal, key, request_hash, now, ttl)
        return _existing(request_hash, row["request_hash"], row["status_code"], row["response"])

    def complete(
        self, principal: str, key: str, status_code: int, response: dict[str, Any]
    ) -> None:
        with self._db.connection() as conn:
            conn.execute(
                "UPDATE api_idempotency SET status_code = %s, response = %s "
                "WHERE principal = %s AND key = %s",
                (status_code, Jsonb(response), principal, key),
            )

    def release(self, principal: str, key: str) -> None:
        with self._db.connection() as conn:
            conn.execute(
                "DELETE FROM api_idempotency WHERE principal = %s AND key = %s "
                "AND status_code IS NULL",
                (principal, key),
            )


def _existing(wanted_hash: str, stored_hash: str, status_code: int | None, response: Any) -> Claim:
    if stored_hash != wanted_hash:
        return Claim(ClaimKind.MISMATCH)
    if status_code is None:
        return Claim(ClaimKind.IN_PROGRESS)
    return Claim(ClaimKind.REPLAY, status_code, dict(response))


@dataclass
class _Entry:
    request_hash: str
    created_at: datetime
    status_code: int | None = None
    response: dict[str, Any] | None = None


class InMemoryIdempotencyStore:
    """The same behaviour in a dict, for the embedded (SQLite) mode."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], _Entry] = {}
        self._lock = threading.Lock()

    def claim(
        self, principal: str, key: str, request_hash: str, now: datetime, ttl: timedelta
    ) -> Claim:
        with self._lock:
            entry = self._entries.get((principal, key))
            if entry is not None and (
                entry.created_at < now - ttl
                or (entry.status_code is None and entry.created_at < now - ABANDONED_AFTER)
            ):
                entry = None
            if entry is None:
                self._entries[(principal, key)] = _Entry(request_hash, now)
                return Claim(ClaimKind.NEW)
            return _existing(request_hash, entry.request_hash, entry.status_code, entry.response)

    def complete(
        self, principal: str, key: str, status_code: int, response: dict[str, Any]
    ) -> None:
        with self._lock:
            entry = self._entries[(principal, key)]
            entry.status_code, entry.response = status_code, response

    def release(self, principal: str, key: str) -> None:
        with self._lock:
            entry = self._entries.get((principal, key))
            if entry is not None and entry.status_code is None:
                del self._entries[(principal, key)]
