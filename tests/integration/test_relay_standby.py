"""Two relays on one store and topic: one publishes, the other is a hot standby (real Kafka + PG).

Whichever leads, and however the lead changes hands while cases are being filed,
every stored event is on the topic exactly once, in per-case order.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from uuid import UUID

import psycopg
import pytest

from complaint_events.adapters.kafka_topics import ensure_topics
from complaint_events.adapters.postgres_positions import PostgresPositionStore
from complaint_events.application.cases import ComplaintCases
from complaint_events.bootstrap import build_cases, build_relay
from complaint_events.contracts.topology import EVENTS_TOPIC
from complaint_events.relay import Relay
from complaint_events.settings import Settings
from stack_support import assert_topic_matches_store, file_cases, stored_event_ids
from waiting import wait_until

pytestmark = pytest.mark.integration


class RunningRelay:
    """A relay built as the worker builds it, running in a thread until stopped."""

    def __init__(self, settings: Settings, identity: str) -> None:
        self.cases = build_cases(settings)
        self.relay: Relay = build_relay(settings, self.cases, identity=identity)
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name=identity, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.relay.run(self.stop, idle_wait=0.05)
        except BaseException as error:
            self.error = error
            raise

    @property
    def leading(self) -> bool:
        return self.relay.stats.leading

    def lock_backend(self) -> int:
        assert self.relay.leadership is not None
        pid = self.relay.leadership.backend_pid()  # type: ignore[attr-defined]
        assert isinstance(pid, int)
        return pid

    def halt(self) -> None:
        self.stop.set()
        self.thread.join(timeout=60)
        assert not self.thread.is_alive(), "the relay did not stop"
        self.cases.close()
        assert self.error is None, repr(self.error)


class NeverTwoLeaders:
    """Samples the relays while they run: at no moment may two believe they lead."""

    def __init__(self, relays: list[RunningRelay]) -> None:
        self.relays = relays
        self.both: int = 0
        self.samples: int = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self) -> None:
        while not self.stop.wait(0.01):
            self.samples += 1
            if sum(r.leading for r in self.relays) > 1:
                self.both += 1

    def check(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        assert self.samples > 100
        assert self.both == 0, f"two relays led at once in {self.both} samples"


@pytest.fixture
def settings(stack_settings: Settings) -> Settings:
    ensure_topics(stack_settings)
    return stack_settings.model_copy(
        update={"relay_batch_size": 50, "relay_standby_retry": 0.2, "relay_takeover_wait": 1.0}
    )


@pytest.fixture
def cases(settings: Settings) -> Iterator[ComplaintCases]:
    cases = build_cases(settings)
    yield cases
    cases.close()


def caught_up(settings: Settings, cases: ComplaintCases) -> None:
    positions = PostgresPositionStore(settings.postgres_dsn)
    try:
        last = cases.recorder.max_notification_id()
        wait_until(
            lambda: positions.load(f"relay:{settings.topic(EVENTS_TOPIC)}") == last,
            timeout=120,
            what="the leading relay to catch up with the event store",
        )
    finally:
        positions.close()


def leader_and_standby(settings: Settings) -> tuple[RunningRelay, RunningRelay, NeverTwoLeaders]:
    """relay-a once it leads, relay-b started after it, and a watch that they never both lead."""
    first = RunningRelay(settings, "relay-a")
    wait_until(lambda: first.leading, timeout=30, what="the first relay to lead")
    second = RunningRelay(settings, "relay-b")
    return first, second, NeverTwoLeaders([first, second])


def test_two_relays_one_publishes_every_event_once(
    settings: Settings, cases: ComplaintCases
) -> None:
    case_ids = file_cases(cases, 0, 100)
    first, second, watch = leader_and_standby(settings)

    for start in range(100, 600, 100):
        case_ids += file_cases(cases, start, 100)
    caught_up(settings, cases)
    watch.check()
    first.halt()
    second.halt()

    assert first.relay.stats.terms == 1
    assert second.relay.stats.terms == 0, "the standby led while the leader was alive"
    assert second.relay.stats.published == 0
    assert first.relay.stats.published == 600 * 3
    assert_topic_matches_store(settings, stored_event_ids(cases, case_ids))


def test_the_standby_takes_over_when_the_leader_loses_its_lock_or_stops(
    settings: Settings, cases: ComplaintCases
) -> None:
    case_ids = file_cases(cases, 0, 100)
    first, second, watch = leader_and_standby(settings)
    filed: list[UUID] = []
    filer = threading.Thread(target=lambda: filed.extend(file_cases(cases, 100, 1500, batch=50)))
    filer.start()

    # The leader's lock connection is killed mid-stream: the standby takes over, the old
    # leader stands by.
    wait_until(lambda: first.relay.stats.published > 300, timeout=60, what="the leader at work")
    with psycopg.connect(settings.postgres_dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(%s)", (first.lock_backend(),))
    wait_until(
        lambda: second.leading and second.relay.stats.published > 0,
        timeout=30,
        what="the standby to take over and publish",
    )
    assert not first.leading
    assert filer.is_alive(), "filing finished before the failover: not mid-stream"

    # Then the new leader stops: the first relay, standing by, leads again.
    published_before = first.relay.stats.published
    second.halt()
    wait_until(
        lambda: first.leading and first.relay.stats.published > published_before,
        timeout=30,
        what="the first relay to lead again",
    )
    filer.join(timeout=300)
    case_ids += filed
    caught_up(settings, cases)
    watch.check()
    first.halt()

    assert first.relay.stats.terms == 2
    assert second.relay.stats.terms == 1
    assert_topic_matches_store(settings, stored_event_ids(cases, case_ids))
