"""Audit read latency: ``audit history CASE`` and the as-of read of a case, at 1M stored events.

    scripts/devstack up && eval "$(scripts/devstack env)"
    .venv/bin/python bench/audit_reads.py --keep              # build 1M events, measure, keep it
    .venv/bin/python bench/audit_reads.py --reuse bench_XXXX  # measure again on that database

Builds a fresh database (``bench_<random>``) holding about ``--events`` stored
events: complaints filed in-process, 1000 per transaction, each then moved
through four to six further steps in one more transaction per batch (the
steps of ``rebuild_rate.py``). It then times, per call, over ``--samples``
random cases after ``--warm-up`` calls that are not counted:

- **audit history**: ``store_events`` + ``history_rows``, what ``complaint-events
  audit history CASE`` runs before rendering its table;
- **as of**: ``ComplaintCases.case_as_of``, what ``case show --as-of`` and
  ``GET /v1/cases/{id}?as_of=`` run, at an instant drawn from before the
  steps, between them and after the last one.

The target is an audit history p99 of at most 10 ms. Figures are printed and
written to ``bench/results/audit_reads.json``; the build rate is a figure of its
own (carried over from the build's results when ``--reuse`` is given).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from rebuild_rate import T0, details, steps
from support import Figure, fresh_database, print_figures

from complaint_events.application.cases import ComplaintCases
from complaint_events.audit.history import history_rows
from complaint_events.audit.sources import store_events
from complaint_events.bootstrap import build_cases
from complaint_events.domain.acting import Acting
from complaint_events.settings import Settings

RESULTS = Path(__file__).parent / "results" / "audit_reads.json"
BATCH = 1000  # complaints filed per transaction
TARGET_HISTORY_P99_MS = 10.0
# Instants for the as-of read: before the steps (the filing alone), after the
# first steps, after the merchant's answer (the whole case).
AS_OF_INSTANTS = (T0 + timedelta(hours=1), T0 + timedelta(hours=3), T0 + timedelta(days=2))


def measure(
    kafka_bootstrap: str,
    admin_dsn: str,
    events: int = 1_000_000,
    keep: bool = False,
    reuse: str | None = None,
    samples: int = 2000,
    warm_up: int = 200,
) -> list[Figure]:
    """Build (or reuse) a database of ``events`` stored events and time the two audit reads."""
    if reuse is not None:
        dsn = _dsn_for(admin_dsn, reuse)
        cases = build_cases(_settings(kafka_bootstrap, dsn))
        stored = _stored_events(dsn)
        print(f"reusing {reuse}: {stored:,} stored events", file=sys.stderr)
        figures = _reads(cases, dsn, stored, samples, warm_up)
        carried = _carried_build(reuse)
        return figures + ([carried] if carried is not None else [])
    with fresh_database(admin_dsn, keep) as dsn:
        cases = build_cases(_settings(kafka_bootstrap, dsn))
        build = _build(cases, dsn, events, str(conninfo_to_dict(dsn)["dbname"]) if keep else None)
        stored = _stored_events(dsn)
        return [*_reads(cases, dsn, stored, samples, warm_up), build]


# ------------------------------------------------------------------- building


def _build(cases: ComplaintCases, dsn: str, target: int, kept_as: str | None) -> Figure:
    """File complaints and their further steps, BATCH per transaction, until ``target`` events."""
    started = time.perf_counter()
    stored = 0
    filed = 0
    while stored < target:
        numbers = range(filed, filed + BATCH)
        outcomes = cases.file_complaints([(details(n), Acting("adapter:app", T0)) for n in numbers])
        cases.apply_commands(
            [
                c
                for n, o in zip(numbers, outcomes, strict=True)
                for c in steps(o.case_id, n, cases.policy)
            ]
        )
        filed += BATCH
        stored = _stored_events(dsn)
        elapsed = time.perf_counter() - started
        rate = stored / elapsed
        eta = max(target - stored, 0) / rate if rate else 0.0
        print(
            f"\rbuilding: {filed:,} cases, {stored:,} / {target:,} events, "
            f"{rate:,.0f} events/s, about {eta:,.0f} s to go   ",
            end="",
            file=sys.stderr,
        )
    seconds = time.perf_counter() - started
    print(f"\nbuilt {stored:,} events ({filed:,} cases) in {seconds:.1f} s", file=sys.stderr)
    return Figure(
        "ours.bulk_store",
        "bulk store (build)",
        stored / seconds,
        "events/s",
        f"{stored:,} events, {filed:,} cases in {seconds:.0f} s; {BATCH} filings per "
        "transaction, then their steps in one more; includes reading each case back"
        + (f"; database {kept_as}" if kept_as else ""),
    )


# -------------------------------------------------------------------- reading


def _reads(
    cases: ComplaintCases, dsn: str, stored: int, samples: int, warm_up: int
) -> list[Figure]:
    ids = _case_ids(dsn)
    rng = random.Random(7)
    chosen = [rng.choice(ids) for _ in range(warm_up + samples)]
    instants = [rng.choice(AS_OF_INSTANTS) for _ in chosen]
    rows = 0

    def history(case_id: UUID, _: datetime) -> None:
        nonlocal rows
        events = store_events(cases, case_id)
        rows += len(history_rows(e.envelope for e in events if e.envelope))

    def as_of(case_id: UUID, at: datetime) -> None:
        cases.case_as_of(case_id, at)

    load = os.getloadavg()[0]
    at_scale = (
        f"{stored:,} stored events, {len(ids):,} cases, {samples} random cases; "
        f"load {load:.1f} on {os.cpu_count()} cpu"
    )
    figures: list[Figure] = []
    for name, label, read in (
        ("audit_history", "audit history", history),
        ("as_of", "as-of read", as_of),
    ):
        timings = _time(read, chosen, instants, warm_up)
        p50, p99 = _percentile(timings, 50), _percentile(timings, 99)
        print(f"{label}: p50 {p50:.2f} ms, p99 {p99:.2f} ms", file=sys.stderr)
        figures.append(Figure(f"ours.{name}_p50", f"{label} p50", p50, "ms", at_scale))
        note = at_scale
        if name == "audit_history":
            verdict = "met" if p99 <= TARGET_HISTORY_P99_MS else "MISSED"
            per_case = rows / len(chosen)
            note = f"target <= {TARGET_HISTORY_P99_MS:g} ms: {verdict}; {per_case:.1f} rows a case"
        figures.append(Figure(f"ours.{name}_p99", f"{label} p99", p99, "ms", note))
    return figures


def _time(
    read: Callable[[UUID, datetime], None],
    chosen: list[UUID],
    instants: list[datetime],
    warm_up: int,
) -> list[float]:
    """Milliseconds per call, warm-up calls left out."""
    timings: list[float] = []
    for i, (case_id, at) in enumerate(zip(chosen, instants, strict=True)):
        started = time.perf_counter()
        read(case_id, at)
        if i >= warm_up:
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


# -------------------------------------------------------------------- helpers


def _settings(kafka_bootstrap: str, dsn: str) -> Settings:
    return Settings(store="postgres", postgres_dsn=dsn, kafka_bootstrap=kafka_bootstrap)


def _dsn_for(admin_dsn: str, dbname: str) -> str:
    info = conninfo_to_dict(admin_dsn)
    info["dbname"] = dbname
    return make_conninfo(**info)  # type: ignore[arg-type]


def _stored_events(dsn: str) -> int:
    """Events in the store (every aggregate's: cases, problem indexes)."""
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT max(notification_id) FROM complaints_events").fetchone()
    return int(row[0] or 0) if row else 0


def _case_ids(dsn: str) -> list[UUID]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT originator_id FROM complaints_events WHERE topic LIKE %s",
            ["%:ComplaintCase.ComplaintFiled"],
        ).fetchall()
    return [row[0] for row in rows]


def _carried_build(dbname: str) -> Figure | None:
    """The build figure of an earlier run that built ``dbname``, if the results file has it."""
    try:
        previous: dict[str, Any] = json.loads(RESULTS.read_text())
    except (OSError, ValueError):
        return None
    for figure in previous.get("figures", []):
        if figure.get("key") == "ours.bulk_store" and f"database {dbname}" in figure["note"]:
            prefix = "carried over from the build: "
            figure["note"] = prefix + figure["note"].replace(prefix, "")
            return Figure(**figure)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Building 1M events takes several minutes; keep the database with --keep "
        "and measure again with --reuse NAME (it is then never dropped).",
    )
    parser.add_argument("--events", type=int, default=1_000_000, help="stored events to build")
    parser.add_argument("--samples", type=int, default=2000, help="random cases timed per read")
    parser.add_argument("--warm-up", type=int, default=200, help="calls not counted, first")
    parser.add_argument("--keep", action="store_true", help="keep the built database")
    parser.add_argument(
        "--reuse", metavar="DBNAME", help="measure on this already built database (no build)"
    )
    args = parser.parse_args()
    base = Settings()
    figures = measure(
        base.kafka_bootstrap,
        base.postgres_dsn,
        events=args.events,
        keep=args.keep,
        reuse=args.reuse,
        samples=args.samples,
        warm_up=args.warm_up,
    )
    print_figures("audit reads (event store in PostgreSQL)", figures)
    document = {
        "benchmark": "audit history and as-of read latency",
        "events_target": args.events,
        "samples": args.samples,
        "warm_up": args.warm_up,
        "figures": [asdict(f) for f in figures],
        "measured_at": datetime.now(tz=UTC).isoformat(timespec="seconds"),
        "host": f"{platform.node()} ({os.cpu_count()} cpu)",
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    print(f"figures written to {RESULTS}")


if __name__ == "__main__":
    main()
