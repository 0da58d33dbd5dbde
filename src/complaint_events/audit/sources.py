"""Where the chains are read: the event store (through the case store) and the events topic.

Both give envelopes in JSON form to the same :class:`~.verify.ChainVerifier`.
A stored event that cannot even be decoded is reported as altered at its
sequence; a message on the topic that is not an envelope as unreadable.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Final
from uuid import UUID

from kafka import TopicPartition

from complaint_events.adapters.kafka_clients import KafkaClients
from complaint_events.application.cases import ComplaintCases
from complaint_events.application.refusals import CaseNotFoundError
from complaint_events.audit.verify import ChainVerifier, Problem, VerifyReport
from complaint_events.contracts.events import EVENT_PAYLOADS
from complaint_events.contracts.hash_chain import envelope_document
from complaint_events.contracts.translator import to_envelope
from complaint_events.domain.case import ComplaintCase
from complaint_events.relay import partition_for

CASE_TOPIC_PREFIX: Final = f"{ComplaintCase.__module__}:ComplaintCase."
CASE_EVENT_TYPES: Final = frozenset(
    name
    for name, value in vars(ComplaintCase).items()
    if isinstance(value, type) and issubclass(value, ComplaintCase.Event) and name in EVENT_PAYLOADS
)
"""The events of a case: the ones chained (SKU records and indexes are not cases)."""

_NOTIFICATION_BATCH: Final = 1000


class TopicNotFoundError(LookupError):
    """The events topic does not exist."""


@dataclass(frozen=True, slots=True)
class StoredCaseEvent:
    """One stored event of a case: its published form, or why it cannot be read."""

    sequence: int
    envelope: dict[str, Any] | None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class TopicMessage:
    """One message of the events topic."""

    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


# ----------------------------------------------------------------- the store


def store_events(cases: ComplaintCases, case_id: UUID) -> list[StoredCaseEvent]:
    """Every stored event of the case, in version order; CaseNotFoundError if there is none.

    An id whose events are all of something else (a SKU record, a problem index)
    is no case; a case event whose type was changed in the store is kept, to be
    reported as altered.
    """
    stored = cases.recorder.select_events(case_id)
    if not any(record.topic.startswith(CASE_TOPIC_PREFIX) for record in stored):
        raise CaseNotFoundError(case_id)
    found: list[StoredCaseEvent] = []
    for record in stored:
        try:
            # As stored, not upcast: the hash covers the stored form.
            document = envelope_document(to_envelope(cases.stored_form(record)))
        except Exception as error:  # noqa: BLE001 - a tampered row may fail in any way
            reason = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
            found.append(StoredCaseEvent(record.originator_version, None, reason))
        else:
            found.append(StoredCaseEvent(record.originator_version, document))
    return found


def store_case_ids(cases: ComplaintCases) -> Iterator[UUID]:
    """Every case with a stored event, in the order of its first stored event."""
    topics = sorted(CASE_TOPIC_PREFIX + name for name in CASE_EVENT_TYPES)
    seen: set[UUID] = set()
    start = 1
    while True:
        batch = cases.recorder.select_notifications(
            start=start, limit=_NOTIFICATION_BATCH, topics=topics
        )
        if not batch:
            return
        for notification in batch:
            case_id = notification.originator_id
            if isinstance(case_id, UUID) and case_id not in seen:
                seen.add(case_id)
                yield case_id
        start = batch[-1].id + 1


def verify_store(
    cases: ComplaintCases,
    case_ids: Iterable[UUID],
    on_case: Callable[[UUID], None] | None = None,
) -> VerifyReport:
    """Check the chain of each case as the event store holds it."""
    verifier = ChainVerifier()
    for case_id in case_ids:
        check_stored(verifier, case_id, store_events(cases, case_id))
        if on_case is not None:
            on_case(case_id)
    return verifier.report()


def check_stored(verifier: ChainVerifier, case_id: UUID, events: Iterable[StoredCaseEvent]) -> None:
    """Feed one case's stored events to ``verifier``; one that cannot be read is altered."""
    for event in events:
        if event.envelope is None:
            verifier.checked += 1
            verifier.add_problem(
                Problem(
                    str(case_id),
                    event.sequence,
                    "altered",
                    f"the stored event cannot be read ({event.error})",
                    "store",
                )
            )
        else:
            verifier.feed(event.envelope, "store")


# ----------------------------------------------------------------- the topic


def read_topic(
    kafka: KafkaClients,
    topic: str,
    case_id: UUID | None = None,
    idle_timeout: float = 30.0,
) -> Iterator[TopicMessage]:
    """Every message on ``topic`` up to its end when reading began, partition order kept.

    With ``case_id``, only that case's partition is read and only its messages
    are returned.
    """
    consumer = kafka.consumer("complaint-events-audit")
    try:
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            raise TopicNotFoundError(f"topic {topic} does not exist")
        key = str(case_id).encode("ascii") if case_id is not None else None
        numbers = sorted(partitions)
        if key is not None:
            numbers = [partition_for(key, len(numbers))]
        tps = [TopicPartition(topic, p) for p in numbers]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends: dict[TopicPartition, int] = consumer.end_offsets(tps)
        remaining = {tp for tp in tps if consumer.position(tp) < ends[tp]}
        last_progress = time.monotonic()
        while remaining:
            batch = consumer.poll(timeout_ms=500, max_records=5000)
            for tp, records in batch.items():
                for record in records:
                    if record.offset >= ends[tp] or (key is not None and record.key != key):
                        continue
                    yield TopicMessage(tp.partition, record.offset, record.key, record.value)
            if batch:
                last_progress = time.monotonic()
            remaining = {tp for tp in remaining if consumer.position(tp) < ends[tp]}
            if remaining and time.monotonic() - last_progress > idle_timeout:
                raise TimeoutError(f"could not read {topic} to its end within {idle_timeout}s")
    finally:
        consumer.close()


def verify_topic(
    messages: Iterable[TopicMessage], on_message: Callable[[], None] | None = None
) -> VerifyReport:
    """Check the chain of each case as the events topic holds it (other events are skipped)."""
    verifier = ChainVerifier()
    for message in messages:
        where = f"topic partition {message.partition} offset {message.offset}"
        key = message.key.decode("utf-8", "replace") if message.key is not None else "?"
        document = _decode(message.value)
        if document is None:
            verifier.checked += 1
            verifier.add_problem(Problem(key, None, "unreadable", "not a JSON envelope", where))
        elif document.get("event_type") in CASE_EVENT_TYPES:
            if document.get("case_id") != key:
                verifier.checked += 1
                verifier.add_problem(
                    Problem(
                        key,
                        document.get("sequence") if _is_int(document.get("sequence")) else None,
                        "inserted",
                        f"a message keyed {key} carries case {document.get('case_id')}",
                        where,
                    )
                )
            else:
                verifier.feed(document, where)
        if on_message is not None:
            on_message()
    return verifier.report()


def _decode(value: bytes | None) -> dict[str, Any] | None:
    if value is None:
        return None
    try:
        document = json.loads(value)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return document if isinstance(document, dict) else None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
