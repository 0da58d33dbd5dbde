"""What normalising one channel input comes to, and the step that builds the intake message.

The normalisers are pure: they take the input's bytes and return outcomes; the
I/O loop (:mod:`complaint_events.consumers.channels.runner`) publishes them, writes evidence
files, and moves the input to ``cur/``/``processed/`` or ``failed/``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from complaint_events.contracts.dead_letters import field_errors
from complaint_events.contracts.intake import IntakeMessageV1
from complaint_events.domain.values import Channel
from complaint_events.consumers.channels.facts import missing
from complaint_events.consumers.channels.lead_store import SocialLead

Thread = dict[str, str]
"""Where replies to one submission go (address, phone, session...): kept by the adapter, never
put on a topic, since notifications carry no personal data."""


@dataclass(frozen=True, slots=True)
class Accepted:
    """A valid intake message, where to reply, and evidence files to store before publishing."""

    message: IntakeMessageV1
    thread: Thread
    files: tuple[tuple[Path, bytes], ...] = ()


@dataclass(frozen=True, slots=True)
class Rejected:
    """Input that cannot become an intake message: dead-lettered with the reason."""

    key: str
    reason: str
    raw: bytes
    errors: tuple[dict[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class LeadFound:
    """A complaint-like public post: a lead for a handler to confirm (social channel)."""

    lead: SocialLead
    thread: Thread


@dataclass(frozen=True, slots=True)
class Ignored:
    """Input that is well formed but not a complaint (a happy review, an advert)."""

    reason: str
    raw: bytes = field(default=b"", repr=False)


Outcome = Accepted | Rejected | LeadFound | Ignored


def build_intake(
    key: str,
    raw: bytes,
    fields: Mapping[str, Any],
    *,
    required: tuple[str, ...],
    thread: Thread,
    files: tuple[tuple[Path, bytes], ...] = (),
) -> Accepted | Rejected:
    """Check the channel's required facts, then validate against the intake contract."""
    absent = missing(fields, required)
    if absent:
        return Rejected(
            key,
            f"missing required facts: {', '.join(absent)}",
            raw,
            tuple(
                {"field": name, "type": "missing", "message": "not found in the input"}
                for name in absent
            ),
        )
    try:
        message = IntakeMessageV1.model_validate(
            {name: value for name, value in fields.items() if value is not None}
        )
    except ValidationError as error:
        return Rejected(
            key,
            f"not a valid intake message ({error.error_count()} problems)",
            raw,
            field_errors(error),
        )
    return Accepted(message, thread, files)


def json_object(raw: bytes) -> dict[str, Any] | str:
    """A JSON object decoded from UTF-8 ``raw``, or the reason it is not one."""
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return f"unparseable JSON: {error}"
    if not isinstance(value, dict):
        return f"expected a JSON object, got {type(value).__name__}"
    return value


@dataclass(frozen=True, slots=True)
class Export:
    """A JSON export that names itself (``ref``) and the person it comes from (``party``)."""

    body: dict[str, Any]
    ref: str
    key: str
    party: dict[str, Any]


def open_export(
    raw: bytes, fallback_ref: str, channel: Channel, ref_field: str, party_field: str, party_id: str
) -> Export | Rejected:
    """Decode one export and check its reference and its party's identifying fact are there.

    The dead-letter key is ``channel:ref``, or ``channel:fallback_ref`` (the file
    name) when the export has no reference of its own.
    """
    body = json_object(raw)
    if isinstance(body, str):
        return Rejected(f"{channel.value}:{fallback_ref}", body, raw)
    ref = str(body.get(ref_field) or "").strip()
    key = f"{channel.value}:{ref or fallback_ref}"
    party = body.get(party_field)
    if not ref:
        return Rejected(key, f"missing required facts: {ref_field}", raw)
    if not isinstance(party, dict) or not str(party.get(party_id) or "").strip():
        return Rejected(key, f"missing required facts: {party_field}.{party_id}", raw)
    return Export(body, ref, key, party)
