"""What a consumer complains about: the facts given at intake (docs/lifecycle.md, Intake)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from complaint_events.domain.text import is_blank
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

    def to_record(self) -> dict[str, str | None]:
        """The contact in clear, as events filed before sealing hold it."""
        return {
            "name": self.name,
            "phone": self.phone,
            "email": self.email,
            "address": self.address,
        }


@dataclass(frozen=True, slots=True)
class Sealed:
    """Personal data encrypted under its consumer's own key: what a case stores.

    The case never needs it in clear; the application seals it before filing
    and opens it for the people allowed to read it. Destroying the key (erasure
    after the retention period) makes every copy unreadable.
    """

    key_id: str
    nonce: str
    ciphertext: str
    form: str = "v1"

    def to_record(self) -> dict[str, str]:
        """The sealed form events hold (``SealedContactV1`` / ``SealedTextV1`` on the wire)."""
        return {
            "sealed": self.form,
            "key_id": self.key_id,
            "nonce": self.nonce,
            "ciphertext": self.ciphertext,
        }


@dataclass(frozen=True, slots=True)
class SealedContact(Sealed):
    """The consumer's contact (name, phone, e-mail, address), sealed."""


@dataclass(frozen=True, slots=True)
class SealedText(Sealed):
    """A text the consumer wrote, sealed.

    The description of a complaint can hold anything a person says: names,
    phone numbers, addresses, a hotline transcript. The rules that need what it
    says (does it read as distressed?) are judged on the clear text before it is
    sealed.
    """


@dataclass(frozen=True, slots=True)
class ComplaintDetails:
    """Everything a channel adapter knows about a complaint when it files it."""

    channel: Channel
    channel_ref: str
    received_at: datetime
    consumer_id: str
    contact: Contact | SealedContact
    order_id: str
    merchant_id: str
    sku: str
    product_name: str
    description: str | SealedText
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
    distress: bool | None = None
    """Whether the description reads as distressed; judged on the clear text, by
    the case when it gets the text in clear, by whoever sealed it otherwise."""

    def __post_init__(self) -> None:
        if self.price < 0:
            raise ValueError("price cannot be negative")
        if self.quantity < 1:
            raise ValueError("quantity must be at least 1")
        if isinstance(self.description, str) and is_blank(self.description):
            raise ValueError("description cannot be empty")
        if self.received_at.tzinfo is None:
            raise ValueError("received_at must be timezone-aware")

    @property
    def problem_key(self) -> str:
        """Same consumer, same order, same problem: the key that spots a duplicate
        submitted through another channel (docs/lifecycle.md, Intake)."""
        raw = "|".join((self.consumer_id, self.order_id, self.sku, self.category.value))
        return hashlib.sha256(raw.encode()).hexdigest()[:32]

    @property
    def order_problem_key(self) -> str:
        """Same order, same problem, whoever complains: where the same person is looked
        for under their phone number or e-mail address (docs/channels.md)."""
        return order_problem_key(self.order_id, self.sku, self.category)

    @property
    def channel_key(self) -> str:
        """Same channel reference: a resubmission of the very same message."""
        return f"{self.channel.value}:{self.channel_ref}"


def order_problem_key(order_id: str, sku: str, category: ProblemCategory) -> str:
    """The key of one order's problem (order + SKU + category), whoever complains about it."""
    raw = "|".join((order_id, sku, category.value))
    return hashlib.sha256(raw.encode()).hexdigest()[:32]
