"""Router: on ComplaintFiled, triage, assign a queue, escalate safety cases, order spot checks."""

from __future__ import annotations

import logging
from typing import Any

from complaint_events.consumers.runtime import Runtime
from complaint_events.contracts.envelope import EventEnvelope
from complaint_events.contracts.topology import EVENTS_TOPIC
from complaint_events.observability.metrics import processing
from complaint_events.processing.issuing import as_outgoing
from complaint_events.processing.messages import Outgoing
from complaint_events.processing.router import route

log = logging.getLogger("complaint_events.worker.router")
# The only events it acts on: others are stepped over by their header, undecoded.
WANTED = frozenset({"ComplaintFiled"})


def register(rt: Runtime) -> None:
    settings = rt.settings

    async def handle(event: EventEnvelope) -> list[Outgoing]:
        return [as_outgoing(c) for c in route(event, rt.clock.now())]

    @rt.app.agent(rt.topic(EVENTS_TOPIC), name="router")
    async def router(stream: Any) -> None:
        async for events in stream.take_events(settings.command_batch_size, settings.batch_wait):
            with processing("router", len(events)):
                commands = await rt.each_event("router", events, handle, only=WANTED)
                if commands:
                    await rt.send(commands, processor="router")
                    log.info("router: issued %d commands for new cases", len(commands))
