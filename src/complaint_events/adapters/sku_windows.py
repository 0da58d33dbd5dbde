"""The batch-quality detector's windows in PostgreSQL: one row per SKU, and its position.

The detector reads complaints re-keyed by SKU (the by-SKU topic, so one SKU is
always counted by one worker) and keeps each SKU's
:class:`~complaint_events.processing.batch_window.SkuWindow` in table
``sku_windows``. A batch is decided and recorded in one transaction: the
positions are locked, the windows read, each complaint counted
(:func:`~complaint_events.processing.batch_window.record`), the decisions
acted on (the alert recorded, the link commands sent and acknowledged by
Kafka), and only then the windows and the positions written. A worker killed
before the commit decides the same again on replay (alert ids follow from the
SKU and its first case), so an alert is raised once whatever crashes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final
from uuid import UUID

from psycopg import Connection, sql
from psycopg.types.json import Jsonb

from complaint_events.processing.batch_window import (
    BatchPolicy,
    LinkToBatchAlert,
    RaiseBatchAlert,
    SkuWindow,
    record,
)
from complaint_events.projections.base import TableSpec, create_statements
from complaint_events.projections.positions import (
    create_tables,
    created_once,
    ensure_position_rows,
    move_positions,
    positions,
)

TABLE: Final = "sku_windows"
POSITION: Final = "batch-quality"
"""The detector's positions on the by-SKU topic, beside the projections' (projection_positions)."""
_SPEC: Final = TableSpec(
    TABLE,
    "sku text PRIMARY KEY, state jsonb NOT NULL, updated_at timestamptz NOT NULL DEFAULT now()",
)

Decision = RaiseBatchAlert | LinkToBatchAlert


@dataclass(frozen=True, slots=True)
class FiledOnSku:
    """A complaint as the by-SKU topic carries it, and where it was read."""

    partition: int
    offset: int
    sku: str
    case_id: UUID
    filed_at: datetime


class SkuWindows:
    """Table ``sku_windows`` and the detector's positions on the by-SKU topic."""

    def __init__(self, topic: str, policy: BatchPolicy) -> None:
        self.topic = topic  # the full name of the by-SKU topic
        self.policy = policy
        self._partitions: set[int] = set()
        self._created = False

    def create(self, conn: Connection[Any], partitions: Iterable[int]) -> None:
        """Create the table and the detector's position rows, if missing (once per instance)."""
        if not self._created:

            def create() -> None:
                create_tables(conn, [])  # the positions table
                with conn.transaction():
                    for statement in create_statements(_SPEC, TABLE):
                        conn.execute(statement)

            created_once(create)
            self._created = True
        self._ensure_positions(conn, partitions)

    def count(
        self,
        conn: Connection[Any],
        batch: Sequence[FiledOnSku],
        read_up_to: Mapping[int, int],
        act: Callable[[list[Decision]], None],
    ) -> list[Decision]:
        """Count ``batch``; ``act`` on the alerts and links it decides, then record it all.

        ``act`` runs inside the transaction, before anything is written: if it
        fails, nothing is recorded and the batch is decided again.
        """
        self._ensure_positions(conn, read_up_to)
        with conn.transaction():
            seen = positions(conn, self.topic, [POSITION], lock=True)[POSITION]
            fresh = [f for f in batch if f.offset >= seen.get(f.partition, 0)]
            windows = self._load(conn, {f.sku for f in fresh})
            changed: dict[str, SkuWindow] = {}
            decisions: list[Decision] = []
            for filed in fresh:
                before = windows.get(filed.sku, SkuWindow())
                after, decision = record(
                    before, filed.case_id, filed.filed_at, filed.sku, self.policy
                )
                if isinstance(decision, RaiseBatchAlert | LinkToBatchAlert):
                    decisions.append(decision)
                if after != before:
                    windows[filed.sku] = changed[filed.sku] = after
            if decisions:
                act(decisions)
            if changed:
                with conn.cursor() as cursor:
                    cursor.executemany(
                        sql.SQL(
                            "INSERT INTO {} (sku, state) VALUES (%s, %s) ON CONFLICT (sku) "
                            "DO UPDATE SET state = EXCLUDED.state, updated_at = now()"
                        ).format(sql.Identifier(TABLE)),
                        [(sku, Jsonb(changed[sku].to_value())) for sku in sorted(changed)],
                    )
            move_positions(conn, self.topic, POSITION, dict(read_up_to))
        return decisions

    def window(self, conn: Connection[Any], sku: str) -> SkuWindow | None:
        """The SKU's stored window, if any (for checks and tests)."""
        return self._load(conn, {sku}).get(sku)

    def _load(self, conn: Connection[Any], skus: set[str]) -> dict[str, SkuWindow]:
        if not skus:
            return {}
        rows = conn.execute(
            sql.SQL("SELECT sku, state FROM {} WHERE sku = ANY(%s) FOR UPDATE").format(
                sql.Identifier(TABLE)
            ),
            [sorted(skus)],
        ).fetchall()
        return {sku: SkuWindow.from_value(state) for sku, state in rows}

    def _ensure_positions(self, conn: Connection[Any], partitions: Iterable[int]) -> None:
        new = set(partitions) - self._partitions
        if new:
            ensure_position_rows(conn, self.topic, [POSITION], sorted(new))
            self._partitions |= new
