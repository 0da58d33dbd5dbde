"""Batch reads and writes of projection tables: one SELECT in, one executemany out.

A projection folds a batch in memory: it loads the rows of every case the batch
touches with one ``SELECT … WHERE key = ANY(%s)``, applies the events in order
with its pure fold, writes the changed rows back with one ``executemany`` of
UPSERTs, and adds its counter deltas with one ``INSERT … ON CONFLICT DO UPDATE
SET x = t.x + EXCLUDED.x`` per key. Keys are written in sorted order so that
two transactions never lock the same rows in opposite orders.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from psycopg import Cursor, sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from complaint_events.contracts.envelope import EventEnvelope

Row = dict[str, Any]
"""One table row as column -> value (jsonb columns hold plain JSON values)."""

Number = int | Decimal
Key = tuple[Any, ...]


def load_rows(
    cursor: Cursor[Any],
    table: sql.Identifier,
    columns: Sequence[str],
    key: str,
    keys: Collection[Any],
) -> dict[Any, Row]:
    """The rows whose ``key`` is one of ``keys``, by key (one query)."""
    if not keys:
        return {}
    query = sql.SQL("SELECT {} FROM {} WHERE {} = ANY(%s)").format(
        sql.SQL(", ").join(map(sql.Identifier, columns)), table, sql.Identifier(key)
    )
    # A cursor of our own on the caller's connection (same transaction), so that
    # the rows come back as dicts whatever row factory the caller's cursor uses.
    with cursor.connection.cursor(row_factory=dict_row) as rows:
        rows.execute(query, [list(keys)])
        return {row[key]: row for row in rows.fetchall()}


def upsert_rows(
    cursor: Cursor[Any],
    table: sql.Identifier,
    columns: Sequence[str],
    key: str,
    rows: Iterable[Row],
    json_columns: Collection[str] = (),
) -> None:
    """Insert ``rows`` or overwrite the rows with the same ``key`` (one executemany)."""
    ordered = sorted(rows, key=lambda row: str(row[key]))
    if not ordered:
        return
    statement = sql.SQL(
        "INSERT INTO {table} ({columns}) VALUES ({values}) ON CONFLICT ({key}) DO UPDATE SET {set}"
    ).format(
        table=table,
        columns=sql.SQL(", ").join(map(sql.Identifier, columns)),
        values=sql.SQL(", ").join(sql.Placeholder() * len(columns)),
        key=sql.Identifier(key),
        set=sql.SQL(", ").join(
            sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c)) for c in columns if c != key
        ),
    )
    cursor.executemany(
        statement,
        [tuple(Jsonb(row[c]) if c in json_columns else row[c] for c in columns) for row in ordered],
    )


class CounterDeltas:
    """Changes to counters, summed per key over a batch.

    Every key an event touched is written, even when its changes sum to zero, so
    that a row exists for the same keys whatever the batching.
    """

    def __init__(self, counters: Sequence[str]) -> None:
        self.counters = tuple(counters)
        self._sums: dict[Key, dict[str, Number]] = {}

    def add(self, key: Key, changes: Mapping[str, Number]) -> None:
        sums = self._sums.setdefault(key, dict.fromkeys(self.counters, 0))
        for counter, change in changes.items():
            sums[counter] += change

    def __bool__(self) -> bool:
        return bool(self._sums)

    def items(self) -> list[tuple[Key, dict[str, Number]]]:
        """(key, summed changes), in key order."""
        return sorted(self._sums.items())


def add_counters(
    cursor: Cursor[Any],
    table: sql.Identifier,
    key_columns: Sequence[str],
    deltas: CounterDeltas,
) -> None:
    """Add each key's summed changes to its row (a missing row is inserted with them)."""
    if not deltas:
        return
    columns = [*key_columns, *deltas.counters]
    statement = sql.SQL(
        "INSERT INTO {table} AS t ({columns}) VALUES ({values}) "
        "ON CONFLICT ({keys}) DO UPDATE SET {set}"
    ).format(
        table=table,
        columns=sql.SQL(", ").join(map(sql.Identifier, columns)),
        values=sql.SQL(", ").join(sql.Placeholder() * len(columns)),
        keys=sql.SQL(", ").join(map(sql.Identifier, key_columns)),
        set=sql.SQL(", ").join(
            sql.SQL("{0} = t.{0} + EXCLUDED.{0}").format(sql.Identifier(c)) for c in deltas.counters
        ),
    )
    cursor.executemany(
        statement,
        [(*key, *(sums[c] for c in deltas.counters)) for key, sums in deltas.items()],
    )


_MICROSECOND = timedelta(microseconds=1)


def seconds_between(start: datetime, end: datetime) -> Decimal:
    """Exact seconds (to the microsecond) for a counter: sums then do not depend on order."""
    return Decimal((end - start) // _MICROSECOND).scaleb(-6)


Count = tuple[str, Key, Mapping[str, Number]]
"""A fold's change to one counter row: (logical table, key, counter -> change)."""

Fold = Callable[[Row | None, EventEnvelope], tuple[Row | None, Sequence[Count]]]
"""A pure step: a case's facts row (None: none yet) and an event -> new facts, counts.

Returning the very same row object means "nothing to write"; None means "no facts".
"""


def fold_batch(
    facts: dict[Any, Row], events: Sequence[EventEnvelope], fold: Fold
) -> tuple[dict[Any, Row], list[Count]]:
    """Fold ``events`` in order over ``facts`` (updated in place), keyed by case id.

    Returns the facts rows that changed and every count, in event order.
    """
    changed: dict[Any, Row] = {}
    counts: list[Count] = []
    for event in events:
        before = facts.get(event.case_id)
        after, counted = fold(before, event)
        if after is not None and after is not before:
            facts[event.case_id] = changed[event.case_id] = after
        counts.extend(counted)
    return changed, counts


def sum_counts(
    counts: Iterable[Count], counters: Mapping[str, Sequence[str]]
) -> dict[str, CounterDeltas]:
    """The counts summed per logical table; ``counters`` names each table's counter columns."""
    deltas = {table: CounterDeltas(columns) for table, columns in counters.items()}
    for table, key, changes in counts:
        deltas[table].add(key, changes)
    return deltas
