"""Filling empty tables from offset zero: every projection folded in memory, written by COPY.

The write path of a rebuild. Read batch by batch, the events are folded by
each projection's :class:`~complaint_events.projections.memory_fold.MemoryFold` (the same pure
folds the incremental path runs, with the rows kept in dicts instead of read
back from PostgreSQL); rows that can no longer change are copied in as they
come, and :meth:`BulkLoad.finish` copies every other row, creates the
tables' secondary indexes (a rebuild creates its shadows without them: an index
built once over the loaded rows costs less than one kept up row by row) and
records the positions reached, in one transaction. The incremental path
(:func:`complaint_events.projections.positions.apply_batch`) then carries the tables on from
there, so the rows are those that applying every batch incrementally gives
(``tests/integration/test_projection_rebuild_matches_incremental.py``).

Memory: a rebuild holds, per case, its row of every per-case table
(``case_summary`` and the facts tables of sla, merchant_scorecard and
sku_quality), and, per event, the timeline's (case, sequence) key to step over
an event the topic holds twice; counter rows are per day and channel, merchant,
SKU and alert, so few. Measured on the data of ``bench/rebuild_rate.py
--cases 20000`` (116,667 events): a peak RSS of about 200 MB against 107–110 MB
for the earlier batch-by-batch rebuild, so about 4.6 KiB a case (with its ~6 events).
Nothing is spilled: a store of a million cases would need some 4.5 GiB, and is
better rebuilt one projection at a time (``projections rebuild case_summary``,
then the others), each holding only its own rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Connection, sql

from complaint_events.projections.base import Tables, index_statements
from complaint_events.projections.memory_fold import MemoryFold, TableRows
from complaint_events.projections.positions import SourceEvent, Target, move_positions


def copy_rows(conn: Connection[Any], tables: Tables, rows: TableRows) -> None:
    """``COPY`` ``rows`` into the table ``tables`` names for their logical table."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        tables[rows.table], sql.SQL(", ").join(map(sql.Identifier, rows.columns))
    )
    with conn.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows.rows:
            copy.write_row(row)


class BulkLoad:
    """Events from offset zero folded in memory for ``targets``, then copied into their tables.

    The targets' tables must be empty and their positions at zero (a rebuild's
    fresh shadows): nothing is read back from them.
    """

    def __init__(self, conn: Connection[Any], topic: str, targets: Sequence[Target]) -> None:
        self.conn = conn
        self.topic = topic
        self.folds: list[tuple[Target, MemoryFold]] = [
            (target, target.projection.memory_fold()) for target in targets
        ]
        self.next_offsets: dict[int, int] = {}

    def add(self, batch: Sequence[SourceEvent], read_up_to: dict[int, int] | None = None) -> None:
        """Fold ``batch``; ``read_up_to`` (partition -> next offset) also covers skipped messages.

        Events below the offsets already reached are stepped over, as
        :func:`complaint_events.projections.positions.apply_batch` steps over what a target has.
        """
        reached = self.next_offsets
        fresh = [s.event for s in batch if s.offset >= reached.get(s.partition, 0)]
        for partition, end in (read_up_to or {}).items():
            reached[partition] = max(reached.get(partition, 0), end)
        for source in batch:
            reached[source.partition] = max(reached.get(source.partition, 0), source.offset + 1)
        for target, fold in self.folds:
            fold.fold(fresh)
            for rows in fold.final_rows():
                copy_rows(self.conn, target.tables, rows)

    def finish(self) -> None:
        """Copy every row held, index the tables, record the positions reached: one transaction."""
        with self.conn.transaction():
            for target, fold in self.folds:
                for rows in (*fold.final_rows(), *fold.tables()):
                    copy_rows(self.conn, target.tables, rows)
                for spec in target.projection.tables:
                    for statement in index_statements(spec, target.tables.name(spec.name)):
                        self.conn.execute(statement)
                move_positions(self.conn, self.topic, target.position, self.next_offsets)
