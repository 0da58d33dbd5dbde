"""The demo's scenario, played on a bus: the synthetic stream, the actors' agenda, the weeks.

The same play runs on the in-process bus of embedded mode
(:mod:`complaint_events.demo.embedded_bus`) and on the real stack
(:mod:`complaint_events.demo.stack_bus`): filings go in at their received
times, the actors answer events with commands at later simulated times, and
the bus moves the clock between them so deadlines fall due when they should.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from complaint_events.application.cases import ComplaintCases
from complaint_events.contracts.commands import CommandEnvelopeV1
from complaint_events.contracts.envelope import EventEnvelope
from complaint_events.contracts.intake import IntakeMessageV1
from complaint_events.demo.actors import Actors, Agenda
from complaint_events.demo.embedded_bus import BusLog, Outage
from complaint_events.demo.synthetic import Plan, synthetic_stream

START: datetime = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
STREAM_DAYS = 14
AFTER_LAST_FILING = timedelta(days=21)  # long enough for every clock, appeals included
# A notification-gateway outage on day 5: acknowledgements queue up and some are late.
OUTAGES = (Outage(START + timedelta(days=5, hours=2), START + timedelta(days=6, hours=6)),)

OnProgress = Callable[[float, str], None]


class Bus(Protocol):
    """What the play needs of a bus: inputs, the clock, and the events it carries."""

    log: BusLog
    listeners: list[Callable[[EventEnvelope], None]]

    def file(self, messages: Sequence[IntakeMessageV1]) -> object: ...

    def send(self, commands: Sequence[CommandEnvelopeV1]) -> None: ...

    def advance_to(self, moment: datetime) -> None: ...

    def now(self) -> datetime: ...


@dataclass(frozen=True)
class DemoRun:
    """What a run produced: the bus log (every envelope, in order) and the plans."""

    log: BusLog
    plans: list[Plan]
    started: datetime
    ended: datetime


def stream(cases_wanted: int, seed: int) -> list[Plan]:
    """The demo's synthetic complaints: the same for the same size and seed, on every bus."""
    return synthetic_stream(cases_wanted, seed, START, STREAM_DAYS)


def play(
    bus: Bus,
    cases: ComplaintCases,
    plans: list[Plan],
    on_progress: OnProgress = lambda _fraction, _what: None,
) -> DemoRun:
    """Play ``plans`` on ``bus`` until every case has run its course; return the log.

    ``cases`` is the store the actors read, as the API's queries would.
    """
    agenda = Agenda()
    actors = Actors(cases, plans, agenda)
    actors.now = bus.now
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
        on_progress((bus.now() - START).total_seconds() / total, f"{bus.now():%m-%d %H:%M}")
    bus.advance_to(end)
    on_progress(1.0, f"{bus.now():%m-%d %H:%M}")
    return DemoRun(bus.log, plans, START, bus.now())


def _filing(bus: Bus, message: IntakeMessageV1) -> Callable[[], list[CommandEnvelopeV1]]:
    def file() -> list[CommandEnvelopeV1]:
        bus.file([message])
        return []

    return file
