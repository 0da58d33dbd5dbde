"""The consumer's personal data, sealed under a key of their own (crypto-shredding).

A case stores the consumer's contact only as a :class:`SealedContact`:
AES-256-GCM under the consumer's key, with a random 96-bit nonce and the
consumer id as associated data (a record copied onto another consumer's case
does not open). Every copy of the event (the store, the topic, the read models,
an exported dossier) holds ciphertext, and the hash chain is computed over it,
so destroying the key (:mod:`complaint_events.application.erasure`) makes the
data unreadable everywhere without changing a single stored byte: histories,
analytics and ``audit verify`` stay intact (个人信息保护法 Art. 47).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
from collections.abc import Mapping
from typing import Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from complaint_events.application.ports import ConsumerKeys
from complaint_events.contracts.events import SEALED_CONTACT_FORM, is_sealed_contact
from complaint_events.domain.complaint import Contact, SealedContact, SealedText

log = logging.getLogger(__name__)

NONCE_BYTES: Final = 12  # 96 bits, as GCM wants


def _sealed(
    plaintext: bytes, consumer_id: str, key: bytes, label: str | None = None
) -> dict[str, str]:
    """AES-256-GCM under the consumer's key, their id as associated data.

    The nonce is random; with a ``label`` it is derived instead (HMAC-SHA-256 under
    the key of the label and the plaintext, the synthetic-IV construction), so the
    same text sealed under the same label always gives the same bytes. A nonce is
    then reused only for the very same plaintext, which reveals nothing more than
    that the two are the same. For upcasting stored events (:mod:`.upcasting`):
    a stored event must read the same every time it is read.
    """
    if label is None:
        nonce = os.urandom(NONCE_BYTES)
    else:
        derivation = hmac.new(key, label.encode("utf-8") + b"\x00" + plaintext, hashlib.sha256)
        nonce = derivation.digest()[:NONCE_BYTES]
    ciphertext = AESGCM(key).encrypt(nonce, plaintext, consumer_id.encode("utf-8"))
    return {
        "key_id": consumer_id,
        "nonce": base64.b64encode(nonce).decode("ascii"),
        "ciphertext": base64.b64encode(ciphertext).decode("ascii"),
        "form": SEALED_CONTACT_FORM,
    }


def seal_contact(
    contact: Contact, consumer_id: str, key: bytes, label: str | None = None
) -> SealedContact:
    """The contact encrypted under the consumer's key, bound to their id (``label``:
    the same bytes every time, see :func:`_sealed`)."""
    plaintext = json.dumps(
        contact.to_record(), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    ).encode("utf-8")
    return SealedContact(**_sealed(plaintext, consumer_id, key, label))


def seal_text(text: str, consumer_id: str, key: bytes, label: str | None = None) -> SealedText:
    """A text the consumer wrote, encrypted under their key, bound to their id (``label``:
    the same bytes every time, see :func:`_sealed`)."""
    return SealedText(**_sealed(text.encode("utf-8"), consumer_id, key, label))


def open_text(value: str | Mapping[str, Any] | None, keys: ConsumerKeys) -> str | None:
    """A sealed text in clear (a plain string, from an older event, as it is);
    None once the consumer's key has been erased."""
    if value is None or isinstance(value, str):
        return value
    plaintext = _open(value, keys)
    return None if plaintext is None else plaintext.decode("utf-8")


def open_text_with(record: Mapping[str, Any], key: bytes | None) -> str | None:
    """A sealed text opened with a key the caller fetched for ``record["key_id"]``
    (many records of few consumers: one fetch each); None without a key."""
    plaintext = _open_with(record, key)
    return None if plaintext is None else plaintext.decode("utf-8")


def _open(record: Mapping[str, Any], keys: ConsumerKeys) -> bytes | None:
    return _open_with(record, keys.get(str(record.get("key_id"))))


def _open_with(record: Mapping[str, Any], key: bytes | None) -> bytes | None:
    if record.get("sealed") != SEALED_CONTACT_FORM:
        raise ValueError(f"unknown sealing form {record.get('sealed')!r}")
    key_id = str(record["key_id"])
    if key is None:
        return None
    try:
        return AESGCM(key).decrypt(
            base64.b64decode(record["nonce"]),
            base64.b64decode(record["ciphertext"]),
            key_id.encode("utf-8"),
        )
    except InvalidTag:
        # Sealed under a key since erased (the consumer filed again and got a new
        # one), or not this consumer's record: unreadable either way.
        log.warning("a record sealed for consumer %s does not open with their key", key_id)
        return None


def open_contact(record: Mapping[str, Any] | None, keys: ConsumerKeys) -> Contact | None:
    """The contact in clear; None once the consumer's key has been erased.

    A record stored before contacts were sealed is plaintext and is returned as
    it is (a tolerant reader: stored events are never rewritten).
    """
    if record is None:
        return None
    if not is_sealed_contact(record):
        return contact_from_record(record)
    plaintext = _open(record, keys)
    return None if plaintext is None else contact_from_record(json.loads(plaintext))


def contact_from_record(record: Mapping[str, Any]) -> Contact:
    """A contact from its record in clear (``{name, phone, email, address}``)."""

    def text(name: str) -> str | None:
        value = record.get(name)
        return value if isinstance(value, str) else None

    return Contact(
        name=text("name") or "",
        phone=text("phone"),
        email=text("email"),
        address=text("address"),
    )
