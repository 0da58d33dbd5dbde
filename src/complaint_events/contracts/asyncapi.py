"""The AsyncAPI 3.0 document of the whole system: ``schemas/asyncapi.yaml``.

Every topic is a channel, every message a message (each event and command
payload at each version has its own, so a reader sees exactly what can arrive),
and who sends or receives on a topic an operation.  The payloads are not copied:
``components.schemas`` points (relative ``$ref``) at the JSON Schema files that
:mod:`.schema_files` generates next to the document, so the two cannot disagree.
Kafka specifics travel as bindings: the message key's schema per message.

Like the JSON Schemas, the document is generated from the code
(``complaint-events schemas generate``) and checked in; ``schemas check`` fails
when the committed file differs from what the code generates now.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml
from pydantic import BaseModel

from complaint_events.contracts import dead_letters
from complaint_events.contracts.commands import (
    ALL_COMMAND_MODELS,
    AcknowledgeV1,
    AssignV1,
    CommandEnvelopeV1,
    CommandPayload,
    CommandResultV1,
    EscalateV1,
    ExpireDeadlineV1,
    LinkBatchAlertV1,
    OrderSpotCheckV1,
    RecordSpotCheckResultV1,
    SendReminderV1,
    TriageV1,
)
from complaint_events.contracts.envelope import (
    CONTENT_TYPE,
    HEADER_CONTENT_TYPE,
    HEADER_EVENT_ID,
    HEADER_EVENT_TYPE,
    HEADER_SCHEMA_VERSION,
    EventEnvelope,
)
from complaint_events.contracts.events import ALL_EVENT_MODELS, PayloadModel
from complaint_events.contracts.intake import IntakeMessageV1
from complaint_events.contracts.notifications import NotificationV1
from complaint_events.contracts.schema_files import REGENERATE, MessageSchema, messages
from complaint_events.contracts.topology import (
    BY_SKU_TOPIC,
    COMMAND_RESULTS_TOPIC,
    COMMANDS_DLQ_TOPIC,
    COMMANDS_TOPIC,
    EVENTS_DLQ_TOPIC,
    EVENTS_TOPIC,
    INTAKE_DLQ_TOPIC,
    INTAKE_TOPIC,
    NOTIFICATIONS_TOPIC,
)
from complaint_events.domain.values import Channel

ASYNCAPI_VERSION: Final = "3.0.0"
DOCUMENT_NAME: Final = "asyncapi.yaml"
DOCUMENT_VERSION: Final = "1.0.0"
"""``info.version``: raise it when a channel, message or operation changes meaning."""
KAFKA_BINDING_VERSION: Final = "0.5.0"

NOTIFICATION_HEADER: Final = "notification_id"

Document = dict[str, Any]
Schema = dict[str, Any]


# ------------------------------------------------------------------ schemas


def schema_id(message: MessageSchema) -> str:
    """The ``components.schemas`` key of a generated JSON Schema file."""
    return message.relative_path.removesuffix(".json").replace("/", ".")


def _schema_ref(model: type[BaseModel]) -> Schema:
    for message in messages():
        if message.model is model:
            return {"$ref": f"#/components/schemas/{schema_id(message)}"}
    raise LookupError(f"{model.__name__} has no generated JSON Schema file")


def _schemas() -> Document:
    found: Document = {
        schema_id(m): {"$ref": f"./{m.relative_path}"}
        for m in sorted(messages(), key=lambda m: m.relative_path)
    }
    found["internal.SkuComplaintFiled"] = {
        "type": "object",
        "description": "A filed complaint forwarded by SKU to the batch-quality detector's "
        "window (internal to that processor, not a published contract).",
        "required": ["case_id", "sku", "filed_at"],
        "properties": {
            "case_id": {"type": "string", "format": "uuid"},
            "sku": {"type": "string"},
            "filed_at": {"type": "string", "format": "date-time"},
        },
    }
    return found


# ----------------------------------------------------------------- messages

UUID_STRING: Final[Schema] = {"type": "string", "format": "uuid"}


def _key(description: str, schema: Schema | None = None) -> Document:
    key = dict(schema or {"type": "string"})
    key["description"] = description
    return {"kafka": {"key": key, "bindingVersion": KAFKA_BINDING_VERSION}}


def _string(description: str, **more: Any) -> Schema:
    return {"type": "string", "description": description, **more}


def _summary(model: type[BaseModel]) -> str | None:
    doc = model.__doc__
    return doc.strip().splitlines()[0] if doc else None


def _with_summary(message: Document, model: type[BaseModel]) -> Document:
    summary = _summary(model)
    if summary:
        message["summary"] = summary
    return message


def event_message_id(model: type[PayloadModel]) -> str:
    return f"event.{model.event_type}.v{model.schema_version}"


def command_message_id(model: type[CommandPayload]) -> str:
    return f"command.{model.command_type}.v{model.schema_version}"


INTAKE_MESSAGE: Final = "IntakeMessage.v1"
COMMAND_RESULT_MESSAGE: Final = "CommandResult.v1"
NOTIFICATION_MESSAGE: Final = "Notification.v1"
DEAD_LETTER_MESSAGE: Final = "DeadLetter"
SKU_MESSAGE: Final = "internal.SkuComplaintFiled"

CORRELATION: Final[Document] = {
    "description": "Ties the messages of one request or workflow together",
    "location": "$message.payload#/correlation_id",
}


def _event_message(model: type[PayloadModel]) -> Document:
    version = model.schema_version
    message: Document = {
        "name": model.event_type,
        "title": f"{model.event_type} v{version}",
        "contentType": CONTENT_TYPE,
        "headers": {
            "type": "object",
            "required": [
                HEADER_EVENT_ID,
                HEADER_EVENT_TYPE,
                HEADER_SCHEMA_VERSION,
                HEADER_CONTENT_TYPE,
                NOTIFICATION_HEADER,
            ],
            "properties": {
                HEADER_EVENT_ID: _string("The envelope's event_id", format="uuid"),
                HEADER_EVENT_TYPE: _string("The envelope's event_type", const=model.event_type),
                HEADER_SCHEMA_VERSION: _string(
                    "The payload's schema version, as text", const=str(version)
                ),
                HEADER_CONTENT_TYPE: _string("The value's encoding", const=CONTENT_TYPE),
                NOTIFICATION_HEADER: _string(
                    "The event store's notification id: the relay's position",
                    pattern="^[0-9]+$",
                ),
            },
        },
        "payload": {
            "allOf": [
                _schema_ref(EventEnvelope),
                {
                    "type": "object",
                    "properties": {
                        "event_type": {"const": model.event_type},
                        "schema_version": {"const": version},
                        "payload": _schema_ref(model),
                    },
                },
            ]
        },
        "correlationId": CORRELATION,
        "bindings": _key("The case id: one case's events stay in order", UUID_STRING),
    }
    return _with_summary(message, model)


def _command_message(model: type[CommandPayload]) -> Document:
    version = model.schema_version
    message: Document = {
        "name": model.command_type,
        "title": f"{model.command_type} v{version}",
        "contentType": CONTENT_TYPE,
        "payload": {
            "allOf": [
                _schema_ref(CommandEnvelopeV1),
                {
                    "type": "object",
                    "properties": {
                        "command_type": {"const": model.command_type},
                        "schema_version": {"const": version},
                        "payload": _schema_ref(model),
                    },
                },
            ]
        },
        "correlationId": CORRELATION,
        "bindings": _key("The case id: one case's commands are handled in order", UUID_STRING),
    }
    return _with_summary(message, model)


def _intake_message() -> Document:
    channels = "|".join(c.value for c in Channel)
    return _with_summary(
        {
            "name": "IntakeMessage",
            "title": "IntakeMessage v1",
            "contentType": CONTENT_TYPE,
            "headers": {
                "type": "object",
                "description": "Optional; the intake processor reads the value only",
                "properties": {
                    "adapter": _string("The channel adapter that published it"),
                    "schema_version": _string("The intake message's version", const="1"),
                    "confirmed_by": _string("The handler who confirmed a social lead"),
                },
            },
            "payload": _schema_ref(IntakeMessageV1),
            "bindings": _key(
                "channel:channel_ref, so a resubmission meets the same partition",
                {"type": "string", "pattern": f"^({channels}):.+$"},
            ),
        },
        IntakeMessageV1,
    )


def _dead_letter_message() -> Document:
    return {
        "name": "DeadLetter",
        "title": "Dead letter",
        "summary": "A message a processor could not process: the original bytes, and why",
        "description": "The value is the original message byte for byte (it may not even be "
        "JSON) and the key the original key; the original headers come first, then the "
        "`dlq_*` context. Fix the cause and produce the value again to the source topic "
        "to replay it.",
        "contentType": "application/octet-stream",
        "headers": {
            "type": "object",
            "required": [
                dead_letters.HEADER_REASON,
                dead_letters.HEADER_ERRORS,
                dead_letters.HEADER_PROCESSOR,
                dead_letters.HEADER_FAILED_AT,
            ],
            "properties": {
                dead_letters.HEADER_REASON: _string("Why it failed, for people"),
                dead_letters.HEADER_ERRORS: _string(
                    "JSON list of {field, type, message}: the field-level errors",
                    contentMediaType="application/json",
                ),
                dead_letters.HEADER_PROCESSOR: _string("The processor that gave up on it"),
                dead_letters.HEADER_FAILED_AT: _string(
                    "When it was dead-lettered (ISO 8601)", format="date-time"
                ),
                dead_letters.HEADER_SOURCE_TOPIC: _string("The topic it was read from"),
                dead_letters.HEADER_SOURCE_PARTITION: _string(
                    "Its partition there", pattern="^[0-9]+$"
                ),
                dead_letters.HEADER_SOURCE_OFFSET: _string("Its offset there", pattern="^[0-9]+$"),
            },
            "additionalProperties": {
                "type": "string",
                "description": "The original message's headers",
            },
        },
        "payload": {"description": "The original message value, byte for byte"},
        "bindings": _key("The original message's key (absent if it had none)"),
    }


def _messages() -> Document:
    found: Document = {INTAKE_MESSAGE: _intake_message()}
    found.update((event_message_id(m), _event_message(m)) for m in ALL_EVENT_MODELS)
    found.update((command_message_id(m), _command_message(m)) for m in ALL_COMMAND_MODELS)
    found[COMMAND_RESULT_MESSAGE] = _with_summary(
        {
            "name": "CommandResult",
            "title": "CommandResult v1",
            "contentType": CONTENT_TYPE,
            "payload": _schema_ref(CommandResultV1),
            "bindings": _key("The command id", UUID_STRING),
        },
        CommandResultV1,
    )
    found[NOTIFICATION_MESSAGE] = _with_summary(
        {
            "name": "Notification",
            "title": "Notification v1",
            "contentType": CONTENT_TYPE,
            "payload": _schema_ref(NotificationV1),
            "bindings": _key("The case id: one case's notifications stay in order", UUID_STRING),
        },
        NotificationV1,
    )
    found[DEAD_LETTER_MESSAGE] = _dead_letter_message()
    found[SKU_MESSAGE] = {
        "name": "SkuComplaintFiled",
        "title": "Complaint filed, by SKU (internal)",
        "contentType": CONTENT_TYPE,
        "payload": {"$ref": "#/components/schemas/internal.SkuComplaintFiled"},
        "bindings": _key("The SKU: one SKU's complaints meet in one window"),
    }
    return found


# ----------------------------------------------------------------- channels


@dataclass(frozen=True, slots=True)
class ChannelSpec:
    """One topic: its channel id, address, and the message ids it carries."""

    channel_id: str
    address: str
    title: str
    description: str
    message_ids: tuple[str, ...]
    internal: bool = False


def channels() -> list[ChannelSpec]:
    """Every topic of the system, in the order of a complaint's path through it."""
    events = tuple(event_message_id(m) for m in ALL_EVENT_MODELS)
    commands = tuple(command_message_id(m) for m in ALL_COMMAND_MODELS)
    return [
        ChannelSpec(
            "intake",
            INTAKE_TOPIC,
            "Intake",
            "Complaints as the channels received them, one message each.",
            (INTAKE_MESSAGE,),
        ),
        ChannelSpec(
            "intakeDeadLetters",
            INTAKE_DLQ_TOPIC,
            "Intake dead letters",
            "Intake messages the intake processor refused (with field errors), and inbox "
            "files a channel adapter could not read. Kept forever.",
            (DEAD_LETTER_MESSAGE,),
        ),
        ChannelSpec(
            "commands",
            COMMANDS_TOPIC,
            "Commands",
            "One command for one case, every command type at every version; the command "
            "id makes a redelivery harmless.",
            commands,
        ),
        ChannelSpec(
            "commandsDeadLetters",
            COMMANDS_DLQ_TOPIC,
            "Command dead letters",
            "Commands that are not a valid command envelope. Kept forever.",
            (DEAD_LETTER_MESSAGE,),
        ),
        ChannelSpec(
            "commandResults",
            COMMAND_RESULTS_TOPIC,
            "Command results",
            "What became of every command: accepted (with the events recorded) or rejected.",
            (COMMAND_RESULT_MESSAGE,),
        ),
        ChannelSpec(
            "events",
            EVENTS_TOPIC,
            "Case events",
            "Every stored case event, exactly once in effect and in per-case order, every "
            "event type at every version (old versions stay readable). The replayable "
            "history: kept forever.",
            events,
        ),
        ChannelSpec(
            "eventsDeadLetters",
            EVENTS_DLQ_TOPIC,
            "Event dead letters",
            "Case events (and by-SKU records) a processor or projection could not handle. "
            "Kept forever.",
            (DEAD_LETTER_MESSAGE,),
        ),
        ChannelSpec(
            "notifications",
            NOTIFICATIONS_TOPIC,
            "Outbound notifications",
            "Rendered messages to consumers, delivered by the channel adapters in the "
            "thread the complaint came from. No personal data.",
            (NOTIFICATION_MESSAGE,),
        ),
        ChannelSpec(
            "batchQualityBySku",
            BY_SKU_TOPIC,
            "Batch quality by SKU (internal)",
            "Internal to the batch-quality processor: filed complaints repartitioned by "
            "SKU for its windowed count (a faust internal topic). Not a public contract.",
            (SKU_MESSAGE,),
            internal=True,
        ),
    ]


def _channels() -> Document:
    found: Document = {}
    for spec in channels():
        channel: Document = {
            "address": spec.address,
            "title": spec.title,
            "description": spec.description,
            "messages": {m: {"$ref": f"#/components/messages/{m}"} for m in spec.message_ids},
        }
        if spec.internal:
            channel["x-internal"] = True
        found[spec.channel_id] = channel
    return found


# --------------------------------------------------------------- operations


@dataclass(frozen=True, slots=True)
class OperationSpec:
    """Who sends or receives what on one channel."""

    operation_id: str
    action: str  # "send" or "receive"
    channel_id: str
    actor: str
    summary: str
    only: tuple[str, ...] = ()  # message ids; empty: every message of the channel


def _commands(*models: type[CommandPayload]) -> tuple[str, ...]:
    return tuple(command_message_id(m) for m in models)


PROCESSORS_ON_EVENTS: Final = (
    ("acknowledgement", "Acknowledgement processor: on ComplaintFiled, renders the reply"),
    ("deadlines", "Deadline keeper: keeps every case's clocks"),
    ("router", "Router: triage, queue, escalation of safety cases, spot checks"),
    ("batchQuality", "Batch-quality detector: forwards ComplaintFiled by SKU, passes results on"),
    ("projections", "Read-model projections (PostgreSQL), rebuildable from offset zero"),
    ("analytics", "Analytics report: daily SLA and defect report, its own consumer group"),
    ("auditors", "`audit verify`: checks the hash chain on the topic against the store"),
)


def operations() -> list[OperationSpec]:
    """Every producer and consumer of every topic."""
    found = [
        OperationSpec(
            "channelAdaptersSendIntake",
            "send",
            "intake",
            "channel-adapters",
            "Channel adapters (email, hotline, chat; social leads a handler confirmed) "
            "publish each complaint they received",
        ),
        OperationSpec(
            "apiSendsIntake",
            "send",
            "intake",
            "http-api",
            "The HTTP API publishes complaints filed through it",
        ),
        OperationSpec(
            "intakeProcessorReceivesIntake",
            "receive",
            "intake",
            "intake-processor",
            "The intake processor validates and files cases, many per transaction",
        ),
        OperationSpec(
            "intakeProcessorSendsDeadLetters",
            "send",
            "intakeDeadLetters",
            "intake-processor",
            "Messages that fail validation, with their field errors",
        ),
        OperationSpec(
            "channelAdaptersSendDeadLetters",
            "send",
            "intakeDeadLetters",
            "channel-adapters",
            "Inbox files an adapter could not turn into an intake message",
        ),
        OperationSpec(
            "operatorsReceiveIntakeDeadLetters",
            "receive",
            "intakeDeadLetters",
            "operators",
            "Operators inspect, fix and replay intake dead letters",
        ),
        OperationSpec(
            "apiSendsCommands",
            "send",
            "commands",
            "http-api",
            "The HTTP API issues commands for handlers, merchants and consumers",
        ),
        OperationSpec(
            "acknowledgementSendsCommands",
            "send",
            "commands",
            "acknowledgement-processor",
            "Records that the acknowledgement was sent",
            _commands(AcknowledgeV1),
        ),
        OperationSpec(
            "deadlinesSendCommands",
            "send",
            "commands",
            "deadline-keeper",
            "Reminders and expiries; an expiry names the deadline it expires",
            _commands(SendReminderV1, ExpireDeadlineV1),
        ),
        OperationSpec(
            "routerSendsCommands",
            "send",
            "commands",
            "router",
            "Triage, assignment, escalation and spot-check orders",
            _commands(TriageV1, AssignV1, EscalateV1, OrderSpotCheckV1),
        ),
        OperationSpec(
            "batchQualitySendsCommands",
            "send",
            "commands",
            "batch-quality-detector",
            "Links cases to a batch alert; passes a failed batch spot check to every case",
            _commands(LinkBatchAlertV1, RecordSpotCheckResultV1),
        ),
        OperationSpec(
            "commandProcessorReceivesCommands",
            "receive",
            "commands",
            "command-processor",
            "The command processor applies commands to cases in batches",
        ),
        OperationSpec(
            "commandProcessorSendsDeadLetters",
            "send",
            "commandsDeadLetters",
            "command-processor",
            "Malformed commands",
        ),
        OperationSpec(
            "operatorsReceiveCommandDeadLetters",
            "receive",
            "commandsDeadLetters",
            "operators",
            "Operators inspect, fix and replay command dead letters",
        ),
        OperationSpec(
            "commandProcessorSendsResults",
            "send",
            "commandResults",
            "command-processor",
            "Answers every command (also kept in PostgreSQL for the HTTP API)",
        ),
        OperationSpec(
            "callersReceiveResults",
            "receive",
            "commandResults",
            "callers",
            "Whoever issued a command learns what became of it",
        ),
        OperationSpec(
            "relaySendsEvents",
            "send",
            "events",
            "relay",
            "The relay alone publishes the event store's case events (idempotent producer)",
        ),
    ]
    found.extend(
        OperationSpec(f"{name}ReceivesEvents", "receive", "events", name, summary)
        for name, summary in PROCESSORS_ON_EVENTS
    )
    found.extend(
        [
            OperationSpec(
                "processorsSendEventDeadLetters",
                "send",
                "eventsDeadLetters",
                "stream-processors",
                "Processors and projections dead-letter events they cannot handle",
            ),
            OperationSpec(
                "operatorsReceiveEventDeadLetters",
                "receive",
                "eventsDeadLetters",
                "operators",
                "Operators inspect, fix and replay event dead letters",
            ),
            OperationSpec(
                "acknowledgementSendsNotifications",
                "send",
                "notifications",
                "acknowledgement-processor",
                "The acknowledgement, rendered per channel and language",
            ),
            OperationSpec(
                "channelAdaptersReceiveNotifications",
                "receive",
                "notifications",
                "channel-adapters",
                "Each adapter delivers its channel's notifications",
            ),
            OperationSpec(
                "batchQualitySendsBySku",
                "send",
                "batchQualityBySku",
                "batch-quality-detector",
                "Forwards each ComplaintFiled keyed by SKU",
            ),
            OperationSpec(
                "batchQualityReceivesBySku",
                "receive",
                "batchQualityBySku",
                "batch-quality-detector",
                "Counts complaints per SKU in a window; raises one alert and links the cases",
            ),
        ]
    )
    return found


def _operations(specs: Iterable[OperationSpec], carried: Mapping[str, Sequence[str]]) -> Document:
    found: Document = {}
    for spec in specs:
        ids = spec.only or tuple(carried[spec.channel_id])
        found[spec.operation_id] = {
            "action": spec.action,
            "channel": {"$ref": f"#/channels/{spec.channel_id}"},
            "summary": spec.summary,
            "tags": [{"name": spec.actor}],
            "messages": [{"$ref": f"#/channels/{spec.channel_id}/messages/{m}"} for m in ids],
        }
    return found


# ----------------------------------------------------------------- document


def build_document() -> Document:
    """The whole AsyncAPI document, in a fixed order (the same on every run)."""
    carried = {spec.channel_id: spec.message_ids for spec in channels()}
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "complaint-events",
            "version": DOCUMENT_VERSION,
            "description": "Event-sourced complaint workflow on Kafka: every topic, message, "
            "producer and consumer. Generated from the contract models by `complaint-events "
            "schemas generate`; payloads are the JSON Schema files beside this document. "
            "Topic names are prefixed with COMPLAINTS_TOPIC_PREFIX when it is set.",
            "license": {"name": "Apache-2.0"},
        },
        "defaultContentType": CONTENT_TYPE,
        "servers": {
            "kafka": {
                "host": "127.0.0.1:9092",
                "protocol": "kafka",
                "description": "COMPLAINTS_KAFKA_BOOTSTRAP (default shown)",
            }
        },
        "channels": _channels(),
        "operations": _operations(operations(), carried),
        "components": {"schemas": _schemas(), "messages": _messages()},
    }


def to_text(document: Document) -> str:
    """The file's content: YAML in the document's own key order, UTF-8 as is."""
    text: str = yaml.safe_dump(
        document, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False
    )
    return text


def write(schemas_dir: Path) -> Path:
    """Write ``asyncapi.yaml`` into ``schemas_dir`` (only when its content changes)."""
    path = schemas_dir / DOCUMENT_NAME
    text = to_text(build_document())
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return path


def check(schemas_dir: Path) -> list[str]:
    """What is wrong with the committed document; an empty list means it matches the code."""
    path = schemas_dir / DOCUMENT_NAME
    if not path.exists():
        return [f"{DOCUMENT_NAME} is missing: {REGENERATE} and commit it"]
    if path.read_text(encoding="utf-8") != to_text(build_document()):
        return [f"{DOCUMENT_NAME} differs from the code (AsyncAPI document): {REGENERATE}"]
    return []
