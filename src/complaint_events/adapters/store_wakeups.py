"""The relay wakes when events are stored, instead of only on its timer.

eventsourcing's PostgreSQL recorder sends ``NOTIFY`` on its channel in every
transaction that stores events; PostgreSQL delivers it at commit. A relay that
has caught up LISTENs on that channel and looks again as soon as a notification
comes, or after ``relay_idle_wait`` seconds, whichever is first. Before, it
slept the whole ``relay_idle_wait`` (0.2 s by default): every case waited half
of it on average at each pass through the relay (bench/latency.py).

The notification only says "look again": what to publish is still read from
the store in order, so a lost or repeated notification changes nothing but
when the relay looks. A lost connection (a database restart) costs the
wake-ups until it is back: the relay then waits on its timer alone, as before,
and listens again once a connection can be made.
"""

from __future__ import annotations

import logging
import threading
import time

import psycopg
from psycopg import sql

log = logging.getLogger(__name__)

RECONNECT_AFTER = 5.0  # seconds between attempts to listen again after a failure
CONNECT_TIMEOUT = 2  # seconds; the relay's own reads say soon enough that the store is gone


class StoreWakeups:
    """Waits for the event store's notifications on one LISTEN connection of its own."""

    def __init__(self, dsn: str, channel: str) -> None:
        self._dsn = dsn
        self._channel = channel
        self._conn: psycopg.Connection[tuple[object, ...]] | None = None
        self._failed_at: float | None = None

    def wait(self, stop: threading.Event, timeout: float) -> None:
        """Return on a notification, after ``timeout`` seconds, or when ``stop`` is set."""
        conn = self._listening()
        if conn is None:
            stop.wait(timeout)
            return
        started = time.monotonic()
        try:
            for _ in conn.notifies(timeout=timeout, stop_after=1):
                pass
            for _ in conn.notifies(timeout=0):  # the rest of a burst: one look serves all
                pass
        except psycopg.Error as error:
            log.info("store wake-ups: lost the LISTEN connection (%s); on the timer alone", error)
            self._drop()
            stop.wait(max(0.0, timeout - (time.monotonic() - started)))

    def close(self) -> None:
        self._drop(failed=False)

    def _listening(self) -> psycopg.Connection[tuple[object, ...]] | None:
        if self._conn is not None and not self._conn.closed:
            return self._conn
        if self._failed_at is not None and time.monotonic() - self._failed_at < RECONNECT_AFTER:
            return None
        try:
            conn = psycopg.connect(self._dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT)
            conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._channel)))
        except psycopg.Error as error:
            log.info("store wake-ups: cannot LISTEN (%s); on the timer alone for now", error)
            self._failed_at = time.monotonic()
            return None
        self._conn, self._failed_at = conn, None
        return conn

    def _drop(self, *, failed: bool = True) -> None:
        conn, self._conn = self._conn, None
        if failed:
            self._failed_at = time.monotonic()
        if conn is not None:
            try:
                conn.close()
            except psycopg.Error:
                log.debug("store wake-ups: closing a broken connection failed", exc_info=True)
