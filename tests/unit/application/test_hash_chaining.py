"""Sealing saves into the cases' hash chains, decided alone: the store is a list of reads."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from types import SimpleNamespace
from uuid import UUID

from complaint_events.application.hash_chaining import CaseChains
from complaint_events.contracts.hash_chain import GENESIS_HASH
from complaint_events.domain.acting import Acting
from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.deadlines import DeadlinePolicy
from complaint_events.domain.problem_index import ProblemIndex
from stack_support import T0, complaint


class StoredBefore:
    """The store's answer to "the event before": one stored event, and who asked."""

    def __init__(self, stored: list[object] | None = None) -> None:
        self.stored = stored or []
        self.asked: list[tuple[UUID, int]] = []

    def __call__(self, case_id: UUID, version: int) -> Iterable[object]:
        self.asked.append((case_id, version))
        return self.stored


def meta(event: object) -> dict[str, str]:
    return dict(getattr(event, "meta", None) or {})


def filed() -> ComplaintCase:
    return ComplaintCase.file(complaint(1), Acting("adapter:web", T0), DeadlinePolicy())


def acknowledged(case: ComplaintCase) -> ComplaintCase:
    by = Acting("handler:h1", T0 + timedelta(hours=1))
    case.acknowledge(notification_id="n", language="zh", soothing=False, by=by)
    return case


def test_a_new_case_chains_after_genesis_without_reading() -> None:
    stored_before = StoredBefore()
    case = filed()
    heads = CaseChains(stored_before).seal([case])
    first = case.pending_events[0]
    assert meta(first)["previous_hash"] == GENESIS_HASH
    assert heads == {
        case.id: (case.pending_events[-1].originator_version, meta(case.pending_events[-1])["hash"])
    }
    assert stored_before.asked == []


def test_a_save_just_after_another_chains_to_the_remembered_head() -> None:
    stored_before = StoredBefore()
    chains = CaseChains(stored_before)
    case = filed()
    chains.saved(chains.seal([case]))
    last_hash = meta(case.pending_events[-1])["hash"]
    case.collect_events()
    chains.seal([acknowledged(case)])
    assert meta(case.pending_events[0])["previous_hash"] == last_hash
    assert stored_before.asked == []


def test_without_a_remembered_head_the_event_before_is_read() -> None:
    case = filed()
    case.collect_events()
    stored_before = StoredBefore([SimpleNamespace(meta={"hash": "ab" * 32})])
    CaseChains(stored_before).seal([acknowledged(case)])
    assert meta(case.pending_events[0])["previous_hash"] == "ab" * 32
    assert stored_before.asked == [(case.id, case.pending_events[0].originator_version - 1)]


def test_a_chain_after_an_unchained_event_starts_at_genesis() -> None:
    case = filed()
    case.collect_events()
    CaseChains(StoredBefore([SimpleNamespace(meta={})])).seal([acknowledged(case)])
    assert meta(case.pending_events[0])["previous_hash"] == GENESIS_HASH


def test_a_history_read_by_a_writer_tells_where_the_chain_continues() -> None:
    stored_before = StoredBefore()
    chains = CaseChains(stored_before)
    case = filed()
    chains.seal([case])
    history = case.collect_events()
    chains.note_read({case.id: history})
    chains.seal([acknowledged(case)])
    assert meta(case.pending_events[0])["previous_hash"] == meta(history[-1])["hash"]
    assert stored_before.asked == []


def test_only_case_events_are_chained() -> None:
    index = ProblemIndex(problem_key="k", case_id=UUID(int=1), filed_at=T0, timestamp=T0)
    assert CaseChains(StoredBefore()).seal([index, None]) == {}
    assert "hash" not in meta(index.pending_events[0])
