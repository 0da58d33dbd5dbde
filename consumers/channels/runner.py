"""The channel adapters' I/O loop: inbox files -> Kafka; notifications -> outbox files.

Inbound, each pending file is normalised (pure, per channel), its evidence
files written, its intake messages published to ``complaints.intake.v1`` (key
``channel:channel_ref``) and its rejects to ``complaints.intake.dlq.v1`` with
``dlq_*`` headers; only when the broker has acknowledged them is the file
moved out of the inbox, so a crash re-reads it (and the case store's duplicate
rule keeps one case).  Outbound, ``notifications.outbound.v1`` is read from the
adapter's committed position (consumer group ``complaint-events-adapter-NAME``
after the topic prefix) and the notifications of its channels are written to
the outbox, once per notification id.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from complaint_events.adapters.kafka_clients import KafkaClients
from complaint_events.adapters.secrets_file import load_secrets
from complaint_events.clock import Clock
from complaint_events.contracts.dead_letters import DeadLetter
from complaint_events.contracts.events import ContractError
from complaint_events.contracts.notifications import NotificationV1
from complaint_events.settings import Settings
from complaint_events.contracts.topology import (
    INTAKE_DLQ_TOPIC,
    INTAKE_TOPIC,
    NOTIFICATIONS_TOPIC,
    consumer_group,
)
from complaint_events.consumers.channels.chat import normalise_session
from complaint_events.consumers.channels.email_channel import normalise_email
from complaint_events.consumers.channels.folders import ChannelFolders
from complaint_events.consumers.channels.hotline import normalise_call
from complaint_events.consumers.channels.lead_store import LeadStore
from complaint_events.consumers.channels.outcomes import Accepted, Ignored, LeadFound, Outcome, Rejected
from complaint_events.consumers.channels.social import normalise_feed
from complaint_events.consumers.channels.threads import ThreadBook

log = logging.getLogger("complaint_events.adapters")

# A dead letter keeps the input's bytes unless they would not fit in a Kafka message.
MAX_DEAD_LETTER_BYTES: Final = 900_000
SEND_TIMEOUT: Final = 30.0


def normalise(
    name: str, path: Path, raw: bytes, evidence_dir: Path, now: datetime, pseudonym_key: bytes
) -> list[Outcome]:
    """The outcomes of one inbox file, by the channel's normaliser."""
    if name == "email":
        return [normalise_email(raw, evidence_dir, path.name, pseudonym_key)]
    if name == "hotline":
        return [normalise_call(raw, path.stem, pseudonym_key)]
    if name == "chat":
        return [normalise_session(raw, path.stem)]
    return list(normalise_feed(raw, now))


@dataclass
class RunStats:
    """What an adapter has done since it started."""

    files: int = 0
    published: int = 0
    dead_lettered: int = 0
    leads: int = 0
    ignored: int = 0
    delivered: int = 0
    undeliverable: int = 0
    reasons: list[str] = field(default_factory=list)


def build_producer(settings: Settings, name: str) -> KafkaProducer:
    """An idempotent producer for the adapter's intake and dead-letter messages."""
    return KafkaClients(settings).producer(f"complaint-events-adapter-{name}", linger_ms=5)


def dead_letter(rejected: Rejected, processor: str, source: str, now: datetime) -> DeadLetter:
    """The dead letter of a rejected input: its bytes (or a pointer if too big) and the reason."""
    value = rejected.raw
    if len(value) > MAX_DEAD_LETTER_BYTES:
        value = json.dumps({"file": source, "size": len(value), "truncated": True}).encode()
    return DeadLetter(
        key=rejected.key.encode("utf-8"),
        value=value,
        reason=rejected.reason,
        processor=processor,
        failed_at=now,
        errors=rejected.errors,
        original_headers=(("source_file", source.encode("utf-8")),),
    )


class ChannelAdapter:
    """One channel's adapter over its inbox, outbox and state folders."""

    def __init__(
        self,
        folders: ChannelFolders,
        settings: Settings,
        *,
        inbox: Path,
        outbox: Path,
        state: Path,
        clock: Clock,
        leads: LeadStore | None = None,
        report: Callable[[str], None] = log.info,
    ) -> None:
        self.folders, self.settings, self.clock, self.report = folders, settings, clock, report
        self.inbox, self.outbox, self.state = inbox, outbox, state
        self.evidence_dir = (state / "evidence").resolve()
        self.threads = ThreadBook(state / "threads.json")
        self.leads = leads
        self.processor = f"adapter-{folders.name}"
        self.pseudonym_key = load_secrets(settings).pseudonym_key
        self.stats = RunStats()

    # -- inbound -----------------------------------------------------------------------------

    def intake_pending(self, producer: KafkaProducer) -> int:
        """Handle every pending inbox file; the number handled."""
        handled = 0
        for path in self.folders.pending(self.inbox):
            self._handle_file(path, producer)
            handled += 1
        return handled

    def _handle_file(self, path: Path, producer: KafkaProducer) -> None:
        raw = path.read_bytes()
        now = self.clock.now()
        outcomes = normalise(self.folders.name, path, raw, self.evidence_dir, now, self.pseudonym_key)
        sent: list[Any] = []
        rejected: list[Rejected] = []
        for outcome in outcomes:
            if isinstance(outcome, Accepted):
                sent.append(self._publish(outcome, producer))
            elif isinstance(outcome, Rejected):
                rejected.append(outcome)
                letter = dead_letter(outcome, self.processor, path.name, now)
                sent.append(
                    producer.send(
                        self.settings.topic(INTAKE_DLQ_TOPIC),
                        key=letter.key,
                        value=letter.value,
                        headers=letter.headers(),
                    )
                )
            elif isinstance(outcome, LeadFound):
                self._keep_lead(outcome)
            elif isinstance(outcome, Ignored):
                self.stats.ignored += 1
        for future in sent:
            future.get(timeout=SEND_TIMEOUT)  # the broker has it before the file moves on
        self.stats.files += 1
        self.stats.dead_lettered += len(rejected)
        self.stats.reasons.extend(f"{path.name}: {r.reason}" for r in rejected)
        all_bad = bool(outcomes) and len(rejected) == len(outcomes)
        target = (
            self.folders.failed(self.inbox, path)
            if all_bad
            else self.folders.done(self.inbox, path)
        )
        if rejected and not all_bad:  # a feed: keep its bad lines beside the failures
            bad = self.folders.failed(self.inbox, path).with_suffix(".rejected.jsonl")
            bad.parent.mkdir(parents=True, exist_ok=True)
            bad.write_bytes(b"\n".join(r.raw for r in rejected) + b"\n")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, target)
        for r in rejected:
            self.report(f"{self.folders.name}: {path.name} -> dead letter: {r.reason}")
        accepted = sum(isinstance(o, Accepted) for o in outcomes)
        self.report(
            f"{self.folders.name}: {path.name}: {accepted} published, {len(rejected)} "
            f"dead-lettered -> {target.parent.name}/"
        )

    def _publish(self, accepted: Accepted, producer: KafkaProducer) -> Any:
        for file_path, data in accepted.files:
            if not file_path.exists():
                file_path.parent.mkdir(parents=True, exist_ok=True)
                file_path.write_bytes(data)
        message = accepted.message
        self.threads.put(message.channel_ref, accepted.thread)
        self.stats.published += 1
        return producer.send(
            self.settings.topic(INTAKE_TOPIC),
            key=message.kafka_key(),
            value=message.model_dump_json().encode("utf-8"),
            headers=[("adapter", self.folders.name.encode()), ("schema_version", b"1")],
        )

    def _keep_lead(self, found: LeadFound) -> None:
        assert self.leads is not None, "the social adapter needs a lead store"
        self.threads.put(found.lead.lead_id, found.thread)
        if self.leads.add(found.lead):
            self.stats.leads += 1
            urgent = " URGENT (safety)" if found.lead.urgent else ""
            self.report(
                f"social: new lead {found.lead.lead_id}{urgent}: {', '.join(found.lead.cues)}"
            )

    # -- outbound ----------------------------------------------------------------------------

    def notifications_consumer(self) -> KafkaConsumer:
        """A consumer of the notifications topic from this adapter's committed position."""
        topic = self.settings.topic(NOTIFICATIONS_TOPIC)
        consumer = KafkaClients(self.settings).consumer(
            group_id=consumer_group(self.settings.topic_prefix, f"adapter-{self.folders.name}"),
            auto_offset_reset="earliest",
        )
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            consumer.close()
            raise RuntimeError(
                f"topic {topic} does not exist: run 'complaint-events topics create'"
            )
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        for tp in tps:
            committed = consumer.committed(tp)
            if committed is None:
                consumer.seek_to_beginning(tp)
            else:
                consumer.seek(tp, committed)
        return consumer

    def deliver(self, consumer: KafkaConsumer, *, to_end: bool, wait_ms: int = 500) -> int:
        """Write outbox files for new notifications; ``to_end``: all up to the topic's end."""
        delivered_before = self.stats.delivered
        ends = consumer.end_offsets(list(consumer.assignment())) if to_end else {}
        while True:
            batch = consumer.poll(timeout_ms=wait_ms)
            for records in batch.values():
                for record in records:
                    self._deliver_one(record.value)
            if batch:
                consumer.commit()
            if not to_end:
                break
            if all(consumer.position(tp) >= end for tp, end in ends.items()):
                break
        return self.stats.delivered - delivered_before

    def _deliver_one(self, value: bytes) -> None:
        try:
            note = NotificationV1.from_json_bytes(value)
        except ContractError as error:
            log.warning("%s: skipped a malformed notification: %s", self.processor, error)
            return
        if note.channel not in self.folders.serves:
            return
        thread = self.threads.get(note.channel_ref)
        if thread is None:
            self.stats.undeliverable += 1
            self.report(
                f"{self.folders.name}: notification {note.notification_id} for unknown "
                f"{note.channel}:{note.channel_ref} (not received by this adapter); not delivered"
            )
            return
        written = self.folders.deliver(note, thread, self.outbox)
        if written is not None:
            self.stats.delivered += 1
            self.report(f"{self.folders.name}: {note.kind} for {note.channel_ref} -> {written}")

    # -- the loop ----------------------------------------------------------------------------

    def run(self, *, once: bool, poll_seconds: float, stop: threading.Event) -> RunStats:
        """Poll inbox and notifications until ``stop`` (or one pass, with ``once``)."""
        self.outbox.mkdir(parents=True, exist_ok=True)
        producer = build_producer(self.settings, self.folders.name)
        consumer = self.notifications_consumer()
        try:
            while True:
                self.intake_pending(producer)
                self.deliver(consumer, to_end=once, wait_ms=int(min(poll_seconds, 1.0) * 1000))
                if once or stop.wait(poll_seconds):
                    break
        finally:
            producer.flush()
            producer.close()
            consumer.close()
        return self.stats
