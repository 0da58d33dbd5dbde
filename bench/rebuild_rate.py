"""Projection rebuild rate: events per second from offset zero into all read models.

    scripts/devstack up && eval "$(scripts/devstack env)"
    .venv/bin/python bench/rebuild_rate.py --cases 20000

Files N complaints in a fresh database and moves each through a few steps
(acknowledged, triaged, queued, merchant asked for evidence, some escalated,
some answered), relays every event to a fresh events topic, then times
``projections rebuild`` of all projections (the same code as the command).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import uuid
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from support import Figure, delete_topics, fresh_database, kettle_complaint, print_figures

from complaint_events.adapters.kafka_clients import KafkaClients
from complaint_events.adapters.kafka_topics import ensure_topics
from complaint_events.application.cases import CaseCommand
from complaint_events.bootstrap import build_cases, build_relay
from complaint_events.contracts.topology import EVENTS_TOPIC
from complaint_events.domain.acting import Acting
from complaint_events.domain.complaint import ComplaintDetails
from complaint_events.domain.values import Channel, ProblemCategory
from complaint_events.projections.case_summary import CaseSummary
from complaint_events.projections.catalog import ALL_PROJECTIONS
from complaint_events.projections.rebuild import rebuild
from complaint_events.settings import Settings

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
CHANNELS = list(Channel)
CATEGORIES = [ProblemCategory.QUALITY_DEFECT, ProblemCategory.NOT_AS_DESCRIBED,
              ProblemCategory.COUNTERFEIT, ProblemCategory.FOOD_SAFETY]  # fmt: skip
RESULTS = Path(__file__).parent / "results" / "rebuild_rate.json"


def details(n: int) -> ComplaintDetails:
    return kettle_complaint(
        n,
        f"bench-{n}",
        T0 + timedelta(minutes=n % 10_000),
        channel=CHANNELS[n % len(CHANNELS)],
        category=CATEGORIES[n % len(CATEGORIES)],
    )


def steps(case_id: uuid.UUID, n: int, policy: object) -> list[CaseCommand]:
    at = T0 + timedelta(hours=2)
    handler = Acting("handler:h-1", at)
    commands = [
        ("ack", lambda c: c.acknowledge(notification_id="n", language="zh", soothing=False,
                                        by=Acting("system:ack", at))),
        ("triage", lambda c: c.triage(route="quality", queue="quality", fast_track=False,
                                      burden_of_proof_on_merchant=False, distress=False,
                                      rule_refs=[], by=Acting("system:router", at))),
        ("assign", lambda c: c.assign("queue:quality", Acting("system:router", at))),
        ("evidence", lambda c: c.request_merchant_evidence({"text": "leak"}, handler, policy)),
    ]  # fmt: skip
    if n % 3 == 0:
        commands.append(("escalate", lambda c: c.escalate("slow", 1, handler)))
    if n % 2 == 0:
        merchant = Acting(f"merchant:m-{n % 97}", at + timedelta(hours=20))
        commands.append(("answer", lambda c: c.submit_merchant_evidence([], "tested", merchant)))
    return [CaseCommand(f"{case_id}:{name}", case_id, fn) for name, fn in commands]


def measure(
    kafka_bootstrap: str, admin_dsn: str, n: int, keep: bool = False, batch_size: int = 2000
) -> list[Figure]:
    """File ``n`` cases, relay them, rebuild every projection, then case_summary alone."""
    prefix = f"bench{uuid.uuid4().hex[:6]}."
    with fresh_database(admin_dsn, keep) as dsn:
        settings = Settings(store="postgres", postgres_dsn=dsn, topic_prefix=prefix,
                            kafka_bootstrap=kafka_bootstrap)  # fmt: skip
        ensure_topics(settings)
        try:
            cases = build_cases(settings)
            started = time.perf_counter()
            for first in range(0, n, 500):
                numbers = range(first, min(first + 500, n))
                outcomes = cases.file_complaints(
                    [(details(i), Acting("adapter:app", T0)) for i in numbers]
                )
                cases.apply_commands(
                    [
                        c
                        for i, o in zip(numbers, outcomes, strict=True)
                        for c in steps(o.case_id, i, cases.policy)
                    ]
                )
                print(f"\rfiled {numbers[-1] + 1:,} cases", end="", file=sys.stderr)
            print(f"\rfiled {n:,} cases in {time.perf_counter() - started:.1f} s",
                  file=sys.stderr)  # fmt: skip
            relay = build_relay(settings, cases)
            relay.start()
            started = time.perf_counter()
            while relay.run_once():
                pass
            relay_seconds = time.perf_counter() - started
            events = relay.stats.published
            print(f"relayed {events:,} events in {relay_seconds:.1f} s", file=sys.stderr)

            def progress(done: int, total: int) -> None:
                print(f"\rrebuild: {done:,} / {total:,} events", end="", file=sys.stderr)

            topic = settings.topic(EVENTS_TOPIC)
            everything = rebuild(dsn, KafkaClients(settings), topic, list(ALL_PROJECTIONS),
                                 batch_size=batch_size, progress=progress)  # fmt: skip
            print(file=sys.stderr)
            summary_only = rebuild(dsn, KafkaClients(settings), topic, [CaseSummary()],
                                   batch_size=batch_size, progress=progress)  # fmt: skip
            print(file=sys.stderr)
        finally:
            if keep:
                print(f"kept topics {prefix}*", file=sys.stderr)
            else:
                delete_topics(kafka_bootstrap, prefix)
    return [
        Figure("ours.relay_catch_up", "store -> topic (relay catching up)",
               events / relay_seconds, "events/s", f"{events:,} events"),
        Figure("ours.rebuild", "projection rebuild, all 5 read models",
               everything.rate, "events/s", f"{everything.messages:,} events, batch {batch_size}"),
        Figure("ours.rebuild_case_summary", "topic -> case summary (rebuild of it alone)",
               summary_only.rate, "events/s", f"{summary_only.messages:,} events"),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=2000, help="events per transaction")
    parser.add_argument("--keep", action="store_true", help="keep the database and topics")
    args = parser.parse_args()
    base = Settings()
    figures = measure(base.kafka_bootstrap, base.postgres_dsn, args.cases, args.keep,
                      args.batch_size)  # fmt: skip
    print_figures(f"rebuild rate, {args.cases:,} cases", figures)
    document = {
        "cases": args.cases,
        "batch_size": args.batch_size,
        "figures": [asdict(f) for f in figures],
        "measured_at": datetime.now(tz=UTC).isoformat(timespec="seconds"),
        "host": f"{platform.node()} ({os.cpu_count()} cpu)",
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(document, indent=2) + "\n")
    print(f"figures written to {RESULTS}")


if __name__ == "__main__":
    main()
