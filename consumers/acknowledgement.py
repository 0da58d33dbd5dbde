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

from complaint_events.contracts.commands import AcknowledgeV1
from complaint_events.contracts.events import ComplaintFiledV1
from complaint_events.processing.acknowledgement import (
    acknowledge_command_payload,
    render_acknowledgement,
)
from complaint_events.processing.issuing import as_outgoing, issue
from complaint_events.processing.messages import Outgoing
from complaint_events.settings import EVENTS_TOPIC, NOTIFICATIONS_TOPIC
from consumers.runtime import Runtime

log = logging.getLogger("complaint_events.worker.acknowledgement")

ACTOR = "system:acknowledgement"


def register(rt: Runtime) -> None:
    settings = rt.settings
    policy = settings.deadline_policy()

    @rt.app.agent(rt.topic(EVENTS_TOPIC), name="acknowledgement")
    async def acknowledgement(stream: Any) -> None:
        async for events in stream.take_events(settings.command_batch_size, settings.batch_wait):
            now = rt.clock.now()
            notifications: list[Outgoing] = []
            commands: list[Outgoing] = []
            for event in await rt.decode_events("acknowledgement", events):
                filed = event.typed_payload() if event.event_type == "ComplaintFiled" else None
                if not isinstance(filed, ComplaintFiledV1):
                    continue
                note = render_acknowledgement(
                    case_id=event.case_id, filed=filed, policy=policy, now=now
                )
                notifications.append(
                    Outgoing(NOTIFICATIONS_TOPIC, note.kafka_key(), note.to_json_bytes())
                )
                command = issue(
                    event.case_id,
                    AcknowledgeV1.model_validate(acknowledge_command_payload(note)),
                    purpose="acknowledgement",
                    actor=ACTOR,
                    issued_at=now,
                    correlation_id=event.correlation_id,
                    reason=f"acknowledgement {note.notification_id} sent by {filed.channel}",
                )
                commands.append(as_outgoing(command))
            if notifications:
                # The notification is on its way before the case says it was sent.
                await rt.send(notifications)
                await rt.send(commands)
                log.info("acknowledgement: sent %d acknowledgements", len(notifications))
