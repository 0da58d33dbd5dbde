"""The cases still open at the end of a demo run: where each stands and which clock runs next.

A complaints manager reads this list first: a case that is not closed waits on
someone, and its next deadline (the earliest running clock of the case, from the
same fold as the deadline keeper's) says by when and for what; a case whose clock
has run out shows the clock that expired, for it has waited on a handler since.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from complaint_events.domain.deadlines import Deadline, DeadlineState
from complaint_events.domain.status import CaseStatus


@dataclass(frozen=True)
class OpenCase:
    """One open case as the report lists it."""

    case_id: UUID
    reference: str  # channel:reference, as the consumer quotes it
    channel: str
    merchant_id: str
    status: str
    stage: str
    filed_at: datetime
    escalation_level: int
    next_deadline: Deadline | None

    @property
    def clock_state(self) -> str | None:
        return None if self.next_deadline is None else self.next_deadline.state.value


def next_deadline(deadlines: Mapping[str, Deadline]) -> Deadline | None:
    """The clock the case answers to next: the open one due first; else a paused one (a
    spot check runs); else the one that expired last (the case waits on a handler since)."""
    by_state = {
        state: sorted((d for d in deadlines.values() if d.state == state), key=lambda d: d.due_at)
        for state in (DeadlineState.OPEN, DeadlineState.PAUSED, DeadlineState.EXPIRED)
    }
    if by_state[DeadlineState.OPEN]:
        return by_state[DeadlineState.OPEN][0]
    if by_state[DeadlineState.PAUSED]:
        return by_state[DeadlineState.PAUSED][0]
    return by_state[DeadlineState.EXPIRED][-1] if by_state[DeadlineState.EXPIRED] else None


def open_cases(rows: Iterable[tuple[str, Mapping[str, Any]]]) -> list[OpenCase]:
    """The open ones of (reference, case-summary row) pairs, the soonest deadline first."""
    found = [
        OpenCase(
            case_id=row["case_id"],
            reference=reference,
            channel=row["channel"],
            merchant_id=row["merchant_id"],
            status=row["status"],
            stage=row["stage"],
            filed_at=row["filed_at"],
            escalation_level=row["escalation_level"],
            next_deadline=next_deadline(row["deadlines"]),
        )
        for reference, row in rows
        if row["status"] != CaseStatus.CLOSED
    ]
    return sorted(
        found,
        key=lambda c: (
            c.next_deadline is None or c.next_deadline.state != DeadlineState.OPEN,
            c.next_deadline.due_at if c.next_deadline else c.filed_at,
            c.filed_at,
        ),
    )
