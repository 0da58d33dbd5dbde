"""The batch-quality windows in PostgreSQL: one alert per SKU window, whatever is replayed.

A batch is decided, acted on and recorded in one transaction: a replay
decides nothing again, and a failure while acting records nothing, so the
next attempt decides the same alert (same id) instead of losing or doubling it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest

from complaint_events.adapters.sku_windows import POSITION, Decision, FiledOnSku, SkuWindows
from complaint_events.processing.batch_window import BatchPolicy, LinkToBatchAlert, RaiseBatchAlert
from complaint_events.projections.positions import positions

pytestmark = pytest.mark.integration

TOPIC = "t.complaints.batch-quality.by-sku.v1"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
POLICY = BatchPolicy(threshold=3, window=timedelta(days=7))


@pytest.fixture
def conn(postgres_dsn: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(postgres_dsn, autocommit=True) as connection:
        yield connection


@pytest.fixture
def windows(conn: psycopg.Connection[Any]) -> SkuWindows:
    store = SkuWindows(TOPIC, POLICY)
    store.create(conn, range(3))
    return store


def complaints(sku: str, n: int, first_offset: int = 0) -> list[FiledOnSku]:
    return [
        FiledOnSku(0, first_offset + i, sku, uuid4(), T0 + timedelta(hours=i)) for i in range(n)
    ]


def ends(batch: list[FiledOnSku]) -> dict[int, int]:
    return {0: max(f.offset for f in batch) + 1}


def test_an_alert_is_raised_once_and_later_complaints_are_linked(
    conn: psycopg.Connection[Any], windows: SkuWindows
) -> None:
    acted: list[Decision] = []
    first = complaints("kettle", 4)
    decided = windows.count(conn, first, ends(first), acted.extend)
    assert [type(d) for d in decided] == [RaiseBatchAlert, LinkToBatchAlert]
    assert acted == decided
    alert = decided[0]
    assert isinstance(alert, RaiseBatchAlert)
    assert alert.case_ids == tuple(f.case_id for f in first[:3])

    # Kafka redelivers the batch (a worker killed after its commit): nothing again.
    assert windows.count(conn, first, ends(first), acted.extend) == []
    assert len(acted) == 2
    stored = windows.window(conn, "kettle")
    assert stored is not None
    assert stored.alert is not None
    assert stored.alert.alert_id == alert.alert_id
    assert positions(conn, TOPIC, [POSITION])[POSITION] == {0: 4, 1: 0, 2: 0}


def test_a_failure_while_acting_records_nothing_and_the_retry_decides_the_same_alert(
    conn: psycopg.Connection[Any], windows: SkuWindows
) -> None:
    batch = complaints("heater", 3)

    def broken(decisions: list[Decision]) -> None:
        raise ConnectionError("broker gone")

    with pytest.raises(ConnectionError):
        windows.count(conn, batch, ends(batch), broken)
    assert windows.window(conn, "heater") is None
    assert positions(conn, TOPIC, [POSITION])[POSITION] == {0: 0, 1: 0, 2: 0}  # not moved

    acted: list[Decision] = []
    decided = windows.count(conn, batch, ends(batch), acted.extend)
    assert len(decided) == 1
    assert isinstance(decided[0], RaiseBatchAlert)
    assert decided[0].case_ids == tuple(f.case_id for f in batch)


def test_skus_are_counted_apart(conn: psycopg.Connection[Any], windows: SkuWindows) -> None:
    mixed = [
        FiledOnSku(0, i, sku, uuid4(), T0 + timedelta(hours=i))
        for i, sku in enumerate(["a", "b", "a", "b", "a"])
    ]
    decided = windows.count(conn, mixed, ends(mixed), lambda decisions: None)
    assert [(type(d), d.sku) for d in decided] == [(RaiseBatchAlert, "a")]
    stored_b = windows.window(conn, "b")
    assert stored_b is not None
    assert stored_b.alert is None
    assert {c.case_id for c in stored_b.complaints} == {mixed[1].case_id, mixed[3].case_id}
    assert all(isinstance(c.case_id, UUID) for c in stored_b.complaints)
