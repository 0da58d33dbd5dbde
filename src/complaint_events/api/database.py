"""The API's PostgreSQL connections: one pool per app, opened on first use, dict rows.

Reads (read models, command outcomes) and the API's own small tables
(idempotency records, issued commands) share it. Connections are in autocommit
mode; a write that needs several statements opens ``conn.transaction()``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from psycopg import Connection
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

Row = dict[str, Any]
DictConnection = Connection[Row]


class Database:
    """A lazily opened connection pool on ``dsn``."""

    def __init__(self, dsn: str, *, max_size: int = 10) -> None:
        self._dsn = dsn
        self._max_size = max_size
        self._pool: ConnectionPool[DictConnection] | None = None
        self._lock = threading.Lock()

    def _open(self) -> ConnectionPool[DictConnection]:
        with self._lock:
            if self._pool is None:
                pool: ConnectionPool[DictConnection] = ConnectionPool(
                    self._dsn,
                    connection_class=Connection[Row],
                    kwargs={"row_factory": dict_row, "autocommit": True},
                    min_size=1,
                    max_size=self._max_size,
                    open=False,
                    name="complaint-events-api",
                )
                pool.open(wait=True, timeout=10.0)
                self._pool = pool
            return self._pool

    @contextmanager
    def connection(self) -> Iterator[DictConnection]:
        """A connection from the pool, returned to it afterwards."""
        with self._open().connection() as conn:
            yield conn

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None
