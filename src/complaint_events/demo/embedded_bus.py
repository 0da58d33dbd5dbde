"""The in-process bus of embedded mode: the Kafka deployment's processors, without Kafka.

It follows the event store's notification log as the relay does, turns each
stored case event into the envelope the relay would publish, and hands it to
the same processor logic the workers run, in the topology table's order: the
router, the acknowledgement, the deadline keeper's schedule and the
batch-quality detector. The commands they issue go through the command
processor, like the commands the API sends; :meth:`EmbeddedBus.settle` repeats
until nothing new happens. Time is the simulated clock's: :meth:`EmbeddedBus.advance_to` moves it
forward, firing each deadline reminder and expiry at the moment it falls due.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from complaint_events.application.cases import ComplaintCases
from complaint_events.clock import SimulatedClock
from complaint_events.contracts.commands import (
    CommandEnvelopeV1,
    CommandResultV1,
)
from complaint_events.contracts.envelope import EventEnvelope
from complaint_events.contracts.intake import IntakeMessageV1
from complaint_events.contracts.notifications import NotificationV1
from complaint_events.contracts.topology import EVENTS_TOPIC, readers
from complaint_events.contracts.translator import to_envelope, to_json_bytes
from complaint_events.domain.case import ComplaintCase
from complaint_events.processing import router
from complaint_events.processing.acknowledgement import acknowledge
from complaint_events.processing.batch_alerts import alert_commands, passed_on_results
from complaint_events.processing.batch_window import (
    BatchPolicy,
    LinkToBatchAlert,
    RaiseBatchAlert,
    SkuWindow,
    record,
)
from complaint_events.processing.command_processor import CommandProcessor
from complaint_events.processing.deadline_firing import fire, pendings_of
from complaint_events.processing.deadline_schedule import (
    DeadlineSchedule,
)
from complaint_events.processing.intake_processor import IntakeBatchReport, IntakeProcessor
from complaint_events.processing.issuing import to_bytes
from complaint_events.processing.messages import Incoming

_CASE_TOPIC_PREFIX = f"{ComplaintCase.__module__}:ComplaintCase."
_NOTIFICATIONS_PER_READ = 1000


@dataclass(frozen=True, slots=True)
class Outage:
    """A time when the notification gateway is down: acknowledgements wait until it is back."""

    start: datetime
    end: datetime


@dataclass
class BusLog:
    """Everything that crossed the bus, for the report."""

    envelopes: list[EventEnvelope] = field(default_factory=list)
    notifications: list[NotificationV1] = field(default_factory=list)
    results: list[CommandResultV1] = field(default_factory=list)
    dead_letters: int = 0
    duplicates: int = 0
    batch_alerts: list[RaiseBatchAlert] = field(default_factory=list)

    @property
    def rejected(self) -> list[CommandResultV1]:
        return [r for r in self.results if r.outcome == "rejected"]


class EmbeddedBus:
    """Intake queue, command queue, event dispatch and the simulated clock, in one process."""

    def __init__(
        self,
        cases: ComplaintCases,
        clock: SimulatedClock,
        batch_policy: BatchPolicy,
        outages: Sequence[Outage] = (),
    ) -> None:
        self.cases = cases
        self.clock = clock
        self.batch_policy = batch_policy
        self.outages = tuple(outages)
        self.intake = IntakeProcessor(cases, clock)
        self.commands = CommandProcessor(cases, clock)
        self.schedule = DeadlineSchedule()
        self.windows: dict[str, SkuWindow] = {}
        self.log = BusLog()
        self.listeners: list[Callable[[EventEnvelope], None]] = []
        self._position = 0
        self._queue: list[CommandEnvelopeV1] = []
        self._held: list[CommandEnvelopeV1] = []  # acknowledgements waiting out an outage
        forms = self._embedded_forms()
        # The processors of the events topic that have an in-process form, in the
        # topology table's order (the projector has none).
        self._processors = [forms[a.name] for a in readers(EVENTS_TOPIC) if a.name in forms]

    def now(self) -> datetime:
        """The simulated time."""
        return self.clock.now()

    # ------------------------------------------------------------------ inputs

    def file(self, messages: Iterable[IntakeMessageV1]) -> IntakeBatchReport:
        """Put intake messages on the intake queue and let everything they cause happen."""
        report = self.intake.process([Incoming(value=to_bytes(m)) for m in messages])
        self.log.dead_letters += len(report.dead_letters)
        self.log.duplicates += report.duplicates
        self.settle()
        return report

    def send(self, commands: Iterable[CommandEnvelopeV1]) -> None:
        """Put commands on the command queue (as the API would) and let them take effect."""
        self._queue.extend(commands)
        self.settle()

    def advance_to(self, moment: datetime) -> None:
        """Move the clock to ``moment``, firing each due reminder and expiry on time."""
        while True:
            self._release_held()
            due_at = self.schedule.next_due_at()
            wake = self._next_outage_end()
            nxt = min((t for t in (due_at, wake) if t is not None), default=None)
            if nxt is None or nxt > moment:
                break
            if nxt > self.clock.now():
                self.clock.set(nxt)
            self._tick()
            if self.clock.now() >= moment:
                break
        if moment > self.clock.now():
            self.clock.set(moment)
        self._release_held()
        self._tick()

    # ---------------------------------------------------------------- the loop

    def settle(self) -> None:
        """Dispatch new events and apply the commands they cause, until quiet."""
        while True:
            envelopes = self._read_new_events()
            for envelope in envelopes:
                self._dispatch(envelope)
            if not self._queue:
                if not envelopes:
                    return
                continue
            batch, self._queue = self._queue, []
            report = self.commands.process([Incoming(value=to_bytes(c)) for c in batch])
            self.log.results.extend(report.results)
            self.log.dead_letters += len(report.dead_letters)

    def _read_new_events(self) -> list[EventEnvelope]:
        envelopes: list[EventEnvelope] = []
        while True:
            notifications = self.cases.recorder.select_notifications(
                start=self._position, limit=_NOTIFICATIONS_PER_READ, inclusive_of_start=False
            )
            if not notifications:
                return envelopes
            envelopes.extend(
                to_envelope(self.cases.mapper.to_domain_event(n))
                for n in notifications
                if n.topic.startswith(_CASE_TOPIC_PREFIX)
            )
            self._position = notifications[-1].id

    def _dispatch(self, envelope: EventEnvelope) -> None:
        # Through the wire form, as a consumer of the events topic would see it.
        envelope = EventEnvelope.model_validate_json(to_json_bytes(envelope))
        self.log.envelopes.append(envelope)
        for processor in self._processors:
            processor(envelope)
        for listener in self.listeners:
            listener(envelope)

    def _embedded_forms(self) -> dict[str, Callable[[EventEnvelope], None]]:
        """The in-process form of each processor of the events topic, by its table name."""
        return {
            "acknowledgement": self._acknowledge,
            "deadlines": self._track_deadlines,
            "router": self._route,
            "batch-quality": self._batch_quality,
        }

    def _route(self, envelope: EventEnvelope) -> None:
        self._queue.extend(router.route(envelope, self.clock.now()))

    def _acknowledge(self, envelope: EventEnvelope) -> None:
        now = self.clock.now()
        decided = acknowledge(envelope, self.cases.policy, now)
        if decided is not None:
            note, command = decided
            if self._in_outage(now):
                self._held.append(command)
            else:
                self.log.notifications.append(note)
                self._queue.append(command)

    # ---------------------------------------------------------- deadline keeper

    def _track_deadlines(self, envelope: EventEnvelope) -> None:
        case_id = envelope.case_id
        self.schedule.replace(case_id, pendings_of(self.cases, [case_id])[case_id])

    def _tick(self) -> None:
        """What the keeper's timer does: issue every reminder and expiry due now."""
        self._queue.extend(
            fire(self.schedule, self.clock.now(), lambda ids: pendings_of(self.cases, ids))
        )
        self.settle()

    # ---------------------------------------------------- acknowledgement outage

    def _in_outage(self, at: datetime) -> bool:
        return any(o.start <= at < o.end for o in self.outages)

    def _next_outage_end(self) -> datetime | None:
        if not self._held:
            return None
        ends = [o.end for o in self.outages if o.end > self.clock.now()]
        return min(ends) if ends else self.clock.now()

    def _release_held(self) -> None:
        if self._held and not self._in_outage(self.clock.now()):
            held, self._held = self._held, []
            now = self.clock.now()
            for command in held:
                # Rendered again now: the notification says what holds from now on.
                self._queue.append(command.model_copy(update={"issued_at": now}))
            self.settle()

    # ------------------------------------------------------ batch-quality detector

    def _batch_quality(self, envelope: EventEnvelope) -> None:
        if envelope.event_type == "ComplaintFiled":
            sku = str(envelope.payload["sku"])
            before = self.windows.get(sku, SkuWindow())
            after, decision = record(
                before, envelope.case_id, envelope.recorded_at, sku, self.batch_policy
            )
            self.windows[sku] = after
            if isinstance(decision, RaiseBatchAlert | LinkToBatchAlert):
                self._alert(decision)
        elif envelope.event_type == "SpotCheckResultRecorded":
            self._pass_on_result(envelope)

    def _alert(self, decision: RaiseBatchAlert | LinkToBatchAlert) -> None:
        if isinstance(decision, RaiseBatchAlert):
            self.log.batch_alerts.append(decision)
        self._queue.extend(alert_commands(self.cases, decision, self.clock.now()))

    def _pass_on_result(self, event: EventEnvelope) -> None:
        """A batch spot check's result recorded on one linked case reaches all the others."""
        self._queue.extend(passed_on_results(self.cases, event, self.clock.now()))
