"""Online chat: a session export (JSON) -> an intake message; a notification -> a JSON reply.

Session export format (one session a file; ``samples/channels/chat/`` has examples)::

    {
      "session_id": "CS-20260303-7781",          # the channel reference
      "user": {"user_id": "u-20931", "nickname": "小雨", "phone": "...", "email": "..."},
      "order_context": {                          # the order the user opened the chat from
        "order_id": "...", "merchant_id": "...", "sku": "...", "product_name": "...",
        "product_spec": "...", "product_type": "...", "price": "89.00", "quantity": 1,
        "purchase_date": "2026-02-27", "delivered_on": "2026-03-01"
      },
      "demand": "exchange",                       # optional; else read from the user's words
      "messages": [
        {"from": "user"|"agent"|"bot", "at": "2026-03-03T20:01:10+08:00", "text": "...",
         "attachments": [{"type": "image"|"video"|"file", "url": "https://...", "name": "..."}]}
      ]
    }

The user's messages are the description; the time of their last message is
when the complaint was received.  Facts missing from ``order_context`` are
looked for in labelled lines of the user's messages.
"""

from __future__ import annotations

from typing import Any, Final

from complaint_events.contracts.intake import MAX_DESCRIPTION_LENGTH
from complaint_events.contracts.notifications import NotificationV1
from complaint_events.domain.values import Channel, EvidenceKind
from complaint_events.consumers.channels.facts import (
    REQUIRED_FACTS,
    infer_demand,
    labelled_facts,
    parse_price,
    read_from_text,
)
from complaint_events.consumers.channels.outcomes import Accepted, Rejected, Thread, build_intake, open_export

CHANNEL: Final = Channel.CHAT
_KIND_OF_ATTACHMENT: Final = {"image": EvidenceKind.PHOTO, "video": EvidenceKind.VIDEO}
_ORDER_FACTS: Final = (
    "order_id", "merchant_id", "sku", "product_name", "product_spec", "product_type",
    "price", "quantity", "purchase_date", "delivered_on",
)  # fmt: skip


def normalise_session(raw: bytes, fallback_ref: str) -> Accepted | Rejected:
    """One session export's bytes -> an intake message, or the reason it cannot be one."""
    opened = open_export(raw, fallback_ref, CHANNEL, "session_id", "user", "user_id")
    if isinstance(opened, Rejected):
        return opened
    session, session_id, key, user = opened.body, opened.ref, opened.key, opened.party
    messages = [m for m in session.get("messages") or [] if isinstance(m, dict)]
    from_user = [m for m in messages if m.get("from") == "user" and isinstance(m.get("text"), str)]
    if not from_user:
        return Rejected(key, "the session has no message from the user", raw)

    said = "\n".join(m["text"] for m in from_user)
    context = session.get("order_context")
    context = context if isinstance(context, dict) else {}
    labelled = labelled_facts(said)
    facts = {name: context.get(name) or labelled.get(name) for name in _ORDER_FACTS}
    if isinstance(facts["price"], str):
        facts["price"] = parse_price(facts["price"]) or facts["price"]
    evidence = [
        {"kind": _KIND_OF_ATTACHMENT.get(str(a.get("type")), EvidenceKind.OTHER), "uri": a["url"]}
        for m in from_user
        for a in m.get("attachments") or []
        if isinstance(a, dict) and a.get("url")
    ]
    fields: dict[str, Any] = {
        "channel": CHANNEL,
        "channel_ref": session_id,
        "received_at": from_user[-1].get("at"),
        "consumer": {
            "consumer_id": user["user_id"],
            "name": user.get("nickname") or user["user_id"],
            "phone": user.get("phone"),
            "email": user.get("email"),
        },
        **facts,
        "description": said[:MAX_DESCRIPTION_LENGTH],
        "evidence": evidence,
        "demand": session.get("demand")
        or infer_demand(labelled.get("demand", ""))
        or infer_demand(said),
        **read_from_text(said),
    }
    thread: Thread = {"session_id": session_id, "user_id": str(user["user_id"])}
    return build_intake(key, raw, fields, required=REQUIRED_FACTS, thread=thread)


def render_chat_reply(note: NotificationV1, thread: Thread) -> dict[str, object]:
    """The reply the chat system posts into the user's session."""
    return {
        "session_id": thread["session_id"],
        "user_id": thread["user_id"],
        "notification_id": str(note.notification_id),
        "case_id": str(note.case_id),
        "kind": note.kind.value,
        "language": note.language,
        "soothing": note.soothing,
        "title": note.subject,
        "text": note.body,
        "created_at": note.created_at.isoformat(),
    }
