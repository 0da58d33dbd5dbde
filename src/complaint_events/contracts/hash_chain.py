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

An event stored in an older version and upcast when read (docs/contracts.md,
"Upcasting") is published in the current version; its stored hash covers the
stored form, which is not published. Its envelope's ``hash`` is then computed,
as above, over what is published, and its payload's ``upcast_from.hash`` holds
the stored hash: the link the case's next event names as ``previous_hash``
(:func:`chain_link`). The stored form itself is rechecked in the store.

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


UPCAST_EVENT_TYPES: Final = frozenset({"ComplaintFiled"})
"""The events an envelope may carry upcast (any other ``upcast_from`` is not honoured)."""


def chain_link(document: Mapping[str, Any]) -> object:
    """The hash the case's next event must name as its ``previous_hash``.

    The envelope's own ``hash``; for an upcast event, the hash of its stored form.
    """
    payload = document.get("payload")
    if document.get("event_type") in UPCAST_EVENT_TYPES and isinstance(payload, Mapping):
        upcast = payload.get("upcast_from")
        if isinstance(upcast, Mapping) and isinstance(upcast.get("hash"), str):
            return upcast["hash"]
    return document.get("hash")


def envelope_document(envelope: EventEnvelope) -> dict[str, Any]:
    """An envelope in JSON form, as it is on the wire and in a dossier."""
    return envelope.model_dump(mode="json")


def seal(envelope: EventEnvelope, previous_hash: str) -> str:
    """The hash of ``envelope`` once it is chained after ``previous_hash``."""
    document = envelope_document(envelope)
    document["previous_hash"] = previous_hash
    return event_hash(document)
