"""Who may read which case, and what a merchant may see of the consumer (个人信息保护法).

* Handlers and auditors read every case (auditors have no write routes at all).
* A merchant reads only the cases filed against it (``merchant_id``), and sees
  the consumer only through :mod:`complaint_events.domain.masking`: a masked
  name and phone, the address only when goods must be shipped back (a return
  or an exchange), never the e-mail, ID number, payment account or the
  consumer's platform id. Free text is scrubbed of numbers and of the
  consumer's own contact details wherever the consumer may have pasted them.
* A consumer reads only the cases they filed.
* Adapters read nothing here.

A case a caller may not read is answered exactly like a case that does not
exist, so a probe learns nothing about other people's cases.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from complaint_events.api.auth import Principal, Role
from complaint_events.application.personal_data import open_text
from complaint_events.application.ports import ConsumerKeys
from complaint_events.contracts.events import SEALED_TEXTS, is_sealed
from complaint_events.domain.complaint import Contact
from complaint_events.domain.masking import (
    ERASED,
    ConsumerContact,
    KnownDetailsRedactor,
    mask_contact,
)
from complaint_events.domain.values import RemedyKind

READERS: Final = (Role.HANDLER, Role.AUDITOR, Role.MERCHANT, Role.CONSUMER)
"""Roles that may read cases (each within its own scope)."""

STAFF: Final = (Role.HANDLER, Role.AUDITOR)
"""Roles that read everything, including platform-wide analytics."""

SHIPPING_REMEDIES: Final = frozenset({RemedyKind.RETURN_AND_REFUND, RemedyKind.EXCHANGE})
"""Remedies that ship goods between consumer and merchant: the merchant needs the address."""

HIDDEN_FROM_MERCHANTS: Final = frozenset(
    {
        "consumer_id",
        "contact",
        "email",
        "id_number",
        "payment_account",
        "medical",
        # Platform-internal references that would let a merchant link a consumer's cases.
        "channel_ref",
        "problem_key",
    }
)
"""Payload keys a merchant never sees (``contact`` is replaced by its masked form)."""


def may_read_case(principal: Principal, merchant_id: str, consumer_id: str | None) -> bool:
    """Whether ``principal`` may read a case of this merchant and consumer."""
    if principal.role in STAFF:
        return True
    if principal.role is Role.MERCHANT:
        return principal.id == merchant_id
    if principal.role is Role.CONSUMER:
        return consumer_id is not None and principal.id == consumer_id
    return False


ContactOpener = Callable[[Mapping[str, Any] | None], Contact | None]
"""Opens the contact record of a filing event (sealed or, for older events, plain)."""


SEALED_TEXT_FIELDS: Final = frozenset(SEALED_TEXTS.values())
"""Fields of event payloads that hold a text sealed under the consumer's key."""


def texts_opened(payload: Mapping[str, Any] | None, keys: ConsumerKeys) -> dict[str, Any] | None:
    """``payload`` with its sealed texts in clear, or ``[erased]`` once the key is gone."""
    if payload is None:
        return None
    opened = dict(payload)
    for name in SEALED_TEXT_FIELDS:
        value = opened.get(name)
        if is_sealed(value):
            assert isinstance(value, Mapping)
            try:
                text = open_text(value, keys)
            except (ValueError, KeyError, TypeError):
                text = None  # a record of an unknown form shows nothing rather than failing
            opened[name] = ERASED if text is None else text
    return opened


def sealed_contact(filing: Mapping[str, Any] | None) -> bool:
    """Whether the filing holds a sealed contact (which, if it does not open, was erased)."""
    return filing is not None and is_sealed(filing.get("contact"))


def contact_of(filing: Mapping[str, Any] | None, opener: ContactOpener) -> ConsumerContact | None:
    """The consumer's contact from the filing event (``None`` if erased or unreadable)."""
    raw = None if filing is None else filing.get("contact")
    if not isinstance(raw, Mapping):
        return None
    try:
        contact = opener(raw)
    except (ValueError, KeyError, TypeError):
        return None  # a record of an unknown form shows nothing rather than failing the read
    if contact is None:
        return None
    return ConsumerContact.from_contact(contact)


def contact_view(
    principal: Principal, contact: ConsumerContact | None, remedy_kind: str | None
) -> dict[str, str | None] | None:
    """The contact block ``principal`` may see: masked for a merchant, whole for the others."""
    if contact is None:
        return None
    if principal.role is Role.MERCHANT:
        masked = mask_contact(contact, return_needed=remedy_kind in SHIPPING_REMEDIES)
        return {
            "name": masked.name,
            "phone": masked.phone,
            "email": None,
            "address": masked.address,
        }
    return {
        "name": contact.name,
        "phone": contact.phone,
        "email": contact.email,
        "address": contact.address,
    }


@dataclass(frozen=True, slots=True)
class MerchantRedactor(KnownDetailsRedactor):
    """Removes the consumer's personal data from what a merchant reads of one case."""

    @classmethod
    def for_contact(cls, contact: ConsumerContact | None) -> MerchantRedactor:
        """A redactor that also knows the consumer's own details, to find them in free text."""
        return cls(KnownDetailsRedactor.for_contact(contact).replacements)

    def value(self, value: Any) -> Any:
        """Any JSON value with every string redacted and personal keys dropped."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {
                key: self.value(item)
                for key, item in value.items()
                if key not in HIDDEN_FROM_MERCHANTS
            }
        if isinstance(value, list):
            return [self.value(item) for item in value]
        return value

    @staticmethod
    def actor(actor: str) -> str:
        """Who acted, without the consumer's platform id (``consumer:c-1`` -> ``consumer``)."""
        role, _, _ = actor.partition(":")
        return role if role == Role.CONSUMER else actor
