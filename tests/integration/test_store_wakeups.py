"""A caught-up relay wakes when events are stored, and falls back to its timer without them.

The wait is given far longer than the test allows it to take: returning early
can only be the notification eventsourcing's recorder sends when it stores.
"""

from __future__ import annotations

import threading
import time

import pytest
from eventsourcing.postgres import PostgresApplicationRecorder
from tests.complaint_support import T0, kettle_complaint

from complaint_events.adapters.store_wakeups import StoreWakeups
from complaint_events.bootstrap import build_cases
from complaint_events.domain.acting import Acting
from complaint_events.settings import Settings

pytestmark = pytest.mark.integration

LONG = 60.0  # seconds a wait may last; a woken one returns far sooner


def test_storing_an_event_wakes_a_waiting_relay(postgres_dsn: str) -> None:
    cases = build_cases(Settings(store="postgres", postgres_dsn=postgres_dsn))
    recorder = cases.recorder
    assert isinstance(recorder, PostgresApplicationRecorder)
    wakeups = StoreWakeups(postgres_dsn, recorder.channel_name)
    stop = threading.Event()
    try:
        wakeups.wait(stop, 0.01)  # listening from here on
        filer = threading.Timer(
            0.5, lambda: cases.file_complaint(kettle_complaint(1), Acting("adapter:web", T0))
        )
        filer.start()
        started = time.monotonic()
        wakeups.wait(stop, LONG)
        waited = time.monotonic() - started
        filer.join()
        assert waited < LONG / 2, f"still waiting {waited:.1f} s after a complaint was filed"
    finally:
        wakeups.close()
        cases.close()


def test_without_a_database_the_wait_is_the_timer() -> None:
    wakeups = StoreWakeups("postgresql://postgres@127.0.0.1:1/none", "complaints_events")
    stop = threading.Event()
    started = time.monotonic()
    wakeups.wait(stop, 0.3)
    assert time.monotonic() - started >= 0.3
    stop.set()
    wakeups.wait(stop, LONG)  # a stop ends the wait at once
    assert time.monotonic() - started < LONG / 2
    wakeups.close()
