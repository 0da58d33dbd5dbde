"""Applying identified commands to cases: one command id, one answer, however often it comes.

Commands arrive at least once (a redelivery, a rebalance, a restart). Each
command's id is recorded as the causation id of the events it records, so a
command delivered again is recognised from the case's stored events and not
applied twice: its outcome names the events of the first time. A command the
domain refuses records no event; its refusal is noted in the rejection ledger,
so a redelivery gets the same answer even if the case has moved on since. One
decider at a time per case (the case locks) keeps two processes deciding the
same command from answering differently.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import IntegrityError

from complaint_events.application.ports import CaseLocks, Refusal, RejectionLedger
from complaint_events.application.refusals import (
    CaseNotFoundError,
    RefusedBeforeError,
    rejection_code,
)
from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.errors import ComplaintError

log = logging.getLogger(__name__)

CaseEvent = DomainEventProtocol[UUID]

AppliedEvents = dict[str, list[CaseEvent]]
"""The stored events of a case by the command id (causation id) that recorded them."""

CaseReader = Callable[[UUID, AppliedEvents], ComplaintCase]
"""Reads a case as stored, noting in the dict which command ids its events answer;
raises :class:`CaseNotFoundError` when there is no such case."""


@dataclass(frozen=True, slots=True)
class CaseCommand:
    """One identified command for one case: ``apply`` calls a ``ComplaintCase`` method."""

    command_id: str
    case_id: UUID
    apply: Callable[[ComplaintCase], object]


@dataclass(frozen=True, slots=True)
class CommandOutcome:
    """What one command did: the events it recorded, or the domain error that refused it.

    ``repeated`` is true when the command id had already been applied: its
    events are the ones recorded the first time, and nothing new was recorded.
    """

    command_id: str
    case_id: UUID
    events: tuple[CaseEvent, ...] = ()
    error: Exception | None = None
    repeated: bool = False


def noting_commands(
    applied: AppliedEvents,
) -> Callable[[ComplaintCase | None, Iterable[CaseEvent]], ComplaintCase | None]:
    """A projector that replays a case's events and notes which command ids they answer."""

    def project(
        aggregate: ComplaintCase | None, events: Iterable[CaseEvent]
    ) -> ComplaintCase | None:
        for stored in events:
            meta = getattr(stored, "meta", None)
            causation = meta.get("causation_id") if isinstance(meta, Mapping) else None
            if causation:
                applied.setdefault(causation, []).append(stored)
            aggregate = stored.mutate(aggregate)  # type: ignore[attr-defined]
        return aggregate

    return project


def replayed(case_id: UUID, history: Sequence[CaseEvent], applied: AppliedEvents) -> ComplaintCase:
    """The case replayed from stored events read already, noting the command ids."""
    case = noting_commands(applied)(None, history)
    if not isinstance(case, ComplaintCase):
        raise CaseNotFoundError(case_id)
    return case


def apply_to_case(
    case_id: UUID,
    commands: Sequence[CaseCommand],
    refused_before: Mapping[str, Refusal],
    read: CaseReader,
) -> tuple[ComplaintCase | None, dict[str, CommandOutcome]]:
    """Apply one case's commands in order: the case with what they recorded, and each outcome.

    A command whose id the stored events answer is not applied again; one refused
    before gets the same refusal; one the domain refuses now leaves the case as it
    was before it, and the others are applied without it.
    """
    refused: dict[str, Exception] = {
        c.command_id: RefusedBeforeError(refused_before[c.command_id])
        for c in commands
        if c.command_id in refused_before
    }
    while True:  # at most len(commands) + 1 passes: each retry refuses one more command
        applied: AppliedEvents = {}
        try:
            case = read(case_id, applied)
        except CaseNotFoundError as missing:
            return None, {
                c.command_id: CommandOutcome(
                    c.command_id, case_id, error=refused.get(c.command_id, missing)
                )
                for c in commands
            }
        outcomes: dict[str, CommandOutcome] = {}
        failed = False
        for command in commands:
            if command.command_id in applied:  # the stored events are the last word
                outcomes[command.command_id] = CommandOutcome(
                    command.command_id,
                    case_id,
                    events=tuple(applied[command.command_id]),
                    repeated=True,
                )
            elif command.command_id in refused:
                outcomes[command.command_id] = CommandOutcome(
                    command.command_id, case_id, error=refused[command.command_id]
                )
            else:
                before = len(case.pending_events)
                try:
                    command.apply(case)
                except (ComplaintError, ValueError) as error:
                    # The aggregate may hold part of a compound change: start again
                    # from the stored case without this command.
                    refused[command.command_id] = error
                    failed = True
                    break
                events = tuple(case.pending_events[before:])
                applied[command.command_id] = list(events)
                outcomes[command.command_id] = CommandOutcome(
                    command.command_id, case_id, events=events
                )
        if not failed:
            return case, outcomes


def new_refusals(outcomes: Iterable[CommandOutcome]) -> list[Refusal]:
    """The refusals to note: every refused command but those answered from the ledger."""
    return [
        Refusal(o.command_id, o.case_id, str(o.error), rejection_code(o.error))
        for o in outcomes
        if o.error is not None and not isinstance(o.error, RefusedBeforeError)
    ]


@dataclass(kw_only=True, eq=False)
class CommandLedger:
    """Applies many commands, on many cases, saved in one transaction.

    ``read_cases`` reads the cases of a batch (in one query where it can) and
    returns how to read each; ``save`` stores the changed cases, raising
    ``IntegrityError`` when a concurrent writer got there first: then the whole
    batch is decided again against the new state, up to ``max_retries`` times.
    """

    rejections: RejectionLedger
    locks: CaseLocks
    read_cases: Callable[[list[UUID]], CaseReader]
    save: Callable[[Sequence[ComplaintCase]], object]
    max_retries: int

    def apply(self, commands: Sequence[CaseCommand]) -> list[CommandOutcome]:
        """Each command's outcome, in the order given."""
        by_case: dict[UUID, list[CaseCommand]] = {}
        for command in commands:
            by_case.setdefault(command.case_id, []).append(command)
        # One decider at a time per case, across processes: two processors deciding the
        # same command (a rebalance, a redelivery) must give its callers the same answer.
        with self.locks.hold(by_case.keys()):
            return self._decide(commands, by_case)

    def _decide(
        self, commands: Sequence[CaseCommand], by_case: dict[UUID, list[CaseCommand]]
    ) -> list[CommandOutcome]:
        refused_before = self.rejections.find({c.command_id for c in commands})
        for attempt in range(self.max_retries + 1):
            outcomes: dict[str, CommandOutcome] = {}
            changed: list[ComplaintCase] = []
            read = self.read_cases(list(by_case))
            for case_id, case_commands in by_case.items():
                case, case_outcomes = apply_to_case(case_id, case_commands, refused_before, read)
                outcomes.update(case_outcomes)
                if case is not None and case.pending_events:
                    changed.append(case)
            try:
                if changed:
                    self.save(changed)
            except IntegrityError:
                if attempt == self.max_retries:
                    raise
                log.info("cases changed concurrently, retrying %d commands", len(commands))
                continue
            self.rejections.record(new_refusals(outcomes.values()))
            return [outcomes[c.command_id] for c in commands]
        raise AssertionError("unreachable")  # pragma: no cover
