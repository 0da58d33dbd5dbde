"""The command ledger decided alone: cases kept as event lists, fakes for the ports."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import IntegrityError

from complaint_events.application.command_ledger import (
    AppliedEvents,
    CaseCommand,
    CaseEvent,
    CaseReader,
    CommandLedger,
    apply_to_case,
    replayed,
)
from complaint_events.application.in_process_ports import InMemoryRejectionLedger
from complaint_events.application.ports import Refusal
from complaint_events.application.refusals import (
    CaseNotFoundError,
    RefusedBeforeError,
    rejection_code,
)
from complaint_events.domain.acting import Acting
from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.deadlines import DeadlinePolicy
from complaint_events.domain.errors import InvalidCommandError
from complaint_events.domain.problem_index import case_id_for
from stack_support import T0, complaint

CASE = case_id_for(complaint(1).channel_key)


def causation(event: object) -> object:
    return (getattr(event, "meta", None) or {}).get("causation_id")


def acknowledge(command_id: str) -> CaseCommand:
    """A command that records one event, stamped with its id."""
    by = Acting("system:ack", T0 + timedelta(hours=1), causation_id=command_id)
    return CaseCommand(
        command_id,
        CASE,
        lambda c: c.acknowledge(notification_id="n", language="zh", soothing=False, by=by),
    )


def half_done_then_refused(command_id: str) -> CaseCommand:
    """A compound change the domain refuses after its first event."""

    def apply(case: ComplaintCase) -> None:
        acknowledge(command_id).apply(case)
        raise InvalidCommandError("not like this")

    return CaseCommand(command_id, CASE, apply)


class EventLists:
    """Each case's stored events; a save appends, or fails while ``conflicts`` lasts."""

    def __init__(self) -> None:
        filed = ComplaintCase.file(complaint(1), Acting("adapter:web", T0), DeadlinePolicy())
        self.events: dict[UUID, list[CaseEvent]] = {CASE: list(filed.collect_events())}
        self.conflicts = 0
        self.saves = 0

    def read_cases(self, case_ids: list[UUID]) -> CaseReader:
        def read(case_id: UUID, applied: AppliedEvents) -> ComplaintCase:
            if case_id not in self.events:
                raise CaseNotFoundError(case_id)
            return replayed(case_id, self.events[case_id], applied)

        return read

    def save(self, cases: Sequence[ComplaintCase]) -> None:
        self.saves += 1
        if self.conflicts:
            self.conflicts -= 1
            raise IntegrityError("a concurrent writer")
        for case in cases:
            self.events[case.id].extend(case.collect_events())


class HeldLocks:
    """Case locks that note which cases were held, and whether they are held now."""

    def __init__(self) -> None:
        self.held: list[set[UUID]] = []
        self.holding = False

    @contextmanager
    def hold(self, case_ids: Collection[UUID]) -> Iterator[None]:
        self.held.append(set(case_ids))
        self.holding = True
        try:
            yield
        finally:
            self.holding = False


@pytest.fixture
def store() -> EventLists:
    return EventLists()


def ledger_on(
    store: EventLists, rejections: InMemoryRejectionLedger | None = None
) -> CommandLedger:
    return CommandLedger(
        rejections=rejections or InMemoryRejectionLedger(),
        locks=HeldLocks(),
        read_cases=store.read_cases,
        save=store.save,
        max_retries=2,
    )


def test_a_command_delivered_again_is_answered_with_the_events_of_the_first_time(
    store: EventLists,
) -> None:
    ledger = ledger_on(store)
    [first] = ledger.apply([acknowledge("cmd-1")])
    [again] = ledger.apply([acknowledge("cmd-1")])
    assert not first.repeated
    assert len(first.events) >= 1
    assert again.repeated
    assert again.events == first.events
    assert len(store.events[CASE]) == 1 + len(first.events)


def test_a_refused_command_leaves_no_trace_and_the_others_apply(store: EventLists) -> None:
    rejections = InMemoryRejectionLedger()
    refused, applied = ledger_on(store, rejections).apply(
        [half_done_then_refused("cmd-1"), acknowledge("cmd-2")]
    )
    assert isinstance(refused.error, InvalidCommandError)
    assert refused.events == ()
    assert applied.error is None
    assert applied.events
    assert all(causation(e) == "cmd-2" for e in store.events[CASE][1:])
    assert rejections.find(["cmd-1"]) == {
        "cmd-1": Refusal("cmd-1", CASE, "not like this", "invalid_command")
    }


def test_a_command_refused_before_gets_the_same_answer_though_it_would_pass_now(
    store: EventLists,
) -> None:
    rejections = InMemoryRejectionLedger()
    rejections.record([Refusal("cmd-1", CASE, "too late", "appeal_window_closed")])
    [outcome] = ledger_on(store, rejections).apply([acknowledge("cmd-1")])
    assert isinstance(outcome.error, RefusedBeforeError)
    assert rejection_code(outcome.error) == "appeal_window_closed"
    assert len(store.events[CASE]) == 1


def test_a_command_for_no_case_is_refused_as_case_not_found(store: EventLists) -> None:
    elsewhere = CaseCommand("cmd-1", uuid4(), lambda c: None)
    [outcome] = ledger_on(store).apply([elsewhere])
    assert isinstance(outcome.error, CaseNotFoundError)
    assert rejection_code(outcome.error) == "case_not_found"


def test_a_write_conflict_decides_the_batch_again_then_gives_up(store: EventLists) -> None:
    store.conflicts = 2
    [outcome] = ledger_on(store).apply([acknowledge("cmd-1")])
    assert outcome.events
    assert store.saves == 3
    another = EventLists()
    another.conflicts = 3
    with pytest.raises(IntegrityError):
        ledger_on(another).apply([acknowledge("cmd-1")])
    assert another.saves == 3


def test_the_cases_are_decided_under_their_locks(store: EventLists) -> None:
    locks = HeldLocks()
    seen: list[bool] = []
    ledger = CommandLedger(
        rejections=InMemoryRejectionLedger(),
        locks=locks,
        read_cases=lambda ids: (seen.append(locks.holding), store.read_cases(ids))[1],
        save=store.save,
        max_retries=0,
    )
    ledger.apply([acknowledge("cmd-1")])
    assert locks.held == [{CASE}]
    assert seen == [True]


def test_apply_to_case_starts_again_without_the_refused_command(store: EventLists) -> None:
    case, outcomes = apply_to_case(
        CASE,
        [acknowledge("cmd-1"), half_done_then_refused("cmd-2")],
        {},
        store.read_cases([CASE]),
    )
    assert case is not None
    assert [causation(e) for e in case.pending_events] == ["cmd-1"] * len(outcomes["cmd-1"].events)
    assert isinstance(outcomes["cmd-2"].error, InvalidCommandError)
