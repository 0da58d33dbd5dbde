"""Embedded mode: play the synthetic stream through the in-process bus on a simulated clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from complaint_events.bootstrap import build_cases
from complaint_events.clock import SimulatedClock
from complaint_events.contracts.commands import CommandEnvelopeV1
from complaint_events.contracts.intake import IntakeMessageV1
from complaint_events.demo.actors import Actors, Agenda
from complaint_events.demo.embedded_bus import BusLog, EmbeddedBus, Outage
from complaint_events.demo.synthetic import Plan, synthetic_stream
from complaint_events.processing.batch_window import BatchPolicy
from complaint_events.settings import Settings

START: datetime = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
STREAM_DAYS = 14
AFTER_LAST_FILING = timedelta(days=21)  # long enough for every clock, appeals included


@dataclass(frozen=True)
class DemoRun:
    """What a run produced: the bus log (every envelope, in order) and the plans."""

    log: BusLog
    plans: list[Plan]
    started: datetime
    ended: datetime


def play(
    cases_wanted: int,
    seed: int,
    settings: Settings,
    on_progress: Callable[[float, str], None] = lambda _fraction, _what: None,
) -> DemoRun:
    """Play ``cases_wanted`` synthetic complaints through their lifecycles; return the log."""
    cases = build_cases(settings)
    clock = SimulatedClock(START)
    bus = EmbeddedBus(
        cases,
        clock,
        BatchPolicy(threshold=settings.batch_alert_threshold, window=settings.batch_alert_window),
        # A notification-gateway outage on day 5: acknowledgements queue up and some are late.
        outages=[Outage(START + timedelta(days=5, hours=2), START + timedelta(days=6, hours=6))],
    )
    plans = synthetic_stream(cases_wanted, seed, START, STREAM_DAYS)
    agenda = Agenda()
    actors = Actors(cases, plans, agenda)
    actors.now = clock.now
    bus.listeners.append(actors.on_event)
    for plan in plans:
        agenda.add(plan.message.received_at, _filing(bus, plan.message))
        if plan.duplicate is not None:
            agenda.add(plan.duplicate.received_at, _filing(bus, plan.duplicate))
    end = max(p.message.received_at for p in plans) + AFTER_LAST_FILING if plans else START
    total = (end - START).total_seconds() or 1.0
    while (at := agenda.next_at()) is not None and at <= end:
        bus.advance_to(at)
        commands = agenda.pop()()
        if commands:
            bus.send(commands)
        on_progress((clock.now() - START).total_seconds() / total, f"{clock.now():%m-%d %H:%M}")
    bus.advance_to(end)
    on_progress(1.0, f"{clock.now():%m-%d %H:%M}")
    return DemoRun(bus.log, plans, START, clock.now())


def _filing(bus: EmbeddedBus, message: IntakeMessageV1) -> Callable[[], list[CommandEnvelopeV1]]:
    def file() -> list[CommandEnvelopeV1]:
        bus.file([message])
        return []

    return file


def embedded_settings(sqlite_path: Path) -> Settings:
    """Settings for embedded mode: a SQLite event store at ``sqlite_path``."""
    return Settings(store="sqlite", sqlite_path=sqlite_path)
