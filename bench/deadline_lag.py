"""Deadline keeper firing lag with N pending deadlines, and the keeper's memory.

    scripts/devstack up && eval "$(scripts/devstack env)"
    .venv/bin/python bench/deadline_lag.py --pending 100000

Files N complaints in a fresh database, in-process and in big transactions
(each opens a case whose acknowledgement deadline is pending, due 24 h after
filing; case n is filed n * 10 ms after the first, so the deadlines fall due
10 ms apart on the clock), and relays their events to fresh topics. Then it starts
the real keeper, ``complaint-events worker deadlines``, on a file clock
(``COMPLAINTS_CLOCK=file:PATH``) set just before the first due time, and
waits until its consumer group has committed every event: that is the
**load time**, and the keeper's RSS (``VmRSS`` of ``/proc/PID/status``) is
read then.

Then it moves the file clock in waves: wave k sets the clock to the due time
of case ``k * wave_size - 1``, so the next ``wave_size`` deadlines fall due at
that instant, while all the others stay pending. The commands topic of the
run is switched to ``message.timestamp.type=LogAppendTime``, so each record
carries the broker's time of appending it.

**Lag** of one deadline = broker append time of its expiry command on the
commands topic - wall time at which the clock file was replaced with the time
that made it due. It includes the wait for the keeper's next tick
(``COMPLAINTS_DEADLINE_TICK``), the indexed query of ``pending_deadlines`` for
what is due, and producing the commands with ``acks=all``; it does not include
applying the command (no command processor runs). The keeper runs with its
default tick (``COMPLAINTS_DEADLINE_TICK``, 0.25 s) unless --tick says
otherwise; the lag can never be shorter than the wait for the next tick. Wall
clocks of the bench and the broker are the same host's clock.

Finally the keeper is SIGKILLed, the clock is moved to make one more wave due,
and the keeper is started again on the same consumer group: the time from its
start to the broker's append time of the first expiry of that wave is the
**recovery time** (a keeper's state is in PostgreSQL: nothing to restore).
The keeper's RSS is read again then. Figures go to
``bench/results/deadline_lag.json``, one entry per N.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import suppress
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType
from kafka.errors import KafkaError
from support import (
    CLI,
    Figure,
    delete_topics,
    fresh_database,
    kettle_complaint,
    print_figures,
    stop_worker,
    worker_env,
)

from complaint_events.adapters.kafka_topics import TOPIC_CONFIGS, ensure_topics
from complaint_events.bootstrap import build_cases, build_relay
from complaint_events.clock import FileClock
from complaint_events.consumers.health import kafka_view
from complaint_events.consumers.topology import app_id
from complaint_events.contracts.topology import COMMANDS_TOPIC, EVENTS_TOPIC
from complaint_events.domain.acting import Acting
from complaint_events.domain.complaint import ComplaintDetails, Contact
from complaint_events.domain.values import DeadlineKind
from complaint_events.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results" / "deadline_lag.json"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
FILE_BATCH = 2000  # complaints per transaction while building the store
# Case n is filed SPACING after case n-1: a wave of 1000 due deadlines spans 10 s of
# the clock. Each is fired once: the waves take far less wall time than the keeper's
# sweep interval (5 min), which alone would send an unapplied expiry again.
SPACING = timedelta(milliseconds=10)


def details(n: int) -> ComplaintDetails:
    """The n-th distinct complaint (its own channel ref, order and problem)."""
    return kettle_complaint(
        n,
        f"lag-{n}",
        T0 + n * SPACING,
        # Few consumers: one key each to create, however many cases.
        consumer_id=f"c-{n % 1000}",
        contact=Contact(f"Consumer {n % 1000}", "18312342807"),
    )


def build_store(settings: Settings, pending: int, probes: int) -> tuple[dict[UUID, int], float]:
    """File ``pending`` complaints and relay their events; the ids of the first ``probes``."""
    cases = build_cases(settings)
    probe_ids: dict[UUID, int] = {}
    started = time.perf_counter()
    for first in range(0, pending, FILE_BATCH):
        numbers = range(first, min(first + FILE_BATCH, pending))
        outcomes = cases.file_complaints(
            [(details(n), Acting("adapter:app", T0 + n * SPACING)) for n in numbers]
        )
        probe_ids.update(
            (o.case_id, n) for n, o in zip(numbers, outcomes, strict=True) if n < probes
        )
        rate = (numbers[-1] + 1) / (time.perf_counter() - started)
        print(f"\rfiled {numbers[-1] + 1:,} cases ({rate:,.0f}/s)", end="", file=sys.stderr)
    filed = time.perf_counter() - started
    print(f"\rfiled {pending:,} cases in {filed:.1f} s", file=sys.stderr)
    relay = build_relay(settings, cases)
    relay.start()
    relay_started = time.perf_counter()
    while relay.run_once():
        print(f"\rrelayed {relay.stats.published:,} events", end="", file=sys.stderr)
    relay_seconds = time.perf_counter() - relay_started
    print(f"\rrelayed {relay.stats.published:,} events in {relay_seconds:.1f} s", file=sys.stderr)
    relay.close()  # gives up the relay's lead: the bench's keeper runs without a relay
    cases.close()
    return probe_ids, time.perf_counter() - started


def append_time_commands(settings: Settings) -> None:
    """Stamp the run's commands topic with the broker's append time (the moment 'on the topic')."""
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap, client_id="bench-lag")
    try:
        configs = {
            **TOPIC_CONFIGS.get(COMMANDS_TOPIC, {}),
            "message.timestamp.type": "LogAppendTime",
        }
        admin.alter_configs(
            [
                ConfigResource(
                    ConfigResourceType.TOPIC, settings.topic(COMMANDS_TOPIC), configs=configs
                )
            ]
        )
    finally:
        admin.close()


def start_keeper(
    settings: Settings, clock_file: Path, data_dir: Path, log_path: Path, tick: float
) -> subprocess.Popen[bytes]:
    env = worker_env(
        settings,
        data_dir,
        COMPLAINTS_CLOCK=f"file:{clock_file}",
        COMPLAINTS_DEADLINE_TICK=str(tick),
    )
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [str(CLI), "worker", "deadlines"], env=env, stdout=log, stderr=subprocess.STDOUT
        )


class KeeperDiedError(RuntimeError):
    """The keeper exited, or did not get where it should within the time allowed."""


def check_alive(keeper: subprocess.Popen[bytes]) -> None:
    if keeper.poll() is not None:
        raise KeeperDiedError(f"the keeper exited with status {keeper.returncode}")


def wait_loaded(settings: Settings, keeper: subprocess.Popen[bytes], timeout: float) -> float:
    """Seconds from now until the keeper's group has committed every event of the events topic."""
    started = time.perf_counter()
    group = app_id(settings, "deadlines")
    events = settings.topic(EVENTS_TOPIC)
    last_print = started
    with kafka_view(settings) as view:
        while True:
            check_alive(keeper)
            behind = view.lag(group, [events])
            now = time.perf_counter()
            if behind == 0:
                return now - started
            if now - started > timeout:
                raise KeeperDiedError(
                    f"keeper still {behind:,} events behind after {timeout:.0f} s"
                )
            if now - last_print >= 5:
                print(
                    f"  {now - started:6.0f} s  keeper {behind:>9,} events behind", file=sys.stderr
                )
                last_print = now
            time.sleep(0.5)


def recover_and_fire(
    settings: Settings,
    start: Callable[[], subprocess.Popen[bytes]],
    clock_file: Path,
    probe_ids: dict[UUID, int],
    wave: range,
    due_at: datetime,
    timeout: float,
) -> tuple[subprocess.Popen[bytes], float]:
    """Start the keeper with one more wave due; seconds until that wave's first expiry.

    Commands for earlier waves are skipped: a restarted keeper's start-up sweep
    sends again whatever is overdue and still open (no command processor runs
    here to apply the first ones).
    """
    FileClock.write(clock_file, due_at)
    consumer = commands_consumer(settings, from_end=True)
    try:
        started = time.time()
        keeper = start()
        while time.time() - started < timeout:
            check_alive(keeper)
            for records in consumer.poll(timeout_ms=100).values():
                for record in records:
                    n = probe_ids.get(UUID(json.loads(record.value)["case_id"]))
                    if n in wave:
                        return keeper, record.timestamp / 1000 - started
        raise KeeperDiedError(f"no expiry of the wave after the restart within {timeout:.0f} s")
    finally:
        consumer.close()


def memory_mib(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of the process, in MiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in {"VmRSS", "VmHWM"}:
            fields[name] = int(value.split()[0]) / 1024  # kB
    return fields["VmRSS"], fields["VmHWM"]


def commands_consumer(settings: Settings, *, from_end: bool = False) -> KafkaConsumer:
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, group_id=None,
                             enable_auto_commit=False, client_id="bench-lag")  # fmt: skip
    topic = settings.topic(COMMANDS_TOPIC)
    partitions = [
        TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())
    ]
    consumer.assign(partitions)
    if from_end:
        consumer.seek_to_end(*partitions)
        for tp in partitions:
            consumer.position(tp)  # resolve the end now, before anything new is appended
    else:
        consumer.seek_to_beginning(*partitions)
    return consumer


def fire_waves(
    settings: Settings,
    keeper: subprocess.Popen[bytes],
    clock_file: Path,
    probe_ids: dict[UUID, int],
    due0: datetime,
    wave_size: int,
    waves: int,
    interval: float,
) -> tuple[list[float], int]:
    """Move the clock wave by wave; the lag (s) of each probe's first command, and repeats."""
    made_due: dict[int, float] = {}  # wave -> wall time the clock made it due
    lags: dict[UUID, float] = {}
    repeats = 0
    consumer = commands_consumer(settings)
    try:

        def drain(until: float) -> None:
            nonlocal repeats
            while time.time() < until:
                for records in consumer.poll(timeout_ms=100).values():
                    for record in records:
                        case_id = UUID(json.loads(record.value)["case_id"])
                        n = probe_ids.get(case_id)
                        if n is None:
                            raise KeeperDiedError(f"a command for case {case_id}, never due")
                        if case_id in lags:
                            repeats += 1
                            continue
                        lags[case_id] = record.timestamp / 1000 - made_due[n // wave_size]

        for wave in range(waves):
            check_alive(keeper)
            due_at = due0 + ((wave + 1) * wave_size - 1) * SPACING
            FileClock.write(clock_file, due_at)
            made_due[wave] = time.time()
            drain(made_due[wave] + interval)
            print(f"  wave {wave + 1}/{waves}: {len(lags):,} of {(wave + 1) * wave_size:,} fired",
                  file=sys.stderr)  # fmt: skip
        deadline = time.time() + 30
        while len(lags) < waves * wave_size and time.time() < deadline:
            drain(time.time() + 1)
    finally:
        consumer.close()
    if len(lags) < waves * wave_size:
        raise KeeperDiedError(f"only {len(lags):,} of {waves * wave_size:,} deadlines fired")
    return sorted(lags.values()), repeats


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def measure(
    kafka_bootstrap: str,
    admin_dsn: str,
    pending: int,
    keep: bool = False,
    *,
    wave_size: int = 1000,
    waves: int = 10,
    interval: float = 3.0,
    tick: float = Settings().deadline_tick,
    partitions: int = 3,
    load_timeout: float = 3600.0,
) -> list[Figure]:
    """Lag p50/p99 of N pending deadlines' keeper, its RSS, load and recovery time."""
    if pending < wave_size * (waves + 1):
        raise ValueError("pending must be at least wave_size * (waves + 1)")
    prefix = f"bench{uuid.uuid4().hex[:8]}."
    workdir = Path(tempfile.mkdtemp(prefix="deadline-lag-"))
    log_path, clock_file = workdir / "keeper.log", workdir / "clock"
    keeper: subprocess.Popen[bytes] | None = None
    try:
        with fresh_database(admin_dsn, keep) as dsn:
            settings = Settings(store="postgres", postgres_dsn=dsn, topic_prefix=prefix,
                                kafka_bootstrap=kafka_bootstrap, partitions=partitions)  # fmt: skip
            try:
                ensure_topics(settings)
                append_time_commands(settings)
                probe_ids, setup_seconds = build_store(settings, pending, wave_size * (waves + 1))
                ack = settings.deadline_policy().clocks[DeadlineKind.ACKNOWLEDGEMENT].duration
                due0 = T0 + ack  # case n falls due at due0 + n * SPACING
                FileClock.write(clock_file, due0 - SPACING)
                print(f"starting the keeper (tick {tick} s); log {log_path}", file=sys.stderr)
                keeper = start_keeper(settings, clock_file, workdir / "data", log_path, tick)
                load_seconds = wait_loaded(settings, keeper, load_timeout)
                rss, hwm = memory_mib(keeper.pid)
                print(f"keeper loaded in {load_seconds:.1f} s; RSS {rss:.0f} MiB", file=sys.stderr)
                lags, repeats = fire_waves(settings, keeper, clock_file, probe_ids, due0,
                                           wave_size, waves, interval)  # fmt: skip
                keeper.kill()  # SIGKILL: no clean shutdown, no final commit
                keeper.wait(timeout=30)
                wave = range(waves * wave_size, (waves + 1) * wave_size)
                keeper, recovery_seconds = recover_and_fire(
                    settings,
                    lambda: start_keeper(settings, clock_file, workdir / "data", log_path, tick),
                    clock_file,
                    probe_ids,
                    wave,
                    due0 + (wave[-1]) * SPACING,
                    load_timeout,
                )
                rss_recovered, _ = memory_mib(keeper.pid)
                print(f"keeper killed and back at work in {recovery_seconds:.1f} s",
                      file=sys.stderr)  # fmt: skip
                stop_worker(keeper)
            finally:
                if keeper is not None:
                    stop_worker(keeper)
                if keep:
                    print(f"kept topics {prefix}*", file=sys.stderr)
                else:
                    with suppress(KafkaError):
                        delete_topics(kafka_bootstrap, prefix)
    except KeeperDiedError as error:
        tail = log_path.read_text(errors="replace")[-6000:] if log_path.exists() else ""
        print(f"\nFAILED: {error}; keeper log tail ({log_path}):\n{tail}", file=sys.stderr)
        raise
    if keep:
        print(f"kept the keeper's log {log_path}", file=sys.stderr)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    ms = [lag * 1000 for lag in lags]
    fired = f"{len(ms):,} expiries in {waves} waves of {wave_size:,}, tick {tick} s"
    return [
        Figure(f"ours.deadline_lag_p50.{pending}", f"firing lag p50, {pending:,} pending",
               percentile(ms, 50), "ms", fired),
        Figure(f"ours.deadline_lag_p99.{pending}", f"firing lag p99, {pending:,} pending",
               percentile(ms, 99), "ms", f"max {ms[-1]:,.0f} ms; {repeats} repeats"),
        Figure(f"ours.deadline_keeper_rss.{pending}", f"keeper RSS after loading {pending:,}",
               rss, "MiB", f"peak {hwm:,.0f} MiB; {rss_recovered:,.0f} MiB after recovery"),
        Figure(f"ours.deadline_keeper_load.{pending}", f"keeper load, {pending:,} events",
               load_seconds, "s", "start -> events topic fully committed"),
        Figure(f"ours.deadline_keeper_recovery.{pending}", f"keeper recovery, {pending:,} pending",
               recovery_seconds, "s", "SIGKILL, restart -> first expiry of a wave due meanwhile"),
        Figure(f"setup.deadline_store.{pending}", f"store setup, {pending:,} cases",
               setup_seconds, "s", "filed in-process and relayed"),
    ]  # fmt: skip


def save(pending: int, figures: list[Figure]) -> None:
    """Keep the latest run per N, so runs with different N sit side by side."""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    runs: dict[str, Any] = {}
    if RESULTS.exists():
        with suppress(ValueError):
            runs = json.loads(RESULTS.read_text()).get("runs", {})
    runs[f"pending={pending}"] = {
        "figures": [asdict(f) for f in figures],
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "host": f"{platform.node()} ({os.cpu_count()} cpu)",
    }
    document = {"benchmark": "deadline keeper firing lag and memory", "runs": runs}
    RESULTS.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    print(f"\nfigures written to {RESULTS}")


def main() -> None:
    parser = argparse.ArgumentParser(
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=__doc__,
    )
    parser.add_argument("--pending", type=int, default=100_000,
                        help="pending deadlines (cases filed), e.g. 100000 or 1000000")  # fmt: skip
    parser.add_argument("--wave-size", type=int, default=1000,
                        help="deadlines the clock makes due at once (default 1000)")  # fmt: skip
    parser.add_argument("--waves", type=int, default=10, help="waves measured (default 10)")
    parser.add_argument("--interval", type=float, default=3.0,
                        help="wall seconds between waves (default 3)")  # fmt: skip
    parser.add_argument("--tick", type=float, default=Settings().deadline_tick,
                        help="the keeper's COMPLAINTS_DEADLINE_TICK, s")  # fmt: skip
    parser.add_argument("--keep", action="store_true",
                        help="keep the database, topics and the keeper's log")  # fmt: skip
    args = parser.parse_args()
    base = Settings()
    admin_dsn = os.environ.get("COMPLAINTS_POSTGRES_DSN", base.postgres_dsn)
    bootstrap = os.environ.get("COMPLAINTS_KAFKA_BOOTSTRAP", base.kafka_bootstrap)
    try:
        figures = measure(bootstrap, admin_dsn, args.pending, args.keep, wave_size=args.wave_size,
                          waves=args.waves, interval=args.interval, tick=args.tick)  # fmt: skip
    except (KeeperDiedError, ValueError) as error:
        raise SystemExit(f"deadline_lag: {error}") from None
    print_figures(f"Deadline keeper, {args.pending:,} pending deadlines", figures)
    save(args.pending, figures)


if __name__ == "__main__":
    main()
