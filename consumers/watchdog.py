"""The stall watchdog of a worker: turns a silent stall into an exit, so it is restarted.

faust workers have been seen to stay alive, log nothing and stop consuming after
a broker or database restart. The watchdog is a thread of its own (a stuck event
loop must not silence it) with its own Kafka and PostgreSQL clients. Every few
seconds it reads how far each part of the worker has got and how far it could
(:mod:`complaint_events.consumers.watches`: the consumer group on the partitions assigned to the
worker, the projector, the relay); when a partition has work waiting and its
committed offset (or stored position) has not moved for ``stall_timeout``
seconds (:mod:`complaint_events.consumers.stall_rule`), it logs one error naming the topic and
partitions and ends the process with :data:`EXIT_STALLED`, for its supervisor (compose
``restart: unless-stopped``, systemd ``Restart=on-failure``, Kubernetes) to
restart it. Each round is also recorded in PostgreSQL
(:mod:`complaint_events.consumers.progress_store`) for ``complaint-events health``,
and shown on ``/metrics`` as each partition's lag and time without progress.

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
from collections.abc import Sequence
from itertools import groupby
from typing import Final

import psycopg

from complaint_events.consumers import progress_store
from complaint_events.consumers.stall_rule import Observation, StallRule
from complaint_events.consumers.watches import CannotSeeError, Watch
from complaint_events.observability import metrics
from complaint_events.settings import Settings

log = logging.getLogger("complaint_events.worker.watchdog")

EXIT_STALLED: Final = 70  # EX_SOFTWARE (sysexits.h): the worker stalled and ended itself
_MIN_INTERVAL: Final = 1.0  # seconds between checks, at least


class Watchdog(threading.Thread):
    """Judges the progress of a worker's parts (:mod:`.watches`) every few seconds."""

    def __init__(self, settings: Settings, worker: str, watches: Sequence[Watch]) -> None:
        super().__init__(name=f"stall-watchdog-{worker}", daemon=True)
        self.settings = settings
        self.worker = worker
        self.rules = [(watch, StallRule(settings.stall_timeout)) for watch in watches]
        self.timeout = settings.stall_timeout
        self.interval = max(settings.stall_timeout / 6, _MIN_INTERVAL)
        self.stopping = threading.Event()
        self._blind: dict[str, str] = {}  # watch name -> why it saw nothing last round

    def run(self) -> None:
        # The first line waits one interval: faust sets up the worker's logging meanwhile.
        if self.stopping.wait(self.interval):
            return
        log.info(
            "stall watchdog: worker %s exits if %s makes no progress for %.0f s while work waits",
            self.worker,
            ", ".join(watch.name for watch, _ in self.rules),
            self.timeout,
        )
        while True:
            stalled: list[tuple[Watch, list[Observation]]] = []
            for watch, rule in self.rules:
                try:
                    found = self.check(watch, rule)
                except Exception as error:  # noqa: BLE001 - the watchdog must outlive its faults
                    self._cannot_see(watch, rule, f"the check failed ({error!r})")
                    continue
                if found:
                    stalled.append((watch, found))
            if stalled:
                self._exit(stalled)
            if self.stopping.wait(self.interval):
                return

    def check(self, watch: Watch, rule: StallRule) -> list[Observation]:
        """One round of one watch: observe and record; return what is stalled."""
        try:
            seen = watch.read()
        except CannotSeeError as error:
            self._cannot_see(watch, rule, str(error))
            return []
        now = time.monotonic()
        rule.keep_only(set(seen))
        for partition, (committed, end) in seen.items():
            rule.observe(partition, committed, end, now)
        stalled = rule.stalled(now)
        metrics.PARTITIONS.show(
            watch.name,
            (
                (o.partition.topic, o.partition.partition, o.lag, o.stalled_for(now))
                for o in rule.observations()
            ),
        )
        try:
            progress_store.record(
                self.settings.postgres_dsn,
                watch.name,
                rule.observations(),
                now,
                {o.partition for o in stalled},
            )
        except psycopg.OperationalError as error:
            self._cannot_see(
                watch, rule, f"cannot reach PostgreSQL ({' '.join(str(error).split())})"
            )
            return []
        except psycopg.Error as error:
            log.warning(
                "stall watchdog: could not record the progress of %s: %s", watch.name, error
            )
        if (why := self._blind.pop(watch.name, None)) is not None:
            log.info("stall watchdog: watching %s again (%s no longer)", watch.name, why)
        return stalled

    def _cannot_see(self, watch: Watch, rule: StallRule, why: str) -> None:
        # The worker waits out an outage itself; count its stall time only from when
        # the watchdog can see again, so that it is not killed the moment Kafka returns.
        rule.forget()
        metrics.PARTITIONS.blind(watch.name)
        if watch.name not in self._blind:
            log.warning(
                "stall watchdog: %s: %s; not judging it until it can see again", watch.name, why
            )
        self._blind[watch.name] = why

    def _exit(self, stalled: list[tuple[Watch, list[Observation]]]) -> None:
        now = time.monotonic()
        log.error(
            "worker %s stalled: %s; exiting (code %d) so that the supervisor restarts it",
            self.worker,
            "; ".join(
                f"{watch.label}{where(found)} {'has' if len(found) == 1 else 'have'} "
                f"{sum(o.lag for o in found)} {watch.waiting} waiting and {watch.progress} "
                f"for {min(o.stalled_for(now) for o in found):.0f} s"
                for watch, found in stalled
            ),
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
