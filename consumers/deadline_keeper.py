"""Deadline keeper: every case's clocks; reminders and expiries go out as commands.

State: a faust table keyed by case id — like its source, the events topic, so
faust restores it correctly after a restart — holding each case's pending
(open) deadlines, read from the case store whenever one of its events
arrives. An in-memory schedule (a heap) over that table finds what is due on
each tick of the injected clock. Expiry and reminder commands name their
deadline and have ids derived from it; the case applies each at most once, so
a keeper killed and restarted around the due time cannot make a deadline take
effect twice.
"""

from __future__ import annotations

import logging
import time
from typing import Any
from uuid import UUID

from complaint_events.contracts.envelope import EventEnvelope
from complaint_events.processing.deadline_firing import confirm_due, deadline_command, pendings_of
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
        async for event in stream.events():
            report.seen(schedule)
            await rt.each_event("deadlines", [event], track)

    async def track(envelope: EventEnvelope) -> list[Outgoing]:
        """Note the case's pending deadlines as they stand in the store now."""
        found = await rt.blocking("deadlines", pendings_of, rt.cases, [envelope.case_id])
        pendings = found[envelope.case_id]
        key = str(envelope.case_id)
        value = table_value(pendings)
        if table.get(key) != value:
            table[key] = value
        schedule.replace(envelope.case_id, pendings)
        return []

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

    def seen(self, schedule: DeadlineSchedule) -> None:
        self.events += 1
        if time.monotonic() - self.last >= 1.0:
            log.info(
                "deadlines: read %d events; %d pending deadlines on %d cases",
                self.events,
                len(schedule),
                schedule.cases(),
            )
            self.events, self.last = 0, time.monotonic()
