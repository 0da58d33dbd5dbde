"""When to remind and expire, in memory: the embedded demo's deadline keeper.

The embedded mode (one process, SQLite, a simulated clock) keeps every case's
pending deadlines in this heap and asks it, at each moment of the clock, which
reminders and expiries are due; the stack demo uses it to foresee what the
real keeper will send. (The real keeper keeps its state in PostgreSQL:
:mod:`complaint_events.adapters.pending_deadlines`.)

The rules mirror the case's own guards (``ComplaintCase.send_reminder`` and
``expire_deadline``): only an open deadline fires; paused ones (while a spot
check runs) are not pending at all and come back, pushed back, when the spot
check result is recorded. Every command the keeper issues names its deadline,
so a repeated or stale one changes nothing on the case; the schedule still
avoids repeats, and resends an action only if the case has not moved on after
``resend_after``, so that a lost command cannot stall a case.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from complaint_events.domain.deadlines import Deadline, DeadlineState
from complaint_events.domain.values import DeadlineKind

DEFAULT_RESEND_AFTER = timedelta(minutes=10)

# Stale heap entries are dropped lazily when popped; the heap is rebuilt once
# they outnumber the live ones, so it stays within about twice the live size.
_COMPACT_SLACK = 1024


class Action(StrEnum):
    """What the keeper does about a due deadline."""

    REMIND = "remind"
    EXPIRE = "expire"


@dataclass(frozen=True, slots=True)
class PendingDeadline:
    """An open deadline of a case, as the keeper needs it: when to remind, when to expire."""

    case_id: UUID
    deadline_id: str
    kind: DeadlineKind
    due_at: datetime
    remind_at: datetime | None
    reminded: bool = False

    def __post_init__(self) -> None:
        # The schedule orders pendings of all cases by time: naive times cannot be compared.
        for name, value in (("due_at", self.due_at), ("remind_at", self.remind_at)):
            if value is not None and value.utcoffset() is None:
                raise ValueError(f"{name} of deadline {self.deadline_id} must be timezone-aware")


def pending_from_case(case_id: UUID, deadlines: Iterable[Deadline]) -> tuple[PendingDeadline, ...]:
    """The deadlines of a case that the keeper must watch: the open ones.

    Paused deadlines are left out: they never fire while a spot check runs,
    and come back as open, with pushed-back times, when its result is recorded.
    """
    return tuple(
        PendingDeadline(case_id, d.deadline_id, d.kind, d.due_at, d.remind_at, d.reminded)
        for d in deadlines
        if d.state is DeadlineState.OPEN
    )


@dataclass(frozen=True, slots=True)
class DueAction:
    """A reminder or an expiry the keeper should issue now; ``due_at`` is when it became due."""

    case_id: UUID
    deadline_id: str
    kind: DeadlineKind
    action: Action
    due_at: datetime


# (fire at, case id, deadline id, action): the identifying fields double as the
# tie-break, so the order of actions due at the same instant is deterministic.
_Entry = tuple[datetime, UUID, str, Action]
_Key = tuple[UUID, str, Action]


def _action_times(pendings: Iterable[PendingDeadline]) -> dict[tuple[str, Action], datetime]:
    """Each action a case's pendings can take, and when it becomes due."""
    times: dict[tuple[str, Action], datetime] = {}
    for p in pendings:
        times[p.deadline_id, Action.EXPIRE] = p.due_at
        if p.remind_at is not None and not p.reminded and p.remind_at < p.due_at:
            times[p.deadline_id, Action.REMIND] = p.remind_at
    return times


class DeadlineSchedule:
    """The pending deadlines of many cases, and the actions due at a given time.

    A heap holds one entry per action at the time it fires (its due time, or
    the time of its resend). Entries are never removed from the middle: when a
    case's pendings are replaced, an entry that no longer matches them is
    skipped when it comes to the top. ``now`` passed to :meth:`due` should not
    go backwards (a reminder overtaken by its expiry is dropped for good).
    """

    __slots__ = ("_count", "_heap", "_live", "_now", "_pending", "_resend_after", "_sent")

    def __init__(self, resend_after: timedelta = DEFAULT_RESEND_AFTER) -> None:
        if resend_after <= timedelta(0):
            raise ValueError("resend_after must be positive")
        self._resend_after = resend_after
        self._heap: list[_Entry] = []
        self._pending: dict[UUID, tuple[PendingDeadline, ...]] = {}
        # When each action still pending was last returned by due(); only actions in flight.
        self._sent: dict[_Key, datetime] = {}
        self._count = 0  # pending deadlines
        self._live = 0  # actions they can take (heap entries that are not stale)
        self._now: datetime | None = None  # the latest time seen by due()

    def __len__(self) -> int:
        """The number of pending deadlines."""
        return self._count

    def cases(self) -> int:
        """The number of cases with at least one pending deadline."""
        return len(self._pending)

    def pendings(self, case_id: UUID) -> tuple[PendingDeadline, ...]:
        """The case's current pending deadlines (empty if none)."""
        return self._pending.get(case_id, ())

    def replace(self, case_id: UUID, pendings: Iterable[PendingDeadline]) -> None:
        """Make ``pendings`` the case's pending deadlines; an empty one forgets the case.

        An action that stays the same (same deadline, same time) keeps its
        place and, if already returned, is not returned again before its resend
        time; any other earlier action of the case is cancelled.
        """
        new = _checked(case_id, pendings)
        old = self._pending.pop(case_id, ())
        old_times, new_times = _action_times(old), _action_times(new)
        old_due = {p.deadline_id: p.due_at for p in old}
        for (deadline_id, action), at in old_times.items():
            if new_times.get((deadline_id, action)) != at:
                self._sent.pop((case_id, deadline_id, action), None)
        for (deadline_id, action), at in new_times.items():
            if old_times.get((deadline_id, action)) != at:
                heapq.heappush(self._heap, (at, case_id, deadline_id, action))
        for pending in new:
            # A reminder that keeps its time while its deadline becomes due later
            # may have lost its entry, dropped as overtaken by the expiry, and
            # may no longer be overtaken: give it one again (should its entry
            # still be in the heap, the second one is skipped as stale).
            key = (pending.deadline_id, Action.REMIND)
            if (
                key in old_times
                and new_times.get(key) == old_times[key]
                and pending.due_at > old_due[pending.deadline_id]
            ):
                fire_at = self._fire_at(case_id, pending, Action.REMIND)
                if fire_at is not None:
                    heapq.heappush(
                        self._heap, (fire_at, case_id, pending.deadline_id, Action.REMIND)
                    )
        if new:
            self._pending[case_id] = new
        self._count += len(new) - len(old)
        self._live += len(new_times) - len(old_times)
        self._compact_if_stale()

    def load(self, records: Iterable[tuple[UUID, Sequence[PendingDeadline]]]) -> None:
        """Start over from stored pendings (after a restart or a rebalance).

        Nothing counts as already returned: whatever is due is returned by the
        next :meth:`due`, as the commands issued before may have been lost.
        """
        self._pending = {}
        self._sent = {}
        self._now = None
        for case_id, pendings in records:
            new = _checked(case_id, pendings)
            if new:
                self._pending[case_id] = new
            else:
                self._pending.pop(case_id, None)
        self._count = sum(len(p) for p in self._pending.values())
        self._live = sum(len(_action_times(p)) for p in self._pending.values())
        self._rebuild()

    def due(self, now: datetime, limit: int | None = None) -> list[DueAction]:
        """The reminders and expiries due at ``now``, earliest first, at most ``limit``.

        An expiry is due from its deadline's due time; a reminder from its
        reminder time until the deadline itself is due (then the expiry
        supersedes it). An action returned once is returned again only if it
        is still pending ``resend_after`` later; the rest of a limited batch
        stays due for the next call.
        """
        if limit is not None and limit < 0:
            raise ValueError("limit must not be negative")
        self._now = now if self._now is None else max(self._now, now)
        heap = self._heap
        actions: list[DueAction] = []
        while heap and heap[0][0] <= now and (limit is None or len(actions) < limit):
            entry = heapq.heappop(heap)
            pending = self._live_pending(entry)
            if pending is None:
                continue
            _, case_id, deadline_id, action = entry
            at = pending.due_at if action is Action.EXPIRE else pending.remind_at
            if at is None:  # cannot happen: a live reminder has a reminder time
                continue
            self._sent[case_id, deadline_id, action] = now
            heapq.heappush(heap, (now + self._resend_after, case_id, deadline_id, action))
            actions.append(DueAction(case_id, deadline_id, pending.kind, action, at))
        self._compact_if_stale()
        return actions

    def next_due_at(self) -> datetime | None:
        """When the next action is due (perhaps already past); None if nothing is pending."""
        heap = self._heap
        while heap:
            if self._live_pending(heap[0]) is not None:
                return heap[0][0]
            heapq.heappop(heap)
        return None

    # ---------------------------------------------------------------- internals

    def _fire_at(self, case_id: UUID, pending: PendingDeadline, action: Action) -> datetime | None:
        """When the action should next be returned, or None if it never will be."""
        if action is Action.EXPIRE:
            at = pending.due_at
        elif pending.remind_at is None or pending.reminded:
            return None
        else:
            at = pending.remind_at
        sent = self._sent.get((case_id, pending.deadline_id, action))
        fire_at = at if sent is None else sent + self._resend_after
        if action is Action.REMIND and (
            fire_at >= pending.due_at or (self._now is not None and pending.due_at <= self._now)
        ):
            return None  # the expiry supersedes the reminder
        return fire_at

    def _live_pending(self, entry: _Entry) -> PendingDeadline | None:
        """The pending deadline a heap entry fires for, or None if the entry is stale."""
        fire_at, case_id, deadline_id, action = entry
        for pending in self._pending.get(case_id, ()):
            if pending.deadline_id == deadline_id:
                return pending if self._fire_at(case_id, pending, action) == fire_at else None
        return None

    def _compact_if_stale(self) -> None:
        if len(self._heap) > 2 * self._live + _COMPACT_SLACK:
            self._rebuild()

    def _rebuild(self) -> None:
        """A fresh heap with exactly one entry per live action."""
        entries: list[_Entry] = []
        for case_id, pendings in self._pending.items():
            for pending in pendings:
                for action in Action:
                    fire_at = self._fire_at(case_id, pending, action)
                    if fire_at is not None:
                        entries.append((fire_at, case_id, pending.deadline_id, action))
        heapq.heapify(entries)
        self._heap = entries


def _checked(case_id: UUID, pendings: Iterable[PendingDeadline]) -> tuple[PendingDeadline, ...]:
    result = tuple(pendings)
    if any(p.case_id != case_id for p in result):
        raise ValueError(f"pending deadlines of another case given for case {case_id}")
    if len({p.deadline_id for p in result}) != len(result):
        raise ValueError(f"deadline ids repeat in the pending deadlines of case {case_id}")
    return result
