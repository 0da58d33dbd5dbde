"""What a consumer complains about: the facts given at intake (DESIGN.md stage 1)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from complaint_events.domain.values import (
    Channel,
    Demand,
    EvidenceKind,
    ProblemCategory,
    SafetyFlag,
)


@dataclass(frozen=True, slots=True)
class EvidenceRef:
    """A pointer to a photo, video, test report or other proof; the file lives elsewhere."""

    kind: EvidenceKind
    uri: str


@dataclass(frozen=True, slots=True)
class Contact:
    """The consumer's personal data; only masked forms ever reach a merchant."""

    name: str
    phone: str | None = None
    email: str | None = None
    address: str | None = None


@dataclass(frozen=True, slots=True)
class ComplaintDetails:
    """Everything a channel adapter knows about a complaint when it files it."""

    channel: Channel
    channel_ref: str
    received_at: datetime
    consumer_id: str
    contact: Contact
    order_id: str
    merchant_id: str
    sku: str
    product_name: str
    description: str
    demand: Demand
    category: ProblemCategory
    price: Decimal
    quantity: int = 1
    product_spec: str = ""
    product_type: str | None = None
    purchase_date: date | None = None
    delivered_on: date | None = None
    evidence: tuple[EvidenceRef, ...] = ()
    safety_flags: frozenset[SafetyFlag] = field(default_factory=frozenset)
    language: str = "zh"

    def __post_init__(self) -> None:
        if self.price < 0:
            raise ValueError("price cannot be negative")
        if self.quantity < 1:
            raise ValueError("quantity must be at least 1")
        if not self.description.strip():
            raise ValueError("description cannot be empty")
        if self.received_at.tzinfo is None:
            raise ValueError("received_at must be timezone-aware")

    @property
    def problem_key(self) -> str:
        """Same consumer, same order, same problem: the key that spots a duplicate
        submitted through another channel (DESIGN.md stage 1)."""
        raw = "|".join((self.consumer_id, self.order_id, self.sku, self.category.value))
        return hashlib.sha256(raw.encode()).hexdigest()[:32]

    @property
    def channel_key(self) -> str:
        """Same channel reference: a resubmission of the very same message."""
        return f"{self.channel.value}:{self.channel_ref}"
