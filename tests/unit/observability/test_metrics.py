"""The metrics module: names, labels, and the helpers the adapters count with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from prometheus_client import REGISTRY, generate_latest

from complaint_events.contracts.dead_letters import DeadLetter
from complaint_events.observability import metrics
from complaint_events.relay import RelayStats

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def value(name: str, **labels: str) -> float:
    """The sample's value now (0 when the series does not exist yet)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


def letter(reason: str, processor: str = "intake", *, errors: bool = False) -> DeadLetter:
    field_errors = ({"loc": "x", "msg": "missing"},) if errors else ()
    return DeadLetter(b"k", b"v", reason, processor, NOW, errors=field_errors)


def test_every_series_is_prefixed_complaints() -> None:
    ours = [
        family.name
        for family in REGISTRY.collect()
        if family.name.startswith(metrics.PREFIX.rstrip("_"))
    ]
    assert ours
    assert all(name.startswith(metrics.PREFIX) for name in ours)


def test_a_batch_is_counted_and_timed() -> None:
    before_in = value("complaints_messages_in_total", processor="unit-test")
    before_batches = value("complaints_batch_seconds_count", processor="unit-test")

    with metrics.processing("unit-test", 7):
        pass

    assert value("complaints_messages_in_total", processor="unit-test") == before_in + 7
    assert value("complaints_batch_seconds_count", processor="unit-test") == before_batches + 1


def test_a_failing_batch_is_timed_all_the_same() -> None:
    before = value("complaints_batch_seconds_count", processor="unit-fails")
    with pytest.raises(RuntimeError), metrics.processing("unit-fails", 1):
        raise RuntimeError("boom")
    assert value("complaints_batch_seconds_count", processor="unit-fails") == before + 1


def test_sent_messages_are_counted_per_topic() -> None:
    labels = {"processor": "unit-send"}
    metrics.count_sent("unit-send", ["a.v1", "b.v1", "a.v1"])

    assert value("complaints_messages_out_total", **labels, topic="a.v1") == 2
    assert value("complaints_messages_out_total", **labels, topic="b.v1") == 1


def test_dead_letters_are_counted_by_kind_of_reason_never_by_its_text() -> None:
    topic = "unit.dlq.v1"
    metrics.count_dead_letters(
        topic,
        [
            letter("not a valid intake message", errors=True),
            letter("not a valid case event: 3 problems"),
            letter("the command does not match its contract: x", processor="commands"),
            letter("intake failed: RuntimeError('db')"),
            letter("projection p could not apply", processor="projections:case_summary"),
        ],
    )

    assert (
        value("complaints_dead_letters_total", processor="intake", topic=topic, reason="invalid")
        == 2
    )
    assert (
        value("complaints_dead_letters_total", processor="intake", topic=topic, reason="failed")
        == 1
    )
    assert (
        value("complaints_dead_letters_total", processor="commands", topic=topic, reason="invalid")
        == 1
    )
    assert (
        value(
            "complaints_dead_letters_total", processor="projections", topic=topic, reason="failed"
        )
        == 1
    )


def test_the_relay_s_totals_become_increments_and_a_new_relay_counts_from_zero() -> None:
    deltas = metrics.Deltas()
    labels = {"processor": "relay", "topic": "unit.events.v1"}
    start = value("complaints_messages_out_total", **labels)

    first = RelayStats(published=5, position=40)
    metrics.observe_relay(deltas, first, "unit.events.v1")
    first.published, first.position = 8, 43
    metrics.observe_relay(deltas, first, "unit.events.v1")
    restarted = RelayStats(published=2, position=45)  # built afresh after a failure
    metrics.observe_relay(deltas, restarted, "unit.events.v1")

    assert value("complaints_messages_out_total", **labels) == start + 10
    assert value("complaints_relay_position") == 45


def test_partition_gauges_drop_partitions_moved_elsewhere_and_blind_rounds() -> None:
    gauges = metrics.PartitionGauges()
    gauges.show("unit-group", [("t", 0, 5, 0.0), ("t", 1, 0, 0.0)])
    lag = {"watch": "unit-group", "topic": "t"}
    assert REGISTRY.get_sample_value("complaints_consumer_lag", {**lag, "partition": "0"}) == 5

    gauges.show("unit-group", [("t", 0, 3, 12.5)])  # partition 1 went to another worker
    assert REGISTRY.get_sample_value("complaints_consumer_lag", {**lag, "partition": "1"}) is None
    assert REGISTRY.get_sample_value("complaints_stall_seconds", {**lag, "partition": "0"}) == 12.5
    assert value("complaints_watchdog_blind", watch="unit-group") == 0

    gauges.blind("unit-group")
    assert REGISTRY.get_sample_value("complaints_consumer_lag", {**lag, "partition": "0"}) is None
    assert value("complaints_watchdog_blind", watch="unit-group") == 1


def test_announced_processors_are_on_the_page_before_their_first_batch() -> None:
    metrics.announce(["unit-announced"])
    page = generate_latest(REGISTRY).decode()

    assert 'complaints_messages_in_total{processor="unit-announced"} 0.0' in page
    assert 'complaints_deadlines_fired_total{action="expire"}' in page


@dataclass
class _Stats:
    read: int


def test_the_projector_s_reads_count_as_messages_in() -> None:
    deltas = metrics.Deltas()
    before = value("complaints_messages_in_total", processor="projections")
    stats = _Stats(read=4)
    metrics.observe_projector(deltas, stats)  # type: ignore[arg-type]
    stats.read = 10
    metrics.observe_projector(deltas, stats)  # type: ignore[arg-type]

    assert value("complaints_messages_in_total", processor="projections") == before + 10
