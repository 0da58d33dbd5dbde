"""Which relay publishes: a PostgreSQL session advisory lock, held on its own connection.

Several relays may run for one events topic (say one per host); only the one
holding the lock publishes, the others are hot standbys that try to take it
every ``relay_standby_retry`` seconds. The lock's key is a stable 64-bit hash
of the relay's position name (``relay:<topic>``), so relays of different topics
never stand in each other's way. The lock lives as long as the session that
took it: when the leading process dies, or its lock connection is killed
(``pg_terminate_backend``, a PostgreSQL restart), the lock is free and a
standby takes it.

The leader's position row is written on the lock connection, by a statement
that writes only while that session still holds the lock
(:class:`LeasedPositions`). A relay that has lost the lock can therefore
never move the position; it finds out before its next batch at the latest
(:meth:`RelayLeadership.holds`), and while it waits for Kafka to acknowledge a
batch it checks again every ``relay_standby_retry`` seconds.

Why two relays publish nothing twice is explained in :mod:`complaint_events.relay`
(the new leader waits ``relay_takeover_wait`` seconds, then reads the topic's
tails, before it publishes anything).

Works with the PostgreSQL store only; the embedded SQLite demo has no relay.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
from typing import Any

import psycopg

from complaint_events.adapters.postgres_positions import CREATE_TRACKED_POSITIONS

log = logging.getLogger(__name__)

_MINE = """
    SELECT 1 FROM pg_locks
    WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()
      AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND classid::bigint = %(classid)s AND objid::bigint = %(objid)s AND objsubid = 1
"""

_HOLDER = """
    SELECT a.application_name, a.client_addr::text, a.pid
    FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
    WHERE l.locktype = 'advisory' AND l.granted
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND l.classid::bigint = %(classid)s AND l.objid::bigint = %(objid)s AND l.objsubid = 1
"""

_SAVE_IF_LEADING = f"""
    INSERT INTO tracked_positions (name, position)
    SELECT %(name)s, %(position)s WHERE EXISTS ({_MINE})
    ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = now()
"""


class LeadershipLostError(RuntimeError):
    """The relay no longer holds the lock: it must stop publishing at once."""


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory lock key for a relay's position name."""
    digest = hashlib.blake2b(f"complaint-events:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def default_identity() -> str:
    """How this process names itself in ``pg_stat_activity`` (application_name, <= 63 bytes)."""
    return f"relay@{socket.gethostname()}:{os.getpid()}"[:63]


class RelayLeadership:
    """The advisory lock that makes one relay of ``name`` the leader.

    Not thread-safe: one relay thread uses it. :meth:`release` gives the lock up
    and closes the connection; the object can acquire again afterwards.
    """

    def __init__(self, dsn: str, name: str, identity: str | None = None) -> None:
        self.dsn = dsn
        self.name = name
        self.identity = identity or default_identity()
        self.key = lock_key(name)
        # pg_locks shows a bigint key as two unsigned 32-bit halves (objsubid 1).
        unsigned = self.key & 0xFFFFFFFFFFFFFFFF
        self._halves = {"classid": unsigned >> 32, "objid": unsigned & 0xFFFFFFFF}
        self._conn: psycopg.Connection[Any] | None = None
        self._leading = False

    @property
    def leading(self) -> bool:
        """Whether the last acquire or check found this relay holding the lock."""
        return self._leading

    def backend_pid(self) -> int | None:
        """The PostgreSQL backend of the lock connection, if open."""
        return None if self._conn is None or self._conn.closed else self._conn.info.backend_pid

    def try_acquire(self) -> bool:
        """Take the lock if it is free (or already ours); never waits for it."""
        try:
            conn = self._connection()
            row = conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
        except psycopg.Error as error:
            log.debug("relay leadership %s: cannot try the lock (%s)", self.name, error)
            self._drop()
            return False
        if row is not None and row[0] and self._leading:
            # Already ours: a session lock is re-entrant, keep one level only.
            conn.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
        self._leading = bool(row and row[0])
        return self._leading

    def holds(self) -> bool:
        """Whether the lock connection is alive and still holds the lock (one cheap query)."""
        if self._conn is None or self._conn.closed or not self._leading:
            self._leading = False
            return False
        try:
            found = self._conn.execute(_MINE, self._halves).fetchone() is not None
        except psycopg.Error as error:
            log.warning("relay leadership %s: lock connection lost (%s)", self.name, error)
            self._drop()
            return False
        self._leading = found
        return found

    def holder(self) -> str | None:
        """Who holds the lock now, as PostgreSQL sees it (``application_name`` and pid)."""
        try:
            row = self._connection().execute(_HOLDER, self._halves).fetchone()
        except psycopg.Error:
            self._drop()
            return None
        if row is None:
            return None
        app, addr, pid = row
        return f"{app or 'unnamed'} (backend {pid}{f', {addr}' if addr else ''})"

    def save_position(self, position: int) -> None:
        """Save the relay's position, only if this session still holds the lock."""
        if self._conn is None or self._conn.closed:
            self._leading = False
            raise LeadershipLostError(f"relay {self.name}: no lock connection")
        try:
            cursor = self._conn.execute(
                _SAVE_IF_LEADING, {"name": self.name, "position": position, **self._halves}
            )
        except psycopg.Error as error:
            self._drop()
            raise LeadershipLostError(
                f"relay {self.name}: lock connection lost ({error})"
            ) from error
        if cursor.rowcount != 1:
            self._leading = False
            raise LeadershipLostError(f"relay {self.name}: the lock is no longer held")

    def load_position(self) -> int:
        """The saved position (0 if none)."""
        row = (
            self._connection()
            .execute("SELECT position FROM tracked_positions WHERE name = %s", (self.name,))
            .fetchone()
        )
        return int(row[0]) if row else 0

    def release(self) -> None:
        """Give the lock up now, then close the session.

        Closing alone frees the lock only once the server's backend has noticed and
        ended, which on a busy machine took long enough for a standby's next try to
        be refused; unlocking first frees it before this returns.
        """
        conn = self._conn
        if self._leading and conn is not None and not conn.closed:
            try:
                conn.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
            except psycopg.Error:
                log.debug("relay leadership %s: unlocking failed; closing frees it", self.name)
        self._leading = False
        self._drop()

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            self._leading = False
            self._conn = psycopg.connect(
                self.dsn,
                autocommit=True,
                connect_timeout=5,
                application_name=self.identity,
                # Notice a dead peer in seconds on both sides: the client, so a check
                # fails instead of hanging; the server, so a vanished leader's lock frees.
                keepalives=1,
                keepalives_idle=5,
                keepalives_interval=2,
                keepalives_count=3,
                options="-c tcp_keepalives_idle=5 -c tcp_keepalives_interval=2 "
                "-c tcp_keepalives_count=3",
            )
            self._conn.execute(CREATE_TRACKED_POSITIONS)
        return self._conn

    def _drop(self) -> None:
        self._leading = False
        conn, self._conn = self._conn, None
        if conn is not None and not conn.closed:
            try:
                conn.close()  # ends the session: the lock is released with it
            except psycopg.Error:
                log.debug("relay leadership %s: closing the lock connection failed", self.name)


class LeasedPositions:
    """The relay's :class:`~complaint_events.relay.PositionStore` on the lock connection.

    ``save`` raises :class:`LeadershipLostError` unless the lock is still held, in the
    same statement that writes the row.
    """

    def __init__(self, leadership: RelayLeadership) -> None:
        self.leadership = leadership

    def load(self, name: str) -> int:
        self._check(name)
        return self.leadership.load_position()

    def save(self, name: str, position: int) -> None:
        self._check(name)
        self.leadership.save_position(position)

    def _check(self, name: str) -> None:
        if name != self.leadership.name:
            raise ValueError(f"positions leased for {self.leadership.name}, not {name}")
