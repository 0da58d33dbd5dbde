"""Sealing a case's new events into its hash chain, just before they are stored.

Each pending ``ComplaintCase`` event gets ``meta["previous_hash"]`` (the hash of
the case's event before it, 64 zeros for the first) and ``meta["hash"]`` (see
:mod:`complaint_events.contracts.hash_chain`). The events are frozen dataclasses,
so their ``meta`` is replaced by a new dict rather than changed in place: two
events that were stamped with one shared dict must not share their hashes.

:class:`CaseChains` does this for every save of the case store: it finds the
hash each case's new events chain to (remembered from a recent write or read,
else read from the store) and remembers where each chain now ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Final
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol

from complaint_events.contracts.hash_chain import GENESIS_HASH, seal
from complaint_events.contracts.translator import to_envelope
from complaint_events.domain.case import ComplaintCase

ChainHead = tuple[int, str]
"""Where a case's chain ends: the version of its last event, and that event's hash."""

StoredBefore = Callable[[UUID, int], Iterable[object]]
"""The case's stored events up to a version, the latest first (one is enough)."""


def seal_events(events: Iterable[object], previous_hash: str) -> str:
    """Chain ``events`` (one case's, in order) after ``previous_hash``; return the last hash."""
    for event in events:
        meta = dict(getattr(event, "meta", None) or {})
        meta.pop("hash", None)
        meta["previous_hash"] = previous_hash
        object.__setattr__(event, "meta", meta)
        previous_hash = seal(to_envelope(event), previous_hash)
        meta["hash"] = previous_hash
    return previous_hash


class ChainHeads:
    """The last saved (version, hash) of recently written cases.

    Saves on a case the process wrote a moment ago need not read the store to
    find the hash to chain to. A stored event never changes, so a remembered
    (case, version) -> hash stays right; an entry is only used for that version.
    """

    LIMIT: Final = 50_000

    def __init__(self) -> None:
        self._heads: dict[UUID, ChainHead] = {}

    def get(self, case_id: UUID, version: int) -> str | None:
        """The hash of the case's event ``version`` if remembered (genesis before version 1)."""
        if version < 1:
            return GENESIS_HASH
        head = self._heads.get(case_id)
        return head[1] if head is not None and head[0] == version else None

    def remember(self, heads: Mapping[UUID, ChainHead]) -> None:
        if len(self._heads) + len(heads) > self.LIMIT:
            self._heads.clear()
        self._heads.update(heads)


class CaseChains:
    """Seals the new events of the cases being saved, each after its case's last hash.

    Only ``ComplaintCase`` events are chained. A concurrent writer of the same
    case makes the store's insert fail, so a chain never forks.
    """

    def __init__(self, stored_before: StoredBefore) -> None:
        self._stored_before = stored_before
        self._heads = ChainHeads()

    def seal(self, objs: Iterable[object]) -> dict[UUID, ChainHead]:
        """Chain every case's pending events; the new heads, to remember once saved."""
        heads: dict[UUID, ChainHead] = {}
        for obj in objs:
            if isinstance(obj, ComplaintCase) and obj.pending_events:
                pending = obj.pending_events
                previous = self.hash_before(obj.id, pending[0].originator_version)
                heads[obj.id] = (pending[-1].originator_version, seal_events(pending, previous))
        return heads

    def saved(self, heads: Mapping[UUID, ChainHead]) -> None:
        """The sealed events are stored: their cases' chains end there now."""
        self._heads.remember(heads)

    def note_read(self, histories: Mapping[UUID, Sequence[DomainEventProtocol[UUID]]]) -> None:
        """Each history ends where the case's chain continues: saving after it needs no
        second read to find the hash to chain to."""
        self._heads.remember(
            {
                case_id: (events[-1].originator_version, found_hash)
                for case_id, events in histories.items()
                if isinstance(found_hash := getattr(events[-1], "meta", {}).get("hash"), str)
            }
        )

    def hash_before(self, case_id: UUID, version: int) -> str:
        """The hash of the case's stored event just before ``version`` (genesis for 1)."""
        known = self._heads.get(case_id, version - 1)
        if known is not None:
            return known
        for stored in self._stored_before(case_id, version - 1):
            found = getattr(stored, "meta", {}).get("hash")
            if isinstance(found, str):
                return found
        return GENESIS_HASH  # the event before was stored unchained: a chain starts here
