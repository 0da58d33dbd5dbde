"""The consumers' keys are wrapped by a key that is not in the database (issue 13).

A dump of ``consumer_keys`` must open no contact; a process with another
key-encryption key must say which setting to check, not decrypt garbage.
"""

from __future__ import annotations

import base64
import sqlite3
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from audit_support import IN_MEMORY
from complaint_events.application.cases import ComplaintCases
from complaint_events.application.personal_data import open_contact, seal_contact
from complaint_events.application.secrets import (
    KeyUnwrapError,
    decode_key,
    new_secret,
    unwrap_key,
    wrap_key,
)
from complaint_events.bootstrap import open_cases
from complaint_events.domain.complaint import Contact

CONTACT = Contact("林小明", "18312342807", "lin@example.com", "杭州市西湖区文三路88号")
KEK = bytes(range(32))


def _sqlite_cases(path: Path, kek: bytes) -> ComplaintCases:
    return open_cases(
        env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)},
        key_encryption_key=kek,
    )


def test_a_wrapped_key_opens_only_with_its_key_encryption_key_and_consumer() -> None:
    data_key = new_secret()
    wrapped = wrap_key(KEK, data_key, "c-1")
    assert data_key not in wrapped
    assert unwrap_key(KEK, wrapped, "c-1") == data_key
    with pytest.raises(KeyUnwrapError, match="COMPLAINTS_KEY_ENCRYPTION_KEY"):
        unwrap_key(bytes(32), wrapped, "c-1")
    with pytest.raises(KeyUnwrapError):
        unwrap_key(KEK, wrapped, "c-2")  # a row copied onto another consumer


def test_a_key_stored_before_wrapping_reads_as_it_is() -> None:
    legacy = new_secret()
    assert unwrap_key(KEK, legacy, "c-1") == legacy
    with pytest.raises(KeyUnwrapError, match="no known form"):
        unwrap_key(KEK, b"\x02" + bytes(60), "c-1")


def test_a_copy_of_the_database_opens_no_contact(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    cases = _sqlite_cases(path, KEK)
    sealed = seal_contact(CONTACT, "c-1", cases.keys.get_or_create("c-1")).to_record()
    cases.close()

    with sqlite3.connect(path) as dump:
        (stored,) = dump.execute(
            "SELECT key FROM consumer_keys WHERE consumer_id = 'c-1'"
        ).fetchone()
    stored = bytes(stored)
    assert len(stored) > 32  # not the key itself
    for start in range(len(stored) - 31):  # nor any 32 bytes of what is stored
        with pytest.raises(InvalidTag):
            AESGCM(stored[start : start + 32]).decrypt(
                base64.b64decode(sealed["nonce"]), base64.b64decode(sealed["ciphertext"]), b"c-1"
            )
    reopened = _sqlite_cases(path, KEK)
    assert open_contact(sealed, reopened.keys) == CONTACT
    reopened.close()


def test_a_process_with_another_key_encryption_key_says_which_setting_to_check(
    tmp_path: Path,
) -> None:
    path = tmp_path / "store.sqlite"
    cases = _sqlite_cases(path, KEK)
    cases.keys.get_or_create("c-1")
    cases.close()
    other = _sqlite_cases(path, bytes(32))
    with pytest.raises(KeyUnwrapError, match="COMPLAINTS_KEY_ENCRYPTION_KEY"):
        other.keys.get("c-1")
    other.close()


def test_the_in_memory_store_needs_no_key_encryption_key() -> None:
    cases = open_cases(env=IN_MEMORY)
    assert len(cases.keys.get_or_create("c-1")) == 32
    cases.close()


@pytest.mark.parametrize(
    ("text", "why"),
    [("not base64!", "base64 of 32 random bytes"), ("AAAA", "must be 32 bytes, this one is 3")],
)
def test_a_key_setting_that_is_not_32_bytes_of_base64_is_refused(text: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        decode_key(text)
