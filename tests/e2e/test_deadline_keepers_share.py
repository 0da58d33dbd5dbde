"""Two deadline keepers on one consumer group: every due deadline is sent once, by one of them.

Cases are filed in the event store and relayed to the events topic; two
``complaint-events worker deadlines`` processes share the group (each folds
its partitions into ``pending_deadlines``) and both tick. The clock makes the
acknowledgement deadlines of every case due in two waves: each wave's expiry
commands reach the commands topic, and no command is on it twice, although
both keepers ask for due deadlines four times a second.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest

from complaint_events.adapters.kafka_topics import ensure_topics
from complaint_events.bootstrap import build_cases, build_relay
from complaint_events.consumers.health import HealthCheckError, kafka_view
from complaint_events.consumers.topology import app_id
from complaint_events.contracts.intake import IntakeMessageV1
from complaint_events.contracts.topology import COMMANDS_TOPIC, EVENTS_TOPIC
from complaint_events.domain.acting import Acting
from complaint_events.domain.values import DeadlineKind
from complaint_events.settings import Settings
from stack_support import read_topic
from waiting import wait_until
from worker_support import Worker, intake_message, set_clock, worker_env

pytestmark = pytest.mark.e2e

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
CASES = 120
SPACING = timedelta(minutes=1)  # case n is filed n minutes after the first
SETTLE = 120.0


@pytest.fixture
def filed(stack_settings: Settings) -> list[UUID]:
    """CASES cases in the event store, their events on the events topic."""
    ensure_topics(stack_settings)
    cases = build_cases(stack_settings)
    try:
        base = IntakeMessageV1.model_validate(intake_message(0)).to_details()
        outcomes = cases.file_complaints(
            [
                (
                    replace(base, channel_ref=f"keep-{n}", order_id=f"o-{n}"),
                    Acting("adapter:app", T0 + n * SPACING),
                )
                for n in range(CASES)
            ]
        )
        relay = build_relay(stack_settings, cases)
        relay.start()
        while relay.run_once():
            pass
        relay.close()
    finally:
        cases.close()
    return [o.case_id for o in outcomes]


@pytest.fixture
def keepers(
    stack_settings: Settings, tmp_path: Path, filed: list[UUID]
) -> Iterator[tuple[Path, list[Worker]]]:
    clock_file = tmp_path / "clock"
    set_clock(clock_file, T0)
    running = []
    for name in ("a", "b"):  # as on two machines: each its own data and log folder
        folder = tmp_path / name
        folder.mkdir()
        env = worker_env(stack_settings, clock_file, folder / "data")
        running.append(Worker(["deadlines"], env, folder).start())
    yield clock_file, running
    for worker in running:
        worker.stop()
    for worker in running:
        print(worker.log()[-3000:])


def expiry_commands(settings: Settings) -> Counter[str]:
    """How many times each command is on the commands topic, by command id."""
    return Counter(
        json.loads(value)["command_id"]
        for _, _, value in read_topic(settings.kafka_bootstrap, settings.topic(COMMANDS_TOPIC))
    )


def test_two_keepers_send_each_due_deadline_once(
    stack_settings: Settings, keepers: tuple[Path, list[Worker]]
) -> None:
    clock_file, workers = keepers
    group = app_id(stack_settings, "deadlines")

    def folded() -> bool:
        for worker in workers:
            worker.assert_alive()
        try:
            with kafka_view(stack_settings) as view:
                return view.lag(group, [stack_settings.topic(EVENTS_TOPIC)]) == 0
        except HealthCheckError:  # a fresh broker's group coordinator is not up yet
            return False

    wait_until(folded, timeout=SETTLE, what="both keepers folding every event")

    def sent_at_least(wanted: int) -> Counter[str] | None:
        found = expiry_commands(stack_settings)
        return found if sum(found.values()) >= wanted else None

    ack = stack_settings.deadline_policy().clocks[DeadlineKind.ACKNOWLEDGEMENT].duration
    half = CASES // 2
    for wave, last in ((1, half - 1), (2, CASES - 1)):
        set_clock(clock_file, T0 + ack + last * SPACING)  # cases 0..last now due
        sent = wait_until(
            lambda wanted=half * wave: sent_at_least(wanted),
            timeout=SETTLE,
            what=f"wave {wave}'s expiries on the commands topic",
        )
        assert len(sent) == half * wave

    sent = expiry_commands(stack_settings)
    assert len(sent) == CASES
    assert max(sent.values()) == 1, [c for c, n in sent.items() if n > 1][:5]
    for worker in workers:
        worker.assert_alive()
