"""The projector as part of a worker: feeds the read models beside the stream processors.

The projector (:mod:`complaint_events.projections.projector`) is a blocking
kafka-python loop; here it runs in a thread that starts and stops with the worker,
and starts again after a failure (its positions are in PostgreSQL, so it resumes
where it stopped).
"""

from __future__ import annotations

import asyncio
import logging
import threading

from complaint_events.adapters.kafka_clients import KafkaClients
from complaint_events.consumers.runtime import Runtime, keep_running
from complaint_events.contracts.topology import EVENTS_DLQ_TOPIC, EVENTS_TOPIC
from complaint_events.observability import metrics
from complaint_events.projections.catalog import ALL_PROJECTIONS
from complaint_events.projections.positions import Target
from complaint_events.projections.projector import Projector, ProjectorStats

log = logging.getLogger("complaint_events.worker.projections")


def register(rt: Runtime) -> None:
    stop = threading.Event()
    settings = rt.settings
    reported = [0]
    deltas = metrics.Deltas()

    def report(stats: ProjectorStats) -> None:
        metrics.observe_projector(deltas, stats)
        if stats.read - reported[0] >= 1000:
            reported[0] = stats.read
            log.info("projections: %d events projected in %d batches", stats.read, stats.batches)

    def run() -> None:
        keep_running(
            "projections",
            stop,
            lambda: Projector(
                settings.postgres_dsn,
                KafkaClients(settings),
                settings.topic(EVENTS_TOPIC),
                [Target.live(p) for p in ALL_PROJECTIONS],
                dead_letter_topic=settings.topic(EVENTS_DLQ_TOPIC),
                clock=rt.clock,
            ).run(stop, on_batch=report),
        )

    @rt.app.task
    async def projections() -> None:
        await asyncio.to_thread(run)

    async def _stop(app: object, **_: object) -> None:
        stop.set()

    rt.app.on_before_shutdown.connect(_stop)  # type: ignore[arg-type]
