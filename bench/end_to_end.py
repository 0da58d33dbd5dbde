"""Our pipeline end to end: file -> acknowledge -> project, the peer benchmark's job.

    scripts/devstack up && eval "$(scripts/devstack env)"
    .venv/bin/python bench/end_to_end.py --n 5000

N distinct, valid intake messages (``support.intake_message``, as the peer
files) are pre-loaded on the intake topic of a fresh topic prefix, over a fresh
database; then the workers start and the benchmark polls, every 0.2 s, the
``case_summary`` read model for cases with ``acknowledged_at`` set (the column
the ``AcknowledgementSent`` event fills). The path each case takes: intake
files it, the relay publishes ``ComplaintFiled``, the acknowledgement processor
sends a notification and an ``acknowledge`` command, the command processor
records ``AcknowledgementSent``, the relay publishes it, the projector writes
the row. The router, deadline keeper and batch-quality detector run too, as in
production (so a case gets a few more events than the two that count here).

Two layouts are tried, like the peer tries its runners, and the faster one is
reported (``--layout best``, the default), the other in the note:

- ``all``: one ``complaint-events worker all`` process;
- ``split``: three processes, ``intake commands`` / ``acknowledgement router
  deadlines batch-quality`` / ``relay projections``.

Figures: ``ours.end_to_end`` (N / worker start -> N-th case projected as
acknowledged), ``ours.end_to_end_steady`` (from the first case stored),
``ours.relay`` (events the relay put on the events topic / from the first to the
last one, from the topic's end offsets), ``ours.topic_to_summary`` (events the
projector applied / from the first to the last, from its stored positions). The
relay and projector figures are what they achieved in this run, paced by the
stages upstream, not their ceilings. The notes give the workers' CPU time per
case (this machine is shared: the load average moves the rates, CPU time much
less). Per-batch timings from the workers' logs are printed as a profile.
Results, with every layout's run and profile, go to
``bench/results/end_to_end.json`` (the latest run replaces the file).

The peer's timer starts after its runner has started, so compare its figure with
``ours.end_to_end_steady``; ``ours.end_to_end`` also pays for the workers'
start-up (imports, consumer-group joins, the deadline keeper's table recovery).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from contextlib import ExitStack, suppress
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
from cpu_split import print_split, shares, split
from intake_throughput import produce
from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError
from support import (
    CLI,
    Figure,
    HelpFormatter,
    delete_topics,
    encoded_messages,
    fresh_database,
    print_figures,
    stop_worker,
    worker_env,
    write_results,
)

from complaint_events.adapters.kafka_topics import ensure_topics
from complaint_events.contracts.topology import EVENTS_TOPIC
from complaint_events.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results" / "end_to_end.json"
LAYOUTS: dict[str, list[list[str]]] = {
    "all": [["all"]],
    "split": [
        ["intake", "commands"],
        ["acknowledgement", "router", "deadlines", "batch-quality"],
        ["relay", "projections"],
    ],
}
POLL_SECONDS = 0.2
STALL_TIMEOUT = 120.0  # seconds without any progress before a run is given up
ANY_FILED = "SELECT EXISTS (SELECT 1 FROM complaints_events WHERE topic LIKE '%ComplaintFiled')"
COUNT_ACKNOWLEDGED = (
    "SELECT count(*) FROM read_models.case_summary WHERE acknowledged_at IS NOT NULL"
)
PROJECTED_OFFSETS = (
    "SELECT coalesce(sum(next_offset), 0) FROM projection_positions "
    "WHERE projection = 'case_summary' AND topic = %s"
)
# faust's log lines start with "[2026-11-26 14:03:07,123]"
STAMP = r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3})\].*?"
TIMED_BATCH = re.compile(r"(intake|commands): (\d+) messages -> .*\((\d+) ms\)")
RELAY_LINE = re.compile(STAMP + r"relay: published (\d+) events so far", re.M)
PROJECTOR_LINE = re.compile(STAMP + r"projections: (\d+) events projected in (\d+) batches", re.M)
ACK_LINE = re.compile(r"acknowledgement: sent (\d+) acknowledgements")


class RunFailedError(RuntimeError):
    """A worker died, or the pipeline stopped making progress, before all N were projected."""


@dataclass
class Run:
    """What one layout measured, perf_counter seconds relative to the workers' start."""

    layout: str
    n: int
    first_stored: float = 0.0
    done: float = 0.0
    events_on_topic: int = 0
    relay_span: tuple[float, float] = (0.0, 0.0)  # first and last change of the topic's end
    projected_events: int = 0
    projector_span: tuple[float, float] = (0.0, 0.0)  # first and last change of the positions
    load: tuple[float, float, float] = (0.0, 0.0, 0.0)  # load average at the end
    cpu_seconds: float = 0.0  # user + system time of the worker processes, start to stop
    cpu_by_process: dict[str, float] = field(default_factory=dict)  # just before the stop
    cpu_at_first_stored: float = 0.0  # the workers' CPU seconds when the first case was seen
    postgres_cpu_seconds: float = 0.0  # the workers' PostgreSQL backends still connected
    profile: dict[str, Any] = field(default_factory=dict)
    cpu_split: dict[str, dict[str, float]] = field(default_factory=dict)  # with --py-spy

    @property
    def rate(self) -> float:
        return self.n / self.done

    @property
    def steady_rate(self) -> float:
        return self.n / (self.done - self.first_stored)

    @property
    def steady_cpu(self) -> float:
        """The workers' CPU seconds from the first case stored to the last case projected."""
        return sum(self.cpu_by_process.values()) - self.cpu_at_first_stored

    @property
    def relay_rate(self) -> float:
        first, last = self.relay_span
        return self.events_on_topic / (last - first) if last > first else 0.0

    @property
    def projector_rate(self) -> float:
        first, last = self.projector_span
        return self.projected_events / (last - first) if last > first else 0.0


# ------------------------------------------------------------------ running one layout


class Watcher:
    """Cheap polls of the read model, the projector's positions and the events topic."""

    def __init__(self, dsn: str, settings: Settings) -> None:
        self.conn = psycopg.connect(dsn, autocommit=True)
        self.topic = settings.topic(EVENTS_TOPIC)
        self.consumer = KafkaConsumer(
            bootstrap_servers=settings.kafka_bootstrap, group_id=None, client_id="bench-e2e"
        )
        self.tps = [TopicPartition(self.topic, p) for p in range(settings.partitions)]

    def scalar(self, query: str, params: Sequence[Any] = ()) -> int:
        """The query's one value; 0 while the workers have not created its table yet."""
        try:
            row = self.conn.execute(query, params or None).fetchone()
        except psycopg.errors.UndefinedTable:
            return 0
        return int(row[0]) if row else 0

    def on_topic(self) -> int:
        return sum(self.consumer.end_offsets(self.tps).values())

    def backend_pids(self) -> list[int]:
        """The server processes of the other connections to this database (the workers')."""
        rows = self.conn.execute(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
        return [int(row[0]) for row in rows]

    def close(self) -> None:
        self.consumer.close()
        self.conn.close()


def watch(run: Run, watcher: Watcher, workers: list[subprocess.Popen[bytes]], stall: float) -> None:
    """Poll until N cases are projected as acknowledged; fill in ``run``'s times."""
    started = time.perf_counter()
    first_stored: float | None = None
    last = {"acknowledged": 0, "on_topic": 0, "projected": 0}
    changed = dict.fromkeys(last, (0.0, 0.0))  # first and latest change
    progress_at = last_line = started
    while True:
        if any(w.poll() is not None for w in workers):
            codes = [w.returncode for w in workers]
            raise RunFailedError(f"a worker exited (status {codes})")
        now = time.perf_counter() - started
        if first_stored is None and watcher.scalar(ANY_FILED):
            first_stored = now
            run.cpu_at_first_stored = sum(process_cpu(w.pid) for w in workers)
        seen = {
            "acknowledged": watcher.scalar(COUNT_ACKNOWLEDGED),
            "on_topic": watcher.on_topic(),
            "projected": watcher.scalar(PROJECTED_OFFSETS, (watcher.topic,)),
        }
        for name, value in seen.items():
            if value != last[name]:
                first = changed[name][0] or now
                changed[name], last[name] = (first, now), value
                progress_at = now
        if seen["acknowledged"] >= run.n:
            assert first_stored is not None
            run.first_stored, run.done = first_stored, now
            run.events_on_topic, run.relay_span = seen["on_topic"], changed["on_topic"]
            run.projected_events, run.projector_span = seen["projected"], changed["projected"]
            progress(f"{run.layout}: {now:6.1f} s  all {run.n:,} projected as acknowledged")
            return
        if now - progress_at > stall:
            raise RunFailedError(
                f"no progress for {stall:.0f} s: {seen['acknowledged']:,} of {run.n:,} cases "
                f"projected as acknowledged, {seen['on_topic']:,} events on the topic, "
                f"{seen['projected']:,} projected"
            )
        if now - last_line >= 2.0:
            last_line = now
            progress(
                f"{run.layout}: {now:6.1f} s  acknowledged {seen['acknowledged']:>6,}/{run.n:,}"
                f"  on topic {seen['on_topic']:>7,}  projected {seen['projected']:>7,}"
            )
        time.sleep(POLL_SECONDS)


def check(dsn: str, n: int) -> None:
    """Exactly N cases in the read model, every one acknowledged."""
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT count(*), count(acknowledged_at), count(DISTINCT case_id)"
            " FROM read_models.case_summary"
        ).fetchone()
    rows, acknowledged, distinct = row if row else (0, 0, 0)
    if not rows == acknowledged == distinct == n:
        raise AssertionError(
            f"case_summary: {rows:,} rows ({distinct:,} distinct), "
            f"{acknowledged:,} acknowledged; expected {n:,}"
        )


def run_layout(
    layout: str,
    settings: Settings,
    admin_dsn: str,
    pairs: list[tuple[bytes, bytes]],
    keep: bool,
    extra_env: dict[str, str],
    stall: float = STALL_TIMEOUT,
    py_spy: str | None = None,
) -> Run:
    """Pre-load the intake topic, start the layout's workers, time them to the last case.

    With ``py_spy`` (the py-spy program), each worker is sampled from its start to its
    stop and the run carries each one's CPU split (``cpu_split.py``)."""
    run = Run(layout, len(pairs))
    prefix = f"bench{uuid.uuid4().hex[:8]}."
    workdir = Path(tempfile.mkdtemp(prefix=f"e2e-{layout}-"))
    workers: list[subprocess.Popen[bytes]] = []
    samplers: list[subprocess.Popen[bytes]] = []
    logs: list[Path] = []
    try:
        with fresh_database(admin_dsn, keep) as dsn, ExitStack() as cleanup:
            mine = settings.model_copy(update={"postgres_dsn": dsn, "topic_prefix": prefix})
            cleanup.callback(remove_topics, mine.kafka_bootstrap, prefix, keep)
            ensure_topics(mine)
            seconds = produce(mine, pairs)
            progress(f"{layout}: {len(pairs):,} intake messages produced in {seconds:.2f} s")
            watcher = Watcher(dsn, mine)
            cleanup.callback(watcher.close)
            for i, names in enumerate(LAYOUTS[layout]):
                logs.append(workdir / f"worker-{i}-{'-'.join(names)}.log")
                env = worker_env(
                    mine,
                    workdir / f"data-{i}",
                    COMPLAINTS_CLOCK="system",
                    COMPLAINTS_BATCH_WAIT="0.05",
                    **extra_env,
                )
                with logs[-1].open("wb") as out:
                    workers.append(
                        subprocess.Popen(
                            [str(CLI), "worker", *names], env=env, stdout=out,
                            stderr=subprocess.STDOUT,
                        )
                    )  # fmt: skip
                if py_spy:
                    samplers.append(sample(py_spy, workers[-1].pid, workdir / f"py-spy-{i}.txt"))
            cpu_before = children_cpu()
            try:
                watch(run, watcher, workers, stall)
                run.load = os.getloadavg()
                run.cpu_by_process = {
                    " ".join(names): process_cpu(w.pid)
                    for names, w in zip(LAYOUTS[layout], workers, strict=True)
                }
                run.postgres_cpu_seconds = sum(map(process_cpu, watcher.backend_pids()))
            finally:
                for worker in workers:
                    stop_worker(worker)
                for sampler in samplers:
                    sampler.wait(timeout=60)
            run.cpu_seconds = children_cpu() - cpu_before
            check(dsn, run.n)
    except (RunFailedError, AssertionError) as error:
        for log in logs:
            tail = log.read_text(errors="replace")[-4000:] if log.exists() else ""
            print(f"\n--- {log} (tail)\n{tail}", file=sys.stderr)
        raise RunFailedError(f"{layout}: {error}") from None
    run.profile = profile("\n".join(log.read_text(errors="replace") for log in logs))
    for i, names in enumerate(LAYOUTS[layout] if samplers else ()):
        samples = split((workdir / f"py-spy-{i}.txt").read_text(errors="replace").splitlines())
        run.cpu_split[" ".join(names)] = shares(samples)
        print_split(f"CPU split, worker {' '.join(names)} (layout {layout})", samples)
    if keep:
        print(f"kept the workers' logs in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return run


def sample(py_spy: str, pid: int, output: Path) -> subprocess.Popen[bytes]:
    """py-spy recording the process ``pid`` until it ends (raw collapsed stacks, 100 Hz)."""
    command = [py_spy, "record", "--pid", str(pid), "--format", "raw", "--rate", "100",
               "--nonblocking", "--output", str(output)]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def children_cpu() -> float:
    """CPU seconds used by this process's children that have exited and been waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a live local process so far (0 if unreadable, e.g. remote)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def remove_topics(bootstrap: str, prefix: str, keep: bool) -> None:
    if keep:
        print(f"kept topics {prefix}*")
        return
    with suppress(KafkaError):
        delete_topics(bootstrap, prefix)


# ------------------------------------------------------------------ profile from the logs


def profile(text: str) -> dict[str, Any]:
    """Per-stage batches, sizes and time inside the processor, from the workers' log lines."""
    stages: dict[str, Any] = {}
    for stage in ("intake", "commands"):
        batches = [(int(m[2]), int(m[3])) for m in TIMED_BATCH.finditer(text) if m[1] == stage]
        if batches:
            millis = sorted(ms for _, ms in batches)
            stages[stage] = {
                "batches": len(batches),
                "messages": sum(size for size, _ in batches),
                "mean_batch": round(statistics.fmean(size for size, _ in batches), 1),
                "ms_p50": statistics.median(millis),
                "ms_max": millis[-1],
                "seconds_in_processor": round(sum(millis) / 1000, 2),
            }
    acks = [int(m[1]) for m in ACK_LINE.finditer(text)]
    if acks:
        stages["acknowledgement"] = {
            "batches": len(acks),
            "messages": sum(acks),
            "mean_batch": round(statistics.fmean(acks), 1),
        }
    for stage, pattern in (("relay", RELAY_LINE), ("projections", PROJECTOR_LINE)):
        lines = [(stamp(m[1]), int(m[2])) for m in pattern.finditer(text)]
        if len(lines) > 1:
            (t0, n0), (t1, n1) = lines[0], lines[-1]
            stages[stage] = {
                "log_lines": len(lines),
                "events": n1,
                "seconds_first_to_last_line": round(t1 - t0, 2),
                "events_per_s_between_lines": round((n1 - n0) / (t1 - t0), 1) if t1 > t0 else 0,
            }
            if stage == "relay":
                stages[stage]["mean_batch"] = round(n1 / len(lines), 1)
            else:
                polls = int(pattern.findall(text)[-1][2])
                stages[stage]["mean_batch"] = round(n1 / polls, 1) if polls else 0
    return stages


def stamp(text: str) -> float:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S,%f").timestamp()  # noqa: DTZ007


# ------------------------------------------------------------------ figures


def measure(
    kafka_bootstrap: str,
    admin_dsn: str,
    n: int,
    keep: bool = False,
    layouts: Sequence[str] = tuple(LAYOUTS),
    extra_env: dict[str, str] | None = None,
) -> list[Figure]:
    """Each layout on N cases (fresh database and topics each); the faster one's figures."""
    return figures_of(run_layouts(kafka_bootstrap, admin_dsn, n, keep, layouts, extra_env))


def run_layouts(
    kafka_bootstrap: str,
    admin_dsn: str,
    n: int,
    keep: bool = False,
    layouts: Sequence[str] = tuple(LAYOUTS),
    extra_env: dict[str, str] | None = None,
    py_spy: str | None = None,
) -> list[Run]:
    """Each layout on the same N intake messages, one after the other; profiles printed."""
    if n < 1:
        raise ValueError("n must be at least 1")
    pairs = encoded_messages(n)
    settings = Settings(store="postgres", kafka_bootstrap=kafka_bootstrap)
    runs = [
        run_layout(name, settings, admin_dsn, pairs, keep, extra_env or {}, py_spy=py_spy)
        for name in layouts
    ]
    for run in runs:
        print_profile(run)
    return runs


def figures_of(runs: list[Run]) -> list[Figure]:
    """The figures of the fastest run, the others' rates in its note."""
    best = max(runs, key=lambda r: r.rate)
    n = best.n
    others = "; ".join(
        f"{r.layout}: {r.rate:,.0f} cases/s in {r.done:.1f} s (load {r.load[0]:.1f})"
        for r in runs
        if r is not best
    )
    load = f"load average {best.load[0]:.1f} / {best.load[1]:.1f} / {best.load[2]:.1f}"
    layout = f"layout {best.layout} ({' | '.join(' '.join(p) for p in LAYOUTS[best.layout])})"
    per_case = best.events_on_topic / n
    return [
        Figure("ours.end_to_end", "ours: file -> acknowledge -> project", best.rate, "cases/s",
               f"{layout}; worker start to {n:,}th case projected as acknowledged in "
               f"{best.done:.1f} s; {per_case:.1f} case events stored per case by then; "
               f"workers used {best.cpu_seconds:.0f} CPU-s "
               f"({1000 * best.cpu_seconds / n:.1f} ms per case); {load}"
               + (f"; other layouts: {others}" if others else "")),
        Figure("ours.end_to_end_steady", "ours: same, from the first case stored",
               best.steady_rate, "cases/s",
               f"first case stored {best.first_stored:.1f} s after the workers' start; "
               f"{best.done - best.first_stored:.1f} s to the last; workers' CPU from then "
               f"{1000 * best.steady_cpu / n:.1f} ms per case; {load}"),
        Figure("ours.workers_cpu_per_case", "ours: workers' CPU per complaint",
               1000 * best.steady_cpu / n, "ms",
               f"user + system time of every worker process from the first case stored to "
               f"the last projected, over {n:,} complaints (file -> acknowledge -> project; "
               f"PostgreSQL's and Kafka's own CPU not counted); {load}"),
        Figure("ours.relay", "ours: relay, store -> events topic", best.relay_rate, "events/s",
               f"{best.events_on_topic:,} events, first to last on the topic in "
               f"{best.relay_span[1] - best.relay_span[0]:.1f} s (topic end offsets, "
               f"polled every {POLL_SECONDS} s); paced by intake and commands; {load}"),
        Figure("ours.topic_to_summary", "ours: projector, topic -> case_summary",
               best.projector_rate, "events/s",
               f"{best.projected_events:,} events, first to last applied in "
               f"{best.projector_span[1] - best.projector_span[0]:.1f} s (stored positions, "
               f"polled every {POLL_SECONDS} s); paced by the relay; {load}"),
    ]  # fmt: skip


def print_profile(run: Run) -> None:
    print(f"\nprofile, layout {run.layout} ({run.rate:,.0f} cases/s, load {run.load[0]:.1f}):")
    print(f"  workers start -> first case stored  {run.first_stored:6.1f} s")
    print(f"  workers' CPU, start to stop         {run.cpu_seconds:6.1f} s")
    print(f"  workers' CPU, first case to last    {run.steady_cpu:6.1f} s")
    for names, seconds in run.cpu_by_process.items():
        print(f"    {names:<40} {seconds:6.1f} s (when the last case was projected)")
    print(
        f"  PostgreSQL backends' CPU            {run.postgres_cpu_seconds:6.1f} s (still connected)"
    )
    print(f"  workers start -> all acknowledged   {run.done:6.1f} s")
    r0, r1 = run.relay_span
    p0, p1 = run.projector_span
    print(f"  events on topic, first .. last      {r0:6.1f} .. {r1:.1f} s")
    print(f"  events projected, first .. last     {p0:6.1f} .. {p1:.1f} s")
    for stage, stats in run.profile.items():
        print(f"  {stage:<16} " + ", ".join(f"{k} {v}" for k, v in stats.items()))


def progress(line: str) -> None:
    print(f"end-to-end: {line}", file=sys.stderr, flush=True)


def save(runs: list[Run], figures: list[Figure], extra_env: dict[str, str]) -> None:
    """The figures, and every layout's run with its profile (the latest run replaces the file)."""
    n = runs[0].n
    layouts = [run.layout for run in runs]
    document: dict[str, Any] = {
        "benchmark": "ours: file -> acknowledge -> project (the peer's job), workers on Kafka",
        "n": n,
        "layouts_tried": list(layouts),
        "extra_env": extra_env,
        "runs": [{**asdict(run), "rate": round(run.rate, 1)} for run in runs],
    }
    write_results(RESULTS, document, figures)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__,
        epilog="Kafka and PostgreSQL come from COMPLAINTS_KAFKA_BOOTSTRAP and "
        "COMPLAINTS_POSTGRES_DSN: each layout runs in a fresh database on that server and "
        "under a fresh topic prefix, both removed afterwards (unless --keep).",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--n", "--cases", dest="n", type=int, default=5000,
                        help="complaints to file, acknowledge and project")  # fmt: skip
    parser.add_argument("--layout", choices=[*LAYOUTS, "best"], default="best",
                        help="worker processes; best: try each, report the faster")  # fmt: skip
    parser.add_argument("--env", action="append", default=[], metavar="COMPLAINTS_X=VALUE",
                        help="extra setting for the workers (repeatable), e.g. "
                        "COMPLAINTS_COMMAND_BATCH_SIZE=500")  # fmt: skip
    parser.add_argument("--keep", action="store_true",
                        help="keep the databases, topics and the workers' logs")  # fmt: skip
    parser.add_argument("--py-spy", nargs="?", const="py-spy", default=None, metavar="PROGRAM",
                        help="sample each worker with py-spy (pip install py-spy) and print "
                        "where its CPU goes (cpu_split.py)")  # fmt: skip
    args = parser.parse_args()
    py_spy = shutil.which(args.py_spy) if args.py_spy else None
    if args.py_spy and py_spy is None:
        parser.error(f"--py-spy: no program {args.py_spy!r} on PATH (pip install py-spy)")
    if args.n < 1:
        parser.error("--n must be at least 1")
    extra = dict(item.split("=", 1) for item in args.env if "=" in item)
    if len(extra) != len(args.env) or not all(k.startswith("COMPLAINTS_") for k in extra):
        parser.error("--env takes COMPLAINTS_NAME=VALUE")
    layouts = tuple(LAYOUTS) if args.layout == "best" else (args.layout,)
    settings = Settings()
    try:
        runs = run_layouts(settings.kafka_bootstrap, settings.postgres_dsn, args.n, args.keep,
                           layouts, extra, py_spy=py_spy)  # fmt: skip
    except RunFailedError as error:
        print(f"\nFAILED: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    figures = figures_of(runs)
    print_figures(f"end to end, {args.n:,} complaints", figures)
    save(runs, figures, extra)


if __name__ == "__main__":
    main()
