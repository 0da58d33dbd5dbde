"""How processors issue commands: deterministic ids, so that a replay issues the same command."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

from pydantic import BaseModel

from complaint_events.contracts.commands import CommandEnvelopeV1, CommandPayload
from complaint_events.contracts.topology import COMMANDS_TOPIC
from complaint_events.processing.messages import Outgoing


def command_id_for(case_id: UUID, purpose: str) -> UUID:
    """The id of the command a processor issues for ``purpose`` on a case (uuid5).

    A processor that sees the same event again (at-least-once delivery, a
    restart) issues a command with the same id, which the command processor
    does not apply twice.
    """
    return uuid5(case_id, f"command:{purpose}")


def issue(
    case_id: UUID,
    payload: CommandPayload,
    *,
    purpose: str,
    actor: str,
    issued_at: datetime,
    correlation_id: str | None = None,
    reason: str | None = None,
) -> CommandEnvelopeV1:
    """A command envelope for ``payload``, with an id derived from ``purpose``."""
    return CommandEnvelopeV1(
        command_id=command_id_for(case_id, purpose),
        command_type=payload.command_type,
        schema_version=payload.schema_version,
        case_id=case_id,
        actor=actor,
        issued_at=issued_at,
        correlation_id=correlation_id,
        reason=reason,
        payload=payload.model_dump(mode="json"),
    )


def as_outgoing(command: CommandEnvelopeV1) -> Outgoing:
    """The command as a message on the commands topic, keyed by case id."""
    return Outgoing(COMMANDS_TOPIC, command.kafka_key(), to_bytes(command))


def to_bytes(message: BaseModel) -> bytes:
    return message.model_dump_json().encode("utf-8")
