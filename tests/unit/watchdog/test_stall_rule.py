"""The stall rule: lag plus a committed offset standing still for the timeout; idle is fine."""

from __future__ import annotations

from complaint_events.consumers.stall_rule import (
    NOTHING_COMMITTED,
    Observation,
    Partition,
    StallRule,
)
from complaint_events.consumers.watchdog import where

P0 = Partition("complaints.events.v1", 0)
P1 = Partition("complaints.events.v1", 1)
P2 = Partition("complaints.events.v1", 2)


def stalled(rule: StallRule, now: float) -> list[Partition]:
    return [o.partition for o in rule.stalled(now)]


def test_lag_without_progress_for_the_timeout_is_a_stall() -> None:
    rule = StallRule(timeout=60)
    rule.observe(P0, committed=100, end=150, now=0)
    rule.observe(P0, committed=100, end=180, now=59)
    assert stalled(rule, 59) == []
    rule.observe(P0, committed=100, end=200, now=60)
    assert stalled(rule, 60) == [P0]
    assert rule.stalled(60)[0].lag == 100


def test_progress_restarts_the_count() -> None:
    rule = StallRule(timeout=60)
    rule.observe(P0, committed=100, end=150, now=0)
    rule.observe(P0, committed=120, end=150, now=50)
    rule.observe(P0, committed=120, end=150, now=100)
    assert stalled(rule, 100) == []
    rule.observe(P0, committed=120, end=150, now=110)
    assert stalled(rule, 110) == [P0]


def test_an_idle_partition_is_never_stalled() -> None:
    rule = StallRule(timeout=60)
    for now in range(0, 1000, 10):
        rule.observe(P0, committed=100, end=100, now=now)
    assert stalled(rule, 1000) == []


def test_counting_starts_when_messages_start_to_wait() -> None:
    rule = StallRule(timeout=60)
    rule.observe(P0, committed=100, end=100, now=0)
    rule.observe(P0, committed=100, end=101, now=500)  # idle for long, then a message
    assert stalled(rule, 500) == []
    rule.observe(P0, committed=100, end=101, now=559)
    assert stalled(rule, 559) == []
    rule.observe(P0, committed=100, end=101, now=560)
    assert stalled(rule, 560) == [P0]


def test_nothing_ever_committed_counts_like_an_offset_that_stands_still() -> None:
    rule = StallRule(timeout=5)
    rule.observe(P1, committed=None, end=3, now=0)
    rule.observe(P1, committed=None, end=3, now=5)
    assert stalled(rule, 5) == [P1]
    assert rule.observations()[0].committed == NOTHING_COMMITTED
    rule.observe(P2, committed=None, end=0, now=5)  # empty and never committed: idle
    assert stalled(rule, 100) == [P1]


def test_each_partition_is_judged_on_its_own() -> None:
    rule = StallRule(timeout=10)
    for now, moving in ((0, 10), (5, 20), (10, 30)):
        rule.observe(P0, committed=7, end=50, now=now)
        rule.observe(P1, committed=moving, end=50, now=now)
        rule.observe(P2, committed=7, end=50, now=now)
    assert stalled(rule, 10) == [P0, P2]


def test_forgetting_starts_the_count_afresh() -> None:
    rule = StallRule(timeout=10)
    rule.observe(P0, committed=1, end=5, now=0)
    rule.forget()  # e.g. Kafka was out of reach for the watchdog
    rule.observe(P0, committed=1, end=5, now=9)
    rule.observe(P0, committed=1, end=5, now=18)
    assert stalled(rule, 18) == []
    rule.observe(P0, committed=1, end=5, now=19)
    assert stalled(rule, 19) == [P0]


def test_partitions_moved_away_are_forgotten() -> None:
    rule = StallRule(timeout=10)
    rule.observe(P0, committed=1, end=5, now=0)
    rule.observe(P1, committed=1, end=5, now=0)
    rule.keep_only({P1})
    assert [o.partition for o in rule.observations()] == [P1]
    assert stalled(rule, 10) == [P1]


def test_stalled_partitions_are_named_topic_by_topic() -> None:
    other = Partition("complaints.commands.v1", 1)
    observed = [Observation(p, 0, 5, 0.0) for p in (P2, other, P0)]
    assert where(observed) == "complaints.commands.v1[1], complaints.events.v1[0,2]"
