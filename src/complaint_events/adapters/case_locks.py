"""Deciding commands on a case one process at a time: PostgreSQL advisory locks per case.

Normally one command processor owns a case (the commands topic is keyed by case
id), but during a rebalance or a redelivery two processes can decide commands
on the same case at once. Without a lock, one could refuse a command the other
accepts, and the callers would be told different things about one command id.
Holding the case's lock from reading it until its events and refusals are
saved serializes the deciders: the second one finds the first's events (or its
refusal) and gives the same answer.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from uuid import UUID

from eventsourcing.postgres import PostgresDatastore


def lock_key(case_id: UUID) -> int:
    """The advisory lock key of a case: its first 8 bytes as a signed bigint."""
    return int.from_bytes(case_id.bytes[:8], "big", signed=True)


class PostgresCaseLocks:
    """Session advisory locks, taken in key order (no deadlock between two batches)."""

    def __init__(self, datastore: PostgresDatastore) -> None:
        self._datastore = datastore

    @contextmanager
    def hold(self, case_ids: Collection[UUID]) -> Iterator[None]:
        keys = sorted({lock_key(c) for c in case_ids})
        if not keys:
            yield
            return
        with self._datastore.get_connection() as conn:
            conn.execute(
                "SELECT pg_advisory_lock(k) FROM unnest(%s::bigint[]) AS k ORDER BY k", [keys]
            )
            conn.commit()  # nothing to keep open but the session's locks
            try:
                yield
            finally:
                conn.execute("SELECT pg_advisory_unlock_all()")
                conn.commit()
