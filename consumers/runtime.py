"""What every faust agent of a worker shares: settings, clock, case store, topics, sending.

Agents stay thin: they turn faust events into :class:`Incoming` messages, hand
them to the processor logic in :mod:`complaint_events.processing` (in a thread:
the event store's drivers block), and send what it returns. Sends wait for
Kafka's acknowledgement before the agent takes its next batch, so a consumed
offset is committed only after its output is safely on the broker
(at least once; every handler is idempotent, so a replay changes nothing).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import faust
import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError
from pydantic import ValidationError

from complaint_events.application.cases import ComplaintCases
from complaint_events.bootstrap import build_cases
from complaint_events.clock import Clock
from complaint_events.contracts.dead_letters import DeadLetter, field_errors
from complaint_events.contracts.envelope import HEADER_EVENT_TYPE, EventEnvelope, decode_event
from complaint_events.contracts.topology import EVENTS_DLQ_TOPIC
from complaint_events.observability import metrics
from complaint_events.observability.json_logs import case_fields
from complaint_events.processing.messages import Incoming, Outgoing, Sender, dead_letter
from complaint_events.projections.positions import SourceEvent
from complaint_events.settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

# Failures of the infrastructure, not of the message: wait and try again, never dead-letter.
TRANSIENT = (psycopg.OperationalError, OperationalError, InterfaceError, ConnectionError)


@dataclass
class Runtime:
    """The shared parts of one worker process."""

    settings: Settings
    app: faust.App
    clock: Clock
    _cases: ComplaintCases | None = None
    _topics: dict[str, Any] = field(default_factory=dict)
    background: dict[str, Callable[[threading.Event], None]] = field(default_factory=dict)
    """Loops run in threads of their own from the worker's start, apart from faust (whose
    timers and tasks start only once the consumer group has assigned its partitions);
    each runs until the event it is given is set."""

    @property
    def cases(self) -> ComplaintCases:
        """The case store, opened on first use (one connection pool per worker)."""
        if self._cases is None:
            self._cases = build_cases(self.settings)
        return self._cases

    def topic(self, name: str, *, internal: bool = False) -> Any:
        """The faust topic for a logical topic name; raw bytes in and out."""
        if name not in self._topics:
            self._topics[name] = self.app.topic(
                self.settings.topic(name),
                key_type=bytes,
                value_type=bytes,
                key_serializer="raw",
                value_serializer="raw",
                partitions=self.settings.partitions,
                internal=internal,
            )
        return self._topics[name]

    async def send(self, messages: Iterable[Outgoing], *, processor: str | None) -> int:
        """Send messages and wait until Kafka has taken every one of them.

        ``processor``: whose output they are, counted in ``complaints_messages_out``
        (None for dead letters, which are counted as such).
        """
        sent = list(messages)
        pending = [
            await self.topic(message.topic).send(
                key=message.key,
                value=message.value,
                headers=list(message.headers) or None,
                force=True,  # now, not attached to the consumed event
            )
            for message in sent
        ]
        for future in pending:
            await future
        if processor is not None:
            metrics.count_sent(processor, (m.topic for m in sent))
        return len(pending)

    async def dead_letter(self, topic: str, letters: Sequence[DeadLetter]) -> None:
        """Put messages that could not be processed on a dead-letter topic, with the reason."""
        if not letters:
            return
        await self.send(
            (Outgoing(topic, d.key, d.value, tuple(d.headers())) for d in letters), processor=None
        )
        metrics.count_dead_letters(topic, letters)
        for letter in letters:
            log.warning(
                "%s: dead-lettered a message from %s[%s]@%s to %s: %s",
                letter.processor,
                letter.source_topic,
                letter.source_partition,
                letter.source_offset,
                self.settings.topic(topic),
                letter.reason,
            )

    async def blocking(self, what: str, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn`` in a thread; wait out database or network outages, retrying."""
        delay = 0.5
        while True:
            try:
                return await asyncio.to_thread(fn, *args)
            except TRANSIENT as error:
                log.warning("%s: %s; retrying in %.1f s", what, error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    def sender(self, processor: str) -> Sender:
        """A way to :meth:`send` ``processor``'s output from a worker thread (call this in
        the event loop).

        The thread waits until Kafka has taken the messages: a transaction kept
        open around the call commits only what was really sent.
        """
        loop = asyncio.get_running_loop()

        def send(messages: Iterable[Outgoing]) -> None:
            asyncio.run_coroutine_threadsafe(
                self.send(list(messages), processor=processor), loop
            ).result()

        return send

    async def each_event(
        self,
        processor: str,
        events: Sequence[Any],
        handle: Callable[[EventEnvelope], Awaitable[Iterable[Outgoing]]],
        only: frozenset[str] | None = None,
    ) -> list[Outgoing]:
        """Handle case events one by one; what cannot be handled is dead-lettered, not retried.

        An undecodable message, or one whose handling fails for a reason other than
        an outage (a case this store does not know, a bug), goes to the events
        dead-letter topic with the reason, and the processor goes on: no crash loop.
        With ``only``, an event whose ``event_type`` header names another type is
        stepped over without being decoded (one without the header is decoded).
        """
        out: list[Outgoing] = []
        letters: list[DeadLetter] = []
        for event in events:
            message = incoming(event)
            if only is not None and (kind := _event_type(message)) is not None and kind not in only:
                continue
            try:
                envelope = decode_event(message.value)
            except ValidationError as error:
                letters.append(
                    self._letter(message, processor, f"not a valid case event: {error}", error)
                )
                continue
            try:
                out.extend(await handle(envelope))
            except Exception as error:
                log.exception(
                    "%s: could not handle %s",
                    processor,
                    envelope.event_id,
                    extra=case_fields(envelope.case_id, envelope.correlation_id),
                )
                letters.append(
                    self._letter(message, processor, f"{processor} failed: {error!r}", None)
                )
        await self.dead_letter(EVENTS_DLQ_TOPIC, letters)
        return out

    async def each_batch(
        self,
        processor: str,
        dlq_topic: str,
        messages: list[Incoming],
        process: Callable[[list[Incoming]], R],
    ) -> list[R]:
        """``process`` the batch; if it fails (not an outage), each message alone.

        A message that fails on its own is dead-lettered with the reason, so one
        poison message neither stops the processor nor holds back the others.
        """
        try:
            return [await self.blocking(processor, process, messages)]
        except Exception:
            log.exception("%s: a batch of %d failed; retrying one by one", processor, len(messages))
        reports: list[R] = []
        for message in messages:
            try:
                reports.append(await self.blocking(processor, process, [message]))
            except Exception as error:  # noqa: BLE001 - dead-lettered with its reason
                await self.dead_letter(
                    dlq_topic,
                    [self._letter(message, processor, f"{processor} failed: {error!r}", None)],
                )
        return reports

    def _letter(
        self, message: Incoming, processor: str, reason: str, error: ValidationError | None
    ) -> DeadLetter:
        return letter_for(message, processor, reason, error, self.clock.now())


_FIRST_RESTART, _MAX_RESTART = 1.0, 10.0  # seconds before a failed loop is run again
_HEALTHY_RUN = 10.0  # a run that lasted this long starts the back-off afresh


def keep_running(what: str, stop: threading.Event, run: Callable[[], None]) -> None:
    """Run a blocking loop (the relay, the projector) until ``stop``; again after a failure.

    Failures that follow one another are waited out 1, 2, 4 … up to 10 s apart;
    a run that lasted a while starts that count afresh, so an outage late in a
    worker's life is waited out as briefly as its first (a relay that had failed
    through an earlier outage stood idle 30 s after a later one: its back-off had
    never been reset).
    """
    delay = _FIRST_RESTART
    while not stop.is_set():
        started = time.monotonic()
        try:
            run()
        except Exception:
            if time.monotonic() - started >= _HEALTHY_RUN:
                delay = _FIRST_RESTART
            log.exception("%s: failed; restarting in %.0f s", what, delay)
            stop.wait(delay)
            delay = min(delay * 2, _MAX_RESTART)


def letter_for(
    message: Incoming, processor: str, reason: str, error: ValidationError | None, now: datetime
) -> DeadLetter:
    """The dead letter of a message ``processor`` could not handle, with the reason."""
    return dead_letter(
        message,
        reason=reason[:1000],
        errors=field_errors(error) if error is not None else (),
        processor=processor,
        failed_at=now,
    )


def decode_events(
    processor: str, messages: Sequence[Incoming], now: datetime
) -> tuple[list[SourceEvent], list[DeadLetter]]:
    """The case events among ``messages``, with where each was read; the rest as dead letters."""
    events: list[SourceEvent] = []
    letters: list[DeadLetter] = []
    for message in messages:
        try:
            envelope = decode_event(message.value)
        except ValidationError as error:
            reason = f"not a valid case event: {error}"
            letters.append(letter_for(message, processor, reason, error, now))
            continue
        events.append(SourceEvent(message.partition or 0, message.offset or 0, envelope))
    return events, letters


def read_up_to(messages: Iterable[Incoming]) -> dict[int, int]:
    """Partition -> the offset after the last of ``messages`` read there."""
    ends: dict[int, int] = {}
    for message in messages:
        partition, offset = message.partition or 0, message.offset or 0
        ends[partition] = max(ends.get(partition, 0), offset + 1)
    return ends


def _event_type(message: Incoming) -> str | None:
    """The event type the relay wrote in the headers; None (decode to find out) if absent."""
    for key, value in message.headers:
        if key == HEADER_EVENT_TYPE:
            return value.decode("utf-8", "replace")
    return None


def incoming(event: Any) -> Incoming:
    """The processor's view of one consumed faust event."""
    message = event.message
    headers = message.headers or ()
    if isinstance(headers, dict):
        headers = headers.items()
    return Incoming(
        value=message.value if message.value is not None else b"",
        key=message.key,
        headers=tuple((str(k), bytes(v)) for k, v in headers),
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
    )
