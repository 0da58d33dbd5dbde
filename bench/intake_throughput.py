"""Intake throughput: cases filed per second by ONE ``complaint-events worker intake``.

Pre-loads N valid, distinct intake messages onto a fresh intake topic, starts
one intake worker on a fresh PostgreSQL database, and watches the event store
fill up. Prints the figures and writes them to
``bench/results/intake_throughput.json``. Needs the local stack:

    scripts/devstack up && eval "$(scripts/devstack env)"
    .venv/bin/python bench/intake_throughput.py --cases 20000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import suppress
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from kafka import KafkaProducer
from kafka.errors import KafkaError
from support import (
    CLI,
    Figure,
    delete_topics,
    encoded_messages,
    fresh_database,
    stop_worker,
    worker_env,
)

from complaint_events.adapters.kafka_topics import ensure_topics
from complaint_events.contracts.topology import INTAKE_TOPIC
from complaint_events.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results" / "intake_throughput.json"
# eventsourcing's PostgreSQL recorder keeps the "complaints" application's events in
# one table; the filing event's topic ends with the @event name of ComplaintCase.__init__.
COUNT_FILED = "SELECT count(*) FROM complaints_events WHERE topic LIKE '%ComplaintFiled'"
POLL_SECONDS = 0.2
BATCH_LINE = re.compile(r"intake: (\d+) messages -> (\d+) cases opened.*\((\d+) ms\)")


@dataclass
class Figures:
    """What one run measured."""

    cases: int
    batch_size: int
    partitions: int
    produce_seconds: float
    produce_rate: float  # messages/s
    startup_seconds: float  # worker start -> first case stored
    steady_seconds: float  # first case stored -> N-th case stored
    filing_rate: float  # cases/s over steady_seconds (cases after the first poll / time)
    end_to_end_seconds: float  # worker start -> N-th case stored
    end_to_end_rate: float  # cases/s including startup
    batches: int
    mean_batch: float
    batch_ms_p50: float
    batch_ms_p95: float
    batch_ms_total: float  # time inside the processor, summed over batches
    measured_at: str
    host: str


def produce(settings: Settings, pairs: list[tuple[bytes, bytes]]) -> float:
    """Put the messages on the intake topic; return the seconds from first send to flushed."""
    producer = KafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap,
        acks="all",
        linger_ms=5,
        batch_size=256 * 1024,
    )
    topic = settings.topic(INTAKE_TOPIC)
    try:
        started = time.perf_counter()
        for key, value in pairs:
            producer.send(topic, key=key, value=value)
        producer.flush()
        return time.perf_counter() - started
    finally:
        producer.close()


def start_worker(
    settings: Settings, batch_size: int, data_dir: Path, log_path: Path
) -> subprocess.Popen[bytes]:
    env = worker_env(settings, data_dir, COMPLAINTS_INTAKE_BATCH_SIZE=str(batch_size))
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [str(CLI), "worker", "intake"], env=env, stdout=log, stderr=subprocess.STDOUT
        )


def count_filed(conn: psycopg.Connection[Any]) -> int:
    """Cases filed so far (0 until the worker has created the event store's table)."""
    try:
        row = conn.execute(COUNT_FILED).fetchone()
    except psycopg.errors.UndefinedTable:
        return 0
    return int(row[0]) if row else 0


class WorkerDiedError(RuntimeError):
    """The worker exited, or stopped filing, before all cases were filed."""


def watch(
    dsn: str, cases: int, worker: subprocess.Popen[bytes], stall_timeout: float
) -> tuple[float, int, float, float]:
    """Poll the event store until N cases are filed.

    Returns (started, filed at first sighting, first sighting, N-th case seen),
    all perf_counter seconds; the worker started at ``started``.
    """
    started = time.perf_counter()
    first_at: float | None = None
    first_count = 0
    last_line = last_change = started
    last_line_count = previous = 0
    with psycopg.connect(dsn, autocommit=True) as conn:
        while True:
            if worker.poll() is not None:
                raise WorkerDiedError(f"the worker exited with status {worker.returncode}")
            filed = count_filed(conn)
            now = time.perf_counter()
            if filed > 0 and first_at is None:
                first_at, first_count = now, filed
            if filed != previous:
                previous, last_change = filed, now
            elif now - last_change > stall_timeout:
                raise WorkerDiedError(f"no case filed for {stall_timeout:.0f} s")
            if filed >= cases:
                assert first_at is not None
                print(f"  {now - started:6.1f} s  filed {filed:>7}/{cases}  done")
                return started, first_count, first_at, now
            if now - last_line >= 1.0:
                rate = (filed - last_line_count) / (now - last_line)
                print(f"  {now - started:6.1f} s  filed {filed:>7}/{cases}  {rate:8.0f} cases/s")
                last_line, last_line_count = now, filed
            time.sleep(POLL_SECONDS)


def batch_stats(log_text: str) -> tuple[int, float, float, float, float]:
    """(batches, mean size, p50 ms, p95 ms, total ms) of the worker's per-batch log lines."""
    batches = [(int(m[1]), int(m[3])) for m in BATCH_LINE.finditer(log_text)]
    if not batches:
        return 0, 0.0, 0.0, 0.0, 0.0
    sizes = [size for size, _ in batches]
    millis = sorted(ms for _, ms in batches)
    p95 = millis[min(len(millis) - 1, round(0.95 * (len(millis) - 1)))]
    return (
        len(batches),
        statistics.fmean(sizes),
        float(statistics.median(millis)),
        float(p95),
        float(sum(millis)),
    )


def measure(kafka_bootstrap: str, admin_dsn: str, n: int, keep: bool = False) -> list[Figure]:
    """The intake figures for ``bench/run_all.py`` (default batch size, 3 partitions)."""
    args = argparse.Namespace(cases=n, batch_size=500, partitions=3, keep=keep, stall_timeout=120.0)
    f = run(args, kafka_bootstrap, admin_dsn)
    report(f)
    return [
        Figure(
            "ours.intake",
            "intake -> case stored (one intake worker)",
            f.filing_rate,
            "cases/s",
            f"{f.end_to_end_rate:,.0f} cases/s including worker start; batch {f.batch_size}",
        )
    ]


def run(
    args: argparse.Namespace, bootstrap: str | None = None, admin_dsn: str | None = None
) -> Figures:
    base = Settings()
    admin_dsn = admin_dsn or os.environ.get("COMPLAINTS_POSTGRES_DSN", base.postgres_dsn)
    bootstrap = bootstrap or os.environ.get("COMPLAINTS_KAFKA_BOOTSTRAP", base.kafka_bootstrap)
    prefix = f"bench{uuid.uuid4().hex[:8]}."
    print(f"preparing {args.cases} intake messages ...")
    pairs = encoded_messages(args.cases)
    workdir = Path(tempfile.mkdtemp(prefix="intake-bench-"))
    log_path = workdir / "worker.log"
    worker: subprocess.Popen[bytes] | None = None
    try:
        with fresh_database(admin_dsn, args.keep) as dsn:
            settings = Settings(
                store="postgres",
                postgres_dsn=dsn,
                kafka_bootstrap=bootstrap,
                topic_prefix=prefix,
                partitions=args.partitions,
            )
            try:
                ensure_topics(settings)
                produce_seconds = produce(settings, pairs)
                print(
                    f"produced {args.cases} messages to {settings.topic(INTAKE_TOPIC)} in "
                    f"{produce_seconds:.2f} s ({args.cases / produce_seconds:,.0f} msg/s)"
                )
                print(f"starting one intake worker (batch size {args.batch_size}); log {log_path}")
                worker = start_worker(settings, args.batch_size, workdir / "data", log_path)
                try:
                    started, first_count, first_at, done_at = watch(
                        dsn, args.cases, worker, args.stall_timeout
                    )
                finally:
                    stop_worker(worker)
            finally:
                if args.keep:
                    print(f"kept topics {prefix}*")
                else:
                    with suppress(KafkaError):
                        delete_topics(bootstrap, prefix)
    except WorkerDiedError as error:
        tail = log_path.read_text(errors="replace")[-6000:] if log_path.exists() else ""
        print(f"\nFAILED: {error}; worker log tail ({log_path}):\n{tail}", file=sys.stderr)
        raise SystemExit(1) from None
    batches, mean_batch, p50, p95, total_ms = batch_stats(log_path.read_text(errors="replace"))
    if args.keep:
        print(f"kept the worker's log {log_path}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    steady = done_at - first_at
    end_to_end = done_at - started
    return Figures(
        cases=args.cases,
        batch_size=args.batch_size,
        partitions=args.partitions,
        produce_seconds=round(produce_seconds, 3),
        produce_rate=round(args.cases / produce_seconds, 1),
        startup_seconds=round(first_at - started, 3),
        steady_seconds=round(steady, 3),
        filing_rate=round((args.cases - first_count) / steady, 1) if steady > 0 else 0.0,
        end_to_end_seconds=round(end_to_end, 3),
        end_to_end_rate=round(args.cases / end_to_end, 1),
        batches=batches,
        mean_batch=round(mean_batch, 1),
        batch_ms_p50=p50,
        batch_ms_p95=p95,
        batch_ms_total=total_ms,
        measured_at=datetime.now(UTC).isoformat(timespec="seconds"),
        host=f"{platform.node()} ({os.cpu_count()} cpu)",
    )


def report(figures: Figures) -> None:
    rows = [
        ("cases", f"{figures.cases}"),
        ("batch size", f"{figures.batch_size}"),
        ("partitions", f"{figures.partitions}"),
        ("produce rate", f"{figures.produce_rate:,.0f} msg/s"),
        ("filing rate (steady)", f"{figures.filing_rate:,.0f} cases/s"),
        ("  first -> last case", f"{figures.steady_seconds:.2f} s"),
        ("end to end incl. startup", f"{figures.end_to_end_rate:,.0f} cases/s"),
        ("  worker start -> last case", f"{figures.end_to_end_seconds:.2f} s"),
        ("  worker start -> first case", f"{figures.startup_seconds:.2f} s"),
        ("batches (mean size)", f"{figures.batches} ({figures.mean_batch:.0f})"),
        ("batch ms p50 / p95", f"{figures.batch_ms_p50:.0f} / {figures.batch_ms_p95:.0f}"),
        ("time in processor", f"{figures.batch_ms_total / 1000:.2f} s"),
    ]
    width = max(len(name) for name, _ in rows)
    print()
    for name, value in rows:
        print(f"{name:<{width}}  {value:>16}")


def save(figures: Figures) -> None:
    """Keep the latest figures per batch size, so runs with different sizes sit side by side."""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    runs: dict[str, Any] = {}
    if RESULTS.exists():
        with suppress(ValueError):
            runs = json.loads(RESULTS.read_text()).get("runs", {})
    runs[f"batch_size={figures.batch_size}"] = asdict(figures)
    document = {"benchmark": "intake throughput, one intake worker", "runs": runs}
    RESULTS.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    print(f"\nfigures written to {RESULTS}")


def main() -> None:
    parser = argparse.ArgumentParser(
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        description="Cases filed per second by one `complaint-events worker intake` "
        "(Kafka + PostgreSQL from COMPLAINTS_KAFKA_BOOTSTRAP / COMPLAINTS_POSTGRES_DSN).",
    )
    parser.add_argument("--cases", type=int, default=20_000, help="intake messages to file")
    parser.add_argument(
        "--batch-size", type=int, default=500, help="COMPLAINTS_INTAKE_BATCH_SIZE of the worker"
    )
    parser.add_argument("--partitions", type=int, default=3, help="partitions of the topics")
    parser.add_argument(
        "--keep", action="store_true", help="keep the database and topics afterwards"
    )
    parser.add_argument(
        "--stall-timeout",
        type=float,
        default=120.0,
        help="give up when no case is filed for this many seconds",
    )
    args = parser.parse_args()
    if args.cases < 1 or args.batch_size < 1 or args.partitions < 1:
        parser.error("--cases, --batch-size and --partitions must be at least 1")
    figures = run(args)
    report(figures)
    save(figures)


if __name__ == "__main__":
    main()
