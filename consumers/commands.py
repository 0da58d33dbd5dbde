"""Command processor: ``complaints.commands.v1`` -> case events, and an outcome for each.

Commands are applied in batches (one transaction per batch); each outcome goes
to ``complaints.command-results.v1`` keyed by command id. A message that is not
a command goes to ``complaints.commands.dlq.v1`` with the reason.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from complaint_events.adapters.command_results import command_results
from complaint_events.consumers.runtime import Runtime, incoming
from complaint_events.contracts.topology import COMMANDS_DLQ_TOPIC, COMMANDS_TOPIC
from complaint_events.observability.json_logs import case_fields
from complaint_events.observability.metrics import processing
from complaint_events.processing.command_processor import CommandProcessor

log = logging.getLogger("complaint_events.worker.commands")


def register(rt: Runtime) -> None:
    settings = rt.settings

    @rt.app.agent(rt.topic(COMMANDS_TOPIC), name="commands")
    async def commands(stream: Any) -> None:
        processor = CommandProcessor(rt.cases, rt.clock, command_results(settings))
        async for events in stream.take_events(settings.command_batch_size, settings.batch_wait):
            with processing("commands", len(events)):
                started = time.perf_counter()
                messages = [incoming(e) for e in events]
                reports = await rt.each_batch(
                    "commands", COMMANDS_DLQ_TOPIC, messages, processor.process
                )
                for report in reports:
                    await rt.send(report.outgoing(), processor="commands")
                    await rt.dead_letter(COMMANDS_DLQ_TOPIC, report.dead_letters)
                    for result in report.results:
                        if result.outcome == "rejected":
                            log.info(
                                "commands: rejected %s on case %s: %s",
                                result.command_id,
                                result.case_id,
                                result.reason,
                                extra=case_fields(result.case_id),
                            )
            log.info(
                "commands: %d messages -> %d accepted, %d rejected (%.0f ms)",
                len(messages),
                sum(r.accepted for r in reports),
                sum(r.rejected for r in reports),
                (time.perf_counter() - started) * 1000,
            )
