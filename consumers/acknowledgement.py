"""Acknowledgement: on ComplaintFiled, send the consumer a notification and record it.

The notification (Chinese or English, in the channel's style, soothing when the
complaint shows distress) goes to ``notifications.outbound.v1`` for the channel
adapters; then an ``acknowledge`` command records AcknowledgementSent. Both
have ids derived from the case, so a replay sends the same notification id
(adapters deliver it once) and the command is not applied twice.
"""

from __future__ import annotations

import logging
from typing import Any

from complaint_events.consumers.runtime import Runtime
from complaint_events.contracts.envelope import EventEnvelope
from complaint_events.contracts.topology import EVENTS_TOPIC, NOTIFICATIONS_TOPIC
from complaint_events.observability.metrics import processing
from complaint_events.processing.acknowledgement import acknowledge
from complaint_events.processing.issuing import as_outgoing
from complaint_events.processing.messages import Outgoing

log = logging.getLogger("complaint_events.worker.acknowledgement")
# The only events it acts on: others are stepped over by their header, undecoded.
WANTED = frozenset({"ComplaintFiled"})


def register(rt: Runtime) -> None:
    settings = rt.settings
    policy = settings.deadline_policy()

    async def handle(event: EventEnvelope) -> list[Outgoing]:
        decided = acknowledge(event, policy, rt.clock.now())
        if decided is None:
            return []
        note, command = decided
        return [
            Outgoing(NOTIFICATIONS_TOPIC, note.kafka_key(), note.to_json_bytes()),
            as_outgoing(command),
        ]

    @rt.app.agent(rt.topic(EVENTS_TOPIC), name="acknowledgement")
    async def acknowledgement(stream: Any) -> None:
        async for events in stream.take_events(settings.command_batch_size, settings.batch_wait):
            with processing("acknowledgement", len(events)):
                out = await rt.each_event("acknowledgement", events, handle, only=WANTED)
                notifications = [m for m in out if m.topic == NOTIFICATIONS_TOPIC]
                if notifications:
                    # The notification is on its way before the case says it was sent.
                    await rt.send(notifications, processor="acknowledgement")
                    await rt.send(
                        (m for m in out if m.topic != NOTIFICATIONS_TOPIC),
                        processor="acknowledgement",
                    )
                    log.info("acknowledgement: sent %d acknowledgements", len(notifications))
