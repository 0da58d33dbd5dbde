"""The case store: files complaints, applies commands, reads histories.

An eventsourcing ``Application`` whose persistence (SQLite or PostgreSQL) is
chosen by configuration. ``save()`` is the only write; filing many complaints
is one ``save()`` of many aggregates, so one database transaction.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from itertools import takewhile
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, project_aggregate
from eventsourcing.domain import DomainEventProtocol, MutableOrImmutableAggregate
from eventsourcing.persistence import (
    IntegrityError,
    JSONTranscoder,
    Mapper,
    Recording,
    StoredEvent,
)

from complaint_events.adapters.aggregate_existence import existing_ids
from complaint_events.adapters.case_locks import locks_for
from complaint_events.adapters.consumer_keys import keys_for, pseudonym_key_for
from complaint_events.adapters.rejection_ledger import Refusal, ledger_for
from complaint_events.adapters.stored_events import stored_events_of
from complaint_events.application.hash_chaining import ChainHeads, seal_events
from complaint_events.application.personal_data import (
    ConsumerKeys,
    open_contact,
    open_text,
    open_text_with,
    seal_contact,
    seal_text,
)
from complaint_events.application.secrets import identity_digest, new_secret
from complaint_events.application.transcodings import DateAsISO
from complaint_events.application.upcasting import FiledUpcaster, UpcastingMapper
from complaint_events.contracts.hash_chain import GENESIS_HASH
from complaint_events.domain.acting import Acting
from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.complaint import ComplaintDetails, Contact, order_problem_key
from complaint_events.domain.deadlines import DeadlinePolicy
from complaint_events.domain.errors import ComplaintError, ReferenceTakenError
from complaint_events.domain.identity import normalised_email, normalised_phone
from complaint_events.domain.masking import ConsumerContact, KnownDetailsRedactor
from complaint_events.domain.problem_index import (
    IndexedCase,
    OrderProblemIndex,
    ProblemIndex,
    case_id_for,
)
from complaint_events.domain.rules.triage import shows_distress
from complaint_events.domain.values import ProblemCategory

log = logging.getLogger(__name__)

T = TypeVar("T")

CaseEvent = DomainEventProtocol[UUID]


class CaseNotFoundError(LookupError):
    """No case has that id."""

    def __init__(self, case_id: UUID) -> None:
        super().__init__(f"no complaint case with id {case_id}")
        self.case_id = case_id


class RefusedBeforeError(Exception):
    """A command refused before, delivered again: the answer it was given the first time."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.reason)
        self.code = refusal.code


def rejection_code(error: Exception) -> str:
    """The machine-readable code of the reason a command was refused."""
    if isinstance(error, ComplaintError | RefusedBeforeError):
        return error.code
    if isinstance(error, CaseNotFoundError):
        return "case_not_found"
    return "invalid_command"


@dataclass(frozen=True, slots=True)
class FilingOutcome:
    """What filing one complaint did: opened a case, or found it was a duplicate."""

    case_id: UUID
    opened: bool
    matched_on: str | None = None
    """For a duplicate, what matched (docs/channels.md): ``channel_ref`` (the same message
    again), ``problem`` (same consumer id, order and problem), ``phone`` or ``email``
    (same order and problem, the same person's phone number or e-mail address)."""


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


@dataclass(frozen=True, slots=True)
class ActionOutcome:
    """The events one command recorded on a case (none when it changed nothing)."""

    case_id: UUID
    events: tuple[CaseEvent, ...]


IDENTITY_RECORD_MAX = 16  # keyed hashes one sealed record may hold: one per kind, and some
IDENTITY_KINDS = ("consumer", "phone", "email")
"""What a submission is known by, in the order a match is named by: ``consumer`` is
named ``problem`` (the rule as it was before phones and addresses were compared)."""


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


class ComplaintCases(Application[UUID]):
    """Complaint cases in their event store."""

    name = "complaints"
    MAX_CONFLICT_RETRIES = 5

    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        *,
        policy: DeadlinePolicy | None = None,
        duplicate_window: timedelta = timedelta(days=30),
        keys: ConsumerKeys | None = None,
        key_encryption_key: bytes | None = None,
        pseudonym_key: bytes | None = None,
    ) -> None:
        super().__init__(env)
        self.policy = policy or DeadlinePolicy()
        # Consumers' keys live beside the events (same database or SQLite file),
        # wrapped by a key-encryption key that does not.
        self.keys = keys if keys is not None else keys_for(self.recorder, key_encryption_key)
        # Phone numbers and addresses are compared as keyed hashes (docs/channels.md): every
        # process of an installation must use the same pseudonym key. A store of its own
        # (in memory) may use a key of its own.
        self.pseudonym_key = pseudonym_key or pseudonym_key_for(self.recorder) or new_secret()
        # Every read of the store upcasts old events; sealing them needs the keys.
        self.mapper.upcaster = FiledUpcaster(self.keys)
        # Refused commands, so a redelivery is given the same answer (no event records them).
        self.rejections = ledger_for(self.recorder)
        self.case_locks = locks_for(self.recorder)
        self.duplicate_window = duplicate_window
        self._chain_heads = ChainHeads()

    mapper: UpcastingMapper

    def construct_mapper(self) -> Mapper[UUID]:
        """Stored events are read in their current version (application.upcasting)."""
        return self.factory.mapper(
            transcoder=self.construct_transcoder(), mapper_class=UpcastingMapper
        )

    def stored_form(self, stored: StoredEvent) -> CaseEvent:
        """A stored event as it was stored, not upcast: the form its hash covers."""
        return self.mapper.stored_form(stored)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    # -------------------------------------------------------------- hash chain

    def save(
        self,
        *objs: MutableOrImmutableAggregate[UUID] | DomainEventProtocol[UUID] | None,
        **kwargs: Any,
    ) -> list[Recording[UUID]]:
        """Store the new events, each case's sealed into its hash chain first.

        Every write goes through here. Only ``ComplaintCase`` events are chained
        (each gets ``meta["previous_hash"]`` and ``meta["hash"]``); a concurrent
        writer of the same case makes the insert fail as before, so a chain
        never forks.
        """
        heads: dict[UUID, tuple[int, str]] = {}
        for obj in objs:
            if isinstance(obj, ComplaintCase) and obj.pending_events:
                pending = obj.pending_events
                previous = self._hash_before(obj.id, pending[0].originator_version)
                heads[obj.id] = (pending[-1].originator_version, seal_events(pending, previous))
        recordings = super().save(*objs, **kwargs)
        self._chain_heads.remember(heads)
        return recordings

    def _hash_before(self, case_id: UUID, version: int) -> str:
        """The hash of the case's stored event just before ``version`` (genesis for 1)."""
        known = self._chain_heads.get(case_id, version - 1)
        if known is not None:
            return known
        for stored in self.repository.event_store.get(case_id, lte=version - 1, desc=True, limit=1):
            found = getattr(stored, "meta", {}).get("hash")
            if isinstance(found, str):
                return found
        return GENESIS_HASH  # the event before was stored unchained: a chain starts here

    # ------------------------------------------------------------------ filing

    def file_complaint(self, details: ComplaintDetails, by: Acting) -> FilingOutcome:
        """File one complaint (see :meth:`file_complaints`)."""
        return self.file_complaints([(details, by)])[0]

    def file_complaints(
        self, batch: Sequence[tuple[ComplaintDetails, Acting]]
    ) -> list[FilingOutcome]:
        """File many complaints in one transaction; duplicates open no second case.

        Refiling the same channel message changes nothing. The same order and
        problem from another channel within the duplicate window, by the same
        consumer id, phone number or e-mail address (compared as keyed hashes,
        docs/channels.md), is recorded on the existing case. On a write conflict
        with a concurrent filer, the batch is retried against the new state.
        """
        for attempt in range(self.MAX_CONFLICT_RETRIES):
            try:
                return self._file_batch(batch)
            except IntegrityError:
                log.info("filing conflict, retrying (attempt %d)", attempt + 1)
        return self._file_batch(batch)

    def _file_batch(self, batch: Sequence[tuple[ComplaintDetails, Acting]]) -> list[FilingOutcome]:
        # Most complaints open new cases: learn in one query which ids exist at all,
        # and mark the others as missing without reading them one by one.
        candidates = (
            {case_id_for(d.channel_key) for d, _ in batch}
            | {ProblemIndex.create_id(d.problem_key) for d, _ in batch}
            | {OrderProblemIndex.create_id(d.order_problem_key) for d, _ in batch}
        )
        # The contact and the description are sealed before the case sees them: no
        # event, envelope, hash or read model ever holds them in clear. One key
        # lookup for the batch.
        keys = self.keys.get_or_create_many({d.consumer_id for d, _ in batch})
        filing = _Batch(missing=candidates - existing_ids(self.recorder, candidates), keys=keys)
        outcomes: list[FilingOutcome] = []
        for details, by in batch:
            # Who filed it, as keyed hashes, taken while the contact is still in clear.
            identities = identities_of(details, self.pseudonym_key)
            sealed_details = sealed(details, keys[details.consumer_id])
            outcomes.append(self._file_one(sealed_details, identities, by, filing))
        changed = [
            a
            for a in (*filing.cases.values(), *filing.indexes.values(), *filing.orders.values())
            if a is not None and a.pending_events
        ]
        if changed:
            self.save(*changed)
        return outcomes

    def _file_one(
        self,
        details: ComplaintDetails,
        identities: frozenset[str],
        by: Acting,
        batch: _Batch,
    ) -> FilingOutcome:
        case_id = case_id_for(details.channel_key)
        filed = self._cached(batch.cases, case_id, ComplaintCase, batch.missing)
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
        index = self._cached(batch.indexes, index_id, ProblemIndex, batch.missing)
        order_index_id = OrderProblemIndex.create_id(details.order_problem_key)
        order_index = self._cached(batch.orders, order_index_id, OrderProblemIndex, batch.missing)
        found = self._duplicate_of(identities, by, index, order_index, batch)
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
                self._learn(order_index, existing, identities, by, batch)
            return FilingOutcome(existing.id, opened=False, matched_on=how)
        case = ComplaintCase.file(details, by, self.policy)
        batch.cases[case_id] = case
        if index is None:
            batch.indexes[index_id] = ProblemIndex(
                problem_key=details.problem_key, case_id=case_id, filed_at=by.at, timestamp=by.at
            )
        else:
            index.point_to(case_id=case_id, filed_at=by.at, timestamp=by.at)
        record = _sealed_identities(
            identities, details.consumer_id, batch.keys[details.consumer_id]
        )
        if order_index is None:
            batch.orders[order_index_id] = OrderProblemIndex(
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
        batch: _Batch,
    ) -> tuple[ComplaintCase, str] | None:
        """The case this submission repeats, and what matched (docs/channels.md).

        Same consumer id, order and problem within the window (the problem index);
        else same order and problem within the window and the same person by a
        keyed hash of their consumer id, phone number or e-mail address (the
        order problem index), the first such case filed.
        """
        if index is not None and index.covers(by.at, self.duplicate_window):
            existing = self._cached(batch.cases, index.case_id, ComplaintCase, batch.missing)
            if existing is not None:
                return existing, "problem"
        if order_index is None:
            return None
        for indexed in order_index.covering(by.at, self.duplicate_window):
            how = matched_on(identities & self._known(indexed, batch))
            if how is None:
                continue
            existing = self._cached(batch.cases, indexed.case_id, ComplaintCase, batch.missing)
            if existing is not None:
                return existing, how
        return None

    def _learn(
        self,
        order_index: OrderProblemIndex,
        existing: ComplaintCase,
        identities: frozenset[str],
        by: Acting,
        batch: _Batch,
    ) -> None:
        """A duplicate by another contact of the case's consumer: the case is found by that
        contact too from now on (an e-mail, then the web form, then a call finds one case).
        Sealed under the key of the case's consumer, like the case's own contact."""
        entry = next((c for c in order_index.cases if c.case_id == existing.id), None)
        if entry is None or not order_index.can_learn(existing.id):
            return
        new = identities - self._known(entry, batch)
        key = batch.key(existing.consumer_id, self.keys)
        if new and key is not None:
            order_index.learn(
                existing.id, _sealed_identities(new, existing.consumer_id, key), by.at
            )

    def _known(self, indexed: IndexedCase, batch: _Batch) -> frozenset[str]:
        """The identities a case's entry holds, opened (none once its consumer was erased)."""
        known: set[str] = set()
        for record in indexed.identities:
            known |= batch.opened(record, self.keys)
        return frozenset(known)

    def _cached(
        self, cache: dict[UUID, Any], aggregate_id: UUID, kind: type[T], missing: set[UUID]
    ) -> T | None:
        if aggregate_id not in cache and aggregate_id in missing:
            return None  # known not to exist (yet): nothing to read
        if aggregate_id not in cache:
            try:
                cache[aggregate_id] = self.repository.get(aggregate_id)
            except AggregateNotFoundError:
                cache[aggregate_id] = None
        found = cache[aggregate_id]
        return found if isinstance(found, kind) else None

    # ---------------------------------------------------------------- commands

    def get_case(self, case_id: UUID) -> ComplaintCase:
        """The case as it stands now."""
        try:
            case: object = self.repository.get(case_id)
        except AggregateNotFoundError:
            raise CaseNotFoundError(case_id) from None
        if not isinstance(case, ComplaintCase):
            raise CaseNotFoundError(case_id)
        return case

    def get_cases(self, case_ids: Iterable[UUID]) -> dict[UUID, ComplaintCase]:
        """Many cases as they stand now, their events read in one query per thousand.

        For readers that follow many cases at once (the deadline keeper): one
        round trip instead of one a case. In the order asked; ids of no stored
        case are left out.
        """
        wanted = list(dict.fromkeys(case_ids))
        histories = self._histories(wanted)
        found: dict[UUID, ComplaintCase] = {}
        for case_id in wanted:
            if histories is None:  # snapshots or a cache: through the repository, one by one
                with suppress(CaseNotFoundError):
                    found[case_id] = self.get_case(case_id)
            elif case_id in histories:
                case = project_aggregate(None, histories[case_id])
                if isinstance(case, ComplaintCase):
                    found[case_id] = case
        return found

    def act(self, case_id: UUID, command: Callable[[ComplaintCase], object]) -> ActionOutcome:
        """Apply ``command`` to the case and save what it recorded.

        Retries on an optimistic-concurrency conflict with a fresh copy of the
        case, so a concurrent writer's events are never lost or overwritten.
        Domain errors propagate unchanged: they are the caller's answer.
        """
        for attempt in range(self.MAX_CONFLICT_RETRIES + 1):
            case = self.get_case(case_id)
            command(case)
            events = tuple(case.pending_events)
            if not events:
                return ActionOutcome(case_id, ())
            try:
                self.save(case)
            except IntegrityError:
                if attempt == self.MAX_CONFLICT_RETRIES:
                    raise
                log.info("case %s changed concurrently, retrying", case_id)
                continue
            return ActionOutcome(case_id, events)
        raise AssertionError("unreachable")  # pragma: no cover

    def apply_commands(self, commands: Sequence[CaseCommand]) -> list[CommandOutcome]:
        """Apply many commands, on many cases, and save them in one transaction.

        Each command's id is recorded as the causation id of the events it
        records, so a command delivered again is recognised and not applied twice
        (its outcome names the events of the first time). A command refused by
        the domain records no event and does not disturb the others; its
        refusal is noted in the rejection ledger, so a redelivery gets the same
        answer even if the case has moved on since. On a write conflict with a
        concurrent writer the whole batch is retried against the new state.
        """
        by_case: dict[UUID, list[CaseCommand]] = {}
        for command in commands:
            by_case.setdefault(command.case_id, []).append(command)
        # One decider at a time per case, across processes: two processors deciding the
        # same command (a rebalance, a redelivery) must give its callers the same answer.
        with self.case_locks.hold(by_case.keys()):
            return self._decide(commands, by_case)

    def _decide(
        self, commands: Sequence[CaseCommand], by_case: dict[UUID, list[CaseCommand]]
    ) -> list[CommandOutcome]:
        refused_before = self.rejections.find({c.command_id for c in commands})
        for attempt in range(self.MAX_CONFLICT_RETRIES + 1):
            outcomes: dict[str, CommandOutcome] = {}
            changed: list[ComplaintCase] = []
            histories = self._histories(list(by_case))
            if histories is not None:
                self._note_chain_heads(histories)  # only writers chain: readers skip this
            for case_id, case_commands in by_case.items():
                history = None if histories is None else histories.get(case_id, [])
                case, case_outcomes = self._apply_to_case(
                    case_id, case_commands, refused_before, history
                )
                outcomes.update(case_outcomes)
                if case is not None and case.pending_events:
                    changed.append(case)
            try:
                if changed:
                    self.save(*changed)
            except IntegrityError:
                if attempt == self.MAX_CONFLICT_RETRIES:
                    raise
                log.info("cases changed concurrently, retrying %d commands", len(commands))
                continue
            self.rejections.record(
                [
                    Refusal(o.command_id, o.case_id, str(o.error), rejection_code(o.error))
                    for o in outcomes.values()
                    if o.error is not None and not isinstance(o.error, RefusedBeforeError)
                ]
            )
            return [outcomes[c.command_id] for c in commands]
        raise AssertionError("unreachable")  # pragma: no cover

    def _histories(self, case_ids: list[UUID]) -> dict[UUID, list[CaseEvent]] | None:
        """The stored events of many cases, read in one query per thousand.

        None when the repository keeps snapshots or a cache: then each case is
        read through it, one by one.
        """
        if self.repository.snapshot_store is not None or self.repository.cache is not None:
            return None
        histories: dict[UUID, list[CaseEvent]] = {}
        for start in range(0, len(case_ids), _READ_CHUNK):
            found = stored_events_of(self.recorder, case_ids[start : start + _READ_CHUNK])
            for case_id, stored in found.items():
                histories[case_id] = [self.mapper.to_domain_event(e) for e in stored]
        return histories

    def _note_chain_heads(self, histories: dict[UUID, list[CaseEvent]]) -> None:
        """Each history ends where the case's chain continues: saving after it needs no
        second read to find the hash to chain to."""
        self._chain_heads.remember(
            {
                case_id: (events[-1].originator_version, found_hash)
                for case_id, events in histories.items()
                if isinstance(found_hash := getattr(events[-1], "meta", {}).get("hash"), str)
            }
        )

    def _apply_to_case(
        self,
        case_id: UUID,
        commands: Sequence[CaseCommand],
        refused_before: dict[str, Refusal],
        history: list[CaseEvent] | None = None,
    ) -> tuple[ComplaintCase | None, dict[str, CommandOutcome]]:
        refused: dict[str, Exception] = {
            c.command_id: RefusedBeforeError(refused_before[c.command_id])
            for c in commands
            if c.command_id in refused_before
        }
        while True:  # at most len(commands) + 1 passes: each retry refuses one more command
            applied: dict[str, list[CaseEvent]] = {}
            try:
                case = self._get_noting_commands(case_id, applied, history)
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

    def _get_noting_commands(
        self,
        case_id: UUID,
        applied: dict[str, list[CaseEvent]],
        history: list[CaseEvent] | None = None,
    ) -> ComplaintCase:
        """The case, noting which command ids (causation ids) its stored events answer.

        Replayed from ``history`` when the caller read the stored events already.
        """

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

        if history is not None:
            replayed = project(None, history)
            if not isinstance(replayed, ComplaintCase):
                raise CaseNotFoundError(case_id)
            return replayed
        try:
            case: object = self.repository.get(case_id, projector_func=project)
        except AggregateNotFoundError:
            raise CaseNotFoundError(case_id) from None
        if not isinstance(case, ComplaintCase):
            raise CaseNotFoundError(case_id)
        return case

    # ----------------------------------------------------------------- reading

    def contact_of(self, case: ComplaintCase) -> Contact | None:
        """The case's consumer contact in clear; None once their key was erased."""
        return open_contact(case.contact, self.keys)

    def duplicate_identities_of(self, case: ComplaintCase) -> frozenset[str]:
        """The keyed hashes of the consumer id, phone number and e-mail address the case is
        found by (docs/channels.md), opened; none once its consumer's key was erased."""
        key = order_problem_key(case.order_id, case.sku, ProblemCategory(case.category))
        try:
            index: object = self.repository.get(OrderProblemIndex.create_id(key))
        except AggregateNotFoundError:
            return frozenset()
        if not isinstance(index, OrderProblemIndex):
            return frozenset()
        entry = next((c for c in index.cases if c.case_id == case.id), None)
        return frozenset() if entry is None else self._known(entry, _Batch(missing=set()))

    def sealed_text(self, text: str, consumer_id: str) -> dict[str, str]:
        """``text`` sealed under the consumer's key (made now if they have none)."""
        # A read first: the key exists for every filed case, and get_or_create writes.
        key = self.keys.get(consumer_id) or self.keys.get_or_create(consumer_id)
        return seal_text(text, consumer_id, key).to_record()

    def redacted(self, text: str, case: ComplaintCase) -> str:
        """``text`` without the case's consumer's details (as far as they are known) and
        without phone, ID and card numbers or e-mail addresses."""
        contact = self.contact_of(case)
        known = None if contact is None else ConsumerContact.from_contact(contact)
        return KnownDetailsRedactor.for_contact(known).text(text)

    def description_of(self, case: ComplaintCase) -> str | None:
        """The complaint as the consumer wrote it; None once their key was erased."""
        return open_text(case.description, self.keys)

    def history(self, case_id: UUID) -> list[CaseEvent]:
        """Every stored event of the case, in order."""
        events = list(self.repository.event_store.get(case_id))
        # A case's history starts with its filing; any other aggregate's is not a case's.
        if not events or not isinstance(events[0], ComplaintCase.ComplaintFiled):  # type: ignore[attr-defined]
            raise CaseNotFoundError(case_id)
        return events

    def case_as_of(self, case_id: UUID, at: datetime) -> ComplaintCase | None:
        """The case exactly as it stood at ``at`` (None if it was not yet filed).

        One read of the case's events, replayed up to ``at``.
        """
        upto = list(takewhile(lambda e: e.timestamp <= at, self.history(case_id)))  # type: ignore[attr-defined]
        if not upto:
            return None
        case = project_aggregate(None, upto)
        assert isinstance(case, ComplaintCase)
        return case

    def case_ids(self) -> Iterator[UUID]:
        """Ids of every case, in filing order."""
        start = 1
        while True:
            batch = self.recorder.select_notifications(
                start=start, limit=500, topics=[_FILED_TOPIC]
            )
            if not batch:
                return
            for notification in batch:
                yield notification.originator_id  # type: ignore[misc]
            start = batch[-1].id + 1

    def case_ids_of_consumer(self, consumer_id: str) -> list[UUID]:
        """Ids of the consumer's cases, in filing order (a scan of every filing, for now)."""
        found: list[UUID] = []
        start = 1
        while True:
            batch = self.recorder.select_notifications(
                start=start, limit=500, topics=[_FILED_TOPIC]
            )
            if not batch:
                return found
            for notification in batch:
                filed = self.mapper.to_domain_event(notification)
                if getattr(filed, "consumer_id", None) == consumer_id:
                    found.append(notification.originator_id)  # type: ignore[arg-type]
            start = batch[-1].id + 1


_FILED_TOPIC = f"{ComplaintCase.__module__}:ComplaintCase.ComplaintFiled"
_READ_CHUNK = 1000  # aggregates whose events one query reads


def _sealed_identities(identities: frozenset[str], consumer_id: str, key: bytes) -> dict[str, str]:
    """Keyed hashes of who filed a case, sealed under its consumer's key (docs/privacy.md)."""
    return seal_text(json.dumps(sorted(identities)), consumer_id, key).to_record()


@dataclass
class _Batch:
    """What filing one batch has read and changed so far: every complaint of the batch
    sees the ones before it (a duplicate inside one batch opens no second case)."""

    missing: set[UUID]
    keys: dict[str, bytes] = field(default_factory=dict)
    cases: dict[UUID, ComplaintCase | None] = field(default_factory=dict)
    indexes: dict[UUID, ProblemIndex | None] = field(default_factory=dict)
    orders: dict[UUID, OrderProblemIndex | None] = field(default_factory=dict)
    _other_keys: dict[str, bytes | None] = field(default_factory=dict)
    _opened: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)

    def key(self, consumer_id: str, keys: ConsumerKeys) -> bytes | None:
        """The consumer's key, read once a batch (None once erased)."""
        if consumer_id in self.keys:
            return self.keys[consumer_id]
        if consumer_id not in self._other_keys:
            self._other_keys[consumer_id] = keys.get(consumer_id)
        return self._other_keys[consumer_id]

    def opened(self, record: Mapping[str, str], keys: ConsumerKeys) -> frozenset[str]:
        """A sealed identity record's keyed hashes; none if its key is gone."""
        name = (str(record.get("key_id")), str(record.get("nonce")))
        if name not in self._opened:
            text = open_text_with(record, self.key(name[0], keys))
            found = json.loads(text) if text is not None else []
            self._opened[name] = (
                frozenset(i for i in found[:IDENTITY_RECORD_MAX] if isinstance(i, str))
                if isinstance(found, list)
                else frozenset()
            )
        return self._opened[name]
