"""The relay's leadership guard: a PostgreSQL advisory lock on its own connection (real PG)."""

from __future__ import annotations

import psycopg
import pytest

from complaint_events.adapters.relay_leadership import (
    LeadershipLostError,
    LeasedPositions,
    RelayLeadership,
    lock_key,
)
from waiting import wait_until

pytestmark = pytest.mark.integration

NAME = "relay:complaints.events.v1"


def terminate(dsn: str, pid: int | None) -> None:
    assert pid is not None
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(%s)", (pid,))


def test_lock_key_is_stable_and_per_name() -> None:
    assert lock_key(NAME) == lock_key(NAME)
    assert lock_key(NAME) != lock_key("relay:other.events.v1")
    assert -(2**63) <= lock_key(NAME) < 2**63


def test_one_leads_the_other_is_refused_until_the_leader_releases(postgres_dsn: str) -> None:
    first = RelayLeadership(postgres_dsn, NAME, identity="relay-a")
    second = RelayLeadership(postgres_dsn, NAME, identity="relay-b")
    other_topic = RelayLeadership(postgres_dsn, "relay:other.events.v1", identity="relay-c")
    try:
        assert first.try_acquire()
        assert first.try_acquire(), "acquiring again while leading keeps the lead"
        assert first.holds()
        assert not second.try_acquire()
        assert not second.holds()
        holder = second.holder()
        assert holder is not None
        assert holder.startswith("relay-a (backend ")
        assert other_topic.try_acquire(), "another topic's relay has its own lock"

        first.release()
        assert not first.holds()
        assert second.try_acquire()
        assert second.holder() is not None
        assert second.holder().startswith("relay-b")  # type: ignore[union-attr]
        assert not first.try_acquire()
    finally:
        for leadership in (first, second, other_topic):
            leadership.release()


def test_the_standby_takes_over_when_the_lock_connection_is_killed(postgres_dsn: str) -> None:
    first = RelayLeadership(postgres_dsn, NAME, identity="relay-a")
    second = RelayLeadership(postgres_dsn, NAME, identity="relay-b")
    try:
        assert first.try_acquire()
        assert not second.try_acquire()
        terminate(postgres_dsn, first.backend_pid())
        wait_until(second.try_acquire, timeout=10, what="the standby to take the free lock")
        assert not first.holds(), "the old leader sees it has lost the lock"
        assert not first.leading
        assert not first.try_acquire()
    finally:
        first.release()
        second.release()


def test_only_the_leader_moves_the_position(postgres_dsn: str) -> None:
    first = RelayLeadership(postgres_dsn, NAME, identity="relay-a")
    second = RelayLeadership(postgres_dsn, NAME, identity="relay-b")
    try:
        assert first.try_acquire()
        LeasedPositions(first).save(NAME, 42)
        assert LeasedPositions(second).load(NAME) == 42
        with pytest.raises(LeadershipLostError):
            LeasedPositions(second).save(NAME, 7)

        terminate(postgres_dsn, first.backend_pid())
        with pytest.raises(LeadershipLostError):
            LeasedPositions(first).save(NAME, 43)
        assert second.try_acquire()
        assert LeasedPositions(second).load(NAME) == 42
        LeasedPositions(second).save(NAME, 50)
        assert LeasedPositions(second).load(NAME) == 50
    finally:
        first.release()
        second.release()
