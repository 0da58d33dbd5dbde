"""The stall watchdog of a worker: turns a silent stall into an exit, so it is restarted.

faust workers have been seen to stay alive, log nothing and stop consuming after
a broker or database restart. The watchdog is a thread of its own (a stuck event
loop must not silence it) with its own Kafka clients. Every few seconds it reads
the committed offsets of the worker's consumer group and the end offsets of the
partitions assigned to the worker; when a partition has messages waiting and its
committed offset has not moved for ``stall_timeout`` seconds
(:mod:`consumers.stall_rule`), it logs one error naming the topic and partitions
and ends the process with :data:`EXIT_STALLED`, for its supervisor (compose
``restart: unless-stopped``, systemd ``Restart=on-failure``, Kubernetes) to
restart it. Each round is also recorded in PostgreSQL (:mod:`consumers.progress_store`)
for ``complaint-events health``.

Not a stall: Kafka or PostgreSQL out of reach. The worker waits those out itself,
so the watchdog skips the round and starts counting afresh once both answer.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from itertools import groupby
from typing import Any, Final

import psycopg
from kafka import TopicPartition

from complaint_events.settings import Settings
from consumers import progress_store
from consumers.health import HealthCheckError, kafka_view
from consumers.stall_rule import Observation, Partition, StallRule

log = logging.getLogger("complaint_events.worker.watchdog")

EXIT_STALLED: Final = 70  # EX_SOFTWARE (sysexits.h): the worker stalled and ended itself
_MIN_INTERVAL: Final = 1.0  # seconds between checks, at least

Assigned = Callable[[], set[Partition] | None]


class Watchdog(threading.Thread):
    """Watches one consumer group's progress on the partitions this worker holds."""

    def __init__(
        self,
        settings: Settings,
        worker: str,
        group: str,
        topics: Sequence[str],
        assigned: Assigned,
    ) -> None:
        super().__init__(name=f"stall-watchdog-{worker}", daemon=True)
        self.settings = settings
        self.worker = worker
        self.group = group
        self.topics = list(topics)
        self.assigned = assigned
        self.rule = StallRule(settings.stall_timeout)
        self.interval = max(settings.stall_timeout / 6, _MIN_INTERVAL)
        self.stopping = threading.Event()
        self._blind: str | None = None  # why the last round saw nothing, if it did not

    def run(self) -> None:
        # The first line waits one interval: faust sets up the worker's logging meanwhile.
        if self.stopping.wait(self.interval):
            return
        log.info(
            "stall watchdog: worker %s exits if %s makes no progress for %.0f s while "
            "messages wait",
            self.worker,
            ", ".join(self.topics),
            self.rule.timeout,
        )
        while True:
            try:
                self.check()
            except Exception as error:  # noqa: BLE001 - the watchdog must outlive its own faults
                self._cannot_see(f"the check failed ({error!r})")
            if self.stopping.wait(self.interval):
                return

    def check(self) -> None:
        """One round: observe, record, and end the process if a partition is stalled."""
        try:
            with kafka_view(self.settings, client_id="complaint-events-watchdog") as kafka:
                watched = self._watched(kafka)
                tps = [TopicPartition(p.topic, p.partition) for p in watched]
                ends = kafka.end_offsets(tps)
                committed = kafka.committed(self.group)
        except HealthCheckError as error:  # Kafka out of reach is not a stall
            self._cannot_see(str(error))
            return
        except Exception as error:  # noqa: BLE001 - nor is a fault of the watchdog's client
            self._cannot_see(f"cannot read offsets from Kafka ({error!r})")
            return
        now = time.monotonic()
        self.rule.keep_only(set(watched))
        for p, tp in zip(watched, tps, strict=True):
            self.rule.observe(p, committed.get(tp), ends[tp], now)
        stalled = self.rule.stalled(now)
        try:
            progress_store.record(
                self.settings.postgres_dsn,
                self.group,
                self.rule.observations(),
                now,
                {o.partition for o in stalled},
            )
        except psycopg.OperationalError as error:
            self._cannot_see(f"cannot reach PostgreSQL ({' '.join(str(error).split())})")
            return
        except psycopg.Error as error:
            log.warning("stall watchdog: could not record progress: %s", error)
        if self._blind is not None:
            log.info("stall watchdog: watching again (%s no longer)", self._blind)
            self._blind = None
        if stalled:
            self._exit(stalled)

    def _watched(self, kafka: Any) -> list[Partition]:
        """This worker's partitions of its source topics; all of them if faust cannot say."""
        mine = self.assigned()
        if mine is not None:
            return sorted(p for p in mine if p.topic in self.topics)
        return sorted(
            Partition(tp.topic, tp.partition) for t in self.topics for tp in kafka.partitions(t)
        )

    def _cannot_see(self, why: str) -> None:
        # The worker waits out an outage itself; count its stall time only from when
        # the watchdog can see again, so that it is not killed the moment Kafka returns.
        self.rule.forget()
        if self._blind is None:
            log.warning("stall watchdog: %s; not judging until it can see again", why)
        self._blind = why

    def _exit(self, stalled: list[Observation]) -> None:
        log.error(
            "worker %s stalled: %s %s %d messages waiting and no offset committed for %.0f s; "
            "exiting (code %d) so that the supervisor restarts it",
            self.worker,
            where(stalled),
            "has" if len(stalled) == 1 else "have",
            sum(o.lag for o in stalled),
            min(o.stalled_for(time.monotonic()) for o in stalled),
            EXIT_STALLED,
        )
        _flush_logs()
        # Not sys.exit: faust's own shutdown may be what is stuck.
        os._exit(EXIT_STALLED)


def where(observations: Sequence[Observation]) -> str:
    """``topic[0,2], other[1]``: the partitions of the observations, topic by topic."""
    parts = sorted(o.partition for o in observations)
    return ", ".join(
        f"{topic}[{','.join(str(p.partition) for p in group)}]"
        for topic, group in groupby(parts, key=lambda p: p.topic)
    )


def _flush_logs() -> None:
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    for logger in loggers:
        for handler in getattr(logger, "handlers", ()):
            with contextlib.suppress(Exception):  # exiting anyway: flush what can be
                handler.flush()
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # closed: nothing more can be said there
            pass
