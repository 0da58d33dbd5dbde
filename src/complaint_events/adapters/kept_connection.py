"""One PostgreSQL connection kept open by a worker, and opened again after a restart."""

from __future__ import annotations

from typing import Any

import psycopg


class KeptConnection:
    """A connection for one thread at a time, reopened when it is found closed or broken.

    The call that finds the server gone raises (the worker's ``blocking`` waits
    the outage out and tries again); the next call connects afresh.
    """

    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._connection: psycopg.Connection[Any] | None = None

    def get(self) -> psycopg.Connection[Any]:
        """The open connection (autocommit: transactions are explicit)."""
        if self._connection is None or self._connection.closed or self._connection.broken:
            self._connection = psycopg.connect(self._dsn, autocommit=True, connect_timeout=10)
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
