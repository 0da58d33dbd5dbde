"""Filing decided alone: new cases and duplicates against a store kept in a dict."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from datetime import timedelta
from uuid import UUID

import pytest
from eventsourcing.application import AggregateNotFoundError

from complaint_events.application.filing import (
    FiledAggregate,
    FilingOutcome,
    SealedIdentities,
    file_batch,
    identities_of,
    matched_on,
    sealed_identities,
)
from complaint_events.application.in_process_ports import InMemoryConsumerKeys
from complaint_events.domain.acting import Acting
from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.complaint import ComplaintDetails, Contact
from complaint_events.domain.deadlines import DeadlinePolicy
from complaint_events.domain.errors import ReferenceTakenError
from complaint_events.domain.problem_index import IndexedCase
from complaint_events.domain.values import Channel
from stack_support import T0, complaint

PSEUDONYM_KEY = b"p" * 32
WEB = Acting("adapter:web", T0)
HOTLINE = Acting("adapter:hotline", T0 + timedelta(hours=1))


class DictStore:
    """Saved aggregates by id, and a count of the reads filing asked for."""

    def __init__(self) -> None:
        self.saved: dict[UUID, FiledAggregate] = {}
        self.reads = 0

    def read(self, aggregate_id: UUID) -> object:
        self.reads += 1
        if aggregate_id not in self.saved:
            raise AggregateNotFoundError(aggregate_id)
        return self.saved[aggregate_id]

    def existing(self, ids: Collection[UUID]) -> set[UUID]:
        return set(ids) & set(self.saved)

    def save(self, changed: list[FiledAggregate]) -> None:
        for aggregate in changed:
            aggregate.collect_events()
            self.saved[aggregate.id] = aggregate


@pytest.fixture
def store() -> DictStore:
    return DictStore()


@pytest.fixture
def keys() -> InMemoryConsumerKeys:
    return InMemoryConsumerKeys()


def file(
    store: DictStore, keys: InMemoryConsumerKeys, *batch: tuple[ComplaintDetails, Acting]
) -> list[FilingOutcome]:
    outcomes, changed = file_batch(
        batch,
        read=store.read,
        existence=store,
        keys=keys,
        pseudonym_key=PSEUDONYM_KEY,
        policy=DeadlinePolicy(),
        window=timedelta(days=30),
    )
    store.save(changed)
    return outcomes


def case_of(store: DictStore, case_id: UUID) -> ComplaintCase:
    case = store.saved[case_id]
    assert isinstance(case, ComplaintCase)
    return case


def test_a_new_complaint_opens_a_case_and_its_indexes_without_reading_them(
    store: DictStore, keys: InMemoryConsumerKeys
) -> None:
    [outcome] = file(store, keys, (complaint(1), WEB))
    assert outcome.opened
    assert outcome.matched_on is None
    assert store.reads == 0  # the existence check said nothing was there
    kinds = sorted(type(a).__name__ for a in store.saved.values())
    assert kinds == ["ComplaintCase", "OrderProblemIndex", "ProblemIndex"]


def test_the_case_holds_the_contact_and_description_sealed(
    store: DictStore, keys: InMemoryConsumerKeys
) -> None:
    [outcome] = file(store, keys, (complaint(1), WEB))
    case = case_of(store, outcome.case_id)
    assert not isinstance(case.contact, Contact)
    assert "18312342807" not in str(case.contact)
    assert not isinstance(case.description, str)


def test_the_same_message_twice_in_one_batch_opens_one_case(
    store: DictStore, keys: InMemoryConsumerKeys
) -> None:
    first, again = file(store, keys, (complaint(1), WEB), (complaint(1), WEB))
    assert first.opened
    assert again == FilingOutcome(first.case_id, opened=False, matched_on="channel_ref")


def test_the_same_problem_by_phone_from_another_channel_is_a_duplicate(
    store: DictStore, keys: InMemoryConsumerKeys
) -> None:
    [first] = file(store, keys, (complaint(1), WEB))
    by_phone = dataclasses.replace(
        complaint(1), channel=Channel.HOTLINE, channel_ref="tel-1", consumer_id="caller-1"
    )
    [again] = file(store, keys, (by_phone, HOTLINE))
    assert again == FilingOutcome(first.case_id, opened=False, matched_on="phone")
    assert [d["channel_ref"] for d in case_of(store, first.case_id).duplicates] == ["tel-1"]


def test_a_reference_reused_by_another_consumer_is_refused(
    store: DictStore, keys: InMemoryConsumerKeys
) -> None:
    file(store, keys, (complaint(1), WEB))
    reused = dataclasses.replace(complaint(2), channel_ref=complaint(1).channel_ref)
    with pytest.raises(ReferenceTakenError):
        file(store, keys, (reused, WEB))


def test_a_match_on_the_consumer_id_is_named_problem() -> None:
    identities = identities_of(complaint(1), PSEUDONYM_KEY)
    assert {i.partition(":")[0] for i in identities} == {"consumer", "phone"}
    assert matched_on(identities) == "problem"
    assert matched_on({i for i in identities if i.startswith("phone:")}) == "phone"
    assert matched_on(set()) is None


def test_identities_of_an_erased_consumer_open_to_nothing(keys: InMemoryConsumerKeys) -> None:
    identities = identities_of(complaint(1), PSEUDONYM_KEY)
    record = sealed_identities(identities, "c-1", keys.get_or_create("c-1"))
    indexed = IndexedCase(case_id=UUID(int=1), filed_at=T0, identities=(record,))
    assert SealedIdentities(keys).known(indexed) == identities
    keys.erase("c-1", T0)
    assert SealedIdentities(keys).known(indexed) == frozenset()
