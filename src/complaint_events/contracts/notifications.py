"""Outbound notifications on ``notifications.outbound.v1`` (key: the case id).

Channel adapters read this topic and deliver each notification in the thread
named by ``channel`` and ``channel_ref``.  A notification carries no personal
data (no name, phone or address): the channel reference is how the adapter finds
the recipient, so the topic can be read without seeing who complained.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from complaint_events.contracts.bounds import CanonicalUuid, Flag, Timestamp
from complaint_events.contracts.events import ContractError
from complaint_events.domain.values import Channel

Language = Literal["zh", "en"]
"""The languages notifications are written in."""


class NotificationKind(StrEnum):
    """What a notification tells the consumer."""

    ACKNOWLEDGEMENT = "acknowledgement"


class NotificationV1(BaseModel):
    """One message to a consumer, rendered and ready for the channel adapter to deliver."""

    model_config = ConfigDict(frozen=True, extra="forbid", regex_engine="python-re")

    notification_id: CanonicalUuid = Field(
        description="Stable across replays: a redelivered notification has the same id"
    )
    case_id: CanonicalUuid
    kind: NotificationKind
    channel: Channel = Field(description="The channel the complaint came in by, and replies go by")
    channel_ref: str = Field(
        min_length=1, description="The channel's id of the submission: the adapter replies there"
    )
    language: Language
    soothing: Flag = Field(description="Written in a soothing tone: the complaint shows distress")
    subject: str = Field(min_length=1, description="A subject line (short outside email)")
    body: str = Field(min_length=1, description="Plain text, styled for the channel")
    created_at: Timestamp

    def kafka_key(self) -> bytes:
        """The message key: the case id, so one case's notifications stay in order."""
        return str(self.case_id).encode("ascii")

    def to_json_bytes(self) -> bytes:
        """The Kafka message value: UTF-8 JSON, fields in declaration order."""
        return self.model_dump_json().encode("utf-8")

    @classmethod
    def from_json_bytes(cls, data: bytes) -> Self:
        """Decode a message value; ContractError (with the field errors) if it is not one."""
        try:
            return cls.model_validate_json(data)
        except ValidationError as error:
            raise ContractError(f"not a valid notification message:\n{error}") from error
