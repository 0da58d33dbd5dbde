"""The hash chain of a case's events, defined on their published form.

Every stored case event carries ``hash`` and ``previous_hash``; the envelope on
``complaints.events.v1`` carries the same two fields. Because the hash is
computed from the envelope (the output of :func:`~.translator.to_envelope`),
the stored event, the Kafka message and an exported dossier all give the same
hash, and one function checks all three.

The definition, version ``sha256-canonical-json-v1``::

    hash = SHA-256( canonical_json( {f: envelope[f] for f in HASHED_FIELDS} ) )  # hex

``HASHED_FIELDS`` is every envelope field except ``hash`` itself, in JSON form
(UUIDs and times as strings, money as decimal strings), ``previous_hash``
included: the hash of the case's previous event, or 64 zeros for its first
event (``GENESIS_HASH``). ``canonical_json`` is ``json.dumps`` with sorted
keys, no whitespace, ``ensure_ascii=False``, encoded as UTF-8.

The hash is not a signature: whoever can rewrite the whole store can rewrite a
whole chain. That is caught by comparing the copies kept apart from each other
(the store, the topic, a dossier handed to an auditor).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any, Final

from complaint_events.contracts.envelope import EventEnvelope

HASH_ALGORITHM: Final = "sha256-canonical-json-v1"
GENESIS_HASH: Final = "0" * 64
"""The ``previous_hash`` of a case's first event."""

HASHED_FIELDS: Final = (
    "event_id",
    "event_type",
    "schema_version",
    "case_id",
    "sequence",
    "occurred_at",
    "recorded_at",
    "correlation_id",
    "causation_id",
    "actor",
    "reason",
    "payload",
    "previous_hash",
)
"""What the hash covers: the event's identity, content and origin, and its link."""

ENVELOPE_FIELDS: Final = frozenset({*HASHED_FIELDS, "hash"})
"""Every field a chained envelope may have: anything else is an alteration."""


def canonical_json(value: object) -> bytes:
    """Sorted keys, no whitespace, non-ASCII kept, UTF-8: one byte string per value."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def hashed_content(document: Mapping[str, Any]) -> dict[str, Any]:
    """The part of an envelope (in JSON form) that its hash covers; absent fields are null."""
    return {name: document.get(name) for name in HASHED_FIELDS}


def event_hash(document: Mapping[str, Any]) -> str:
    """The hash of one envelope in JSON form (its own ``hash`` field is ignored)."""
    return hashlib.sha256(canonical_json(hashed_content(document))).hexdigest()


def envelope_document(envelope: EventEnvelope) -> dict[str, Any]:
    """An envelope in JSON form, as it is on the wire and in a dossier."""
    return envelope.model_dump(mode="json")


def seal(envelope: EventEnvelope, previous_hash: str) -> str:
    """The hash of ``envelope`` once it is chained after ``previous_hash``."""
    document = envelope_document(envelope)
    document["previous_hash"] = previous_hash
    return event_hash(document)
