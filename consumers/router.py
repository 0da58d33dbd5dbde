"""Router: on ComplaintFiled, triage, assign a queue, escalate safety cases, order spot checks."""

from __future__ import annotations

import logging
from typing import Any

from complaint_events.processing.issuing import as_outgoing
from complaint_events.processing.router import route
from complaint_events.settings import EVENTS_TOPIC
from consumers.runtime import Runtime

log = logging.getLogger("complaint_events.worker.router")


def register(rt: Runtime) -> None:
    settings = rt.settings

    @rt.app.agent(rt.topic(EVENTS_TOPIC), name="router")
    async def router(stream: Any) -> None:
        async for events in stream.take_events(settings.command_batch_size, settings.batch_wait):
            now = rt.clock.now()
            commands = [
                command
                for event in await rt.decode_events("router", events)
                if event.event_type == "ComplaintFiled"
                for command in route(event, now)
            ]
            if commands:
                await rt.send(as_outgoing(c) for c in commands)
                log.info("router: issued %d commands for new cases", len(commands))
