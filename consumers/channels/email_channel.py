"""Email: a complaint mail (``.eml``) -> an intake message; a notification -> a reply ``.eml``.

The sender (``From``) is the consumer: their address is their contact, and a
pseudonymous consumer id is derived from it.  Subject and body are the
description; order id, merchant, SKU, product, price and demand are read from
labelled lines (:mod:`complaint_events.consumers.channels.facts`).  Attachments become evidence:
their bytes are stored under the evidence folder, named by content hash, and
referenced as ``file://`` URIs (images are photos, videos videos, documents a
test report or receipt when their name says so, else "other").  The
``Message-ID`` is the channel reference, so the reply lands in the same thread.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime
from pathlib import Path
from typing import Any, Final

from complaint_events.contracts.bounds import SHORT_TEXT_MAX
from complaint_events.contracts.intake import MAX_DESCRIPTION_LENGTH
from complaint_events.contracts.notifications import NotificationV1
from complaint_events.domain.values import Channel, EvidenceKind
from complaint_events.application.secrets import pseudonymous_id
from complaint_events.consumers.channels.facts import (
    REQUIRED_FACTS,
    infer_demand,
    labelled_facts,
    parse_date,
    parse_price,
    read_from_text,
    parse_quantity,
)
from complaint_events.consumers.channels.outcomes import Accepted, Rejected, Thread, build_intake

CHANNEL: Final = Channel.EMAIL
DEFAULT_SENDER: Final = "Customer Care 客服中心 <care@platform.example>"
_REPORT_NAME: Final = re.compile(r"report|test|inspection|检测|检验|报告", re.I)
_RECEIPT_NAME: Final = re.compile(r"receipt|invoice|发票|小票|收据|订单截图", re.I)
_TAGS: Final = re.compile(r"<[^>]+>")


def evidence_kind(content_type: str, filename: str) -> EvidenceKind:
    """The evidence kind of an attachment, by content type (then by name for documents)."""
    major = content_type.split("/", 1)[0].lower()
    if major == "image":
        return EvidenceKind.PHOTO
    if major == "video":
        return EvidenceKind.VIDEO
    if _REPORT_NAME.search(filename):
        return EvidenceKind.TEST_REPORT
    if _RECEIPT_NAME.search(filename):
        return EvidenceKind.RECEIPT
    return EvidenceKind.OTHER


def _safe_name(name: str) -> str:
    return re.sub(r"[^\w.\-]", "_", Path(name).name)[:80] or "attachment"


def _body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    text = str(part.get_content())
    if part.get_content_type() == "text/html":
        text = _TAGS.sub(" ", re.sub(r"(?i)<br\s*/?>|</p>", "\n", text))
    kept = [line for line in text.splitlines() if not line.lstrip().startswith(">")]
    return "\n".join(kept).strip()


def normalise_email(
    raw: bytes, evidence_dir: Path, fallback_ref: str, pseudonym_key: bytes
) -> Accepted | Rejected:
    """One ``.eml`` file's bytes -> an intake message, or the reason it cannot be one."""
    key = f"{CHANNEL.value}:{fallback_ref}"
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        senders = message["From"].addresses if message["From"] else ()
        date_header = message["Date"]
        received_at = date_header.datetime if date_header else None
        subject = str(message["Subject"] or "").strip()
        message_id = str(message["Message-ID"] or "").strip().strip("<>")
        body = _body_text(message)
        attachments = list(message.iter_attachments())
    except Exception as error:  # noqa: BLE001 - any parser failure is a malformed input
        return Rejected(key, f"unparseable email: {type(error).__name__}: {error}", raw)
    if message_id:
        key = f"{CHANNEL.value}:{message_id}"
    if not senders or not senders[0].addr_spec or "@" not in senders[0].addr_spec:
        return Rejected(key, "no sender address in From", raw)
    if received_at is None:
        return Rejected(key, "no Date header", raw)
    if received_at.tzinfo is None:  # "-0000": the sender's zone is unknown, the time is UTC
        received_at = received_at.replace(tzinfo=UTC)
    sender: Address = senders[0]

    files: list[tuple[Path, bytes]] = []
    evidence: list[dict[str, str]] = []
    for index, part in enumerate(attachments, start=1):
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes) or not data:
            continue
        name = part.get_filename() or f"attachment-{index}"
        path = evidence_dir / f"{hashlib.sha256(data).hexdigest()[:16]}-{_safe_name(name)}"
        files.append((path, data))
        evidence.append(
            {"kind": evidence_kind(part.get_content_type(), name), "uri": path.as_uri()}
        )

    text = f"{subject}\n{body}"
    facts = labelled_facts(text)
    demand = infer_demand(facts.get("demand", "")) or infer_demand(text)
    description = f"{subject}\n\n{body}".strip()[:MAX_DESCRIPTION_LENGTH]
    consumer_id = pseudonymous_id(pseudonym_key, "email", sender.addr_spec)
    fields: dict[str, Any] = {
        "channel": CHANNEL,
        "channel_ref": sender_scoped_ref(consumer_id, message_id or fallback_ref),
        "received_at": received_at,
        "consumer": {
            "consumer_id": consumer_id,
            "name": sender.display_name or sender.username,
            "email": sender.addr_spec,
        },
        "order_id": facts.get("order_id"),
        "merchant_id": facts.get("merchant_id"),
        "sku": facts.get("sku"),
        "product_name": facts.get("product_name"),
        "product_spec": facts.get("product_spec"),
        "price": parse_price(facts["price"]) if "price" in facts else None,
        "quantity": parse_quantity(facts["quantity"]) if "quantity" in facts else None,
        "purchase_date": parse_date(facts["purchase_date"]) if "purchase_date" in facts else None,
        "delivered_on": parse_date(facts["delivered_on"]) if "delivered_on" in facts else None,
        "description": description,
        "evidence": evidence,
        "demand": demand,
        **read_from_text(text),
    }
    thread: Thread = {
        "to": str(sender),
        "message_id": f"<{message_id}>" if message_id else "",
        "subject": subject,
    }
    return build_intake(
        key, raw, fields, required=REQUIRED_FACTS, thread=thread, files=tuple(files)
    )


def render_email_reply(note: NotificationV1, thread: Thread, sender: str = DEFAULT_SENDER) -> bytes:
    """The reply mail for ``note``, threaded under the consumer's message."""
    reply = EmailMessage(policy=policy.default)
    reply["From"] = sender
    reply["To"] = thread["to"]
    reply["Subject"] = note.subject
    reply["Date"] = format_datetime(note.created_at)
    reply["Message-ID"] = f"<{note.notification_id}@complaint-events>"
    if thread.get("message_id"):
        reply["In-Reply-To"] = thread["message_id"]
        reply["References"] = thread["message_id"]
    reply["X-Complaint-Case"] = str(note.case_id)
    reply["X-Notification-Id"] = str(note.notification_id)
    reply["Content-Language"] = note.language
    reply.set_content(note.body)
    return reply.as_bytes()


def sender_scoped_ref(consumer_id: str, message_id: str) -> str:
    """The channel reference of a mail: its Message-ID under its sender's pseudonymous id.

    The sender chooses the Message-ID, so on its own it would let one sender take
    the reference of another's mail; under the sender's id it can only meet the
    sender's own mails. A long one is replaced by its digest to stay in bounds.
    """
    ref = f"{consumer_id}/{message_id}"
    if len(ref) <= SHORT_TEXT_MAX:
        return ref
    return f"{consumer_id}/sha256:{hashlib.sha256(message_id.encode()).hexdigest()}"
