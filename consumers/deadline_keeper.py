"""Deadline keeper: every case's clocks; reminders and expiries go out as commands.

State: a faust table keyed by case id — like its source, the events topic, so
faust restores it correctly after a restart — holding each case's pending
(open) deadlines, read from the case store whenever one of its events
arrives (events come in batches; the cases of a batch are read in one query,
not one a case). An in-memory schedule (a heap) over that table finds what is
due on each tick of the injected clock. Expiry and reminder commands name their
deadline and have ids derived from it; the case applies each at most once, so
a keeper killed and restarted around the due time cannot make a deadline take
effect twice.
"""

from __future__ import annotations

import logging
import time
import weakref
from contextlib import suppress
from functools import partial
from typing import Any
from uuid import UUID

from faust.streams import _current_event

from complaint_events.contracts.envelope import EventEnvelope
from complaint_events.processing.deadline_firing import (
    Pendings,
    confirm_due,
    deadline_command,
    pendings_of,
)
from complaint_events.processing.deadline_schedule import (
    Action,
    DeadlineSchedule,
    pendings_from_table_value,
    table_value,
)
from complaint_events.processing.issuing import as_outgoing
from complaint_events.processing.messages import Outgoing
from complaint_events.settings import EVENTS_TOPIC
from consumers.runtime import Runtime

log = logging.getLogger("complaint_events.worker.deadlines")

MAX_PER_TICK = 5000
BATCH_SIZE = 1000  # events whose cases are read from the store in one query


def register(rt: Runtime) -> None:
    schedule = DeadlineSchedule()
    table = rt.app.Table(
        "deadlines",
        default=None,
        partitions=rt.settings.partitions,
        # No key/value types: faust then stores plain JSON and restores it as written.
    )

    async def rebuild() -> None:
        schedule.load(
            (UUID(key), pendings_from_table_value(UUID(key), value))
            for key, value in table.items()
            if value
        )
        log.info("deadline keeper recovered %d pending deadlines", len(schedule))

    table.on_recover(rebuild)

    @rt.app.agent(rt.topic(EVENTS_TOPIC), name="deadlines")
    async def deadlines(stream: Any) -> None:
        report = _Progress()
        async for events in stream.take_events(BATCH_SIZE, rt.settings.batch_wait):
            known = await prefetch(events)
            for event in events:
                # A table write goes to the changelog partition of "the current event",
                # which faust sets only for event-by-event iteration, not for batches
                # (faust-streaming/faust#497): say which event it is.
                token = _current_event.set(weakref.ref(event))
                try:
                    await rt.each_event("deadlines", [event], partial(track, known))
                finally:
                    _current_event.reset(token)
            report.seen(len(events), schedule)

    async def track(known: Pendings, envelope: EventEnvelope) -> list[Outgoing]:
        """Note the case's pending deadlines as they stand in the store now."""
        pendings = known.get(envelope.case_id)
        if pendings is None:  # not read with its batch: alone (a case the store lacks raises)
            found = await rt.blocking("deadlines", pendings_of, rt.cases, [envelope.case_id])
            pendings = found[envelope.case_id]
        key = str(envelope.case_id)
        value = table_value(pendings)
        if table.get(key) != value:
            await rt.table_ready(table, EVENTS_TOPIC)
            table[key] = value
        schedule.replace(envelope.case_id, pendings)
        return []

    async def prefetch(events: list[Any]) -> Pendings:
        """The pending deadlines of the batch's cases (the message key is the case id).

        Should the batched read fail for a reason other than an outage, each
        event's case is read alone, so that only the event at fault is
        dead-lettered.
        """
        case_ids = set()
        for event in events:
            with suppress(AttributeError, TypeError, ValueError):
                case_ids.add(UUID(bytes(event.message.key).decode("ascii")))
        try:
            return await rt.blocking(
                "deadlines", partial(pendings_of, skip_missing=True), rt.cases, case_ids
            )
        except Exception:  # outages are waited out by rt.blocking, never raised
            log.exception("deadlines: reading %d cases at once failed; one by one", len(case_ids))
            return {}

    @rt.app.timer(rt.settings.deadline_tick)
    async def tick() -> None:
        now = rt.clock.now()
        first = schedule.due(now, limit=MAX_PER_TICK)
        if not first:
            return
        # Before acting, ask the case store what is pending now: the table may have
        # missed a case's latest events (a worker killed between its offset commit
        # and its changelog write), and must not fire a stale deadline in place of
        # the case's real one.
        fresh = await rt.blocking("deadlines", pendings_of, rt.cases, {d.case_id for d in first})
        due = confirm_due(schedule, first, fresh, now, limit=MAX_PER_TICK)
        if not due:
            return
        await rt.send(as_outgoing(deadline_command(d, now)) for d in due)
        log.info(
            "deadlines: at %s sent %d expiries and %d reminders",
            now.isoformat(),
            sum(1 for d in due if d.action is Action.EXPIRE),
            sum(1 for d in due if d.action is Action.REMIND),
        )


class _Progress:
    """Says what the keeper is doing, at most once a second."""

    def __init__(self) -> None:
        self.events = 0
        self.last = time.monotonic()

    def seen(self, events: int, schedule: DeadlineSchedule) -> None:
        self.events += events
        if time.monotonic() - self.last >= 1.0:
            log.info(
                "deadlines: read %d events; %d pending deadlines on %d cases",
                self.events,
                len(schedule),
                schedule.cases(),
            )
            self.events, self.last = 0, time.monotonic()
