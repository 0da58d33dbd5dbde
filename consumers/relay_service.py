"""The relay as part of a worker: follows the event store, publishes to the events topic.

The relay itself (:mod:`complaint_events.relay`) is a blocking loop on
kafka-python; here it runs in a thread that starts and stops with the worker.
"""

from __future__ import annotations

import asyncio
import logging
import threading

from complaint_events.bootstrap import build_relay
from complaint_events.consumers.runtime import Runtime, keep_running
from complaint_events.contracts.topology import EVENTS_TOPIC
from complaint_events.observability import metrics
from complaint_events.relay import RelayStats

log = logging.getLogger("complaint_events.worker.relay")


def register(rt: Runtime) -> None:
    stop = threading.Event()
    deltas = metrics.Deltas()

    def report(stats: RelayStats) -> None:
        metrics.observe_relay(deltas, stats, EVENTS_TOPIC)
        log.info(
            "relay: published %d events so far (position %d, %d skipped as already published)",
            stats.published,
            stats.position,
            stats.skipped_already_on_topic,
        )

    def run() -> None:
        # A fresh relay after a failure re-reads what is already on the topic.
        keep_running(
            "relay",
            stop,
            lambda: build_relay(rt.settings, rt.cases).run(
                stop, idle_wait=rt.settings.relay_idle_wait, on_batch=report
            ),
        )

    @rt.app.task
    async def relay() -> None:
        task = asyncio.create_task(asyncio.to_thread(run))
        try:
            await asyncio.shield(task)
        finally:
            stop.set()
            await task

    async def _stop(app: object, **_: object) -> None:
        stop.set()

    rt.app.on_before_shutdown.connect(_stop)  # type: ignore[arg-type]
