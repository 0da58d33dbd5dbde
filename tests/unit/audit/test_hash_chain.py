"""The hash of an event: one canonical definition, the same for the store, the topic, a dossier."""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from audit_support import IN_MEMORY, chained_case, documents
from complaint_events.adapters import consumer_keys
from complaint_events.application import in_process_ports, personal_data
from complaint_events.application.cases import ComplaintCases
from complaint_events.bootstrap import open_cases
from complaint_events.contracts.hash_chain import (
    GENESIS_HASH,
    HASHED_FIELDS,
    canonical_json,
    event_hash,
    hashed_content,
)
from complaint_events.contracts.translator import from_json_bytes, to_envelope, to_json_bytes


@pytest.fixture
def cases() -> Iterator[ComplaintCases]:
    app = open_cases(env=IN_MEMORY)
    yield app
    app.close()


def test_canonical_json_sorts_keys_drops_whitespace_and_keeps_chinese() -> None:
    assert canonical_json({"b": [1, "林"], "a": None}) == '{"a":null,"b":[1,"林"]}'.encode()
    assert canonical_json({"a": 1, "b": 2}) == canonical_json({"b": 2, "a": 1})


def test_the_hash_is_sha256_of_the_canonical_hashed_fields_and_ignores_its_own_field() -> None:
    document = {name: f"v-{name}" for name in HASHED_FIELDS}
    expected = hashlib.sha256(
        json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()
    assert event_hash(document) == expected
    assert event_hash({**document, "hash": "anything"}) == expected
    assert hashed_content({}) == dict.fromkeys(HASHED_FIELDS)


@pytest.mark.parametrize("field", HASHED_FIELDS)
def test_every_hashed_field_changes_the_hash(field: str) -> None:
    document = {name: f"v-{name}" for name in HASHED_FIELDS}
    assert event_hash({**document, field: "other"}) != event_hash(document)


def test_stored_events_are_chained_from_genesis_across_saves(cases: ComplaintCases) -> None:
    docs = documents(cases, chained_case(cases))
    assert [d["sequence"] for d in docs] == [1, 2, 3, 4, 5]
    assert docs[0]["previous_hash"] == GENESIS_HASH
    for before, after in itertools.pairwise(docs):
        assert after["previous_hash"] == before["hash"]
    for document in docs:
        assert document["hash"] == event_hash(document)


def test_the_published_message_carries_the_same_hash_as_the_stored_event(
    cases: ComplaintCases,
) -> None:
    case_id = chained_case(cases)
    for stored in cases.history(case_id):
        envelope = to_envelope(stored)
        assert envelope.hash is not None
        assert envelope.hash == stored.meta["hash"]  # type: ignore[attr-defined]
        on_the_wire = json.loads(to_json_bytes(envelope))
        assert event_hash(on_the_wire) == envelope.hash
        assert from_json_bytes(to_json_bytes(envelope)) == envelope


def test_the_same_case_recorded_twice_hashes_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    # Sealing the contact draws a fresh key and nonce; fixed, recording is deterministic.
    monkeypatch.setattr(in_process_ports, "new_key", lambda: bytes(32))
    monkeypatch.setattr(consumer_keys, "new_key", lambda: bytes(32))
    monkeypatch.setattr(personal_data, "os", SimpleNamespace(urandom=bytes))
    hashes = []
    for _ in range(2):
        app = open_cases(env=IN_MEMORY)
        hashes.append([d["hash"] for d in documents(app, chained_case(app))])
        app.close()
    assert hashes[0] == hashes[1]
