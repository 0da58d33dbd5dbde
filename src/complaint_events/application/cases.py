"""The case store: files complaints, applies commands, reads histories.

An eventsourcing ``Application`` whose persistence (SQLite or PostgreSQL) is
chosen by configuration. ``save()`` is the only write; filing many complaints
is one ``save()`` of many aggregates, so one database transaction.

This is the facade its callers use; the work is done by one module a concern:
:mod:`~complaint_events.application.filing` (new cases and duplicates),
:mod:`~complaint_events.application.command_ledger` (each command id answered
once), :mod:`~complaint_events.application.hash_chaining` (every save sealed
into the cases' hash chains). What lives beside the events (consumers' keys,
refusals, locks) comes in through :mod:`~complaint_events.application.ports`,
built by the composition root (:mod:`complaint_events.bootstrap`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import takewhile
from typing import Any
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
from eventsourcing.popo import POPOFactory

from complaint_events.application.command_ledger import (
    AppliedEvents,
    CaseCommand,
    CaseEvent,
    CaseReader,
    CommandLedger,
    CommandOutcome,
    noting_commands,
    replayed,
)
from complaint_events.application.filing import FilingOutcome, SealedIdentities, file_batch
from complaint_events.application.hash_chaining import CaseChains
from complaint_events.application.in_process_ports import in_memory_ports
from complaint_events.application.personal_data import open_contact, open_text, seal_text
from complaint_events.application.ports import PortsFor
from complaint_events.application.refusals import CaseNotFoundError
from complaint_events.application.secrets import new_secret
from complaint_events.application.transcodings import DateAsISO
from complaint_events.application.upcasting import FiledUpcaster, UpcastingMapper
from complaint_events.domain.acting import Acting
from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.complaint import ComplaintDetails, Contact, order_problem_key
from complaint_events.domain.deadlines import DeadlinePolicy
from complaint_events.domain.masking import ConsumerContact, KnownDetailsRedactor
from complaint_events.domain.problem_index import OrderProblemIndex
from complaint_events.domain.values import ProblemCategory

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ActionOutcome:
    """The events one command recorded on a case (none when it changed nothing)."""

    case_id: UUID
    events: tuple[CaseEvent, ...]


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
        ports: PortsFor | None = None,
        pseudonym_key: bytes | None = None,
    ) -> None:
        """``ports`` builds what lives beside the events (:mod:`complaint_events.bootstrap`
        chooses it for the store); only the in-memory store may go without."""
        super().__init__(env)
        if ports is None and not isinstance(self.factory, POPOFactory):
            self.close()
            raise ValueError(
                "a case store on disk or on a server needs the ports that live beside its "
                "events: open it through complaint_events.bootstrap"
            )
        self.policy = policy or DeadlinePolicy()
        beside = (ports or in_memory_ports)(self.recorder)
        # Consumers' keys live beside the events (same database or SQLite file),
        # wrapped by a key-encryption key that does not.
        self.keys = beside.keys
        # Phone numbers and addresses are compared as keyed hashes (docs/channels.md): every
        # process of an installation must use the same pseudonym key. A store of its own
        # (in memory) may use a key of its own.
        self.pseudonym_key = pseudonym_key or new_secret()
        # Every read of the store upcasts old events; sealing them needs the keys.
        self.mapper.upcaster = FiledUpcaster(self.keys)
        # Refused commands, so a redelivery is given the same answer (no event records them).
        self.rejections = beside.rejections
        self.case_locks = beside.locks
        self.duplicate_window = duplicate_window
        self._existence = beside.existence
        self._stored_events = beside.stored_events
        self._chains = CaseChains(self._stored_before)
        self._commands = CommandLedger(
            rejections=self.rejections,
            locks=self.case_locks,
            read_cases=self._read_for_commands,
            save=lambda changed: self.save(*changed),
            max_retries=self.MAX_CONFLICT_RETRIES,
        )

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
        heads = self._chains.seal(objs)
        recordings = super().save(*objs, **kwargs)
        self._chains.saved(heads)
        return recordings

    def _stored_before(self, case_id: UUID, version: int) -> Iterable[object]:
        return self.repository.event_store.get(case_id, lte=version, desc=True, limit=1)

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
        outcomes, changed = file_batch(
            batch,
            read=self._stored_aggregate,
            existence=self._existence,
            keys=self.keys,
            pseudonym_key=self.pseudonym_key,
            policy=self.policy,
            window=self.duplicate_window,
        )
        if changed:
            self.save(*changed)
        return outcomes

    def _stored_aggregate(self, aggregate_id: UUID) -> object:
        found: object = self.repository.get(aggregate_id)
        return found

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
        concurrent writer the whole batch is retried against the new state
        (:mod:`complaint_events.application.command_ledger`).
        """
        return self._commands.apply(commands)

    def _read_for_commands(self, case_ids: list[UUID]) -> CaseReader:
        """The cases a batch of commands is for, read together where the store can."""
        histories = self._histories(case_ids)
        if histories is not None:
            self._chains.note_read(histories)  # only writers chain: readers skip this

        def read(case_id: UUID, applied: AppliedEvents) -> ComplaintCase:
            if histories is not None:
                return replayed(case_id, histories.get(case_id, []), applied)
            try:
                case: object = self.repository.get(case_id, projector_func=noting_commands(applied))
            except AggregateNotFoundError:
                raise CaseNotFoundError(case_id) from None
            if not isinstance(case, ComplaintCase):
                raise CaseNotFoundError(case_id)
            return case

        return read

    def _histories(self, case_ids: list[UUID]) -> dict[UUID, list[CaseEvent]] | None:
        """The stored events of many cases, read in one query per thousand.

        None when the repository keeps snapshots or a cache: then each case is
        read through it, one by one.
        """
        if self.repository.snapshot_store is not None or self.repository.cache is not None:
            return None
        histories: dict[UUID, list[CaseEvent]] = {}
        for start in range(0, len(case_ids), _READ_CHUNK):
            found = self._stored_events.stored_events_of(case_ids[start : start + _READ_CHUNK])
            for case_id, stored in found.items():
                histories[case_id] = [self.mapper.to_domain_event(e) for e in stored]
        return histories

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
        return frozenset() if entry is None else SealedIdentities(self.keys).known(entry)

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
