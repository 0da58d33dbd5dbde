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

A read model's tables live in the PostgreSQL schema
:data:`~complaint_events.projections.read_models_schema.READ_MODELS_SCHEMA`, apart
from the event store and the workers' bookkeeping, so that an analyst sees only
them there; each table and column carries a comment (what a row is, what a
column means and in what unit), written with the table. A table without a
schema (the deadline keeper's) lives in the connection's current schema.

Determinism is the contract: the same events, in the same order for each case,
give the same rows, whatever the batching and however partitions interleave.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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
    rows take (e.g. ``"referrals jsonb NOT NULL DEFAULT '[]'"``) or computed from the
    others (``GENERATED ALWAYS AS (…) STORED``): an existing table gets them at
    start-up, so an upgrade needs no rebuild."""
    schema: str | None = None
    """The PostgreSQL schema the table lives in; None: the connection's current schema."""
    comment: str = ""
    """What one row is, for ``COMMENT ON TABLE``."""
    column_comments: Mapping[str, str] = field(default_factory=dict, hash=False)
    """Column -> what it means, with its unit, for ``COMMENT ON COLUMN``."""

    @property
    def identifier(self) -> sql.Identifier:
        """The live table's name, schema-qualified when it has a schema."""
        return qualified(self.schema, self.name)

    @property
    def qualified_name(self) -> str:
        """``schema.table`` (or the bare name), as a person types it in psql."""
        return f"{self.schema}.{self.name}" if self.schema else self.name


def qualified(schema: str | None, *names: str) -> sql.Identifier:
    """``schema.table`` (or ``schema.table.column``) as one SQL identifier; without a
    schema, the names alone (the connection's current schema)."""
    return sql.Identifier(schema, *names) if schema else sql.Identifier(*names)


class Tables:
    """The actual names of a projection's tables: live ones, or the shadows of a rebuild.

    A shadow lives in the schema of its live table, so that renaming it swaps it in.
    """

    def __init__(self, names: Mapping[str, str], schema: str | None = None) -> None:
        self._names = dict(names)
        self.schema = schema

    def __getitem__(self, logical: str) -> sql.Identifier:
        return qualified(self.schema, self._names[logical])

    def name(self, logical: str) -> str:
        """The actual table name, without its schema."""
        return self._names[logical]

    @classmethod
    def live(cls, specs: Sequence[TableSpec]) -> Tables:
        return cls({spec.name: spec.name for spec in specs}, schema_of(specs))

    @classmethod
    def shadow(cls, specs: Sequence[TableSpec]) -> Tables:
        return cls({spec.name: shadow_name(spec.name) for spec in specs}, schema_of(specs))


def schema_of(specs: Sequence[TableSpec]) -> str | None:
    """The one schema a projection's tables live in."""
    schemas = {spec.schema for spec in specs}
    if len(schemas) > 1:
        raise ValueError(
            f"a projection's tables live in one schema, not {sorted(map(str, schemas))}"
        )
    return schemas.pop() if schemas else None


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
    """CREATE TABLE (its added columns, comments, indexes) for ``spec`` under the name ``actual``.

    The table is created in ``spec.schema``. Without ``indexes``, the secondary
    indexes are left to :func:`index_statements`: a table filled by ``COPY`` is
    indexed faster afterwards than row by row.
    """
    table = qualified(spec.schema, actual)
    statements = [
        sql.SQL("CREATE TABLE IF NOT EXISTS {} ({})").format(
            table, sql.SQL(", ".join((spec.columns, *spec.added)))
        )
    ]
    statements.extend(
        sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS {}").format(table, sql.SQL(column))
        for column in spec.added
    )
    if spec.comment:
        statements.append(
            sql.SQL("COMMENT ON TABLE {} IS {}").format(table, sql.Literal(spec.comment))
        )
    statements.extend(
        sql.SQL("COMMENT ON COLUMN {} IS {}").format(
            qualified(spec.schema, actual, column), sql.Literal(text)
        )
        for column, text in spec.column_comments.items()
    )
    if indexes:
        statements.extend(index_statements(spec, actual))
    return statements


def index_statements(spec: TableSpec, actual: str) -> list[sql.Composed]:
    """CREATE INDEX for each secondary index of ``spec`` on the table ``actual`` (its schema)."""
    return [
        sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} ({})").format(
            sql.Identifier(f"{actual}_ix{n}"), qualified(spec.schema, actual), sql.SQL(columns)
        )
        for n, columns in enumerate(spec.indexes)
    ]
