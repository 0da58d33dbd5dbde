"""The one translator between stored ``ComplaintCase`` events and published messages.

``to_envelope`` reads an eventsourcing domain event (fresh from ``collect_events``
or read back from the store, where enums are plain strings and tuples are lists)
and validates its payload with the event's current contract.  A domain event
whose type has no contract, or which carries a field its contract does not
describe, is refused with :class:`ContractError`: the domain and the contract
must change together (and a breaking change needs a new schema version).

Stored events are never rewritten. A domain event as it was stored (read with
``ComplaintCases.stored_form``, or fresh from ``collect_events``) is translated
in the version of its shape: a ``ComplaintFiled`` whose contact predates sealing
is schema version 1, one whose description predates sealing version 2. That is
the form its hash was computed over, and the one the store's audit rechecks.

What the application reads and publishes is upcast first
(:mod:`complaint_events.application.upcasting`): an old ``ComplaintFiled``
arrives here in the current shape, with ``meta["upcast_from"]`` naming the
version it was stored in. It is published as the current version, its payload's
``upcast_from`` holding that version and the stored form's hash (the link the
case's next event names as its ``previous_hash``), and its envelope's ``hash``
computed over what is published, so every published envelope checks with the
same function (docs/contracts.md, "Upcasting").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final
from uuid import UUID

from pydantic import BaseModel, ValidationError

from complaint_events.contracts.envelope import PAYLOAD_CHECKED, EventEnvelope, event_id_for
from complaint_events.contracts.events import (
    EVENT_PAYLOADS,
    SEALED_TEXTS,
    ComplaintFiledV1,
    ComplaintFiledV2,
    ContractError,
    is_sealed,
    is_sealed_contact,
    payload_model,
)
from complaint_events.contracts.hash_chain import seal

__all__ = [
    "UPCAST_FROM",
    "ContractError",
    "from_json_bytes",
    "stored_schema_version",
    "to_envelope",
    "to_json_bytes",
]

# Attributes of every eventsourcing event that go into the envelope, not the payload.
_ENVELOPE_ATTRIBUTES: Final = frozenset(
    {"originator_id", "originator_version", "timestamp", "meta", "originator_topic"}
)
# The event whose occurrence is the complaint's receipt, not the moment it was recorded.
_OCCURRED_AT_FIELD: Final = {"ComplaintFiled": "received_at"}

UPCAST_FROM: Final = "upcast_from"
"""Key of ``meta`` (set by the upcaster) and of the published payload: the stored version."""


def to_envelope(domain_event: object) -> EventEnvelope:
    """The published form of one stored case event."""
    event_type = type(domain_event).__name__
    if event_type not in EVENT_PAYLOADS:
        raise ContractError(
            f"domain event {event_type!r} has no wire contract; add a payload model "
            "to complaint_events.contracts.events and regenerate the schemas"
        )
    attributes = _attributes(domain_event)
    meta = attributes.get("meta")
    meta = meta if isinstance(meta, Mapping) else {}
    version, model = _contract_for(event_type, attributes)
    case_id = attributes.get("originator_id")
    sequence = attributes.get("originator_version")
    timestamp = attributes.get("timestamp")
    if not isinstance(case_id, UUID) or not isinstance(sequence, int):
        raise ContractError(f"{event_type} is not a case event: no originator id or version")
    payload = {k: v for k, v in attributes.items() if k not in _ENVELOPE_ATTRIBUTES}
    if model in (ComplaintFiledV1, ComplaintFiledV2) and payload.get("distress") is None:
        # A description in clear was not judged at filing: the versions that carry
        # it in clear have no such field, and their readers judge the text.
        payload.pop("distress", None)
    unknown = sorted(set(payload) - set(model.model_fields))
    if unknown:
        raise ContractError(
            f"{event_type} carries {', '.join(unknown)}, which {model.__name__} does not "
            "describe: extend the contract (a new optional field) or add a new version"
        )
    upcast_from = meta.get(UPCAST_FROM)
    if upcast_from is not None:
        # Upcast from an older stored form: say which, and the hash the chain holds for it.
        payload[UPCAST_FROM] = {"schema_version": upcast_from, "hash": meta.get("hash")}
    try:
        checked = model.model_validate(payload)
        occurred_at = getattr(checked, _OCCURRED_AT_FIELD.get(event_type, ""), timestamp)
        envelope = EventEnvelope.model_validate(
            {
                "event_id": event_id_for(case_id, sequence),
                "event_type": event_type,
                "schema_version": version,
                "case_id": case_id,
                "sequence": sequence,
                "occurred_at": occurred_at,
                "recorded_at": timestamp,
                "correlation_id": meta.get("correlation_id"),
                "causation_id": meta.get("causation_id"),
                "actor": meta.get("actor"),
                "reason": meta.get("reason"),
                "payload": checked.model_dump(mode="json"),
                "hash": meta.get("hash"),
                "previous_hash": meta.get("previous_hash"),
            },
            context=PAYLOAD_CHECKED,  # just validated above: not a second time
        )
    except ValidationError as error:
        raise ContractError(
            f"{event_type} v{version} of case {case_id} (sequence {sequence}) breaks its "
            f"contract {model.__name__}:\n{error}"
        ) from error
    if upcast_from is not None and envelope.previous_hash is not None:
        # The stored hash covers the stored form (in the payload's upcast_from): this
        # envelope's own hash covers what it publishes.
        envelope = envelope.model_copy(update={"hash": seal(envelope, envelope.previous_hash)})
    return envelope


def stored_schema_version(event_type: str, attributes: Mapping[str, Any]) -> int:
    """The schema version of a stored event's shape (the version its hash covers)."""
    return _contract_for(event_type, attributes)[0]


def to_json_bytes(envelope: EventEnvelope) -> bytes:
    """The Kafka message value: UTF-8 JSON, fields in declaration order."""
    return envelope.model_dump_json().encode("utf-8")


def from_json_bytes(data: bytes) -> EventEnvelope:
    """Decode a message value; its payload is checked against its type and schema version."""
    try:
        return EventEnvelope.model_validate_json(data)
    except ValidationError as error:
        raise ContractError(f"not a valid complaint event message:\n{error}") from error


def _contract_for(event_type: str, attributes: Mapping[str, Any]) -> tuple[int, type[BaseModel]]:
    """The (schema version, model) to publish this stored event with."""
    if event_type == "ComplaintFiled" and not is_sealed_contact(attributes.get("contact")):
        # Filed before contacts were sealed: published (and hashed) as V1, plaintext.
        return ComplaintFiledV1.schema_version, ComplaintFiledV1
    if event_type == "ComplaintFiled" and isinstance(attributes.get("description"), str):
        # Filed before descriptions were sealed: published (and hashed) as V2.
        return ComplaintFiledV2.schema_version, ComplaintFiledV2
    field = SEALED_TEXTS.get(event_type)
    if (
        field is not None
        and event_type != "ComplaintFiled"
        and not is_sealed(attributes.get(field))
    ):
        # The text in clear (recorded before texts were sealed, or by a caller that
        # does not seal): the version that carries it in clear.
        model = payload_model(event_type, 1)
        return model.schema_version, model
    return EVENT_PAYLOADS[event_type]


def _attributes(domain_event: object) -> dict[str, Any]:
    try:
        return dict(vars(domain_event))
    except TypeError:
        raise ContractError(
            f"cannot read the attributes of {type(domain_event).__name__}"
        ) from None
