"""Sealing a case's new events into its hash chain, just before they are stored.

Each pending ``ComplaintCase`` event gets ``meta["previous_hash"]`` (the hash of
the case's event before it, 64 zeros for the first) and ``meta["hash"]`` (see
:mod:`complaint_events.contracts.hash_chain`). The events are frozen dataclasses,
so their ``meta`` is replaced by a new dict rather than changed in place: two
events that were stamped with one shared dict must not share their hashes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final
from uuid import UUID

from complaint_events.contracts.hash_chain import GENESIS_HASH, seal
from complaint_events.contracts.translator import to_envelope


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
        self._heads: dict[UUID, tuple[int, str]] = {}

    def get(self, case_id: UUID, version: int) -> str | None:
        """The hash of the case's event ``version`` if remembered (genesis before version 1)."""
        if version < 1:
            return GENESIS_HASH
        head = self._heads.get(case_id)
        return head[1] if head is not None and head[0] == version else None

    def remember(self, heads: dict[UUID, tuple[int, str]]) -> None:
        if len(self._heads) + len(heads) > self.LIMIT:
            self._heads.clear()
        self._heads.update(heads)
