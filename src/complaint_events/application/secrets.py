"""The installation's two secrets, and what they protect (docs/privacy.md).

- The **key-encryption key** wraps every consumer's data key (AES-256-GCM, the
  consumer id as associated data) before it is stored beside the events, so a
  copy of the database, a backup or a dump opens no personal data: the data
  keys are readable only by a process that holds the key-encryption key too.
- The **pseudonym key** is the HMAC key that turns a phone number or an e-mail
  address into a consumer id.  An unkeyed hash of a phone number is reversed by
  trying every number (a few minutes for China's mobile numbers); a keyed one
  is not, without the key.

Neither lives in the database: they come from settings (environment variables)
or from a secrets file kept apart (:mod:`complaint_events.adapters.secrets_file`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SECRET_BYTES: Final = 32
WRAP_FORM: Final = b"\x01"  # version byte of a wrapped key: form, nonce, ciphertext
_NONCE_BYTES: Final = 12
WRAPPED_KEY_BYTES: Final = len(WRAP_FORM) + _NONCE_BYTES + SECRET_BYTES + 16  # + GCM tag


@dataclass(frozen=True, slots=True)
class Secrets:
    """The installation's key-encryption key and pseudonym key (32 bytes each)."""

    key_encryption_key: bytes
    pseudonym_key: bytes

    def __repr__(self) -> str:  # never in a log or a traceback
        return "Secrets(<hidden>)"


class KeyUnwrapError(Exception):
    """A stored data key does not open with the configured key-encryption key."""


def new_secret() -> bytes:
    """32 random bytes."""
    return os.urandom(SECRET_BYTES)


def new_key() -> bytes:
    """A fresh random AES-256 key: a consumer's data key (docs/privacy.md)."""
    return AESGCM.generate_key(bit_length=SECRET_BYTES * 8)


def encode_key(key: bytes) -> str:
    """A key as it is written in settings: base64."""
    return base64.b64encode(key).decode("ascii")


def decode_key(text: str) -> bytes:
    """A key from its base64 form; ValueError saying what is wrong otherwise."""
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except binascii.Error:
        raise ValueError(
            "a key must be base64 of 32 random bytes, e.g. the output of "
            "`python -c 'import os, base64; print(base64.b64encode(os.urandom(32)).decode())'`"
        ) from None
    if len(key) != SECRET_BYTES:
        raise ValueError(f"a key must be {SECRET_BYTES} bytes, this one is {len(key)}")
    return key


def wrap_key(key_encryption_key: bytes, data_key: bytes, consumer_id: str) -> bytes:
    """``data_key`` sealed under the key-encryption key, bound to its consumer."""
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(key_encryption_key).encrypt(nonce, data_key, consumer_id.encode("utf-8"))
    return WRAP_FORM + nonce + sealed


def unwrap_key(key_encryption_key: bytes, stored: bytes, consumer_id: str) -> bytes:
    """The data key from its stored form.

    A 32-byte value is a key stored before keys were wrapped (read as it is:
    stored rows are not rewritten); anything else must open with the
    key-encryption key, or :class:`KeyUnwrapError` says which setting to check.
    """
    if len(stored) == SECRET_BYTES:
        return stored
    if len(stored) != WRAPPED_KEY_BYTES or stored[:1] != WRAP_FORM:
        raise KeyUnwrapError(f"the stored key of consumer {consumer_id} is in no known form")
    nonce, sealed = stored[1 : 1 + _NONCE_BYTES], stored[1 + _NONCE_BYTES :]
    try:
        return AESGCM(key_encryption_key).decrypt(nonce, sealed, consumer_id.encode("utf-8"))
    except InvalidTag:
        raise KeyUnwrapError(
            f"the key of consumer {consumer_id} does not open with the configured "
            "key-encryption key: set COMPLAINTS_KEY_ENCRYPTION_KEY (or COMPLAINTS_SECRETS_FILE) "
            "to the one this database's keys were made with"
        ) from None


def pseudonymous_id(pseudonym_key: bytes, kind: str, contact: str) -> str:
    """A stable consumer id from a contact (an e-mail address, a phone number).

    HMAC-SHA-256 under the installation's pseudonym key of the normalised
    contact: the same contact gives the same id on every channel that knows the
    key, and the id cannot be turned back into the contact without it.
    """
    normalised = re.sub(r"[\s\-()]", "", contact.strip().casefold())
    digest = hmac.new(pseudonym_key, f"{kind}:{normalised}".encode(), hashlib.sha256).hexdigest()
    return f"{kind}:{digest[:24]}"


IDENTITY_DIGEST_HEX: Final = 32  # 128 bits: no two people's contacts collide by chance


def identity_digest(pseudonym_key: bytes, kind: str, normalised: str) -> str:
    """A keyed hash of a normalised contact that spots one person across channels.

    HMAC-SHA-256 under the pseudonym key, like :func:`pseudonymous_id`, but in a
    domain of its own ("duplicate-identity/v1"): a digest is never equal to a
    consumer id an adapter derived, so it links nothing that the events show.
    ``normalised`` is what :mod:`complaint_events.domain.identity` made of the
    phone number or the address (docs/channels.md).
    """
    message = f"duplicate-identity/v1:{kind}:{normalised}".encode()
    digest = hmac.new(pseudonym_key, message, hashlib.sha256).hexdigest()
    return f"{kind}:{digest[:IDENTITY_DIGEST_HEX]}"
