"""The bus of the demo's stack mode: Kafka topics, the real workers, and a file clock.

Intake messages go onto the intake topic and the actors' commands onto the
commands topic, as channel adapters and the API put them there. The workers
(:class:`~complaint_events.demo.stack_workers.StackWorkers`) do the rest; the
bus follows the events and command-results topics for the actors and the log.

Between two simulated moments the bus waits until the stack has *settled*:
every command it sent has its result, every worker's consumer group has
committed everything on its topics, the relay has published every stored
event, and the bus has read the events topic to its end — twice in a row, so
that nothing was in flight between the looks. The clock moves only then, and
stops at each moment a deadline falls due, so reminders and expiries fire when
they would in embedded mode and the cases end the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from uuid import UUID

from kafka import TopicPartition
from kafka.errors import KafkaError

from complaint_events.adapters.kafka_clients import KafkaClients
from complaint_events.adapters.postgres_positions import PostgresPositionStore
from complaint_events.application.cases import ComplaintCases
from complaint_events.clock import FileClock, SimulatedClock
from complaint_events.consumers.health import KafkaView, kafka_view, relay_position_name
from complaint_events.contracts.commands import CommandEnvelopeV1, CommandResultV1
from complaint_events.contracts.envelope import EventEnvelope
from complaint_events.contracts.intake import IntakeMessageV1
from complaint_events.contracts.topology import (
    COMMAND_RESULTS_TOPIC,
    COMMANDS_TOPIC,
    EVENTS_TOPIC,
    INTAKE_TOPIC,
)
from complaint_events.demo.embedded_bus import BusLog, Outage
from complaint_events.demo.stack_workers import ACKNOWLEDGEMENT, StackWorkers
from complaint_events.processing.deadline_firing import fire, pendings_of
from complaint_events.processing.deadline_schedule import DeadlineSchedule
from complaint_events.processing.issuing import to_bytes
from complaint_events.settings import Settings

_POLL_MS = 10
_CALM_LOOKS = 2


class StackNotSettlingError(RuntimeError):
    """The stack did not settle in time; the message says what was still pending."""


class StackBus:
    """Inputs to Kafka, time through a file, events back from the events topic."""

    def __init__(
        self,
        settings: Settings,
        cases: ComplaintCases,
        clock: SimulatedClock,
        clock_file: Path,
        workers: StackWorkers,
        outages: Sequence[Outage] = (),
        settle_timeout: float = 120.0,
    ) -> None:
        self.settings = settings
        self.cases = cases
        self.clock = clock
        self.clock_file = clock_file
        self.workers = workers
        self.outages = tuple(outages)
        self.settle_timeout = settle_timeout
        self.log = BusLog()
        self.listeners: list[Callable[[EventEnvelope], None]] = []
        self.schedule = DeadlineSchedule()  # what the deadline keeper will fire, and when
        self._answered: set[UUID] = set()
        self._closing = ExitStack()
        kafka = KafkaClients(settings)
        self._producer = kafka.producer(linger_ms=0)
        self._closing.callback(self._producer.close)
        self._view: KafkaView = self._closing.enter_context(kafka_view(settings))
        self._positions = PostgresPositionStore(settings.postgres_dsn)
        self._closing.callback(self._positions.close)
        self._events = settings.topic(EVENTS_TOPIC)
        self._follower = kafka.consumer("complaint-events-demo")
        self._closing.callback(self._follower.close)
        self._followed = [
            TopicPartition(topic, p)
            for topic in (self._events, settings.topic(COMMAND_RESULTS_TOPIC))
            for p in range(settings.partitions)
        ]
        self._follower.assign(self._followed)
        self._follower.seek_to_beginning(*self._followed)
        FileClock.write(clock_file, clock.now())

    def close(self) -> None:
        self._closing.close()

    def now(self) -> datetime:
        return self.clock.now()

    # ------------------------------------------------------------------ inputs

    def file(self, messages: Sequence[IntakeMessageV1]) -> None:
        """Put intake messages on the intake topic, as a channel adapter would, and settle."""
        for message in messages:
            self._producer.send(
                self.settings.topic(INTAKE_TOPIC), key=message.kafka_key(), value=to_bytes(message)
            )
        self._producer.flush()
        self.settle()

    def send(self, commands: Sequence[CommandEnvelopeV1]) -> None:
        """Put commands on the commands topic, as the API would; settle once each is answered."""
        for command in commands:
            self._producer.send(
                self.settings.topic(COMMANDS_TOPIC),
                key=command.kafka_key(),
                value=to_bytes(command),
            )
        self._producer.flush()
        self.settle({c.command_id for c in commands})

    def advance_to(self, moment: datetime) -> None:
        """Move the clock to ``moment``, stopping wherever a deadline falls due or the gateway
        goes down or comes back, and settling at each stop."""
        while True:
            stops = [t for t in (self.schedule.next_due_at(), self._next_boundary()) if t]
            nxt = min(stops, default=None)
            if nxt is None or nxt > moment:
                break
            self._stop_at(max(nxt, self.clock.now()))
        if moment > self.clock.now():
            self._stop_at(moment)

    # ---------------------------------------------------------------- settling

    def settle(self, answers: set[UUID] | frozenset[UUID] = frozenset()) -> None:
        """Wait until the stack is quiet and every command in ``answers`` has its result."""
        give_up = time.monotonic() + self.settle_timeout
        calm = 0
        while calm < _CALM_LOOKS:
            self._read()
            self.workers.check_alive()
            waiting = self._still_waiting(answers)
            calm = 0 if waiting else calm + 1
            if waiting and time.monotonic() > give_up:
                raise StackNotSettlingError(
                    f"the stack did not settle within {self.settle_timeout:.0f} s at simulated "
                    f"{self.clock.now():%Y-%m-%d %H:%M}: {waiting}; see the worker logs in "
                    f"{self.workers.workdir}"
                )

    def _still_waiting(self, answers: set[UUID] | frozenset[UUID]) -> str:
        """What the stack is still busy with ('' when it is quiet)."""
        unanswered = len(answers - self._answered)
        if unanswered:
            return f"{unanswered} command(s) without a result"
        for group, topics in self.workers.groups():
            try:
                lag = self._view.lag(group, topics)
            except KafkaError as error:
                if not error.retriable:
                    raise
                # e.g. a fresh broker's group coordinator is not up yet: ask again
                return f"Kafka cannot tell consumer group {group}'s lag yet ({error})"
            if lag:
                return f"consumer group {group} is {lag} message(s) behind"
        newest = self.cases.recorder.max_notification_id() or 0
        relayed = self._positions.load(relay_position_name(self.settings))
        if relayed < newest:
            return f"the relay is at notification {relayed} of {newest}"
        ends = self._view.end_offsets([tp for tp in self._followed if tp.topic == self._events])
        if any(self._follower.position(tp) < end for tp, end in ends.items()):
            return "the demo has not read the events topic to its end"
        return ""

    def _read(self) -> None:
        """Take what the workers published: events for the actors, results for the waits."""
        touched: dict[UUID, None] = {}
        for records in self._follower.poll(timeout_ms=_POLL_MS).values():
            for record in records:
                if record.topic == self._events:
                    envelope = EventEnvelope.model_validate_json(record.value)
                    self.log.envelopes.append(envelope)
                    touched[envelope.case_id] = None
                    for listener in self.listeners:
                        listener(envelope)
                else:
                    result = CommandResultV1.model_validate_json(record.value)
                    self.log.results.append(result)
                    self._answered.add(result.command_id)
        for case_id, pendings in pendings_of(self.cases, touched).items():
            self.schedule.replace(case_id, pendings)

    # ------------------------------------------------------------------- time

    def _stop_at(self, moment: datetime) -> None:
        """Set the clock to ``moment``; follow the gateway; wait for what falls due there."""
        self.clock.set(moment)
        FileClock.write(self.clock_file, moment)
        down = self._in_outage(moment)
        if down and self.workers.running(ACKNOWLEDGEMENT):
            self.workers.stop(ACKNOWLEDGEMENT)
        elif not down and not self.workers.running(ACKNOWLEDGEMENT):
            self.workers.start(ACKNOWLEDGEMENT)
        # The same reminders and expiries the deadline keeper decides (their ids follow
        # from the deadlines), so the bus knows which results to wait for.
        due = fire(self.schedule, moment, lambda ids: pendings_of(self.cases, ids))
        self.settle({c.command_id for c in due})

    def _in_outage(self, at: datetime) -> bool:
        return any(o.start <= at < o.end for o in self.outages)

    def _next_boundary(self) -> datetime | None:
        now = self.clock.now()
        later = [t for o in self.outages for t in (o.start, o.end) if t > now]
        return min(later, default=None)
