"""Filing complaints: a new case, or the case a submission repeats (docs/channels.md).

A batch of submissions is decided against the store as it stands plus the
batch's own earlier submissions, so a duplicate inside one batch opens no
second case. Each submission is known by keyed hashes of who filed it (consumer
id, phone number, e-mail address), taken while its contact is still in clear;
the contact and the description are then sealed under the consumer's key before
the case sees them. The order problem index keeps those hashes sealed too, under
the key of each indexed case's consumer, so an erasure makes them unreadable.

Nothing here writes: :func:`file_batch` returns the outcomes and the aggregates
it changed, and the case store saves them in one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from complaint_events.application.personal_data import open_text_with, seal_contact, seal_text
from complaint_events.application.ports import AggregateExistence, ConsumerKeys
from complaint_events.application.secrets import identity_digest
from complaint_events.domain.acting import Acting
from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.complaint import ComplaintDetails, Contact
from complaint_events.domain.deadlines import DeadlinePolicy
from complaint_events.domain.errors import ReferenceTakenError
from complaint_events.domain.identity import normalised_email, normalised_phone
from complaint_events.domain.problem_index import (
    IndexedCase,
    OrderProblemIndex,
    ProblemIndex,
    case_id_for,
)
from complaint_events.domain.rules.triage import shows_distress

T = TypeVar("T")

AggregateReader = Callable[[UUID], object]
"""Reads one stored aggregate by id; raises ``AggregateNotFoundError`` if it has none."""

FiledAggregate = ComplaintCase | ProblemIndex | OrderProblemIndex

IDENTITY_RECORD_MAX = 16  # keyed hashes one sealed record may hold: one per kind, and some
IDENTITY_KINDS = ("consumer", "phone", "email")
"""What a submission is known by, in the order a match is named by: ``consumer`` is
named ``problem`` (the rule as it was before phones and addresses were compared)."""


@dataclass(frozen=True, slots=True)
class FilingOutcome:
    """What filing one complaint did: opened a case, or found it was a duplicate."""

    case_id: UUID
    opened: bool
    matched_on: str | None = None
    """For a duplicate, what matched (docs/channels.md): ``channel_ref`` (the same message
    again), ``problem`` (same consumer id, order and problem), ``phone`` or ``email``
    (same order and problem, the same person's phone number or e-mail address)."""


def identities_of(details: ComplaintDetails, pseudonym_key: bytes) -> frozenset[str]:
    """Keyed hashes of who filed the complaint: their consumer id, phone number and
    e-mail address, each normalised first (a contact already sealed adds nothing)."""
    found = {identity_digest(pseudonym_key, "consumer", details.consumer_id)}
    if isinstance(details.contact, Contact):
        phone = normalised_phone(details.contact.phone)
        email = normalised_email(details.contact.email)
        if phone is not None:
            found.add(identity_digest(pseudonym_key, "phone", phone))
        if email is not None:
            found.add(identity_digest(pseudonym_key, "email", email))
    return frozenset(found)


def matched_on(shared: Iterable[str]) -> str | None:
    """How a match on these shared identities is named; None when none is shared."""
    kinds = {s.partition(":")[0] for s in shared}
    for kind in IDENTITY_KINDS:
        if kind in kinds:
            return "problem" if kind == "consumer" else kind
    return None


def sealed(details: ComplaintDetails, key: bytes) -> ComplaintDetails:
    """The complaint with its contact and description sealed under the consumer's key.

    Whether the description reads as distressed is judged first, on the clear
    text, and travels as a fact: no reader needs the text for it again."""
    if isinstance(details.contact, Contact):
        details = replace(details, contact=seal_contact(details.contact, details.consumer_id, key))
    if isinstance(details.description, str):
        details = replace(
            details,
            description=seal_text(details.description, details.consumer_id, key),
            distress=shows_distress(details.description),
        )
    return details


def sealed_identities(identities: frozenset[str], consumer_id: str, key: bytes) -> dict[str, str]:
    """Keyed hashes of who filed a case, sealed under its consumer's key (docs/privacy.md)."""
    return seal_text(json.dumps(sorted(identities)), consumer_id, key).to_record()


def candidate_ids(batch: Sequence[tuple[ComplaintDetails, Acting]]) -> set[UUID]:
    """Every aggregate filing the batch may read: each complaint's case and indexes."""
    return (
        {case_id_for(d.channel_key) for d, _ in batch}
        | {ProblemIndex.create_id(d.problem_key) for d, _ in batch}
        | {OrderProblemIndex.create_id(d.order_problem_key) for d, _ in batch}
    )


class SealedIdentities:
    """The identities indexed cases are known by, opened with their consumers' keys.

    Each key is read and each record opened once: a batch asks about the same
    cases again and again. ``given`` are keys already in hand (the batch's own
    consumers').
    """

    def __init__(self, keys: ConsumerKeys, given: Mapping[str, bytes] | None = None) -> None:
        self._keys = keys
        self._given = dict(given or {})
        self._other_keys: dict[str, bytes | None] = {}
        self._opened: dict[tuple[str, str], frozenset[str]] = {}

    def key(self, consumer_id: str) -> bytes | None:
        """The consumer's key, read once (None once erased)."""
        if consumer_id in self._given:
            return self._given[consumer_id]
        if consumer_id not in self._other_keys:
            self._other_keys[consumer_id] = self._keys.get(consumer_id)
        return self._other_keys[consumer_id]

    def opened(self, record: Mapping[str, str]) -> frozenset[str]:
        """A sealed identity record's keyed hashes; none if its key is gone."""
        name = (str(record.get("key_id")), str(record.get("nonce")))
        if name not in self._opened:
            text = open_text_with(record, self.key(name[0]))
            found = json.loads(text) if text is not None else []
            self._opened[name] = (
                frozenset(i for i in found[:IDENTITY_RECORD_MAX] if isinstance(i, str))
                if isinstance(found, list)
                else frozenset()
            )
        return self._opened[name]

    def known(self, indexed: IndexedCase) -> frozenset[str]:
        """The identities a case's entry holds, opened (none once its consumer was erased)."""
        known: set[str] = set()
        for record in indexed.identities:
            known |= self.opened(record)
        return frozenset(known)


@dataclass(kw_only=True, eq=False)
class BatchFiling:
    """What filing one batch has read and changed so far: every complaint of the batch
    sees the ones before it (a duplicate inside one batch opens no second case)."""

    read: AggregateReader
    missing: set[UUID]
    keys: Mapping[str, bytes]
    identities: SealedIdentities
    policy: DeadlinePolicy
    window: timedelta
    _cases: dict[UUID, ComplaintCase | None] = field(default_factory=dict, init=False)
    _indexes: dict[UUID, ProblemIndex | None] = field(default_factory=dict, init=False)
    _orders: dict[UUID, OrderProblemIndex | None] = field(default_factory=dict, init=False)

    def changed(self) -> list[FiledAggregate]:
        """Every aggregate the batch has changed: what the store saves, together."""
        return [
            a
            for a in (*self._cases.values(), *self._indexes.values(), *self._orders.values())
            if a is not None and a.pending_events
        ]

    def file(
        self, details: ComplaintDetails, identities: frozenset[str], by: Acting
    ) -> FilingOutcome:
        """File one complaint, already sealed, known by ``identities``."""
        case_id = case_id_for(details.channel_key)
        filed = self._cached(self._cases, case_id, ComplaintCase)
        if filed is not None:
            if (filed.consumer_id, filed.order_id) != (details.consumer_id, details.order_id):
                # Not the same complaint sent again: a reference reused by another
                # complaint is refused with why, never taken as a resubmission.
                raise ReferenceTakenError(
                    f"channel reference {details.channel.value}:{details.channel_ref} already "
                    f"names case {case_id} of another consumer or order"
                )
            return FilingOutcome(case_id, opened=False, matched_on="channel_ref")
        index_id = ProblemIndex.create_id(details.problem_key)
        index = self._cached(self._indexes, index_id, ProblemIndex)
        order_index_id = OrderProblemIndex.create_id(details.order_problem_key)
        order_index = self._cached(self._orders, order_index_id, OrderProblemIndex)
        found = self._duplicate_of(identities, by, index, order_index)
        if found is not None:
            existing, how = found
            if not any(
                d["channel_ref"] == details.channel_ref and d["channel"] == details.channel.value
                for d in existing.duplicates
            ):
                existing.record_duplicate(
                    channel=details.channel,
                    channel_ref=details.channel_ref,
                    matched_on=how,
                    by=by,
                )
            if order_index is not None:
                self._learn(order_index, existing, identities, by)
            return FilingOutcome(existing.id, opened=False, matched_on=how)
        case = ComplaintCase.file(details, by, self.policy)
        self._cases[case_id] = case
        if index is None:
            self._indexes[index_id] = ProblemIndex(
                problem_key=details.problem_key, case_id=case_id, filed_at=by.at, timestamp=by.at
            )
        else:
            index.point_to(case_id=case_id, filed_at=by.at, timestamp=by.at)
        record = sealed_identities(identities, details.consumer_id, self.keys[details.consumer_id])
        if order_index is None:
            self._orders[order_index_id] = OrderProblemIndex(
                order_problem_key=details.order_problem_key,
                case_id=case_id,
                filed_at=by.at,
                identities=record,
                timestamp=by.at,
            )
        else:
            order_index.index_case(case_id, by.at, record, by.at)
        return FilingOutcome(case_id, opened=True)

    def _duplicate_of(
        self,
        identities: frozenset[str],
        by: Acting,
        index: ProblemIndex | None,
        order_index: OrderProblemIndex | None,
    ) -> tuple[ComplaintCase, str] | None:
        """The case this submission repeats, and what matched (docs/channels.md).

        Same consumer id, order and problem within the window (the problem index);
        else same order and problem within the window and the same person by a
        keyed hash of their consumer id, phone number or e-mail address (the
        order problem index), the first such case filed.
        """
        if index is not None and index.covers(by.at, self.window):
            existing = self._cached(self._cases, index.case_id, ComplaintCase)
            if existing is not None:
                return existing, "problem"
        if order_index is None:
            return None
        for indexed in order_index.covering(by.at, self.window):
            how = matched_on(identities & self.identities.known(indexed))
            if how is None:
                continue
            existing = self._cached(self._cases, indexed.case_id, ComplaintCase)
            if existing is not None:
                return existing, how
        return None

    def _learn(
        self,
        order_index: OrderProblemIndex,
        existing: ComplaintCase,
        identities: frozenset[str],
        by: Acting,
    ) -> None:
        """A duplicate by another contact of the case's consumer: the case is found by that
        contact too from now on (an e-mail, then the web form, then a call finds one case).
        Sealed under the key of the case's consumer, like the case's own contact."""
        entry = next((c for c in order_index.cases if c.case_id == existing.id), None)
        if entry is None or not order_index.can_learn(existing.id):
            return
        new = identities - self.identities.known(entry)
        key = self.identities.key(existing.consumer_id)
        if new and key is not None:
            order_index.learn(existing.id, sealed_identities(new, existing.consumer_id, key), by.at)

    def _cached(self, cache: dict[UUID, Any], aggregate_id: UUID, kind: type[T]) -> T | None:
        if aggregate_id not in cache and aggregate_id in self.missing:
            return None  # known not to exist (yet): nothing to read
        if aggregate_id not in cache:
            try:
                cache[aggregate_id] = self.read(aggregate_id)
            except AggregateNotFoundError:
                cache[aggregate_id] = None
        found = cache[aggregate_id]
        return found if isinstance(found, kind) else None


def file_batch(
    batch: Sequence[tuple[ComplaintDetails, Acting]],
    *,
    read: AggregateReader,
    existence: AggregateExistence,
    keys: ConsumerKeys,
    pseudonym_key: bytes,
    policy: DeadlinePolicy,
    window: timedelta,
) -> tuple[list[FilingOutcome], list[FiledAggregate]]:
    """Decide a batch of submissions: each one's outcome, and the aggregates to save."""
    # Most complaints open new cases: learn in one query which ids exist at all,
    # and mark the others as missing without reading them one by one.
    candidates = candidate_ids(batch)
    # The contact and the description are sealed before the case sees them: no
    # event, envelope, hash or read model ever holds them in clear. One key
    # lookup for the batch.
    batch_keys = keys.get_or_create_many({d.consumer_id for d, _ in batch})
    filing = BatchFiling(
        read=read,
        missing=candidates - existence.existing(candidates),
        keys=batch_keys,
        identities=SealedIdentities(keys, batch_keys),
        policy=policy,
        window=window,
    )
    outcomes: list[FilingOutcome] = []
    for details, by in batch:
        # Who filed it, as keyed hashes, taken while the contact is still in clear.
        identities = identities_of(details, pseudonym_key)
        outcomes.append(
            filing.file(sealed(details, batch_keys[details.consumer_id]), identities, by)
        )
    return outcomes, filing.changed()
