"""What the case store needs from beside its events, as ports the adapters implement.

The case store keeps a few things next to its events, in the same database or
SQLite file: the consumers' keys, the refused commands, the locks that make
one process at a time decide a case's commands; and it asks the store two
questions a recorder answers slowly one id at a time (which ids exist, the
events of many cases). The application names them here; the adapters for
PostgreSQL and SQLite implement them, and the composition root
(:mod:`complaint_events.bootstrap`) chooses them for the configured store and
hands them in. Nothing in the application imports an adapter.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, StoredEvent


@dataclass(frozen=True, slots=True)
class Erasure:
    """One erasure of a consumer's key: when, and what it covered (an auditable fact)."""

    consumer_id: str
    erased_at: datetime
    details: Mapping[str, Any] = field(default_factory=dict)


class ConsumerKeys(Protocol):
    """Where each consumer's key lives; erasing a key shreds their personal data."""

    def get_or_create(self, consumer_id: str) -> bytes:
        """The consumer's key, made now if they have none (or a new one after an erasure)."""
        ...

    def get_or_create_many(self, consumer_ids: Collection[str]) -> dict[str, bytes]:
        """:meth:`get_or_create` for many consumers at once (one round trip for a batch)."""
        ...

    def get(self, consumer_id: str) -> bytes | None:
        """The consumer's key; None if they never had one or it was erased."""
        ...

    def erase(
        self, consumer_id: str, at: datetime, details: Mapping[str, Any] | None = None
    ) -> bool:
        """Destroy the consumer's key and record the erasure; False if there was no key."""
        ...

    def erasures(self, consumer_id: str) -> list[Erasure]:
        """The recorded erasures of the consumer's keys, oldest first."""
        ...


@dataclass(frozen=True, slots=True)
class Refusal:
    """A command the domain refused: the reason the caller was given, and its code."""

    command_id: str
    case_id: UUID
    reason: str
    code: str


class RejectionLedger(Protocol):
    """Refused commands, so a redelivery is given the same answer (no event records them)."""

    def find(self, command_ids: Collection[str]) -> dict[str, Refusal]:
        """The refusals noted for any of ``command_ids``."""
        ...

    def record(self, refusals: Sequence[Refusal]) -> None:
        """Note refusals; a command id noted before keeps its first answer."""
        ...


class CaseLocks(Protocol):
    """One decider at a time per case, across the processes that share the store."""

    def hold(self, case_ids: Collection[UUID]) -> AbstractContextManager[None]:
        """Hold every case's lock for the ``with`` block."""
        ...


class AggregateExistence(Protocol):
    """Which of many aggregates exist, asked once for a whole filing batch."""

    def existing(self, ids: Collection[UUID]) -> set[UUID]:
        """The ids among ``ids`` that have at least one stored event."""
        ...


class StoredEventsReader(Protocol):
    """The stored events of many aggregates, read together."""

    def stored_events_of(self, ids: Sequence[UUID]) -> dict[UUID, list[StoredEvent]]:
        """The stored events of each aggregate among ``ids`` that has any, in version order."""
        ...


@dataclass(frozen=True, slots=True)
class StorePorts:
    """Everything the case store keeps or asks beside its events, for one store."""

    keys: ConsumerKeys
    rejections: RejectionLedger
    locks: CaseLocks
    existence: AggregateExistence
    stored_events: StoredEventsReader


PortsFor = Callable[[ApplicationRecorder], StorePorts]
"""Builds the ports that live beside a store, given the store's recorder: the case
store opens its recorder first (from its environment), then asks for them."""
