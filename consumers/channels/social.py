"""Social media and review monitoring: a JSONL feed of posts -> leads; a lead -> an intake message.

Feed format: one post a line (``samples/channels/social/`` has examples)::

    {"platform": "weibo", "post_id": "5012345678", "kind": "post" | "review",
     "url": "https://weibo.example/5012345678", "posted_at": "2026-03-04T12:30:00+08:00",
     "author": {"handle": "rainy_day", "name": "小雨"}, "text": "...",
     "rating": 1,                                   # reviews: stars, 1-5
     "order_id": "...", "merchant_id": "...", "sku": "...", "product_name": "...",
     "price": "...",                                # review sites know the order; posts rarely
     "media": [{"type": "image" | "video", "url": "https://..."}]}

A complaint-like post (:func:`complaint_events.consumers.channels.lead_rules.classify_post`)
becomes a lead; a handler confirms it with the order, merchant and SKU, and
only then is an intake message published (channel ``social`` for posts,
``review`` for reviews; the lead id is the channel reference).  Replies are
public: they carry no case, order or contact detail.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from pydantic import ValidationError

from complaint_events.contracts.dead_letters import field_errors
from complaint_events.contracts.intake import MAX_DESCRIPTION_LENGTH
from complaint_events.contracts.notifications import NotificationV1
from complaint_events.domain.values import Channel, Demand, EvidenceKind, ProblemCategory
from complaint_events.consumers.channels.facts import REQUIRED_FACTS, infer_demand, language_of, parse_price
from complaint_events.consumers.channels.lead_rules import classify_post
from complaint_events.consumers.channels.lead_store import SocialLead
from complaint_events.consumers.channels.outcomes import (
    Accepted,
    Ignored,
    LeadFound,
    Outcome,
    Rejected,
    Thread,
    build_intake,
    json_object,
)

CHANNELS: Final = frozenset({Channel.SOCIAL, Channel.REVIEW})
_KNOWN_FACTS: Final = ("order_id", "merchant_id", "sku", "product_name", "price")
_MEDIA_KIND: Final = {"image": EvidenceKind.PHOTO, "video": EvidenceKind.VIDEO}
_LONG_NUMBER: Final = re.compile(r"\d{6,}")


def lead_id_of(platform: str, post_id: str) -> str:
    """The lead id (and later channel reference) of a post."""
    return re.sub(r"[^\w.\-]", "_", f"{platform}-{post_id}")


def normalise_post(line: bytes, found_at: datetime) -> Outcome:
    """One feed line -> a lead, an ignored post, or the reason it is malformed."""
    post = json_object(line)
    if isinstance(post, str):
        return Rejected("social:unparseable", post, line)
    platform, post_id = str(post.get("platform") or ""), str(post.get("post_id") or "")
    author_value = post.get("author")
    author: dict[str, Any] = author_value if isinstance(author_value, dict) else {}
    key = f"social:{lead_id_of(platform, post_id)}"
    absent = [
        name
        for name, value in (
            ("platform", platform),
            ("post_id", post_id),
            ("author.handle", author.get("handle")),
            ("text", post.get("text")),
            ("posted_at", post.get("posted_at")),
        )
        if not value
    ]
    if absent:
        return Rejected(key, f"missing required facts: {', '.join(absent)}", line)
    rating = post.get("rating") if isinstance(post.get("rating"), int) else None
    signal = classify_post(str(post["text"]), rating)
    if signal is None:
        return Ignored(f"{platform} post {post_id} does not read as a complaint", line)
    channel = Channel.REVIEW if post.get("kind") == "review" else Channel.SOCIAL
    try:
        lead = SocialLead(
            lead_id=lead_id_of(platform, post_id),
            channel=channel,
            platform=platform,
            post_id=post_id,
            url=post.get("url"),
            author_handle=str(author["handle"]),
            author_name=author.get("name"),
            posted_at=post["posted_at"],
            text=str(post["text"]),
            rating=rating,
            cues=list(signal.cues),
            category=signal.category,
            safety_flags=list(signal.safety_flags),
            urgent=signal.urgent,
            evidence=[
                {"kind": _MEDIA_KIND.get(str(m.get("type")), EvidenceKind.OTHER), "uri": m["url"]}
                for m in post.get("media") or []
                if isinstance(m, dict) and m.get("url")
            ],
            known_facts={n: str(post[n]) for n in _KNOWN_FACTS if post.get(n)},
            found_at=found_at,
        )
    except ValidationError as error:
        return Rejected(key, f"not a valid post ({error.error_count()} problems)", line,
                        field_errors(error))  # fmt: skip
    thread: Thread = {
        "platform": platform,
        "post_id": post_id,
        "url": str(post.get("url") or ""),
        "handle": lead.author_handle,
    }
    return LeadFound(lead, thread)


def normalise_feed(raw: bytes, found_at: datetime) -> list[Outcome]:
    """Every non-blank line of a feed file, in order."""
    return [normalise_post(line, found_at) for line in raw.splitlines() if line.strip()]


def intake_from_lead(
    lead: SocialLead,
    *,
    facts: dict[str, str | None],
    demand: Demand | None = None,
    category: ProblemCategory | None = None,
) -> Accepted | Rejected:
    """The intake message of a confirmed lead: the post plus the facts the handler found."""
    known: dict[str, Any] = {**lead.known_facts, **{k: v for k, v in facts.items() if v}}
    if isinstance(known.get("price"), str):
        price: Decimal | str = parse_price(known["price"]) or known["price"]
        known["price"] = price
    fields: dict[str, Any] = {
        "channel": lead.channel,
        "channel_ref": lead.lead_id,
        "received_at": lead.posted_at,
        "consumer": {
            "consumer_id": f"{lead.platform}:{lead.author_handle}",
            "name": lead.author_name or lead.author_handle,
        },
        **{name: known.get(name) for name in _KNOWN_FACTS},
        "description": lead.text[:MAX_DESCRIPTION_LENGTH],
        "evidence": lead.evidence,
        "demand": demand or infer_demand(lead.text),
        "category": category or lead.category,
        "safety_flags": lead.safety_flags,
        "language": language_of(lead.text),
    }
    raw = lead.model_dump_json().encode("utf-8")
    return build_intake(f"{lead.channel.value}:{lead.lead_id}", raw, fields,
                        required=REQUIRED_FACTS, thread={})  # fmt: skip


def public_safe(text: str) -> str:
    """Text fit to post publicly: long digit runs (phones, order numbers) masked."""
    return _LONG_NUMBER.sub(lambda m: m[0][:2] + "*" * (len(m[0]) - 4) + m[0][-2:], text)


def render_public_reply(note: NotificationV1, thread: Thread) -> dict[str, object]:
    """The public reply under the post or review (the notification is already public-style)."""
    return {
        "notification_id": str(note.notification_id),
        "platform": thread["platform"],
        "in_reply_to": thread["post_id"],
        "url": thread.get("url") or None,
        "mention": f"@{thread['handle']}",
        "language": note.language,
        "text": public_safe(note.body),
        "created_at": note.created_at.isoformat(),
    }
