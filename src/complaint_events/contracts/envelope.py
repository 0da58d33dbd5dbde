"""The envelope every case event travels in on ``complaints.events.v1``.

The envelope is fixed (``extra="forbid"``); what varies per event is the
``payload``, validated against the model registered for ``event_type`` at
``schema_version`` and kept in its JSON form, so that an envelope decoded from
Kafka equals the one that was encoded.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Final
from uuid import UUID, uuid5

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from complaint_events.contracts.bounds import CanonicalUuid, Timestamp, WholeNumber
from complaint_events.contracts.events import ContractError, PayloadModel, payload_model

CONTENT_TYPE: Final = "application/json"

HEADER_EVENT_ID: Final = "event_id"
HEADER_EVENT_TYPE: Final = "event_type"
HEADER_SCHEMA_VERSION: Final = "schema_version"
HEADER_CONTENT_TYPE: Final = "content_type"


def event_id_for(case_id: UUID, sequence: int) -> UUID:
    """The id of the case's ``sequence``-th event: the same on every replay (uuid5)."""
    return uuid5(case_id, str(sequence))


# Where an envelope keeps its typed payload (with the payload it was built from).
_TYPED_PAYLOAD: Final = "_typed_payload"

# Validation context of an envelope whose payload its builder has just checked
# against the contract (the translator): the payload is not checked twice.
PAYLOAD_CHECKED: Final[dict[str, bool]] = {"payload_checked": True}


class EventEnvelope(BaseModel):
    """One published case event: who, when, which case, in what order, and what happened."""

    model_config = ConfigDict(frozen=True, extra="forbid", regex_engine="python-re")

    event_id: CanonicalUuid = Field(
        description="uuid5(case_id, str(sequence)): stable across replays"
    )
    event_type: str = Field(min_length=1, description="The domain event name, e.g. ComplaintFiled")
    schema_version: WholeNumber = Field(ge=1, description="Version of the payload schema")
    case_id: CanonicalUuid
    sequence: WholeNumber = Field(ge=1, description="The event's version within its case, from 1")
    occurred_at: Timestamp = Field(
        description="When it happened (for ComplaintFiled: when the complaint was received)"
    )
    recorded_at: Timestamp = Field(description="When the case recorded it")
    correlation_id: str | None
    causation_id: str | None
    actor: str = Field(min_length=1, description="'role:id', e.g. handler:h-2 or system:router")
    reason: str | None
    payload: dict[str, Any] = Field(
        description="Validated by schemas/events/<event_type>.v<schema_version>.json"
    )
    hash: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{64}$",
        description="SHA-256 (hex) of this envelope's other fields and previous_hash, as "
        "canonical JSON (complaint_events.contracts.hash_chain); absent on unchained events",
    )
    previous_hash: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{64}$",
        description="The hash of the case's previous event (64 zeros for its first event)",
    )

    @field_validator("payload")
    @classmethod
    def _payload_matches_its_contract(
        cls, payload: dict[str, Any], info: ValidationInfo
    ) -> dict[str, Any]:
        if info.context is PAYLOAD_CHECKED:
            return payload  # the translator validated it against its contract a moment ago
        event_type = info.data.get("event_type")
        version = info.data.get("schema_version")
        if not isinstance(event_type, str) or not isinstance(version, int):
            return payload  # the field errors on event_type / schema_version say why
        try:
            model = payload_model(event_type, version)
        except ContractError as error:
            raise ValueError(str(error)) from None
        # Kept in JSON form: what went onto the wire is what comes back off it.
        try:
            return model.model_validate(payload).model_dump(mode="json")
        except ValidationError as error:
            raise ValueError(f"payload does not match {model.__name__}: {error}") from None

    def typed_payload(self) -> PayloadModel:
        """The payload as its registered model (Decimal money, enums, datetimes).

        Built once per envelope and payload: the agents of a worker that share a
        decoded envelope (:func:`decode_event`) share its frozen typed payload. It is
        kept with the payload it was built from, so a copy with another payload
        (``model_copy(update=...)`` copies what is kept) builds its own.
        """
        kept = self.__dict__.get(_TYPED_PAYLOAD)
        if kept is not None and kept[0] is self.payload:
            return kept[1]  # type: ignore[no-any-return]
        typed = payload_model(self.event_type, self.schema_version).model_validate(self.payload)
        self.__dict__[_TYPED_PAYLOAD] = (self.payload, typed)  # frozen fields stay untouched
        return typed

    def kafka_key(self) -> bytes:
        """The message key: the case id, so that one case's events stay in order."""
        return str(self.case_id).encode("ascii")


# Envelopes of at most this many bytes are kept by decode_event, the last so many of them.
DECODED_KEPT_UP_TO: Final = 8 * 1024
DECODED_KEPT: Final = 2048


def decode_event(value: bytes) -> EventEnvelope:
    """The envelope in a message of the events topic, checked against its contract.

    Raises :class:`pydantic.ValidationError` for what is not a valid case event.
    Every agent of a worker that wants an event reads the same message, and the
    check (the payload's contract above all) costs more than the rest of most
    agents' work: the envelopes of the last :data:`DECODED_KEPT` messages are kept
    by their bytes, so a worker checks each message once. An envelope is frozen;
    what is not valid is not kept, and a message of more than
    :data:`DECODED_KEPT_UP_TO` bytes is decoded each time.
    """
    if len(value) > DECODED_KEPT_UP_TO:
        return EventEnvelope.model_validate_json(value)
    return _decode_kept(value)


@lru_cache(maxsize=DECODED_KEPT)
def _decode_kept(value: bytes) -> EventEnvelope:
    return EventEnvelope.model_validate_json(value)


def kafka_headers(envelope: EventEnvelope) -> list[tuple[str, bytes]]:
    """Headers that let a consumer route or skip a message without parsing its value."""
    return [
        (HEADER_EVENT_ID, str(envelope.event_id).encode("ascii")),
        (HEADER_EVENT_TYPE, envelope.event_type.encode("utf-8")),
        (HEADER_SCHEMA_VERSION, str(envelope.schema_version).encode("ascii")),
        (HEADER_CONTENT_TYPE, CONTENT_TYPE.encode("ascii")),
    ]
