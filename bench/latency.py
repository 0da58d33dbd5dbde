"""Latency at a steady offered load: how long a consumer waits for the acknowledgement.

    scripts/devstack up && eval "$(scripts/devstack env)"
    .venv/bin/python bench/latency.py --rates 100 500 --seconds 30

For each rate, on a fresh database and topic prefix, the workers start as an
operator runs them (one ``complaint-events worker all`` process by default,
the product's default settings, the system clock). A warm-up complaint is
filed and waited for (consumer groups joined, tables created); then
complaints are offered at RATE a second for SECONDS, each intake message sent
at its own moment (kafka-python, ``acks=all``, no linger), not in bursts.

- **Filed** is the moment the broker acknowledged the intake message: when
  the channel adapter's send returns.
- **Acknowledgement sent** is the ``AcknowledgementSent`` event's time, which
  ``case_summary.acknowledged_at`` carries (the command processor records it
  on the system clock of this machine).
- **Visible in case_summary** is the moment this benchmark first read the
  case's row: it polls the read model every POLL_SECONDS for the cases it has
  not seen yet, so this figure is late by up to that much.

Figures per rate: p50, p99 and the maximum of filed -> acknowledgement sent
and filed -> visible in ``case_summary``, in ms, and the rate actually
offered. Results go to ``bench/results/latency.json``. The target (issue 16):
filed -> acknowledgement sent p99 at most 1 s at 100 complaints a second.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID

import psycopg
from end_to_end import LAYOUTS
from kafka import KafkaProducer
from support import (
    CLI,
    Figure,
    HelpFormatter,
    delete_topics,
    fresh_database,
    intake_message,
    print_figures,
    stop_worker,
    worker_env,
    write_results,
)

from complaint_events.adapters.kafka_topics import ensure_topics
from complaint_events.contracts.intake import IntakeMessageV1
from complaint_events.contracts.topology import INTAKE_TOPIC
from complaint_events.domain.problem_index import case_id_for
from complaint_events.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results" / "latency.json"
POLL_SECONDS = 0.02
WARM_UP_TIMEOUT = 60.0  # seconds for the workers to start and acknowledge one case
DRAIN_TIMEOUT = 120.0  # seconds after the last complaint for every one to be acknowledged
KEPT_PACE_SLACK = 5.0
"""Seconds after the last complaint was offered within which the last acknowledgement
must come for the rate to count as sustained: later, a backlog grew while it was offered."""
WARM_UP = 10_000_000  # the warm-up complaint's number: no offered one repeats it
READ = "SELECT case_id, acknowledged_at FROM read_models.case_summary WHERE case_id = ANY(%s)"


class LatencyRunError(RuntimeError):
    """The workers died, or cases were not acknowledged in time."""


@dataclass
class Case:
    """One offered complaint's moments, in seconds since the epoch."""

    filed: float | None = None
    acknowledged: float | None = None
    visible: float | None = None


@dataclass
class Watch:
    """Which offered cases the read model shows, and when it first showed them."""

    dsn: str
    cases: dict[UUID, Case] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)

    def filed(self, case_id: UUID) -> Callable[[object], None]:
        """The producer's callback: the broker has the case's intake message."""

        def record(_metadata: object) -> None:
            with self.lock:
                self.cases.setdefault(case_id, Case()).filed = time.time()

        return record

    def waiting(self) -> list[UUID]:
        with self.lock:
            return [i for i, c in self.cases.items() if c.filed and c.acknowledged is None]

    def poll(self) -> None:
        """Read the cases not yet acknowledged, every POLL_SECONDS, until stopped."""
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            while not self.stop.is_set():
                started = time.monotonic()
                waiting = self.waiting()
                if waiting:
                    try:
                        rows = conn.execute(READ, (waiting,)).fetchall()
                    except psycopg.errors.UndefinedTable:  # the projector has not started yet
                        rows = []
                    seen = time.time()
                    with self.lock:
                        for case_id, acknowledged_at in rows:
                            case = self.cases[case_id]
                            case.visible = case.visible or seen
                            if acknowledged_at is not None:
                                case.acknowledged = acknowledged_at.timestamp()
                self.stop.wait(max(0.0, POLL_SECONDS - (time.monotonic() - started)))

    def done(self) -> bool:
        with self.lock:
            return all(c.acknowledged is not None for c in self.cases.values())


def encoded(n: int, run: str) -> tuple[UUID, bytes, bytes]:
    """Intake message ``n`` of this run (its own channel ref): its case id, key and value."""
    message = intake_message(n)
    message["channel_ref"] = f"{run}-{message['channel_ref']}"
    intake = IntakeMessageV1.model_validate(message)
    case_id = case_id_for(intake.to_details().channel_key)
    return case_id, intake.kafka_key(), json.dumps(message, ensure_ascii=False).encode()


def offer(
    producer: KafkaProducer, topic: str, watch: Watch, messages: list[tuple[UUID, bytes, bytes]],
    rate: float,
) -> float:  # fmt: skip
    """Send the messages at ``rate`` a second, each at its own moment; the rate achieved."""
    started = time.monotonic()
    for i, (case_id, key, value) in enumerate(messages):
        delay = started + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)  # pacing the offered load, not waiting for a result
        producer.send(topic, key=key, value=value).add_callback(watch.filed(case_id))
    producer.flush()
    return len(messages) / max(time.monotonic() - started, 1e-9)


class DrainTimeoutError(LatencyRunError):
    """The workers had not caught up with the offered load in time."""


def wait_until(done: Callable[[], bool], timeout: float, workers: list[subprocess.Popen[bytes]],
               what: str) -> None:  # fmt: skip
    deadline = time.monotonic() + timeout
    while not done():
        if any(w.poll() is not None for w in workers):
            raise LatencyRunError(f"a worker exited while waiting for {what}")
        if time.monotonic() > deadline:
            raise DrainTimeoutError(f"{what}: not done within {timeout:.0f} s")
        time.sleep(0.05)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def measure_rate(
    settings: Settings, admin_dsn: str, rate: float, seconds: float, layout: str, keep: bool
) -> list[Figure]:
    """Offer ``rate`` complaints a second for ``seconds``; the latency figures."""
    prefix = f"bench{uuid.uuid4().hex[:8]}."
    workdir = Path(tempfile.mkdtemp(prefix=f"latency-{rate:g}-"))
    workers: list[subprocess.Popen[bytes]] = []
    logs: list[Path] = []
    waited_until: float | None = None  # set when not every case was acknowledged in time
    with fresh_database(admin_dsn, keep) as dsn:
        mine = settings.model_copy(update={"postgres_dsn": dsn, "topic_prefix": prefix})
        ensure_topics(mine)
        producer = KafkaProducer(bootstrap_servers=mine.kafka_bootstrap, acks="all", linger_ms=0)
        watch = Watch(dsn)
        poller = threading.Thread(target=watch.poll, name="latency-poll", daemon=True)
        try:
            for i, names in enumerate(LAYOUTS[layout]):
                logs.append(workdir / f"worker-{i}.log")
                env = worker_env(mine, workdir / f"data-{i}", COMPLAINTS_CLOCK="system")
                with logs[-1].open("wb") as out:
                    command = [str(CLI), "worker", *names]
                    workers.append(
                        subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
                    )
            poller.start()
            topic = mine.topic(INTAKE_TOPIC)
            offer(producer, topic, watch, [encoded(WARM_UP, "warm-up")], rate=1.0)
            wait_until(watch.done, WARM_UP_TIMEOUT, workers, "the warm-up complaint")
            with watch.lock:
                watch.cases.clear()
            count = max(1, round(rate * seconds))
            messages = [encoded(n, "load") for n in range(count)]
            print(f"latency: offering {count:,} complaints at {rate:g}/s", file=sys.stderr)
            offered = offer(producer, topic, watch, messages, rate)
            offered_until = time.time()
            try:
                wait_until(watch.done, DRAIN_TIMEOUT, workers, f"{count:,} acknowledgements")
            except DrainTimeoutError as error:
                # A rate the workers cannot sustain is a result, not a failed run: the
                # cases still waiting count with the time they waited (a lower bound).
                print(f"latency: {error}; the backlog grew: {rate:g}/s not sustained",
                      file=sys.stderr)  # fmt: skip
                waited_until = time.time()
        except LatencyRunError:
            for log in logs:
                print(f"\n--- {log} (tail)\n{log.read_text(errors='replace')[-3000:]}",
                      file=sys.stderr)  # fmt: skip
            raise
        finally:
            watch.stop.set()
            producer.close()
            for worker in workers:
                stop_worker(worker)
            if poller.is_alive():
                poller.join(5)
            if not keep:
                delete_topics(mine.kafka_bootstrap, prefix)
                shutil.rmtree(workdir, ignore_errors=True)
    cases = list(watch.cases.values())
    return figures_of(rate, offered, cases, layout, waited_until, offered_until)


def figures_of(
    rate: float,
    offered: float,
    cases: list[Case],
    layout: str,
    waited_until: float | None = None,
    offered_until: float | None = None,
) -> list[Figure]:
    """The latency figures; with ``waited_until``, cases not yet acknowledged or visible
    count with the time they had waited by then (the figures are then lower bounds).

    A rate is sustained when the last acknowledgement came within ``KEPT_PACE_SLACK``
    seconds of the last complaint offered (``offered_until``); when it came later, every
    case was acknowledged but a backlog grew while the load was offered, and the note
    says so: such latencies measure the queue, not the pipeline.
    """

    def waits(moment: Callable[[Case], float | None]) -> list[float]:
        ends = ((c.filed, moment(c) or waited_until) for c in cases)
        return [1000 * (end - filed) for filed, end in ends if filed and end]

    acknowledged, visible = waits(lambda c: c.acknowledged), waits(lambda c: c.visible)
    note = f"{len(cases):,} complaints offered at {offered:,.1f}/s, layout {layout}"
    bound = ""
    if waited_until is not None:
        waiting = sum(1 for c in cases if c.acknowledged is None)
        note += (
            f"; NOT SUSTAINED: {waiting:,} not acknowledged {DRAIN_TIMEOUT:.0f} s after the "
            "last was offered, counted with the time they had waited (lower bounds)"
        )
        bound = "at least (not sustained)"
    elif offered_until is not None:
        last = max((c.acknowledged for c in cases if c.acknowledged), default=offered_until)
        behind = last - offered_until
        if behind > KEPT_PACE_SLACK:
            note += (
                f"; NOT SUSTAINED: the last acknowledgement came {behind:,.1f} s after the "
                "last complaint was offered (a backlog grew)"
            )
            bound = "not sustained: a backlog grew"
    figures = [Figure(f"ours.latency_offered.{rate:g}", f"offered load ({rate:g}/s asked)",
                      offered, "cases/s", note)]  # fmt: skip
    for key, label, values in (
        ("ack", "filed -> acknowledgement sent", acknowledged),
        ("summary", "filed -> visible in case_summary", visible),
    ):
        for stat, value in (
            ("p50", statistics.median(values)),
            ("p99", percentile(values, 99)),
            ("max", max(values)),
        ):
            figures.append(Figure(f"ours.latency_{key}_{stat}.{rate:g}",
                                  f"{label} {stat} at {rate:g}/s", value, "ms", bound))  # fmt: skip
    return figures


def measure(
    kafka_bootstrap: str, admin_dsn: str, keep: bool, *, rates: tuple[float, ...] = (100, 500),
    seconds: float = 30.0, layout: str = "all",
) -> list[Figure]:  # fmt: skip
    """The latency figures at each offered rate (``bench/run_all.py`` calls this)."""
    settings = Settings(store="postgres", kafka_bootstrap=kafka_bootstrap, partitions=3)
    figures: list[Figure] = []
    for rate in rates:
        figures += measure_rate(settings, admin_dsn, rate, seconds, layout, keep)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=HelpFormatter)
    parser.add_argument("--rates", type=float, nargs="+", default=[100.0, 500.0],
                        help="offered loads, complaints a second")  # fmt: skip
    parser.add_argument("--seconds", type=float, default=30.0,
                        help="how long each load is offered")  # fmt: skip
    parser.add_argument("--layout", choices=sorted(LAYOUTS), default="all",
                        help="one worker process (all) or three (split)")  # fmt: skip
    parser.add_argument("--keep", action="store_true",
                        help="keep the databases, topics and workers' logs")  # fmt: skip
    args = parser.parse_args()
    base = Settings()
    admin_dsn = os.environ.get("COMPLAINTS_POSTGRES_DSN", base.postgres_dsn)
    bootstrap = os.environ.get("COMPLAINTS_KAFKA_BOOTSTRAP", base.kafka_bootstrap)
    try:
        figures = measure(bootstrap, admin_dsn, args.keep, rates=tuple(args.rates),
                          seconds=args.seconds, layout=args.layout)  # fmt: skip
    except LatencyRunError as error:
        sys.exit(f"latency: {error}")
    print_figures("Latency at a steady offered load", figures)
    write_results(RESULTS, {"benchmark": "latency", "rates": args.rates,
                            "seconds": args.seconds, "layout": args.layout}, figures)  # fmt: skip


if __name__ == "__main__":
    main()
