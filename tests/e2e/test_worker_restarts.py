"""Every worker SIGKILLed mid-stream and restarted: no case lost or doubled, no deadline twice.

Each processor runs as its own ``complaint-events worker NAME`` process, as in
a scaled-out deployment. While complaints stream in, each worker type in turn
is killed without warning (no clean shutdown, no final offset commit) and
started again; later the clock passes the merchants' evidence deadline and the
deadline keeper and command processor are killed around that moment. At the
end every complaint is exactly one case, each step happened exactly once per
case, and the events topic holds every stored event exactly once.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import psycopg
import pytest

from complaint_events.adapters.kafka_topics import ensure_topics
from complaint_events.domain.case import ComplaintCase
from complaint_events.settings import EVENTS_TOPIC, Settings
from stack_support import read_topic
from waiting import wait_until
from worker_support import (
    Worker,
    command,
    intake_message,
    send_commands,
    send_intake,
    set_clock,
    worker_env,
)

pytestmark = pytest.mark.e2e

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
PROCESSORS = ["intake", "relay", "router", "acknowledgement", "commands", "deadlines",
              "batch-quality"]  # fmt: skip
CASES = 240
CHUNK = 30
SETTLE = 180.0

# Steps each case takes exactly once.
ONCE_ON_INTAKE = ("ComplaintFiled", "AcknowledgementSent", "CaseTriaged", "CaseAssigned")
ONCE_AFTER_DEADLINE = (
    "MerchantEvidenceRequested",
    "DeadlineExpired",
    "LiabilityDetermined",
    "RemedyOffered",
)


@pytest.fixture
def workers(stack_settings: Settings, tmp_path: Path) -> Iterator[dict[str, Worker]]:
    clock_file = tmp_path / "clock"
    set_clock(clock_file, T0)
    ensure_topics(stack_settings)
    env = worker_env(stack_settings, clock_file, tmp_path / "data")
    running = {name: Worker([name], env, tmp_path).start() for name in PROCESSORS}
    yield running
    for worker in running.values():
        worker.stop()
    for worker in running.values():
        print(worker.log()[-4000:])


def steps_per_case(dsn: str) -> dict[UUID, Counter[str]]:
    """How many times each case recorded each event, straight from the event store."""
    with psycopg.connect(dsn) as conn:
        try:
            rows = conn.execute(
                "SELECT originator_id, topic, count(*) FROM complaints_events "
                "WHERE topic LIKE %s GROUP BY 1, 2",
                (f"{ComplaintCase.__module__}:ComplaintCase.%",),
            ).fetchall()
        except psycopg.errors.UndefinedTable:
            return {}  # no worker has opened the event store yet
    found: dict[UUID, Counter[str]] = {}
    for case_id, topic, count in rows:
        found.setdefault(case_id, Counter())[topic.rsplit(".", 1)[-1]] = count
    return found


def all_cases_have(dsn: str, case_ids: set[UUID], steps: tuple[str, ...]) -> bool:
    found = steps_per_case(dsn)
    return all(all(found.get(c, Counter())[s] >= 1 for s in steps) for c in case_ids)


def test_killed_workers_lose_and_double_nothing(
    workers: dict[str, Worker], stack_settings: Settings, tmp_path: Path
) -> None:
    dsn, bootstrap = stack_settings.postgres_dsn, stack_settings.kafka_bootstrap
    messages = [intake_message(n, sku=f"sku-{n}") for n in range(CASES)]
    expected = {ComplaintCase.create_id("app", m["channel_ref"]) for m in messages}

    def alive() -> None:
        for worker in workers.values():
            worker.assert_alive()

    # Complaints stream in; after each chunk one more worker type is killed (once it is
    # busy with the stream) and started again.
    to_kill = iter(PROCESSORS)
    for first in range(0, CASES, CHUNK):
        send_intake(bootstrap, stack_settings, messages[first : first + CHUNK])
        victim = next(to_kill, None)
        if victim is not None:
            wait_until(
                lambda v=victim: alive() or f"] {v}: " in workers[v].log_since_start(),
                timeout=SETTLE,
                interval=0.02,
                what=f"the {victim} worker at work",
            )
            workers[victim].kill()
            workers[victim].start()
    wait_until(
        lambda: alive() or all_cases_have(dsn, expected, ONCE_ON_INTAKE),
        timeout=SETTLE,
        interval=0.5,
        what="every complaint filed, acknowledged, triaged and assigned",
    )

    # A handler asks every merchant for evidence; none answers.
    send_commands(
        bootstrap,
        stack_settings,
        [
            command(
                case_id,
                "request_merchant_evidence",
                {"summary": {"n": 1}},
                actor="handler:h-1",
                at=T0,
            )
            for case_id in expected
        ],
    )
    wait_until(
        lambda: alive() or all_cases_have(dsn, expected, ("MerchantEvidenceRequested",)),
        timeout=SETTLE,
        interval=0.5,
        what="every merchant asked for evidence",
    )

    # Past the due time; the deadline keeper and the command processor die around it.
    set_clock(tmp_path / "clock", T0 + timedelta(hours=49))
    wait_until(
        lambda: alive() or any(c["DeadlineExpired"] for c in steps_per_case(dsn).values()),
        timeout=SETTLE,
        interval=0.2,
        what="the first expiry",
    )
    for name in ("deadlines", "commands"):
        workers[name].kill()
        workers[name].start()
    wait_until(
        lambda: alive() or all_cases_have(dsn, expected, ONCE_AFTER_DEADLINE),
        timeout=SETTLE,
        interval=0.5,
        what="every silent merchant's default judgment",
    )

    found = steps_per_case(dsn)
    assert set(found) == expected, "a case was lost or an extra one opened"
    doubled = {
        (str(case_id), step, counts[step])
        for case_id, counts in found.items()
        for step in (*ONCE_ON_INTAKE, *ONCE_AFTER_DEADLINE)
        if counts[step] != 1
    }
    assert not doubled, f"steps recorded more than once: {sorted(doubled)[:10]}"

    # The relay, killed too, published every stored event exactly once.
    stored = sum(sum(c.values()) for c in found.values())

    def published() -> list[tuple[str, dict[str, bytes], bytes]] | None:
        messages = read_topic(bootstrap, stack_settings.topic(EVENTS_TOPIC))
        return messages if len(messages) >= stored else None

    on_topic = wait_until(published, timeout=SETTLE, interval=0.5, what="all events published")
    ids = [json.loads(value)["event_id"] for _, _, value in on_topic]
    assert len(ids) == len(set(ids)) == stored
