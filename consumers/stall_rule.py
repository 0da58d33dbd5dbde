"""When is a partition stalled? The watchdog's rule, kept pure so it can be tested alone.

A partition is stalled when messages wait on it (its end offset is past the
committed one) and the committed offset has not changed for ``timeout``
seconds, counted from when the rule first saw that committed offset with
messages waiting. An idle partition (nothing waiting) is never stalled,
however long its offset stays put.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

# How the rule writes "the group never committed here": it must differ from every real offset.
NOTHING_COMMITTED: Final = -1


@dataclass(frozen=True, slots=True, order=True)
class Partition:
    """One partition of one topic."""

    topic: str
    partition: int


@dataclass(frozen=True, slots=True)
class Observation:
    """What the rule knows about one partition after its latest observation."""

    partition: Partition
    committed: int  # NOTHING_COMMITTED when the group has no offset there
    end: int
    waiting_since: float | None  # when this committed offset was first seen with lag

    @property
    def lag(self) -> int:
        return max(0, self.end - max(self.committed, 0))

    def stalled_for(self, now: float) -> float:
        """Seconds without progress while messages waited (0 when nothing waits)."""
        return 0.0 if self.waiting_since is None else max(0.0, now - self.waiting_since)


@dataclass
class StallRule:
    """Fed (partition, committed, end, time) observations; says which partitions are stalled."""

    timeout: float
    _seen: dict[Partition, Observation] = field(default_factory=dict)

    def observe(self, partition: Partition, committed: int | None, end: int, now: float) -> None:
        """Record one observation; ``now`` comes from a monotonic clock."""
        offset = NOTHING_COMMITTED if committed is None else committed
        before = self._seen.get(partition)
        if end <= max(offset, 0):
            since = None  # nothing waits: not stalled, however long the offset stays
        elif before is not None and before.committed == offset and before.waiting_since is not None:
            since = before.waiting_since
        else:
            since = now  # it moved, or messages just started to wait
        self._seen[partition] = Observation(partition, offset, end, since)

    def keep_only(self, partitions: set[Partition]) -> None:
        """Forget partitions no longer watched (a rebalance moved them to another worker)."""
        for gone in set(self._seen) - partitions:
            del self._seen[gone]

    def forget(self) -> None:
        """Start counting afresh (after a round in which nothing could be observed)."""
        self._seen.clear()

    def observations(self) -> list[Observation]:
        return [self._seen[p] for p in sorted(self._seen)]

    def stalled(self, now: float) -> list[Observation]:
        """The partitions with messages waiting and no progress for at least ``timeout`` s."""
        return [o for o in self.observations() if o.lag and o.stalled_for(now) >= self.timeout]
