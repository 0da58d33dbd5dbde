"""The faust app of a worker: one processor alone, or all of them together.

A processor started alone is its own faust app, whose id is its consumer
group; ``all`` puts every processor in one app for small installs. Either way
the agents are the same thin adapters over :mod:`complaint_events.processing`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Final

import faust
from kafka.errors import KafkaError

from complaint_events.adapters.kafka_topics import ensure_topics
from complaint_events.clock import Clock, clock_from_spec
from complaint_events.consumers import (
    acknowledgement,
    batch_quality,
    commands,
    deadline_keeper,
    intake,
    projector_service,
    relay_service,
    router,
)
from complaint_events.consumers.eager_delivery import use_eager_delivery
from complaint_events.consumers.health import PROJECTIONS, RELAY
from complaint_events.consumers.runtime import Runtime
from complaint_events.consumers.stall_rule import Partition
from complaint_events.consumers.topology import PROCESSORS, app_id, app_name, resolve
from complaint_events.consumers.watchdog import Watchdog
from complaint_events.consumers.watches import GroupWatch, ProjectionsWatch, RelayWatch, Watch
from complaint_events.observability import metrics
from complaint_events.observability.json_logs import worker_logging_config
from complaint_events.observability.metrics_server import serve_metrics
from complaint_events.settings import Settings

log = logging.getLogger("complaint_events.worker")
_MAX_WAIT = 10.0  # seconds between attempts to reach Kafka at start-up
_BOOTSTRAP_TIMEOUT_MS = 5_000  # one attempt: then say so, and try again (was 30 s of silence)
_METADATA_MAX_AGE_MS = 5_000
# Bytes a fetch brings per partition (faust's default is 1 MiB). While a worker catches
# up on a backlog, the consumer holds a full fetch of every assigned partition: at
# 256 KiB the deadline keeper folding 100,000 events peaked at 129 MiB instead of 150
# (bench/deadline_lag.py), and folded as fast. A larger record still arrives whole
# (the broker returns the first batch of a partition whatever the limit, KIP-74).
_FETCH_BYTES_PER_PARTITION = 256 * 1024

Registrar = Callable[[Runtime], None]
"""Registers one processor's agents, timers and threads on a worker's runtime."""


def _one_per_processor(registrars: dict[str, Registrar]) -> dict[str, Registrar]:
    """``registrars`` in the topology table's order; fails at import unless one per processor."""
    missing = [name for name in PROCESSORS if name not in registrars]
    unknown = [name for name in registrars if name not in PROCESSORS]
    if missing or unknown:
        raise RuntimeError(
            f"worker registrars do not match the topology table's processors: "
            f"missing {missing}, not in the table {unknown}"
        )
    return {name: registrars[name] for name in PROCESSORS}


REGISTRARS: Final = _one_per_processor(
    {
        "intake": intake.register,
        "commands": commands.register,
        "acknowledgement": acknowledgement.register,
        "deadlines": deadline_keeper.register,
        "router": router.register,
        "batch-quality": batch_quality.register,
        "projections": projector_service.register,
        "relay": relay_service.register,
    }
)


def build_app(settings: Settings, names: Sequence[str], clock: Clock | None = None) -> faust.App:
    """A faust app running the named processors (``["all"]`` for every one)."""
    return build_runtime(settings, names, clock).app


def build_runtime(settings: Settings, names: Sequence[str], clock: Clock | None = None) -> Runtime:
    """The worker's runtime: its faust app with the named processors registered."""
    chosen = resolve(list(names))
    name = app_name(chosen)
    consuming = _consumes(chosen)
    session = timedelta(seconds=settings.kafka_session_timeout)
    datadir = settings.worker_data_dir / app_id(settings, name)
    datadir.parent.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        app_id(settings, name),
        broker=[f"kafka://{server}" for server in settings.kafka_bootstrap.split(",")],
        store="memory://",
        autodiscover=False,
        web_enabled=False,
        topic_partitions=settings.partitions,
        topic_replication_factor=1,
        table_standby_replicas=0,
        broker_session_timeout=session.total_seconds(),
        broker_heartbeat_interval=max(session.total_seconds() / 5, 0.5),
        broker_commit_interval=settings.kafka_commit_interval,
        consumer_auto_offset_reset="earliest",
        producer_compression_type="lz4",
        producer_acks=-1,
        datadir=str(datadir),
        # On SIGTERM, let the batches in hand finish before stopping. Without the wait,
        # faust cancels an agent mid-batch and its take_events acks the whole batch on
        # the way out, and the final commit then moves the group past events never
        # handled: a chaos run lost the acknowledgements of a batch so.
        stream_wait_empty=True,
        # No faust tables and no leader election: every topic a worker reads is made
        # by `topics create` before it starts, and durable state lives in PostgreSQL
        # (faust tables hang in recovery around broker restarts: faust-streaming/faust
        # #651, #176, #175). A worker without agents (relay, projections) still needs
        # one topic to subscribe to: faust's leader topic, made by run_worker first.
        topic_disable_leader=consuming,
        # A topic created moments before the worker started may be missing from the
        # consumer's first metadata; faust's default (5 min) would leave it unassigned
        # that long (robinhood/faust#499). Refresh every few seconds instead.
        consumer_metadata_max_age_ms=_METADATA_MAX_AGE_MS,
        consumer_max_fetch_size=_FETCH_BYTES_PER_PARTITION,
    )
    use_eager_delivery(app)
    runtime = Runtime(settings=settings, app=app, clock=clock or clock_from_spec(settings.clock))
    for processor in chosen:
        REGISTRARS[processor](runtime)
    return runtime


def run_worker(settings: Settings, names: Sequence[str], loglevel: str = "info") -> None:
    """Serve its metrics, create missing topics, then run the worker until it is stopped
    (SIGINT/SIGTERM).

    A worker started while Kafka is down waits for it (as a running worker
    waits out an outage) instead of exiting; its ``/metrics`` answer meanwhile.
    """
    chosen = resolve(list(names))
    serve_metrics(settings, f"worker {app_name(chosen)}")
    metrics.announce(_agents(chosen))
    leader = [] if _consumes(chosen) else [leader_topic(settings, chosen)]
    created = _ensure_topics_waiting(settings, leader)
    if created:
        log.info("created topics: %s", ", ".join(created))
    runtime = build_runtime(settings, chosen)
    watch(settings, runtime.app, chosen)
    worker = faust.Worker(
        runtime.app,
        loglevel=loglevel,
        quiet=True,
        logging_config=worker_logging_config(settings.log_format, loglevel),
    )
    stop = threading.Event()
    for name, loop in runtime.background.items():
        # Daemons: a worker that exits (a signal, a crash) does not wait for them.
        threading.Thread(target=loop, args=(stop,), name=name, daemon=True).start()
    try:
        worker.execute_from_commandline()
    finally:
        stop.set()


def _agents(chosen: Sequence[str]) -> list[str]:
    """The processor labels of the faust agents of ``chosen``, whose batches are counted
    and timed (batch-quality has two agents; the relay and the projector are threads)."""
    labels = [name for name in chosen if name not in (RELAY, PROJECTIONS)]
    if batch_quality.PROCESSOR in chosen:
        labels.append(batch_quality.BY_SKU)
    return labels


def _consumes(chosen: Sequence[str]) -> bool:
    """Whether any of the processors has an agent reading a topic."""
    return any(PROCESSORS[name].sources for name in chosen)


def leader_topic(settings: Settings, chosen: Sequence[str]) -> str:
    """faust's leader-election topic of the worker running ``chosen`` (faust's naming)."""
    return f"{app_id(settings, app_name(list(chosen)))}-__assignor-__leader"


def watch(settings: Settings, app: faust.App, names: Sequence[str]) -> Watchdog | None:
    """Start the stall watchdog of a worker (unless COMPLAINTS_STALL_TIMEOUT is 0).

    It watches the worker's consumer group (if its processors consume topics),
    the projector and the relay (if it runs them). Until faust has started the
    app, the group is watched on every partition of the source topics; from
    then on only on those assigned to this worker.
    """
    chosen = resolve(list(names))
    if settings.stall_timeout <= 0:
        return None
    name = app_name(chosen)
    watches: list[Watch] = []
    topics = sorted({settings.topic(s) for p in chosen for s in PROCESSORS[p].sources})
    if topics:
        watches.append(GroupWatch(settings, app_id(settings, name), topics, _assigned(app)))
    if PROJECTIONS in chosen:
        watches.append(ProjectionsWatch(settings))
    if RELAY in chosen:
        watches.append(RelayWatch(settings))
    watchdog = Watchdog(settings, name, watches)
    watchdog.start()
    return watchdog


def _assigned(app: faust.App) -> Callable[[], set[Partition] | None]:
    """The partitions faust assigned to this worker (None until the app has started)."""
    started = threading.Event()

    @app.task
    async def tell_watchdog_started() -> None:
        started.set()

    def assigned() -> set[Partition] | None:
        if not started.is_set():
            return None
        try:
            # Read from another thread: copy at once, and give up on any surprise.
            return {Partition(tp.topic, tp.partition) for tp in list(app.consumer.assignment())}
        except Exception:  # noqa: BLE001 - then the watchdog watches every partition
            return None

    return assigned


def _ensure_topics_waiting(settings: Settings, single_partition: list[str]) -> list[str]:
    delay = 1.0
    while True:
        try:
            return ensure_topics(
                settings, single_partition, bootstrap_timeout_ms=_BOOTSTRAP_TIMEOUT_MS
            )
        except KafkaError as error:
            log.warning(
                "Kafka at %s cannot be reached (%s); waiting for it, trying again in %.0f s",
                settings.kafka_bootstrap,
                error,
                delay,
            )
            time.sleep(delay)
            delay = min(delay * 2, _MAX_WAIT)
