"""Intake processor: ``complaints.intake.v1`` -> cases filed in the event store.

Batches of intake messages are filed in one transaction each; a message that
does not match the intake contract goes to ``complaints.intake.dlq.v1`` with its
original bytes and field errors, and the batch goes on.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from complaint_events.consumers.runtime import Runtime, incoming
from complaint_events.contracts.topology import INTAKE_DLQ_TOPIC, INTAKE_TOPIC
from complaint_events.observability.metrics import processing
from complaint_events.processing.intake_processor import IntakeProcessor

log = logging.getLogger("complaint_events.worker.intake")


def register(rt: Runtime) -> None:
    settings = rt.settings

    @rt.app.agent(rt.topic(INTAKE_TOPIC), name="intake")
    async def intake(stream: Any) -> None:
        processor = IntakeProcessor(rt.cases, rt.clock)
        async for events in stream.take_events(settings.intake_batch_size, settings.batch_wait):
            with processing("intake", len(events)):
                started = time.perf_counter()
                messages = [incoming(e) for e in events]
                # A batch that fails (not an outage) is filed again one message at a time, and
                # the message at fault is dead-lettered: the agent never stops on bad input.
                reports = await rt.each_batch(
                    "intake", INTAKE_DLQ_TOPIC, messages, processor.process
                )
                for report in reports:
                    await rt.dead_letter(INTAKE_DLQ_TOPIC, report.dead_letters)
            log.info(
                "intake: %d messages -> %d cases opened, %d duplicates, %d dead-lettered (%.0f ms)",
                len(messages),
                sum(r.opened for r in reports),
                sum(r.duplicates for r in reports),
                len(messages) - sum(len(r.filed) for r in reports),
                (time.perf_counter() - started) * 1000,
            )
