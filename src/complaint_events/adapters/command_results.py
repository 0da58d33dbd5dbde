"""Command outcomes kept in PostgreSQL, so the HTTP API can answer "what became of it?".

The command processor publishes every :class:`CommandResultV1` on the results
topic and also records it here, in table ``command_results``, right after the
batch is applied. The first outcome of a command wins: a redelivered command
(answered "accepted, nothing recorded") never overwrites what its caller was
told the first time.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Protocol
from uuid import UUID

import psycopg
from psycopg.types.json import Jsonb

from complaint_events.contracts.commands import CommandResultV1
from complaint_events.settings import Settings

CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS command_results (
    command_id uuid PRIMARY KEY,
    case_id uuid NOT NULL,
    outcome text NOT NULL,
    body jsonb NOT NULL,
    decided_at timestamptz NOT NULL
)
"""

_INSERT = """
INSERT INTO command_results (command_id, case_id, outcome, body, decided_at)
VALUES (%s, %s, %s, %s, %s)
ON CONFLICT (command_id) DO NOTHING
"""


class CommandResults(Protocol):
    """Where command outcomes are recorded and looked up."""

    def record(self, results: Sequence[CommandResultV1]) -> None: ...

    def get(self, command_id: UUID) -> CommandResultV1 | None: ...


class PostgresCommandResults:
    """Outcomes in table ``command_results``, over one connection kept open (and reopened
    after a database restart: the call that finds it broken raises, the next reconnects)."""

    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._lock = threading.Lock()
        self._connection: psycopg.Connection[tuple[object, ...]] | None = None
        with self._lock:
            self._open().execute(CREATE_TABLE)

    def _open(self) -> psycopg.Connection[tuple[object, ...]]:
        if self._connection is None or self._connection.closed or self._connection.broken:
            self._connection = psycopg.connect(self._dsn, autocommit=True)
        return self._connection

    def record(self, results: Sequence[CommandResultV1]) -> None:
        if not results:
            return
        rows = [
            (
                r.command_id,
                r.case_id,
                r.outcome,
                Jsonb(r.model_dump(mode="json")),
                r.decided_at,
            )
            for r in results
        ]
        with self._lock:
            conn = self._open()
            with conn.transaction(), conn.cursor() as cur:
                cur.executemany(_INSERT, rows)

    def get(self, command_id: UUID) -> CommandResultV1 | None:
        with self._lock:
            row = (
                self._open()
                .execute("SELECT body FROM command_results WHERE command_id = %s", (command_id,))
                .fetchone()
            )
        return None if row is None else CommandResultV1.model_validate(row[0])


class InMemoryCommandResults:
    """Outcomes in a dict: the embedded (SQLite) mode, where everything runs in one process."""

    def __init__(self) -> None:
        self._results: dict[UUID, CommandResultV1] = {}
        self._lock = threading.Lock()

    def record(self, results: Sequence[CommandResultV1]) -> None:
        with self._lock:
            for result in results:
                self._results.setdefault(result.command_id, result)

    def get(self, command_id: UUID) -> CommandResultV1 | None:
        with self._lock:
            return self._results.get(command_id)


def command_results(settings: Settings) -> CommandResults | None:
    """The outcome store of the configured backend (none in embedded mode: no API reads it)."""
    return PostgresCommandResults(settings.postgres_dsn) if settings.store == "postgres" else None
