"""The clocks of a case (docs/deadlines.md).

A deadline's due time is computed once, from the clock's ``now`` and the
configured :class:`DeadlinePolicy`, when the event that starts it is recorded,
and is stored in that event: replaying history never recomputes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from complaint_events.domain.values import DeadlineKind


class DeadlineState(StrEnum):
    """Where a deadline stands."""

    OPEN = "open"
    PAUSED = "paused"
    MET = "met"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Clockwork:
    """How long one clock runs, and when (if at all) a reminder goes out before it expires."""

    duration: timedelta
    reminder_before: timedelta | None = None


def _hours(n: int) -> timedelta:
    return timedelta(hours=n)


def _default_clocks() -> dict[DeadlineKind, Clockwork]:
    return {
        DeadlineKind.ACKNOWLEDGEMENT: Clockwork(_hours(24)),
        # reminder at 48 h of 72 h
        DeadlineKind.INFORMATION: Clockwork(_hours(72), reminder_before=_hours(24)),
        DeadlineKind.MERCHANT_EVIDENCE: Clockwork(_hours(48), reminder_before=_hours(12)),
        DeadlineKind.SPOT_CHECK: Clockwork(timedelta(days=7)),
        DeadlineKind.REMEDY_ANSWER: Clockwork(_hours(72), reminder_before=_hours(24)),
        DeadlineKind.REFUND: Clockwork(timedelta(days=7)),
        DeadlineKind.APPEAL_WINDOW: Clockwork(timedelta(days=7)),
    }


@dataclass(frozen=True, slots=True)
class DeadlinePolicy:
    """The configured length of every clock; defaults in docs/deadlines.md."""

    clocks: dict[DeadlineKind, Clockwork] = field(default_factory=_default_clocks)

    def with_duration(self, kind: DeadlineKind, duration: timedelta) -> DeadlinePolicy:
        """A copy with one clock's duration changed (its reminder lead kept when it still fits)."""
        old = self.clocks[kind]
        lead = (
            old.reminder_before if old.reminder_before and old.reminder_before < duration else None
        )
        clocks = dict(self.clocks)
        clocks[kind] = Clockwork(duration, lead)
        return DeadlinePolicy(clocks)

    def start(
        self, kind: DeadlineKind, deadline_id: str, now: datetime, due_at: datetime | None = None
    ) -> Deadline:
        """A new open deadline of ``kind`` starting at ``now``; due after the kind's duration,
        or at ``due_at`` when another record keeps the clock (a batch's spot check)."""
        clock = self.clocks[kind]
        due = now + clock.duration if due_at is None else due_at
        remind = due - clock.reminder_before if clock.reminder_before else None
        return Deadline(deadline_id, kind, now, due, remind, DeadlineState.OPEN)


@dataclass(frozen=True, slots=True)
class Deadline:
    """One running (or finished) clock of a case."""

    deadline_id: str
    kind: DeadlineKind
    started_at: datetime
    due_at: datetime
    remind_at: datetime | None
    state: DeadlineState
    paused_at: datetime | None = None
    reminded: bool = False

    @property
    def is_running(self) -> bool:
        """Open or paused: it can still expire once resumed."""
        return self.state in (DeadlineState.OPEN, DeadlineState.PAUSED)

    def finish(self, state: DeadlineState) -> Deadline:
        return replace(self, state=state)

    def pause(self, at: datetime) -> Deadline:
        return replace(self, state=DeadlineState.PAUSED, paused_at=at)

    def resumed_due_at(self, at: datetime) -> tuple[datetime, datetime | None]:
        """Due and reminder times after resuming at ``at``: pushed back by the time spent paused."""
        if self.paused_at is None:
            return self.due_at, self.remind_at
        paused_for = max(at - self.paused_at, timedelta(0))
        remind = self.remind_at + paused_for if self.remind_at else None
        return self.due_at + paused_for, remind

    def resume(self, due_at: datetime, remind_at: datetime | None) -> Deadline:
        return replace(
            self, state=DeadlineState.OPEN, paused_at=None, due_at=due_at, remind_at=remind_at
        )

    def to_record(self) -> dict[str, object]:
        """The deadline as plain values, for events and read models."""
        return {
            "deadline_id": self.deadline_id,
            "kind": self.kind.value,
            "started_at": self.started_at,
            "due_at": self.due_at,
            "remind_at": self.remind_at,
            "state": self.state.value,
        }


def deadline_id_for(kind: DeadlineKind, version: int) -> str:
    """A deadline's id: its kind and the case version of the event that started it.

    An expiry command names this id, so a repeated or stale expiry (for a clock
    that has since been met, cancelled or restarted) changes nothing.
    """
    return f"{kind.value}@{version}"


def deadline_from_record(record: dict[str, object]) -> Deadline:
    """Rebuild a deadline from the plain values stored in an event."""
    due_at = record["due_at"]
    started_at = record["started_at"]
    remind_at = record.get("remind_at")
    if not isinstance(due_at, datetime) or not isinstance(started_at, datetime):
        raise TypeError(f"malformed deadline record: {record!r}")
    return Deadline(
        deadline_id=str(record["deadline_id"]),
        kind=DeadlineKind(str(record["kind"])),
        started_at=started_at,
        due_at=due_at,
        remind_at=remind_at if isinstance(remind_at, datetime) else None,
        state=DeadlineState(str(record.get("state", DeadlineState.OPEN.value))),
    )
