"""What the deadline keeper sends when a deadline is due, checked against the case store.

Shared by the faust deadline keeper and the embedded demo's bus: before firing,
the cases concerned are read again, so a schedule entry that missed a case's
latest events cannot fire a stale deadline in place of the case's real one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from uuid import UUID

from complaint_events.application.cases import ComplaintCases
from complaint_events.application.refusals import CaseNotFoundError
from complaint_events.contracts.commands import (
    CommandEnvelopeV1,
    CommandPayload,
    ExpireDeadlineV1,
    SendReminderV1,
)
from complaint_events.processing.deadline_schedule import (
    Action,
    DeadlineSchedule,
    DueAction,
    PendingDeadline,
    pending_from_case,
)
from complaint_events.processing.issuing import issue

ACTOR = "system:deadline-keeper"

Pendings = dict[UUID, tuple[PendingDeadline, ...]]


def pendings_of(
    cases: ComplaintCases, case_ids: Iterable[UUID], *, skip_missing: bool = False
) -> Pendings:
    """The open deadlines of each case as the store has them now, read in one go.

    A case the store does not know raises :class:`CaseNotFoundError`, unless
    ``skip_missing``: then it is left out of the answer.
    """
    wanted = set(case_ids)
    found = cases.get_cases(wanted)
    missing = wanted - found.keys()
    if missing and not skip_missing:
        raise CaseNotFoundError(min(missing))
    return {
        case_id: pending_from_case(case_id, case.deadlines.values())
        for case_id, case in found.items()
    }


def confirm_due(
    schedule: DeadlineSchedule,
    first: list[DueAction],
    fresh: Pendings,
    now: datetime,
    limit: int | None = None,
) -> list[DueAction]:
    """``first`` (from ``schedule.due``) kept only where the fresh pendings agree, plus
    whatever the fresh pendings make due that the schedule did not know of."""
    for case_id, pendings in fresh.items():
        schedule.replace(case_id, pendings)
    due = [d for d in first if _still_due(fresh[d.case_id], d, now)]
    return due + schedule.due(now, limit=limit)


def fire(
    schedule: DeadlineSchedule,
    now: datetime,
    read: Callable[[set[UUID]], Pendings],
    limit: int | None = None,
) -> list[CommandEnvelopeV1]:
    """The reminder and expiry commands due at ``now`` (synchronous form, for one process)."""
    first = schedule.due(now, limit=limit)
    if not first:
        return []
    due = confirm_due(schedule, first, read({d.case_id for d in first}), now, limit)
    return [deadline_command(d, now) for d in due]


def deadline_command(due: DueAction, now: datetime) -> CommandEnvelopeV1:
    """The command that reminds of or expires ``due``; its id follows from the deadline."""
    payload: CommandPayload
    if due.action is Action.EXPIRE:
        payload = ExpireDeadlineV1(deadline_id=due.deadline_id)
    else:
        payload = SendReminderV1(deadline_id=due.deadline_id)
    return issue(
        due.case_id,
        payload,
        purpose=f"deadline:{due.deadline_id}:{due.action.value}",
        actor=ACTOR,
        issued_at=now,
        reason=f"{due.kind.value} deadline {due.deadline_id} due at {due.due_at.isoformat()}",
    )


def _still_due(pendings: tuple[PendingDeadline, ...], due: DueAction, now: datetime) -> bool:
    for pending in pendings:
        if pending.deadline_id != due.deadline_id:
            continue
        if due.action is Action.EXPIRE:
            return pending.due_at <= now
        return not pending.reminded and pending.remind_at is not None and pending.remind_at <= now
    return False
