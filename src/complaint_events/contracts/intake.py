"""What channel adapters put on ``complaints.intake.v1`` (key: the channel reference).

Validation is strict (unknown fields are refused, strings are trimmed, money is
exact) so that a bad message is sent to the dead-letter topic with field-level
errors instead of opening a case on wrong facts.
"""

from __future__ import annotations

from typing import Final, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from complaint_events.contracts.bounds import (
    LIST_MAX,
    LONG_TEXT_MAX,
    NO_NUL_PATTERN,
    CalendarDate,
    LongText,
    ShortText,
    Timestamp,
    Uri,
    WholeNumber,
    refuse_nul,
)
from complaint_events.contracts.events import NonNegativeMoney, personal
from complaint_events.domain.complaint import ComplaintDetails, Contact, EvidenceRef
from complaint_events.domain.text import trimmed
from complaint_events.domain.values import (
    Channel,
    Demand,
    EvidenceKind,
    ProblemCategory,
    SafetyFlag,
)

MAX_DESCRIPTION_LENGTH: Final = LONG_TEXT_MAX

Text = ShortText
"""A required short text (ids, references, names): not blank after trimming."""


class IntakeEvidenceV1(BaseModel):
    """A pointer to a photo, video, test report, receipt or chat log; the file lives elsewhere."""

    model_config = ConfigDict(frozen=True, extra="forbid", regex_engine="python-re")

    kind: EvidenceKind
    uri: Uri


class ConsumerV1(BaseModel):
    """The consumer as the channel knows them; everything but the id is personal data."""

    model_config = ConfigDict(frozen=True, extra="forbid", regex_engine="python-re")

    consumer_id: Text
    name: Text = personal()
    phone: str | None = personal(default=None, max_length=40, pattern=NO_NUL_PATTERN)
    email: str | None = personal(default=None, max_length=254, pattern=NO_NUL_PATTERN)
    address: str | None = personal(default=None, max_length=500, pattern=NO_NUL_PATTERN)


class IntakeMessageV1(BaseModel):
    """One complaint as received by a channel (docs/lifecycle.md, Intake)."""

    model_config = ConfigDict(frozen=True, extra="forbid", regex_engine="python-re")

    channel: Channel
    channel_ref: Text = Field(description="The channel's own id of this submission")
    received_at: Timestamp
    consumer: ConsumerV1
    order_id: Text
    merchant_id: Text
    sku: Text
    product_name: Text
    product_spec: str = Field(default="", max_length=500, pattern=NO_NUL_PATTERN)
    product_type: str | None = Field(default=None, max_length=100, pattern=NO_NUL_PATTERN)
    purchase_date: CalendarDate | None = None
    delivered_on: CalendarDate | None = None
    price: NonNegativeMoney = Field(description="Unit price paid, exact decimal string")
    quantity: WholeNumber = Field(default=1, ge=1, le=10_000)
    description: LongText
    evidence: list[IntakeEvidenceV1] = Field(default_factory=list, max_length=LIST_MAX)
    demand: Demand
    category: ProblemCategory
    safety_flags: list[SafetyFlag] = Field(default_factory=list, max_length=LIST_MAX)
    language: Literal["zh", "en"] = "zh"

    # PostgreSQL text cannot hold U+0000, and no channel has a reason to send it.
    _no_nul = model_validator(mode="before")(refuse_nul)

    @model_validator(mode="after")
    def _dates_make_sense(self) -> Self:
        received_on = self.received_at.date()
        if self.purchase_date is not None and self.purchase_date > received_on:
            raise ValueError("purchase_date cannot be after the complaint was received")
        if self.delivered_on is not None and self.delivered_on > received_on:
            raise ValueError("delivered_on cannot be after the complaint was received")
        if (
            self.purchase_date is not None
            and self.delivered_on is not None
            and self.delivered_on < self.purchase_date
        ):
            raise ValueError("delivered_on cannot be before purchase_date")
        return self

    def kafka_key(self) -> bytes:
        """The message key: the channel reference, so resubmissions meet the same partition."""
        return f"{self.channel.value}:{self.channel_ref}".encode()

    def to_details(self) -> ComplaintDetails:
        """The facts the case is filed with."""
        return ComplaintDetails(
            channel=self.channel,
            channel_ref=self.channel_ref,
            received_at=self.received_at,
            consumer_id=self.consumer.consumer_id,
            contact=Contact(
                name=trimmed(self.consumer.name),
                phone=self.consumer.phone,
                email=self.consumer.email,
                address=self.consumer.address,
            ),
            order_id=self.order_id,
            merchant_id=self.merchant_id,
            sku=self.sku,
            product_name=trimmed(self.product_name),
            # Taken as sent (the schema's bounds mean the same to every reader);
            # the white space people type around what they write is not kept.
            description=trimmed(self.description),
            demand=self.demand,
            category=self.category,
            price=self.price,
            quantity=self.quantity,
            product_spec=self.product_spec,
            product_type=self.product_type,
            purchase_date=self.purchase_date,
            delivered_on=self.delivered_on,
            evidence=tuple(EvidenceRef(kind=e.kind, uri=e.uri) for e in self.evidence),
            safety_flags=frozenset(self.safety_flags),
            language=self.language,
        )
