"""The system's topology in one table: every topic, and every actor that sends or receives on one.

The wiring of a Kafka system is easy to restate and hard to keep agreeing: the
topic names, which processor reads what (its faust agents, its lag in
``health``, what its stall watchdog watches), its consumer group, the AsyncAPI
operations and the picture in docs/architecture.md. Here it is said once; the
others are derived from :data:`TOPICS` and :data:`ACTORS`:

- the topic names every module uses are the constants below;
- the worker processors (``complaint_events.consumers.topology.PROCESSORS``: what each consumes,
  its consumer group), and through them faust registration (``complaint_events.consumers.app``),
  ``health`` and the stall watchdog;
- the AsyncAPI document's channels and operations (:mod:`.asyncapi`);
- the picture in docs/architecture.md and the README (:mod:`.topology_diagram`);
- which processors the embedded demo's in-process bus runs for each case event,
  and in which order (``complaint_events.demo.embedded_bus``).

Pure data: nothing here talks to Kafka. Every topic has
``COMPLAINTS_PARTITIONS`` partitions (``topics create``); the only topics of one
partition are faust's leader topics of workers without agents, which are
faust's, not the system's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Final, Literal

from complaint_events.contracts.commands import (
    AcknowledgeV1,
    AssignV1,
    CommandPayload,
    EscalateV1,
    ExpireDeadlineV1,
    LinkBatchAlertV2,
    OrderSpotCheckV1,
    RecordSpotCheckResultV1,
    SendReminderV1,
    TriageV1,
)

INTAKE_TOPIC: Final = "complaints.intake.v1"
INTAKE_DLQ_TOPIC: Final = "complaints.intake.dlq.v1"
COMMANDS_TOPIC: Final = "complaints.commands.v1"
COMMANDS_DLQ_TOPIC: Final = "complaints.commands.dlq.v1"
COMMAND_RESULTS_TOPIC: Final = "complaints.command-results.v1"
EVENTS_TOPIC: Final = "complaints.events.v1"
EVENTS_DLQ_TOPIC: Final = "complaints.events.dlq.v1"
NOTIFICATIONS_TOPIC: Final = "notifications.outbound.v1"
BY_SKU_TOPIC: Final = "complaints.batch-quality.by-sku.v1"
"""Internal: the batch-quality detector's complaints re-keyed by SKU."""

_WEEK: Final = timedelta(days=7)


class Carries(StrEnum):
    """What a topic carries; :mod:`.asyncapi` names the messages of each kind."""

    INTAKE = "intake messages"
    DEAD_LETTERS = "dead letters"
    COMMANDS = "commands"  # every command type at every version
    COMMAND_RESULTS = "command results"
    EVENTS = "case events"  # every event type at every version
    NOTIFICATIONS = "notifications"
    SKU_COMPLAINTS = "complaints by SKU"


@dataclass(frozen=True, slots=True)
class Topic:
    """One topic: its name, its AsyncAPI channel, what it carries and how long it keeps it."""

    name: str  # the logical name: the address without COMPLAINTS_TOPIC_PREFIX
    channel_id: str
    title: str
    description: str
    carries: Carries
    # None: never deleted by age or size. A dead-letter topic is kept for
    # COMPLAINTS_DEAD_LETTER_RETENTION instead (its messages hold personal data).
    retention: timedelta | None = None
    internal: bool = False  # not a public contract

    @property
    def dead_letter(self) -> bool:
        return self.carries is Carries.DEAD_LETTERS


TOPICS: Final[tuple[Topic, ...]] = (
    # In the order of a complaint's path through the system.
    Topic(
        INTAKE_TOPIC,
        "intake",
        "Intake",
        "Complaints as the channels received them, one message each.",
        Carries.INTAKE,
        retention=_WEEK,
    ),
    Topic(
        INTAKE_DLQ_TOPIC,
        "intakeDeadLetters",
        "Intake dead letters",
        "Intake messages the intake processor refused (with field errors), and inbox "
        "files a channel adapter could not read. Kept for "
        "COMPLAINTS_DEAD_LETTER_RETENTION (30 days by default).",
        Carries.DEAD_LETTERS,
    ),
    Topic(
        COMMANDS_TOPIC,
        "commands",
        "Commands",
        "One command for one case, every command type at every version; the command "
        "id makes a redelivery harmless.",
        Carries.COMMANDS,
        retention=_WEEK,
    ),
    Topic(
        COMMANDS_DLQ_TOPIC,
        "commandsDeadLetters",
        "Command dead letters",
        "Commands that are not a valid command envelope. Kept for "
        "COMPLAINTS_DEAD_LETTER_RETENTION (30 days by default).",
        Carries.DEAD_LETTERS,
    ),
    Topic(
        COMMAND_RESULTS_TOPIC,
        "commandResults",
        "Command results",
        "What became of every command: accepted (with the events recorded) or rejected.",
        Carries.COMMAND_RESULTS,
        retention=_WEEK,
    ),
    Topic(
        EVENTS_TOPIC,
        "events",
        "Case events",
        "Every stored case event, exactly once in effect and in per-case order, every "
        "event type at every version (old versions stay readable). The replayable "
        "history: kept forever.",
        Carries.EVENTS,
    ),
    Topic(
        EVENTS_DLQ_TOPIC,
        "eventsDeadLetters",
        "Event dead letters",
        "Case events (and by-SKU records) a processor or projection could not handle. "
        "Kept for COMPLAINTS_DEAD_LETTER_RETENTION (30 days by default).",
        Carries.DEAD_LETTERS,
    ),
    Topic(
        NOTIFICATIONS_TOPIC,
        "notifications",
        "Outbound notifications",
        "Rendered messages to consumers, delivered by the channel adapters in the "
        "thread the complaint came from. No personal data.",
        Carries.NOTIFICATIONS,
        retention=timedelta(days=30),
    ),
    Topic(
        BY_SKU_TOPIC,
        "batchQualityBySku",
        "Batch quality by SKU (internal)",
        "Internal to the batch-quality processor: filed complaints repartitioned by "
        "SKU for its windowed count (a faust internal topic). Not a public contract.",
        Carries.SKU_COMPLAINTS,
        # Its windows are in PostgreSQL, so the topic only needs to hold what the
        # detector has not counted yet.
        retention=_WEEK,
        internal=True,
    ),
)

TOPIC: Final[dict[str, Topic]] = {topic.name: topic for topic in TOPICS}
"""Each topic by its logical name."""


@dataclass(frozen=True, slots=True)
class Access:
    """One actor sending to or receiving from one topic: one AsyncAPI operation."""

    topic: str  # a logical name of :data:`TOPICS`
    operation_id: str
    summary: str
    only: tuple[type[CommandPayload], ...] = ()  # the commands sent, if not every one
    # The operation's AsyncAPI tag where the published document names the actor by
    # its role on this topic ("deadlines" receives events, "deadline-keeper" sends).
    tag: str | None = None


@dataclass(frozen=True, slots=True)
class Actor:
    """Someone who sends or receives on the system's topics: a worker processor, or not.

    A worker processor's ``name`` is the one ``complaint-events worker NAME``
    takes; its consumer group is :func:`consumer_group` of that name.
    """

    name: str
    label: str  # its node in the picture
    summary: str
    tag: str  # its AsyncAPI tag
    processor: bool = False
    reads: tuple[Access, ...] = ()
    writes: tuple[Access, ...] = ()
    # False: it reads with partitions assigned directly and keeps its own
    # positions (the projector), so it has no consumer group.
    grouped: bool = True


def consumer_group(prefix: str, name: str) -> str:
    """The Kafka consumer group (a worker's faust app id) of ``name``, after the topic prefix."""
    return f"{prefix}complaint-events-{name}"


_CHANNEL_ADAPTERS: Final = Actor(
    "channel-adapters",
    "channel adapters",
    "turn what a channel received into intake messages; deliver notifications",
    "channel-adapters",
    reads=(
        Access(
            NOTIFICATIONS_TOPIC,
            "channelAdaptersReceiveNotifications",
            "Each adapter delivers its channel's notifications",
        ),
    ),
    writes=(
        Access(
            INTAKE_TOPIC,
            "channelAdaptersSendIntake",
            "Channel adapters (email, hotline, chat; social leads a handler confirmed) "
            "publish each complaint they received",
        ),
        Access(
            INTAKE_DLQ_TOPIC,
            "channelAdaptersSendDeadLetters",
            "Inbox files an adapter could not turn into an intake message",
        ),
    ),
)

_HTTP_API: Final = Actor(
    "http-api",
    "HTTP API",
    "files complaints and issues commands for handlers, merchants and consumers",
    "http-api",
    writes=(
        Access(
            INTAKE_TOPIC, "apiSendsIntake", "The HTTP API publishes complaints filed through it"
        ),
        Access(
            COMMANDS_TOPIC,
            "apiSendsCommands",
            "The HTTP API issues commands for handlers, merchants and consumers",
        ),
    ),
)

_PROCESSORS: Final = (
    Actor(
        "intake",
        "intake processor",
        "validates intake messages and files cases, many per transaction; "
        "bad messages go to the intake dead-letter topic",
        "intake-processor",
        processor=True,
        reads=(
            Access(
                INTAKE_TOPIC,
                "intakeProcessorReceivesIntake",
                "The intake processor validates and files cases, many per transaction",
            ),
        ),
        writes=(
            Access(
                INTAKE_DLQ_TOPIC,
                "intakeProcessorSendsDeadLetters",
                "Messages that fail validation, with their field errors",
            ),
        ),
    ),
    Actor(
        "commands",
        "command processor",
        "applies commands to cases; answers each on the command-results topic",
        "command-processor",
        processor=True,
        reads=(
            Access(
                COMMANDS_TOPIC,
                "commandProcessorReceivesCommands",
                "The command processor applies commands to cases in batches",
            ),
        ),
        writes=(
            Access(COMMANDS_DLQ_TOPIC, "commandProcessorSendsDeadLetters", "Malformed commands"),
            Access(
                COMMAND_RESULTS_TOPIC,
                "commandProcessorSendsResults",
                "Answers every command (also kept in PostgreSQL for the HTTP API)",
            ),
        ),
    ),
    Actor(
        "router",
        "router",
        "triages new cases, assigns a queue, escalates safety cases, orders spot checks",
        "router",
        processor=True,
        reads=(
            Access(
                EVENTS_TOPIC,
                "routerReceivesEvents",
                "Router: triage, queue, escalation of safety cases, spot checks",
            ),
        ),
        writes=(
            Access(
                COMMANDS_TOPIC,
                "routerSendsCommands",
                "Triage, assignment, escalation and spot-check orders",
                only=(TriageV1, AssignV1, EscalateV1, OrderSpotCheckV1),
            ),
        ),
    ),
    Actor(
        "acknowledgement",
        "acknowledgement",
        "on ComplaintFiled renders the acknowledgement (zh/en, per channel) and records it",
        "acknowledgement-processor",
        processor=True,
        reads=(
            Access(
                EVENTS_TOPIC,
                "acknowledgementReceivesEvents",
                "Acknowledgement processor: on ComplaintFiled, renders the reply",
            ),
        ),
        writes=(
            Access(
                COMMANDS_TOPIC,
                "acknowledgementSendsCommands",
                "Records that the acknowledgement was sent",
                only=(AcknowledgeV1,),
            ),
            Access(
                NOTIFICATIONS_TOPIC,
                "acknowledgementSendsNotifications",
                "The acknowledgement, rendered per channel and language",
            ),
        ),
    ),
    Actor(
        "deadlines",
        "deadline keeper",
        "keeps every case's clocks; sends reminders and expiries as commands",
        "deadline-keeper",
        processor=True,
        reads=(
            Access(
                EVENTS_TOPIC,
                "deadlinesReceivesEvents",
                "Deadline keeper: keeps every case's clocks",
            ),
        ),
        writes=(
            Access(
                COMMANDS_TOPIC,
                "deadlinesSendCommands",
                "Reminders and expiries; an expiry names the deadline it expires",
                only=(SendReminderV1, ExpireDeadlineV1),
            ),
        ),
    ),
    Actor(
        "batch-quality",
        "batch-quality detector",
        "raises a batch-quality alert when complaints on one SKU pile up; "
        "orders one spot check with one clock on the SKU, links the cases and passes "
        "the check's result to all of them",
        "batch-quality-detector",
        processor=True,
        reads=(
            Access(
                EVENTS_TOPIC,
                "batchQualityReceivesEvents",
                "Batch-quality detector: forwards ComplaintFiled by SKU, passes results on",
            ),
            # Read by its consumer group too: its lag is work still to count.
            Access(
                BY_SKU_TOPIC,
                "batchQualityReceivesBySku",
                "Counts complaints per SKU in a window; raises one alert and links the cases",
            ),
        ),
        writes=(
            Access(
                COMMANDS_TOPIC,
                "batchQualitySendsCommands",
                "Links cases to a batch alert; passes a failed batch spot check to every case",
                only=(LinkBatchAlertV2, RecordSpotCheckResultV1),
            ),
            Access(
                BY_SKU_TOPIC, "batchQualitySendsBySku", "Forwards each ComplaintFiled keyed by SKU"
            ),
        ),
    ),
    Actor(
        "projections",
        "projector",
        "feeds the read models (case summary, timeline, SLA, merchant scorecards, "
        "SKU quality) from the events topic",
        "projections",
        processor=True,
        reads=(
            Access(
                EVENTS_TOPIC,
                "projectionsReceivesEvents",
                "Read-model projections (PostgreSQL), rebuildable from offset zero",
            ),
        ),
        grouped=False,
    ),
    Actor(
        "relay",
        "relay",
        "publishes stored case events to the events topic, exactly once in effect",
        "relay",
        processor=True,
        writes=(
            Access(
                EVENTS_TOPIC,
                "relaySendsEvents",
                "The relay alone publishes the event store's case events (idempotent producer)",
            ),
        ),
    ),
)

_OTHERS: Final = (
    Actor(
        "analytics",
        "analytics report",
        "the daily SLA and defect report, as its own consumer group",
        "analytics",
        reads=(
            Access(
                EVENTS_TOPIC,
                "analyticsReceivesEvents",
                "Analytics report: daily SLA and defect report, its own consumer group",
            ),
        ),
    ),
    Actor(
        "auditors",
        "audit verify",
        "`audit verify` checks the hash chain on the topic against the store",
        "auditors",
        reads=(
            Access(
                EVENTS_TOPIC,
                "auditorsReceivesEvents",
                "`audit verify`: checks the hash chain on the topic against the store",
            ),
        ),
    ),
    Actor(
        "stream-processors",
        "processors and projector",
        "every processor and projection that reads case events",
        "stream-processors",
        writes=(
            Access(
                EVENTS_DLQ_TOPIC,
                "processorsSendEventDeadLetters",
                "Processors and projections dead-letter events they cannot handle",
            ),
        ),
    ),
    Actor(
        "operators",
        "operators",
        "inspect, fix and replay dead letters",
        "operators",
        reads=(
            Access(
                INTAKE_DLQ_TOPIC,
                "operatorsReceiveIntakeDeadLetters",
                "Operators inspect, fix and replay intake dead letters",
            ),
            Access(
                COMMANDS_DLQ_TOPIC,
                "operatorsReceiveCommandDeadLetters",
                "Operators inspect, fix and replay command dead letters",
            ),
            Access(
                EVENTS_DLQ_TOPIC,
                "operatorsReceiveEventDeadLetters",
                "Operators inspect, fix and replay event dead letters",
            ),
        ),
    ),
    Actor(
        "callers",
        "callers",
        "whoever issued a command",
        "callers",
        reads=(
            Access(
                COMMAND_RESULTS_TOPIC,
                "callersReceiveResults",
                "Whoever issued a command learns what became of it",
            ),
        ),
    ),
)

ACTORS: Final[tuple[Actor, ...]] = (_CHANNEL_ADAPTERS, _HTTP_API, *_PROCESSORS, *_OTHERS)
"""Everyone who sends or receives, the worker processors in the order ``worker all`` runs them."""


@dataclass(frozen=True, slots=True)
class Operation:
    """One actor's access to one topic, with its direction: an AsyncAPI operation."""

    action: Literal["send", "receive"]
    actor: Actor
    access: Access

    @property
    def topic(self) -> Topic:
        return TOPIC[self.access.topic]

    @property
    def tag(self) -> str:
        return self.access.tag or self.actor.tag


def operations() -> list[Operation]:
    """Every send and receive, topic by topic: on each, the senders first, in table order."""
    found: list[Operation] = []
    for topic in TOPICS:
        found.extend(
            Operation("send", actor, access)
            for actor in ACTORS
            for access in actor.writes
            if access.topic == topic.name
        )
        found.extend(
            Operation("receive", actor, access)
            for actor in ACTORS
            for access in actor.reads
            if access.topic == topic.name
        )
    return found


def readers(topic: str) -> list[Actor]:
    """The actors that read ``topic``, in table order."""
    return [actor for actor in ACTORS if any(a.topic == topic for a in actor.reads)]


def _check() -> None:
    """Fail at import on a table that repeats a name or names a topic it does not define."""
    accesses = [a for actor in ACTORS for a in (*actor.reads, *actor.writes)]
    for what, names in (
        ("topic", [t.name for t in TOPICS]),
        ("channel id", [t.channel_id for t in TOPICS]),
        ("actor", [actor.name for actor in ACTORS]),
        ("operation id", [a.operation_id for a in accesses]),
    ):
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"the topology table repeats the {what} {', '.join(repeated)}")
    unknown = sorted({a.topic for a in accesses} - set(TOPIC))
    if unknown:
        raise ValueError(f"the topology table uses topics it does not define: {unknown}")


_check()
