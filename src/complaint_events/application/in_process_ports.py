"""The ports answered inside the process: for the in-memory store, and what SQLite shares.

The in-memory event store of unit tests keeps its keys, refusals and locks in
the process too, and asks its recorder about each id in turn (a dictionary
lookup). The embedded SQLite store is used by one process, so it decides under
a process lock and reads cases one by one as well: the composition root
(:mod:`complaint_events.bootstrap`) takes those from here.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, StoredEvent

from complaint_events.application.ports import Erasure, Refusal, StorePorts
from complaint_events.application.secrets import new_key


class InMemoryConsumerKeys:
    """Keys in a dictionary: for the in-memory event store of unit tests."""

    def __init__(self) -> None:
        self._keys: dict[str, bytes | None] = {}
        self._erasures: list[Erasure] = []
        self._lock = threading.Lock()

    def get_or_create(self, consumer_id: str) -> bytes:
        return self.get_or_create_many([consumer_id])[consumer_id]

    def get_or_create_many(self, consumer_ids: Collection[str]) -> dict[str, bytes]:
        with self._lock:
            found: dict[str, bytes] = {}
            for consumer_id in consumer_ids:
                key = self._keys.get(consumer_id)
                if key is None:
                    key = self._keys[consumer_id] = new_key()
                found[consumer_id] = key
            return found

    def get(self, consumer_id: str) -> bytes | None:
        return self._keys.get(consumer_id)

    def erase(
        self, consumer_id: str, at: datetime, details: Mapping[str, Any] | None = None
    ) -> bool:
        with self._lock:
            had_key = self._keys.get(consumer_id) is not None
            self._keys[consumer_id] = None
            self._erasures.append(Erasure(consumer_id, at, dict(details or {})))
            return had_key

    def erasures(self, consumer_id: str) -> list[Erasure]:
        return [e for e in self._erasures if e.consumer_id == consumer_id]


class InMemoryRejectionLedger:
    """Refusals in a dict (the in-memory store of unit tests)."""

    def __init__(self) -> None:
        self._refusals: dict[str, Refusal] = {}

    def find(self, command_ids: Collection[str]) -> dict[str, Refusal]:
        return {c: self._refusals[c] for c in command_ids if c in self._refusals}

    def record(self, refusals: Sequence[Refusal]) -> None:
        for refusal in refusals:
            self._refusals.setdefault(refusal.command_id, refusal)


class ProcessCaseLocks:
    """One lock for the process: its deciders take turns."""

    def __init__(self) -> None:
        self._lock = threading.RLock()

    def hold(self, case_ids: Collection[UUID]) -> AbstractContextManager[None]:
        return self._lock if case_ids else nullcontext()  # type: ignore[return-value]


class RecorderExistence:
    """Asks the recorder about each id in turn: cheap when it is a dictionary."""

    def __init__(self, recorder: ApplicationRecorder) -> None:
        self._recorder = recorder

    def existing(self, ids: Collection[UUID]) -> set[UUID]:
        return {i for i in ids if self._recorder.select_events(i, limit=1)}


class RecorderStoredEvents:
    """Reads each aggregate's events in turn: cheap for a store in the process itself."""

    def __init__(self, recorder: ApplicationRecorder) -> None:
        self._recorder = recorder

    def stored_events_of(self, ids: Sequence[UUID]) -> dict[UUID, list[StoredEvent]]:
        found = {i: self._recorder.select_events(i) for i in ids}
        return {i: list(events) for i, events in found.items() if events}


def in_memory_ports(recorder: ApplicationRecorder) -> StorePorts:
    """Every port in the process: what the in-memory event store is given."""
    return StorePorts(
        keys=InMemoryConsumerKeys(),
        rejections=InMemoryRejectionLedger(),
        locks=ProcessCaseLocks(),
        existence=RecorderExistence(recorder),
        stored_events=RecorderStoredEvents(recorder),
    )
