"""What a projection is: tables, and a deterministic way to apply events to them.

A projection owns its tables (including any private "facts" tables it needs to
remember about a case) and never reads another projection's tables, so that
each can be dropped and rebuilt on its own. The projector calls
:meth:`Projection.apply` inside its transaction, with only the events the
projection has not applied yet, and records the source positions in the same
transaction. Rebuilding folds every event in memory with the same pure folds
(:meth:`Projection.memory_fold`) and copies the rows into shadow tables, which
are then brought up to the live position by ``apply`` and swapped in
atomically: ``apply`` is told the actual table names through :class:`Tables`
and must not hard-code them.

Determinism is the contract: the same events, in the same order for each case,
give the same rows, whatever the batching and however partitions interleave.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from psycopg import Cursor, sql

from complaint_events.contracts.envelope import EventEnvelope

if TYPE_CHECKING:
    from complaint_events.projections.memory_fold import MemoryFold


@dataclass(frozen=True, slots=True)
class TableSpec:
    """One table of a projection: its live name, column definitions and secondary indexes."""

    name: str
    columns: str  # e.g. "case_id uuid PRIMARY KEY, status text NOT NULL"
    indexes: tuple[str, ...] = ()  # column lists, e.g. ("merchant_id", "status, filed_at")
    added: tuple[str, ...] = ()
    """Columns added after the table was first released, each with the default its old
    rows take (e.g. ``"referrals jsonb NOT NULL DEFAULT '[]'"``): an existing table gets
    them at start-up, so an upgrade needs no rebuild."""


class Tables:
    """The actual names of a projection's tables: live ones, or the shadows of a rebuild."""

    def __init__(self, names: Mapping[str, str]) -> None:
        self._names = dict(names)

    def __getitem__(self, logical: str) -> sql.Identifier:
        return sql.Identifier(self._names[logical])

    def name(self, logical: str) -> str:
        return self._names[logical]

    @classmethod
    def live(cls, specs: Sequence[TableSpec]) -> Tables:
        return cls({spec.name: spec.name for spec in specs})

    @classmethod
    def shadow(cls, specs: Sequence[TableSpec]) -> Tables:
        return cls({spec.name: shadow_name(spec.name) for spec in specs})


def shadow_name(table: str) -> str:
    return f"{table}__rebuild"


class Projection(ABC):
    """A read model fed by the case events."""

    name: ClassVar[str]
    tables: ClassVar[tuple[TableSpec, ...]]

    @abstractmethod
    def apply(self, cursor: Cursor[Any], tables: Tables, events: Sequence[EventEnvelope]) -> None:
        """Apply ``events`` (each case's in sequence order) inside the caller's transaction."""

    def memory_fold(self) -> MemoryFold:
        """A fold of every event into empty tables, in memory, for a rebuild.

        It must give the rows :meth:`apply` gives; a projection without one
        cannot be rebuilt.
        """
        raise NotImplementedError(f"projection {self.name} has no memory fold")


def create_statements(spec: TableSpec, actual: str, *, indexes: bool = True) -> list[sql.Composed]:
    """CREATE TABLE (its added columns, its indexes) for ``spec`` under the name ``actual``.

    Without ``indexes``, the secondary indexes are left to :func:`index_statements`:
    a table filled by ``COPY`` is indexed faster afterwards than row by row.
    """
    statements = [
        sql.SQL("CREATE TABLE IF NOT EXISTS {} ({})").format(
            sql.Identifier(actual), sql.SQL(", ".join((spec.columns, *spec.added)))
        )
    ]
    statements.extend(
        sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS {}").format(
            sql.Identifier(actual), sql.SQL(column)
        )
        for column in spec.added
    )
    if indexes:
        statements.extend(index_statements(spec, actual))
    return statements


def index_statements(spec: TableSpec, actual: str) -> list[sql.Composed]:
    """CREATE INDEX for each secondary index of ``spec`` on the table ``actual``."""
    return [
        sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} ({})").format(
            sql.Identifier(f"{actual}_ix{n}"), sql.Identifier(actual), sql.SQL(columns)
        )
        for n, columns in enumerate(spec.indexes)
    ]
