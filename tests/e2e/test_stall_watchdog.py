"""A worker that stops consuming while messages wait ends itself; an idle one is left alone.

The stall is injected from outside, as a database fault would cause it: the test
holds an exclusive lock on the event store's table, so the intake worker's
filing blocks (in its thread) and its agent stops committing offsets while
intake messages pile up. Its watchdog must end it with exit code 70 and one
error line naming the topic and partitions, and ``complaint-events health``
must say "stalled", not merely "behind". The projector and the relay, threads
of a worker rather than consumer groups, are stalled the same way through their
position tables and end their worker too.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from complaint_events.adapters.kafka_topics import ensure_topics
from complaint_events.consumers.health import check
from complaint_events.consumers.watchdog import EXIT_STALLED
from complaint_events.contracts.topology import EVENTS_TOPIC, INTAKE_TOPIC
from complaint_events.domain.case import ComplaintCase
from complaint_events.settings import Settings
from waiting import wait_until
from worker_support import CLI, Worker, intake_message, send_intake, set_clock, worker_env

pytestmark = pytest.mark.e2e

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
STALL_TIMEOUT = 5.0
EVENT_STORE_TABLE = "complaints_events"  # the eventsourcing PostgreSQL recorder's table


@pytest.fixture
def env(stack_settings: Settings, tmp_path: Path) -> dict[str, str]:
    clock_file = tmp_path / "clock"
    set_clock(clock_file, T0)
    ensure_topics(stack_settings)
    return worker_env(
        stack_settings,
        clock_file,
        tmp_path / "data",
        COMPLAINTS_STALL_TIMEOUT=str(STALL_TIMEOUT),
    )


@pytest.fixture
def intake_worker(env: dict[str, str], tmp_path: Path) -> Iterator[Worker]:
    worker = Worker(["intake"], env, tmp_path).start()
    yield worker
    worker.stop()
    print(worker.log()[-6000:])


def cases_filed(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        try:
            row = conn.execute(
                f"SELECT count(DISTINCT originator_id) FROM {EVENT_STORE_TABLE} "
                "WHERE topic LIKE %s",
                (f"{ComplaintCase.__module__}:ComplaintCase.%",),
            ).fetchone()
        except psycopg.errors.UndefinedTable:
            return 0
    return int(row[0]) if row else 0


def health(env: dict[str, str], *names: str) -> tuple[int, dict[str, object]]:
    done = subprocess.run(
        [str(CLI), "health", *names, "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done.returncode, json.loads(done.stdout)


def test_a_stalled_worker_names_what_waits_and_exits_for_its_supervisor(
    intake_worker: Worker, stack_settings: Settings, env: dict[str, str]
) -> None:
    dsn, bootstrap = stack_settings.postgres_dsn, stack_settings.kafka_bootstrap
    send_intake(bootstrap, stack_settings, [intake_message(0)])
    wait_until(
        lambda: intake_worker.assert_alive() or cases_filed(dsn) == 1,
        timeout=120,
        what="the intake worker filing the first case",
    )

    with psycopg.connect(dsn) as blocker:
        blocker.execute(f"LOCK TABLE {EVENT_STORE_TABLE} IN ACCESS EXCLUSIVE MODE")
        send_intake(bootstrap, stack_settings, [intake_message(n) for n in range(1, 40)])
        started = time.monotonic()
        process = intake_worker.process
        assert process is not None
        code = process.wait(timeout=STALL_TIMEOUT * 6 + 30)
        took = time.monotonic() - started

        assert code == EXIT_STALLED, intake_worker.log()[-6000:]
        assert took >= STALL_TIMEOUT
        topic = stack_settings.topic(INTAKE_TOPIC)
        (intake,) = check(stack_settings, ["intake"])
        lagging = {row.partition for row in intake.rows if row.lag}
        errors = [line for line in intake_worker.log().splitlines() if "stalled:" in line]
        assert len(errors) == 1, errors
        named = re.search(
            rf"worker intake stalled: {re.escape(topic)}\[([0-9,]+)\] ha(?:s|ve) (\d+) messages "
            rf"waiting and no offset committed for \d+ s; exiting \(code {EXIT_STALLED}\) so "
            "that the supervisor restarts it",
            errors[0],
        )
        assert named, errors[0]
        stalled = {int(p) for p in named.group(1).split(",")}
        assert stalled <= lagging, (stalled, lagging)
        assert 0 < int(named.group(2)) <= intake.lag

        status, report = health(env, "intake")
        assert status == 3, report
        assert report["stalled"] is True
        (processor,) = report["processors"]  # type: ignore[misc]
        assert processor["stalled"] is True
        reported = re.match(
            rf"stalled: {re.escape(topic)}\[([0-9,]+)\] no progress for \d+ s", processor["detail"]
        )
        assert reported, processor["detail"]
        assert stalled <= {int(p) for p in reported.group(1).split(",")} <= lagging
        blocker.rollback()

    # Restarted (as its supervisor would), it files what waited, and health says so.
    intake_worker.start()
    wait_until(
        lambda: intake_worker.assert_alive() or cases_filed(dsn) == 40,
        timeout=120,
        what="the restarted worker filing every case",
    )
    wait_until(
        lambda: health(env, "intake")[0] == 0,
        timeout=60,
        what="health saying the intake is caught up again",
    )


def test_an_idle_worker_is_left_running(
    intake_worker: Worker, stack_settings: Settings, env: dict[str, str]
) -> None:
    dsn, bootstrap = stack_settings.postgres_dsn, stack_settings.kafka_bootstrap
    send_intake(bootstrap, stack_settings, [intake_message(n) for n in range(3)])
    wait_until(
        lambda: intake_worker.assert_alive() or health(env, "intake")[0] == 0,
        timeout=120,
        what="the intake worker caught up",
    )
    assert cases_filed(dsn) == 3

    time.sleep(STALL_TIMEOUT * 3)  # idle, committed offsets standing still, for long enough

    intake_worker.assert_alive()
    status, report = health(env, "intake")
    assert (status, report["stalled"]) == (0, False), report
    assert "stall watchdog: worker intake exits if" in intake_worker.log()
    assert "stalled" not in intake_worker.log()


def projected_cases(dsn: str) -> int:
    """Events the slowest read model has applied, over all partitions (0 before it starts)."""
    with psycopg.connect(dsn) as conn:
        try:
            rows = conn.execute(
                "SELECT projection, sum(next_offset) FROM projection_positions GROUP BY 1"
            ).fetchall()
        except psycopg.errors.UndefinedTable:
            return 0
    return min((int(n) for _, n in rows), default=0)


# The projector locks its position rows first; so it blocks, and stores nothing.
PROJECTOR_STALLED = (
    r"projections on {events}\[[0-9,]+\] ha(?:s|ve) \d+ events waiting "
    r"and no position stored for \d+ s"
)
# The relay publishes a batch, then blocks saving its position.
RELAY_STALLED = (
    r"relay on event store notifications\[0\] has \d+ notifications waiting "
    r"and no position saved for \d+ s"
)


@pytest.mark.parametrize(
    ("locked", "processor", "says"),
    [
        ("projection_positions", "projections", PROJECTOR_STALLED),
        ("tracked_positions", "relay", RELAY_STALLED),
    ],
)
def test_a_stalled_projector_or_relay_ends_its_worker_too(
    stack_settings: Settings,
    env: dict[str, str],
    tmp_path: Path,
    locked: str,
    processor: str,
    says: str,
) -> None:
    dsn, bootstrap = stack_settings.postgres_dsn, stack_settings.kafka_bootstrap
    worker = Worker(["intake", "relay", "projections"], env, tmp_path).start()
    try:
        send_intake(bootstrap, stack_settings, [intake_message(0)])
        wait_until(
            lambda: worker.assert_alive() or projected_cases(dsn) >= 1,
            timeout=120,
            what="the first case filed, published and projected",
        )
        with psycopg.connect(dsn) as blocker:
            # EXCLUSIVE: reads (the watchdog's) go on; writes and row locks wait.
            blocker.execute(f"LOCK TABLE {locked} IN EXCLUSIVE MODE")
            send_intake(bootstrap, stack_settings, [intake_message(n) for n in range(1, 20)])
            assert worker.process is not None
            code = worker.process.wait(timeout=STALL_TIMEOUT * 6 + 30)
            assert code == EXIT_STALLED, worker.log()[-6000:]
            errors = [line for line in worker.log().splitlines() if " stalled: " in line]
            assert len(errors) == 1, errors
            pattern = says.format(events=re.escape(stack_settings.topic(EVENTS_TOPIC)))
            assert re.search(
                rf"worker intake-and-relay-and-projections stalled: (.*; )?{pattern}", errors[0]
            ), errors[0]

            status, report = health(env, processor)
            assert status == 3, report
            (found,) = report["processors"]  # type: ignore[misc]
            assert found["stalled"] is True, found
            assert found["detail"].startswith("stalled: "), found
            blocker.rollback()
    finally:
        worker.stop()
        print(worker.log()[-6000:])
