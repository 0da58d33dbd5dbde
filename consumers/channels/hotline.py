"""Hotline: a call transcript (JSON) -> an intake message; a notification -> an SMS text file.

Transcript format (one call a file; ``samples/channels/hotline/`` has examples)::

    {
      "call_id": "HL-20260302-0042",             # the channel reference
      "started_at": "2026-03-02T09:15:00+08:00",  # with its UTC offset
      "ended_at": "2026-03-02T09:24:30+08:00",    # optional
      "caller": {"phone": "13812345678", "name": "王芳", "consumer_id": "u-1"},
      "agent": {"id": "agent-017", "name": "李敏"},
      "language": "zh",                           # optional; else detected
      "order_id": "...", "merchant_id": "...", "sku": "...",
      "product_name": "...", "product_spec": "...", "price": "299.00", "quantity": 1,
      "purchase_date": "2026-02-20", "delivered_on": "2026-02-22",
      "demand": "refund",                          # optional; else read from the call
      "tags": ["food_safety", "injury"],           # problem categories / safety flags
      "summary": "agent's summary",                # labelled facts are read from it too
      "recording_uri": "https://...",              # optional: evidence
      "transcript": [{"speaker": "caller"|"agent", "at": "00:00:05", "text": "..."}]
    }

A fact the agent did not record as a field is looked for in the summary's
labelled lines; ``caller.consumer_id`` (the platform account, when the agent
looked it up) is preferred to a pseudonymous id from the phone number.
"""

from __future__ import annotations

from typing import Any, Final

from complaint_events.contracts.intake import MAX_DESCRIPTION_LENGTH
from complaint_events.contracts.notifications import NotificationV1
from complaint_events.domain.values import Channel, EvidenceKind, ProblemCategory, SafetyFlag
from complaint_events.application.secrets import pseudonymous_id
from complaint_events.consumers.channels.facts import (
    REQUIRED_FACTS,
    infer_category,
    infer_demand,
    infer_safety_flags,
    labelled_facts,
    language_of,
    parse_price,
)
from complaint_events.consumers.channels.outcomes import Accepted, Rejected, Thread, build_intake, open_export

CHANNEL: Final = Channel.HOTLINE
_CATEGORIES: Final = {c.value for c in ProblemCategory}
_FLAGS: Final = {f.value for f in SafetyFlag}


def _turns(call: dict[str, Any]) -> list[dict[str, Any]]:
    turns = call.get("transcript")
    if not isinstance(turns, list):
        return []
    return [t for t in turns if isinstance(t, dict) and isinstance(t.get("text"), str)]


def normalise_call(raw: bytes, fallback_ref: str, pseudonym_key: bytes) -> Accepted | Rejected:
    """One transcript file's bytes -> an intake message, or the reason it cannot be one."""
    opened = open_export(raw, fallback_ref, CHANNEL, "call_id", "caller", "phone")
    if isinstance(opened, Rejected):
        return opened
    call, call_id, key, caller = opened.body, opened.ref, opened.key, opened.party
    phone = str(caller["phone"]).strip()

    summary = str(call.get("summary") or "")
    said = "\n".join(t["text"] for t in _turns(call) if t.get("speaker") == "caller")
    text = f"{summary}\n{said}"
    labelled = labelled_facts(summary)
    tags = [str(t) for t in call.get("tags") or [] if isinstance(t, str)]
    category = next((t for t in tags if t in _CATEGORIES), None) or infer_category(text)
    flags = sorted({*(t for t in tags if t in _FLAGS), *infer_safety_flags(text)})
    description = (f"{summary}\n\n{said}" if summary else said).strip()
    recording = call.get("recording_uri")

    def fact(name: str) -> Any:
        return call.get(name) or labelled.get(name)

    fields: dict[str, Any] = {
        "channel": CHANNEL,
        "channel_ref": call_id,
        "received_at": call.get("started_at"),
        "consumer": {
            "consumer_id": caller.get("consumer_id") or pseudonymous_id(pseudonym_key, "phone", phone),
            "name": caller.get("name") or phone,
            "phone": phone,
        },
        **{
            name: fact(name)
            for name in (
                "order_id", "merchant_id", "sku", "product_name", "product_spec",
                "price", "quantity", "purchase_date", "delivered_on",
            )
        },
        "description": description[:MAX_DESCRIPTION_LENGTH],
        "evidence": [{"kind": EvidenceKind.OTHER, "uri": recording}] if recording else [],
        "demand": (
            call.get("demand") or infer_demand(labelled.get("demand", "")) or infer_demand(text)
        ),
        "category": category,
        "safety_flags": flags,
        "language": call.get("language") or language_of(text),
    }  # fmt: skip
    if isinstance(fields["price"], str):
        fields["price"] = parse_price(fields["price"]) or fields["price"]
    thread: Thread = {"phone": phone, "call_id": call_id}
    return build_intake(key, raw, fields, required=(*REQUIRED_FACTS, "description"), thread=thread)


def render_sms(note: NotificationV1, thread: Thread) -> str:
    """The text message that follows up a call: a header block, a blank line, the body."""
    return (
        f"To: {thread['phone']}\n"
        f"Call: {thread['call_id']}\n"
        f"Notification: {note.notification_id}\n"
        f"Case: {note.case_id}\n"
        f"Language: {note.language}\n"
        "\n"
        f"{note.body}\n"
    )
