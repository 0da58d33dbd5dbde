"""Batch-quality detector: many complaints on one SKU raise one alert and one spot check.

Two agents. The first reads case events: each ComplaintFiled is forwarded,
keyed by SKU, to an internal topic; and a failed batch spot-check result
recorded on one linked case is passed on to every other linked case. The
second reads the by-SKU topic into a faust table keyed by SKU — keyed like its
source, so faust restores it correctly — and decides (pure
:mod:`complaint_events.processing.batch_window`) when to raise the alert on the
SKU's aggregate and link the cases. Alert ids follow from the SKU and the
first case, and command ids from the alert, so a replay raises nothing twice.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any
from uuid import UUID

from complaint_events.contracts.envelope import EventEnvelope
from complaint_events.processing.batch_alerts import alert_commands, passed_on_results
from complaint_events.processing.batch_window import (
    BatchPolicy,
    LinkToBatchAlert,
    RaiseBatchAlert,
    SkuWindow,
    record,
)
from complaint_events.processing.issuing import as_outgoing
from complaint_events.processing.messages import Outgoing, dead_letter
from complaint_events.settings import EVENTS_DLQ_TOPIC, EVENTS_TOPIC
from consumers.runtime import Runtime, incoming

log = logging.getLogger("complaint_events.worker.batch-quality")
# The only events it acts on: others are stepped over by their header, undecoded.
WANTED = frozenset({"ComplaintFiled", "SpotCheckResultRecorded"})

BY_SKU_TOPIC = "complaints.batch-quality.by-sku.v1"


def register(rt: Runtime) -> None:
    settings = rt.settings
    policy = BatchPolicy(
        threshold=settings.batch_alert_threshold, window=settings.batch_alert_window
    )
    by_sku = rt.topic(BY_SKU_TOPIC, internal=True)
    windows = rt.app.Table(
        "sku-windows",
        default=None,
        partitions=settings.partitions,
        # No key/value types: faust then stores plain JSON and restores it as written.
    )

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
            return await rt.blocking("batch-quality", _pass_on_result, rt, event)
        return []

    @rt.app.agent(rt.topic(EVENTS_TOPIC), name="batch-quality")
    async def batch_quality(stream: Any) -> None:
        async for events in stream.take_events(settings.command_batch_size, settings.batch_wait):
            outgoing = await rt.each_event("batch-quality", events, handle, only=WANTED)
            if outgoing:
                await rt.send(outgoing)
                log.info("batch-quality: passed on %d complaints and results", len(outgoing))

    @rt.app.agent(by_sku, name="batch-quality-by-sku")
    async def count_by_sku(stream: Any) -> None:
        async for event in stream.events():
            try:
                await count(event)
            except Exception as error:
                log.exception("batch-quality: could not count a complaint")
                letter = dead_letter(
                    incoming(event),
                    reason=f"batch-quality failed: {error!r}"[:1000],
                    processor="batch-quality",
                    failed_at=rt.clock.now(),
                )
                await rt.dead_letter(EVENTS_DLQ_TOPIC, [letter])

    async def count(event: Any) -> None:
        filed = json.loads(event.message.value)
        sku, case_id = filed["sku"], UUID(filed["case_id"])
        filed_at = datetime.fromisoformat(filed["filed_at"])
        state = windows.get(sku)
        before = SkuWindow.from_value(state) if state else SkuWindow()
        after, decision = record(before, case_id, filed_at, sku, policy)
        if isinstance(decision, RaiseBatchAlert | LinkToBatchAlert):
            # The alert and the links first, the window after: killed in between, the
            # replay decides the same alert (same id) again instead of forgetting it.
            commands = await rt.blocking("batch-quality", _alert, rt, decision)
            await rt.send(commands)
        if after != before:
            await rt.table_ready(windows, BY_SKU_TOPIC)
            windows[sku] = after.to_value()


def _alert(rt: Runtime, decision: RaiseBatchAlert | LinkToBatchAlert) -> list[Outgoing]:
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
        log.info("batch-quality: case %s linked to alert %s", decision.case_id, decision.alert_id)
    return [as_outgoing(c) for c in commands]


def _pass_on_result(rt: Runtime, event: EventEnvelope) -> list[Outgoing]:
    """A failed batch spot check recorded on one linked case reaches all the others."""
    commands = passed_on_results(rt.cases, event, rt.clock.now())
    if commands:
        log.warning(
            "batch-quality: %s failed its batch spot check; passing the result to %d cases",
            event.case_id,
            len(commands),
        )
    return [as_outgoing(c) for c in commands]
