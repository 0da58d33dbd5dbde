"""Folding a whole history in memory, for a rebuild: rows kept in dicts, written once.

A rebuild starts from empty tables, so it has nothing to read back: each
projection's pure fold (the same one :meth:`Projection.apply` uses batch by
batch) runs over every event with the case's facts row kept in a dict keyed
by the row key, and counter changes summed per key. When the topic has been
read, :meth:`MemoryFold.tables` hands over the finished rows, and
:mod:`complaint_events.projections.bulk_load` writes them with ``COPY``.

Rows that can never change again (a timeline entry) are handed over as they
come by :meth:`MemoryFold.final_rows` and written while reading goes on, so
that the memory a rebuild needs grows with the number of cases and counter
keys; per event only the timeline's (case, sequence) key is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from psycopg.types.json import Jsonb

from complaint_events.contracts.envelope import EventEnvelope
from complaint_events.projections.table_io import CounterDeltas, Fold, Row


@dataclass(frozen=True, slots=True)
class TableRows:
    """Rows of one logical table, values in ``columns`` order, ready for ``COPY``."""

    table: str
    columns: Sequence[str]
    rows: Iterable[Sequence[Any]]


class MemoryFold:
    """A projection's rows folded in memory, to be written once into empty tables."""

    def fold(self, events: Sequence[EventEnvelope]) -> None:
        """Fold ``events`` (each case's in sequence order) into the rows held."""
        raise NotImplementedError

    def final_rows(self) -> list[TableRows]:
        """Rows no later event can change, handed over once and then forgotten."""
        return []

    def tables(self) -> list[TableRows]:
        """Every other row, once every event has been folded."""
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class Counters:
    """A counter table: its key columns and its counter columns."""

    keys: Sequence[str]
    counters: Sequence[str]


class FactsAndCounters(MemoryFold):
    """A facts row per case folded by ``fold``, and the counts it makes summed per key.

    The same rows :func:`complaint_events.projections.table_io.fold_batch` and
    :func:`complaint_events.projections.table_io.add_counters` give batch by batch: a facts row
    for every case the fold ever gave one, and a counter row for every key an
    event touched (even one whose changes sum to zero).
    """

    def __init__(
        self,
        fold: Fold,
        facts_table: str,
        fact_columns: Sequence[str],
        counters: Mapping[str, Counters],
        *,
        json_columns: Iterable[str] = (),
        stored: Callable[[Row], Row] | None = None,
    ) -> None:
        self._fold = fold
        self._facts_table = facts_table
        self._fact_columns = tuple(fact_columns)
        self._json = frozenset(json_columns)
        self._stored = stored
        self._counters = dict(counters)
        self.facts: dict[Any, Row] = {}
        self.deltas = {name: CounterDeltas(c.counters) for name, c in counters.items()}

    def fold(self, events: Sequence[EventEnvelope]) -> None:
        facts, fold, deltas = self.facts, self._fold, self.deltas
        for event in events:
            before = facts.get(event.case_id)
            after, counts = fold(before, event)
            if after is not None and after is not before:
                facts[event.case_id] = after
            for table, key, changes in counts:
                deltas[table].add(key, changes)

    def tables(self) -> list[TableRows]:
        return [self.facts_rows(), *(self.counter_rows(name) for name in self._counters)]

    def facts_rows(self) -> TableRows:
        columns, json, stored = self._fact_columns, self._json, self._stored
        rows = (stored(row) if stored is not None else row for row in self.facts.values())
        return TableRows(
            self._facts_table,
            columns,
            (tuple(Jsonb(row[c]) if c in json else row[c] for c in columns) for row in rows),
        )

    def counter_rows(self, name: str) -> TableRows:
        spec = self._counters[name]
        return TableRows(
            name,
            (*spec.keys, *spec.counters),
            ((*key, *(sums[c] for c in spec.counters)) for key, sums in self.deltas[name].items()),
        )
