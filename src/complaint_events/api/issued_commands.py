"""Which caller issued which command through the API, so only they may read its outcome.

A command is recorded here just before it is published (and forgotten again if
publishing fails); ``GET /v1/commands/{id}`` answers its issuer while the
outcome is pending and after it is decided.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Protocol
from uuid import UUID

from complaint_events.api.database import Database
from complaint_events.contracts.commands import CommandEnvelopeV1

CREATE_TABLE: Final = """
CREATE TABLE IF NOT EXISTS api_commands (
    command_id uuid PRIMARY KEY,
    case_id uuid NOT NULL,
    command_type text NOT NULL,
    actor text NOT NULL,
    issued_at timestamptz NOT NULL
)
"""


@dataclass(frozen=True, slots=True)
class IssuedCommand:
    command_id: UUID
    case_id: UUID
    command_type: str
    actor: str
    issued_at: datetime

    @classmethod
    def of(cls, command: CommandEnvelopeV1) -> IssuedCommand:
        return cls(
            command.command_id,
            command.case_id,
            command.command_type,
            command.actor,
            command.issued_at,
        )


class IssuedCommands(Protocol):
    def record(self, command: IssuedCommand) -> None: ...

    def forget(self, command_id: UUID) -> None: ...

    def get(self, command_id: UUID) -> IssuedCommand | None: ...


class PostgresIssuedCommands:
    """Table ``api_commands``."""

    def __init__(self, db: Database) -> None:
        self._db = db
        with db.connection() as conn:
            conn.execute(CREATE_TABLE)

    def record(self, command: IssuedCommand) -> None:
        with self._db.connection() as conn:
            conn.execute(
                "INSERT INTO api_commands (command_id, case_id, command_type, actor, issued_at) "
                "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (command_id) DO NOTHING",
                (
                    command.command_id,
                    command.case_id,
                    command.command_type,
                    command.actor,
                    command.issued_at,
                ),
            )

    def forget(self, command_id: UUID) -> None:
        with self._db.connection() as conn:
            conn.execute("DELETE FROM api_commands WHERE command_id = %s", (command_id,))

    def get(self, command_id: UUID) -> IssuedCommand | None:
        with self._db.connection() as conn:
            row = conn.execute(
                "SELECT command_id, case_id, command_type, actor, issued_at "
                "FROM api_commands WHERE command_id = %s",
                (command_id,),
            ).fetchone()
        return None if row is None else IssuedCommand(**row)


class InMemoryIssuedCommands:
    """The same in a dict, for the embedded (SQLite) mode."""

    def __init__(self) -> None:
        self._commands: dict[UUID, IssuedCommand] = {}
        self._lock = threading.Lock()

    def record(self, command: IssuedCommand) -> None:
        with self._lock:
            self._commands.setdefault(command.command_id, command)

    def forget(self, command_id: UUID) -> None:
        with self._lock:
            self._commands.pop(command_id, None)

    def get(self, command_id: UUID) -> IssuedCommand | None:
        with self._lock:
            return self._commands.get(command_id)
