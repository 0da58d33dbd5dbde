"""Deadline keeper: every case's clocks; reminders and expiries go out as commands.

State: table ``pending_deadlines`` in PostgreSQL
(:mod:`complaint_events.adapters.pending_deadlines`), folded from the events
topic with the keeper's position written in the same transaction, so a
restart resumes at once with nothing to load. The faust agent only folds; a
ticker thread, running from the worker's start, ticks with the injected clock
and sends what the table says is due, bounded per tick; a sweep at start and
every ``deadline_sweep_interval`` seconds arms
again whatever is overdue and was not taken (a lost command is late, never
lost). Expiry and reminder commands name their deadline and have ids derived
from it; the case applies each at most once, so keepers killed and restarted
around the due time, or several keepers at once, cannot make a deadline take
effect twice.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import suppress
from datetime import timedelta
from typing import Any

from kafka import KafkaProducer

from complaint_events.adapters.kept_connection import KeptConnection
from complaint_events.adapters.pending_deadlines import PendingDeadlines
from complaint_events.bootstrap import build_producer
from complaint_events.consumers.runtime import Runtime, decode_events, incoming, read_up_to
from complaint_events.contracts.commands import CommandEnvelopeV1
from complaint_events.contracts.dead_letters import DeadLetter
from complaint_events.contracts.topology import COMMANDS_TOPIC, EVENTS_DLQ_TOPIC, EVENTS_TOPIC
from complaint_events.observability import metrics
from complaint_events.processing.deadline_schedule import Action
from complaint_events.processing.issuing import as_outgoing
from complaint_events.processing.messages import Incoming

log = logging.getLogger("complaint_events.worker.deadlines")

PROCESSOR = "deadlines"
MAX_PER_TICK = 5000
BATCH_SIZE = 1000  # events folded in one transaction
_FIRST_RETRY, _MAX_RETRY = 0.5, 10.0  # seconds between tries of a tick during an outage
COUNT_EVERY = 10.0  # seconds between counts of the table for the metrics (a scan of it)


def register(rt: Runtime) -> None:
    settings = rt.settings
    table = PendingDeadlines(settings.topic(EVENTS_TOPIC))
    partitions = range(settings.partitions)
    folding = KeptConnection(settings.postgres_dsn)

    def fold(messages: list[Incoming]) -> list[DeadLetter]:
        """Fold the batch's case events into the table; the rest come back as dead letters."""
        events, letters = decode_events(PROCESSOR, messages, rt.clock.now())
        conn = folding.get()
        table.create(conn, partitions)
        table.apply(conn, events, read_up_to(messages))
        return letters

    @rt.app.agent(rt.topic(EVENTS_TOPIC), name=PROCESSOR)
    async def deadlines(stream: Any) -> None:
        report = _Progress()
        async for events in stream.take_events(BATCH_SIZE, settings.batch_wait):
            with metrics.processing(PROCESSOR, len(events)):
                messages = [incoming(e) for e in events]
                # A batch that fails (not an outage) is folded message by message, and a
                # message that fails alone is dead-lettered: no poison stops the keeper.
                for letters in await rt.each_batch(PROCESSOR, EVENTS_DLQ_TOPIC, messages, fold):
                    await rt.dead_letter(EVENTS_DLQ_TOPIC, letters)
            report.seen(len(messages))

    # Its own table object: each thread creates the table once, on its own connection.
    rt.background["deadline-ticker"] = _Ticker(rt, PendingDeadlines(table.topic)).run


class _Ticker:
    """The keeper's clock: every ``deadline_tick`` seconds, send what the table says is due.

    A thread of its own with its own idempotent producer, not a faust timer: faust
    starts timers only once the consumer group has assigned its partitions, and a
    keeper restarted after a crash must fire at once, whatever its group is doing
    (the folding agent may rejoin later; due deadlines are in the table already).
    """

    def __init__(self, rt: Runtime, table: PendingDeadlines) -> None:
        self.settings = rt.settings
        self.clock = rt.clock
        self.table = table
        self.connection = KeptConnection(rt.settings.postgres_dsn)
        self.sweeps = _Sweeps(timedelta(seconds=rt.settings.deadline_sweep_interval))
        self.topic = rt.settings.topic(COMMANDS_TOPIC)
        self.producer: KafkaProducer | None = None
        self.counted_at: float | None = None

    def run(self, stop: threading.Event) -> None:
        delay = _FIRST_RETRY
        while not stop.is_set():
            started = time.monotonic()
            try:
                self.tick()
                delay = _FIRST_RETRY
            except Exception as error:  # noqa: BLE001 - an outage: said, waited out, tried again
                log.warning("deadlines: tick failed (%s); trying again in %.1f s", error, delay)
                self._drop_producer()
                stop.wait(delay)
                delay = min(delay * 2, _MAX_RETRY)
                continue
            stop.wait(max(self.settings.deadline_tick - (time.monotonic() - started), 0.0))
        self._drop_producer()
        self.connection.close()

    def tick(self) -> None:
        now = self.clock.now()
        conn = self.connection.get()
        self.table.create(conn, range(self.settings.partitions))
        firing = self.table.fire_due(conn, now, self.send, MAX_PER_TICK)
        # After firing: a restarted keeper sends what is due at once; what the sweep
        # arms (a full scan of the table) goes out on the next tick.
        if self.sweeps.due():
            armed = self.table.sweep(conn, now, self.sweeps.interval)
            self.sweeps.done(armed, self._counted(self.table.counts(conn, now)))
        elif self.counted_at is None or time.monotonic() - self.counted_at >= COUNT_EVERY:
            self._counted(self.table.counts(conn, now))
        if firing.actions:
            expiries = sum(1 for d in firing.actions if d.action is Action.EXPIRE)
            reminders = len(firing.actions) - expiries
            metrics.DEADLINES_FIRED.labels("expire").inc(expiries)
            metrics.DEADLINES_FIRED.labels("remind").inc(reminders)
            log.info(
                "deadlines: at %s sent %d expiries and %d reminders",
                now.isoformat(),
                expiries,
                reminders,
            )

    def _counted(self, counts: tuple[int, int]) -> tuple[int, int]:
        """Show the table's counts in the metrics; return them."""
        running, overdue = counts
        metrics.DEADLINES_PENDING.set(running)
        metrics.DEADLINES_OVERDUE.set(overdue)
        self.counted_at = time.monotonic()
        return counts

    def send(self, commands: list[CommandEnvelopeV1]) -> None:
        """Send the commands and return once Kafka has taken every one (else raise)."""
        if self.producer is None:
            self.producer = build_producer(self.settings, client_id="complaint-events-deadlines")
        futures = [
            self.producer.send(self.topic, key=m.key, value=m.value)
            for m in (as_outgoing(c) for c in commands)
        ]
        self.producer.flush()
        for future in futures:
            future.get(timeout=0)  # raises if Kafka refused the message

    def _drop_producer(self) -> None:
        if self.producer is not None:
            with suppress(Exception):
                self.producer.close(timeout=1)
            self.producer = None


class _Sweeps:
    """When the keeper sweeps: at its start, then every ``interval``.

    A sweep arms again only what was sent at least ``interval`` ago, at start
    too: what another keeper sent a moment ago is in flight, not lost (a
    command is recorded as sent only once Kafka has taken it), and a keeper
    starting beside a running one must not send it a second time.
    """

    def __init__(self, interval: timedelta) -> None:
        self.interval = interval
        self.last: float | None = None

    def due(self) -> bool:
        return self.last is None or time.monotonic() - self.last >= self.interval.total_seconds()

    def done(self, armed: int, counts: tuple[int, int]) -> None:
        first = self.last is None
        self.last = time.monotonic()
        running, overdue = counts
        if armed and not first:
            metrics.DEADLINES_REARMED.inc(armed)
            log.warning(
                "deadlines: sweep armed %d overdue deadlines again whose command did not "
                "take effect within %s",
                armed,
                self.interval,
            )
        log.info(
            "deadlines: %s: %d running deadlines, %d overdue%s",
            "start-up sweep" if first else "sweep",
            running,
            overdue,
            f", {armed} armed to fire now" if armed else "",
        )


class _Progress:
    """Says what the keeper is doing, at most once a second."""

    def __init__(self) -> None:
        self.events = 0
        self.last = time.monotonic()

    def seen(self, events: int) -> None:
        self.events += events
        if time.monotonic() - self.last >= 1.0:
            log.info("deadlines: folded %d events", self.events)
            self.events, self.last = 0, time.monotonic()
