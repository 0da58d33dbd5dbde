"""What the stall watchdogs saw, kept in PostgreSQL for ``complaint-events health``.

The health check is a one-shot command: it cannot watch offsets for a minute.
So each worker's watchdog records, per consumer group and partition, the
committed offset it saw, the end offset, since when that offset has not moved
while messages waited (``progressed_at``), and whether it judged the partition
stalled. The health check compares this with the offsets it reads itself.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Final

import psycopg

from complaint_events.consumers.stall_rule import Observation, Partition

# The event store's notification log, as a partition (it has one) for the stall rule:
# how the relay's progress is recorded.
NOTIFICATIONS: Final = Partition("event store notifications", 0)
PROGRESS_TABLE: Final = "worker_progress"  # named as it is in the statements below

_DDL: Final = (
    "CREATE TABLE IF NOT EXISTS worker_progress ("
    " group_id text NOT NULL, topic text NOT NULL, partition integer NOT NULL,"
    " committed bigint NOT NULL, end_offset bigint NOT NULL,"
    " progressed_at timestamptz NOT NULL, checked_at timestamptz NOT NULL,"
    " stalled boolean NOT NULL DEFAULT false,"
    " PRIMARY KEY (group_id, topic, partition))"
)
# progressed_at is the database's now() less the seconds the watchdog has seen no
# progress, so that every reader compares it with the same (the database's) clock.
_UPSERT: Final = (
    "INSERT INTO worker_progress AS p"
    " (group_id, topic, partition, committed, end_offset, progressed_at, checked_at, stalled)"
    " VALUES (%s, %s, %s, %s, %s, now() - make_interval(secs => %s), now(), %s)"
    " ON CONFLICT (group_id, topic, partition) DO UPDATE SET"
    " committed = EXCLUDED.committed, end_offset = EXCLUDED.end_offset,"
    " progressed_at = EXCLUDED.progressed_at, checked_at = EXCLUDED.checked_at,"
    " stalled = EXCLUDED.stalled"
)


@dataclass(frozen=True, slots=True)
class RecordedProgress:
    """One partition as a watchdog last recorded it."""

    topic: str
    partition: int
    committed: int  # -1: nothing committed
    end: int
    still_for: float  # seconds, by the database's clock, since its offset last moved with lag
    stalled: bool


def record(
    dsn: str,
    group: str,
    observations: Sequence[Observation],
    now: float,
    stalled: Collection[Partition],
) -> None:
    """Upsert what the watchdog saw this round (``now``: the rule's monotonic time)."""
    # Timeouts: the watchdog must never hang on a lock or a database that does not answer.
    options = "-c statement_timeout=5000 -c lock_timeout=5000"
    with psycopg.connect(dsn, autocommit=True, connect_timeout=5, options=options) as conn:
        conn.execute(_DDL)
        with conn.cursor() as cur:
            cur.executemany(
                _UPSERT,
                [
                    (
                        group,
                        o.partition.topic,
                        o.partition.partition,
                        o.committed,
                        o.end,
                        o.stalled_for(now),
                        o.partition in stalled,
                    )
                    for o in observations
                ],
            )


def recorded(conn: psycopg.Connection[Any], group: str) -> list[RecordedProgress]:
    """What the watchdogs recorded for ``group`` (nothing if no watchdog has run)."""
    try:
        rows = conn.execute(
            "SELECT topic, partition, committed, end_offset,"
            " extract(epoch FROM now() - progressed_at)::float8, stalled"
            " FROM worker_progress WHERE group_id = %s",
            (group,),
        ).fetchall()
    except psycopg.errors.UndefinedTable:
        return []
    return [
        RecordedProgress(str(t), int(p), int(c), int(e), float(s), bool(st))
        for t, p, c, e, s, st in rows
    ]
