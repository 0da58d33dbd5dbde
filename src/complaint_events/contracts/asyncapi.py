"""The AsyncAPI 3.0 document of the whole system: ``schemas/asyncapi.yaml``.

Every topic is a channel, every message a message (each event and command
payload at each version has its own, so a reader sees exactly what can arrive),
and who sends or receives on a topic an operation (both from the topology table,
:mod:`.topology`).  The payloads are not copied:
``components.schemas`` points (relative ``$ref``) at the JSON Schema files that
:mod:`.schema_files` generates next to the document, so the two cannot disagree.
Kafka specifics travel as bindings: the message key's schema per message.

Like the JSON Schemas, the document is generated from the code
(``complaint-events schemas generate``) and checked in; ``schemas check`` fails
when the committed file differs from what the code generates now.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import yaml
from pydantic import BaseModel

from complaint_events.contracts import dead_letters
from complaint_events.contracts.commands import (
    ALL_COMMAND_MODELS,
    CommandEnvelopeV1,
    CommandPayload,
    CommandResultV1,
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
from complaint_events.contracts.topology import TOPICS, Carries, Topic, operations
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


# ------------------------------------------------- channels and operations


_ONE_MESSAGE: Final[dict[Carries, str]] = {
    Carries.INTAKE: INTAKE_MESSAGE,
    Carries.DEAD_LETTERS: DEAD_LETTER_MESSAGE,
    Carries.COMMAND_RESULTS: COMMAND_RESULT_MESSAGE,
    Carries.NOTIFICATIONS: NOTIFICATION_MESSAGE,
    Carries.SKU_COMPLAINTS: SKU_MESSAGE,
}


def carried(topic: Topic) -> tuple[str, ...]:
    """The message ids of what ``topic`` carries."""
    if topic.carries is Carries.EVENTS:
        return tuple(event_message_id(m) for m in ALL_EVENT_MODELS)
    if topic.carries is Carries.COMMANDS:
        return tuple(command_message_id(m) for m in ALL_COMMAND_MODELS)
    return (_ONE_MESSAGE[topic.carries],)


def _channels() -> Document:
    found: Document = {}
    for topic in TOPICS:
        channel: Document = {
            "address": topic.name,
            "title": topic.title,
            "description": topic.description,
            "messages": {m: {"$ref": f"#/components/messages/{m}"} for m in carried(topic)},
        }
        if topic.internal:
            channel["x-internal"] = True
        found[topic.channel_id] = channel
    return found


def _operations() -> Document:
    found: Document = {}
    for op in operations():
        channel_id = op.topic.channel_id
        only = tuple(command_message_id(m) for m in op.access.only)
        found[op.access.operation_id] = {
            "action": op.action,
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "summary": op.access.summary,
            "tags": [{"name": op.tag}],
            "messages": [
                {"$ref": f"#/channels/{channel_id}/messages/{m}"} for m in only or carried(op.topic)
            ],
        }
    return found


# ----------------------------------------------------------------- document


def build_document() -> Document:
    """The whole AsyncAPI document, in a fixed order (the same on every run)."""
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
        "operations": _operations(),
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
