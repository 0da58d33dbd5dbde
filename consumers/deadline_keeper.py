"""Deadline keeper: every case's clocks; reminders and expiries go out as commands.

State: table ``pending_deadlines`` in PostgreSQL
(:mod:`complaint_events.adapters.pending_deadlines`), folded from the events
topic with the keeper's position written in the same transaction, so a
restart resumes at once with nothing to load. The agent only folds; a timer
ticks with the injected clock and sends what the table says is due, bounded
per tick; a sweep at start and every ``deadline_sweep_interval`` seconds arms
again whatever is overdue and was not taken (a lost command is late, never
lost). Expiry and reminder commands name their deadline and have ids derived
from it; the case applies each at most once, so keepers killed and restarted
around the due time, or several keepers at once, cannot make a deadline take
effect twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from complaint_events.adapters.kept_connection import KeptConnection
from complaint_events.adapters.pending_deadlines import Firing, PendingDeadlines
from complaint_events.contracts.commands import CommandEnvelopeV1
from complaint_events.contracts.dead_letters import DeadLetter
from complaint_events.processing.deadline_schedule import Action
from complaint_events.processing.issuing import as_outgoing
from complaint_events.processing.messages import Incoming
from complaint_events.settings import EVENTS_DLQ_TOPIC, EVENTS_TOPIC
from consumers.runtime import Runtime, decode_events, incoming, read_up_to

log = logging.getLogger("complaint_events.worker.deadlines")

PROCESSOR = "deadlines"
MAX_PER_TICK = 5000
BATCH_SIZE = 1000  # events folded in one transaction


def register(rt: Runtime) -> None:
    settings = rt.settings
    table = PendingDeadlines(settings.topic(EVENTS_TOPIC))
    partitions = range(settings.partitions)
    folding = KeptConnection(settings.postgres_dsn)  # the agent's
    ticking = KeptConnection(settings.postgres_dsn)  # the timer's
    sweeps = _Sweeps(timedelta(seconds=settings.deadline_sweep_interval))

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
            messages = [incoming(e) for e in events]
            # A batch that fails (not an outage) is folded message by message, and a
            # message that fails alone is dead-lettered: no poison stops the keeper.
            for letters in await rt.each_batch(PROCESSOR, EVENTS_DLQ_TOPIC, messages, fold):
                await rt.dead_letter(EVENTS_DLQ_TOPIC, letters)
            report.seen(len(messages))

    def fire(now: datetime, send: Callable[[list[CommandEnvelopeV1]], None]) -> Firing:
        conn = ticking.get()
        table.create(conn, partitions)
        if sweeps.due():
            armed = table.sweep(conn, now, sweeps.sent_before())
            sweeps.done(armed, table.counts(conn, now))
        return table.fire_due(conn, now, send, MAX_PER_TICK)

    @rt.app.timer(settings.deadline_tick)
    async def tick() -> None:
        now = rt.clock.now()
        sender = rt.sender()

        def send(commands: list[CommandEnvelopeV1]) -> None:
            sender(as_outgoing(c) for c in commands)

        firing = await rt.blocking(PROCESSOR, fire, now, send)
        if firing.actions:
            log.info(
                "deadlines: at %s sent %d expiries and %d reminders",
                now.isoformat(),
                sum(1 for d in firing.actions if d.action is Action.EXPIRE),
                sum(1 for d in firing.actions if d.action is Action.REMIND),
            )


class _Sweeps:
    """When the keeper sweeps: at its start (everything overdue), then every ``interval``."""

    def __init__(self, interval: timedelta) -> None:
        self.interval = interval
        self.last: float | None = None

    def due(self) -> bool:
        return self.last is None or time.monotonic() - self.last >= self.interval.total_seconds()

    def sent_before(self) -> timedelta:
        # At start nothing is in flight from this keeper: arm every overdue deadline.
        return timedelta(0) if self.last is None else self.interval

    def done(self, armed: int, counts: tuple[int, int]) -> None:
        first = self.last is None
        self.last = time.monotonic()
        running, overdue = counts
        if armed and not first:
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
