"""Batch-quality detector: many complaints on one SKU raise one alert and one spot check.

Two agents. The first reads case events: each ComplaintFiled is forwarded,
keyed by SKU, to the internal by-SKU topic (so one SKU is always counted by
one worker); and a failed batch spot-check result recorded on one linked case
is passed on to every other linked case. The second reads the by-SKU topic and
keeps each SKU's window in PostgreSQL (:mod:`complaint_events.adapters.sku_windows`):
a batch is decided (pure :mod:`complaint_events.processing.batch_window`), the
alert recorded on the SKU's aggregate and the link commands sent, and only
then the windows and the detector's position written, in one transaction.
Alert ids follow from the SKU and the first case, and command ids from the
alert, so a replay raises nothing twice.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any
from uuid import UUID

from complaint_events.adapters.kept_connection import KeptConnection
from complaint_events.adapters.sku_windows import Decision, FiledOnSku, SkuWindows
from complaint_events.consumers.runtime import Runtime, incoming, letter_for, read_up_to
from complaint_events.contracts.dead_letters import DeadLetter
from complaint_events.contracts.envelope import EventEnvelope
from complaint_events.contracts.topology import BY_SKU_TOPIC, EVENTS_DLQ_TOPIC, EVENTS_TOPIC
from complaint_events.observability.json_logs import case_fields
from complaint_events.observability.metrics import processing
from complaint_events.processing.batch_alerts import alert_commands, passed_on_results
from complaint_events.processing.batch_window import BatchPolicy, RaiseBatchAlert
from complaint_events.processing.issuing import as_outgoing
from complaint_events.processing.messages import Incoming, Outgoing, Sender

log = logging.getLogger("complaint_events.worker.batch-quality")
# The only events it acts on: others are stepped over by their header, undecoded.
WANTED = frozenset({"ComplaintFiled", "SpotCheckResultRecorded"})
PROCESSOR = "batch-quality"
BY_SKU = "batch-quality-by-sku"  # its second agent, counted apart in the metrics


def register(rt: Runtime) -> None:
    settings = rt.settings
    policy = BatchPolicy(
        threshold=settings.batch_alert_threshold, window=settings.batch_alert_window
    )
    windows = SkuWindows(settings.topic(BY_SKU_TOPIC), policy)
    counting = KeptConnection(settings.postgres_dsn)

    async def handle(event: EventEnvelope) -> list[Outgoing]:
        if event.event_type == "ComplaintFiled":
            sku = str(event.payload["sku"])
            filed = {
                "case_id": str(event.case_id),
                "sku": sku,
                "filed_at": event.recorded_at.isoformat(),
            }
            return [Outgoing(BY_SKU_TOPIC, sku.encode(), json.dumps(filed).encode())]
        if event.event_type == "SpotCheckResultRecorded":
            return await rt.blocking(PROCESSOR, _pass_on_result, rt, event)
        return []

    @rt.app.agent(rt.topic(EVENTS_TOPIC), name=PROCESSOR)
    async def batch_quality(stream: Any) -> None:
        async for events in stream.take_events(settings.command_batch_size, settings.batch_wait):
            with processing(PROCESSOR, len(events)):
                outgoing = await rt.each_event(PROCESSOR, events, handle, only=WANTED)
                if outgoing:
                    await rt.send(outgoing, processor=PROCESSOR)
                    log.info("batch-quality: passed on %d complaints and results", len(outgoing))

    @rt.app.agent(rt.topic(BY_SKU_TOPIC), name=BY_SKU)
    async def count_by_sku(stream: Any) -> None:
        async for events in stream.take_events(settings.command_batch_size, settings.batch_wait):
            with processing(BY_SKU, len(events)):
                messages = [incoming(e) for e in events]
                send = rt.sender(BY_SKU)

                def count(batch: list[Incoming], send: Sender = send) -> list[DeadLetter]:
                    return _count(rt, windows, counting, batch, send)

                # A batch that fails (not an outage) is counted message by message, and a
                # message that fails alone is dead-lettered: no poison stops the detector.
                for letters in await rt.each_batch(PROCESSOR, EVENTS_DLQ_TOPIC, messages, count):
                    await rt.dead_letter(EVENTS_DLQ_TOPIC, letters)


def _count(
    rt: Runtime,
    windows: SkuWindows,
    counting: KeptConnection,
    messages: list[Incoming],
    send: Sender,
) -> list[DeadLetter]:
    """Count a batch of the by-SKU topic; what is not a filed complaint comes back as letters."""
    filed: list[FiledOnSku] = []
    letters: list[DeadLetter] = []
    for message in messages:
        try:
            filed.append(_filed_on_sku(message))
        except (ValueError, KeyError, TypeError) as error:
            reason = f"batch-quality: not a filed complaint on a SKU: {error!r}"
            letters.append(letter_for(message, PROCESSOR, reason, None, rt.clock.now()))

    def act(decisions: list[Decision]) -> None:
        send(command for decision in decisions for command in _alert(rt, decision))

    conn = counting.get()
    windows.create(conn, range(rt.settings.partitions))
    windows.count(conn, filed, read_up_to(messages), act)
    return letters


def _filed_on_sku(message: Incoming) -> FiledOnSku:
    filed = json.loads(message.value)
    filed_at = datetime.fromisoformat(filed["filed_at"])
    if filed_at.tzinfo is None:
        raise ValueError("filed_at must be timezone-aware")
    return FiledOnSku(
        partition=message.partition or 0,
        offset=message.offset or 0,
        sku=str(filed["sku"]),
        case_id=UUID(filed["case_id"]),
        filed_at=filed_at,
    )


def _alert(rt: Runtime, decision: Decision) -> list[Outgoing]:
    """Record the alert (or the new link) on the SKU; link the case(s) to it."""
    commands = alert_commands(rt.cases, decision, rt.clock.now())
    if isinstance(decision, RaiseBatchAlert):
        log.warning(
            "batch-quality: alert %s on SKU %s: %d complaints within %s; spot check ordered",
            decision.alert_id,
            decision.sku,
            len(commands),
            decision.window,
        )
    else:
        log.info(
            "batch-quality: case %s linked to alert %s",
            decision.case_id,
            decision.alert_id,
            extra=case_fields(decision.case_id),
        )
    return [as_outgoing(c) for c in commands]


def _pass_on_result(rt: Runtime, event: EventEnvelope) -> list[Outgoing]:
    """A batch spot check's result recorded on one linked case reaches all the others."""
    commands = passed_on_results(rt.cases, event, rt.clock.now())
    if commands:
        log.warning(
            "batch-quality: batch spot check on %s found %s; passing the result to %d cases",
            event.case_id,
            event.payload.get("outcome"),
            len(commands),
            extra=case_fields(event.case_id, event.correlation_id),
        )
    return [as_outgoing(c) for c in commands]
