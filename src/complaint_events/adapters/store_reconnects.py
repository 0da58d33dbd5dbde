"""How quickly the event store's connection pool recovers from a database restart.

eventsourcing keeps a psycopg pool of ``POSTGRES_POOL_SIZE`` connections and,
with pre-ping, checks each one before handing it out. After PostgreSQL
restarts, every pooled connection is dead; psycopg_pool then checks them one
by one, sleeping between failed checks with the same exponential backoff it
uses between reconnection attempts: 1 s, 2 s, 4 s, … A worker's next read of
the store waited 14 s after a 2 s restart here, and 28 s in a chaos run, long
enough for the stall watchdog to end the relay.

psycopg_pool takes the first delay and the growth from
:class:`psycopg_pool.base.AttemptWithBackoff`; this module starts them at
0.1 s and grows them by 1.5. A pool of four dead connections then costs
under half a second once the database is back; a database down for a minute
is tried about every 15 s by then (psycopg_pool's own delays would have
reached a minute), so a long outage still costs the server little.
"""

from __future__ import annotations

from typing import Final

from psycopg_pool.base import AttemptWithBackoff

FIRST_DELAY: Final = 0.1  # seconds; psycopg_pool's default is 1.0
GROWTH: Final = 1.5  # psycopg_pool's default is 2.0


def reconnect_promptly() -> None:
    """Make every psycopg pool of this process retry and re-check with short first delays."""
    AttemptWithBackoff.INITIAL_DELAY = FIRST_DELAY
    AttemptWithBackoff.DELAY_BACKOFF = GROWTH
