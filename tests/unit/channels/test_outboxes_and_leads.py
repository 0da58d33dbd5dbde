"""Reply files per channel (written once per notification) and the leads file."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path
from uuid import uuid4

import pytest

from complaint_events.contracts.notifications import NotificationKind, NotificationV1
from complaint_events.domain.values import Channel
from complaint_events.consumers.channels.folders import FOLDERS, PUBLIC_REPLIES
from complaint_events.consumers.channels.lead_store import LeadNotFoundError, LeadStore
from complaint_events.consumers.channels.outcomes import LeadFound
from complaint_events.consumers.channels.social import normalise_feed

NOW = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)
SAMPLES = Path(__file__).resolve().parents[3] / "samples" / "channels"


def note(channel: Channel, ref: str) -> NotificationV1:
    return NotificationV1(
        notification_id=uuid4(),
        case_id=uuid4(),
        kind=NotificationKind.ACKNOWLEDGEMENT,
        channel=channel,
        channel_ref=ref,
        language="zh",
        soothing=False,
        subject="我们已收到您的投诉",
        body="您的投诉已受理，编号 CE-1234。",
        created_at=NOW,
    )


def test_email_reply_is_threaded_and_written_once(tmp_path: Path) -> None:
    n = note(Channel.EMAIL, "abc@mail")
    thread = {"to": "林 <lin@example.cn>", "message_id": "<abc@mail>", "subject": "投诉"}
    written = FOLDERS["email"].deliver(n, thread, tmp_path)
    assert written == tmp_path / "new" / f"{n.notification_id}.eml"
    mail = message_from_bytes(written.read_bytes(), policy=policy.default)
    assert mail["In-Reply-To"] == "<abc@mail>"
    assert mail["To"] == "林 <lin@example.cn>"
    assert "CE-1234" in mail.get_content()
    assert FOLDERS["email"].deliver(n, thread, tmp_path) is None


def test_sms_chat_and_public_replies(tmp_path: Path) -> None:
    sms = FOLDERS["hotline"].deliver(
        note(Channel.HOTLINE, "HL-1"), {"phone": "138", "call_id": "HL-1"}, tmp_path / "h"
    )
    assert sms is not None
    assert sms.read_text("utf-8").startswith("To: 138\n")
    chat = FOLDERS["chat"].deliver(
        note(Channel.CHAT, "CS-1"), {"session_id": "CS-1", "user_id": "u-1"}, tmp_path / "c"
    )
    assert chat is not None
    assert json.loads(chat.read_text("utf-8"))["session_id"] == "CS-1"
    public = note(Channel.SOCIAL, "weibo-1")
    thread = {"platform": "weibo", "post_id": "1", "url": "", "handle": "rain"}
    assert FOLDERS["social"].deliver(public, thread, tmp_path / "s") is not None
    assert FOLDERS["social"].deliver(public, thread, tmp_path / "s") is None
    lines = (tmp_path / "s" / PUBLIC_REPLIES).read_text("utf-8").splitlines()
    assert [json.loads(line)["mention"] for line in lines] == ["@rain"]


def test_leads_are_kept_once_and_decided(tmp_path: Path) -> None:
    store = LeadStore(tmp_path / "leads.json")
    found = [
        o.lead
        for o in normalise_feed((SAMPLES / "social" / "feed-2026-03-04.jsonl").read_bytes(), NOW)
        if isinstance(o, LeadFound)
    ]
    assert [store.add(lead) for lead in found] == [True, True]
    assert store.add(found[0]) is False
    assert [lead.lead_id for lead in store.list("open")] == [f.lead_id for f in found]
    store.decide(found[0].lead_id, "confirmed", "handler:h1", NOW)
    assert [lead.lead_id for lead in store.list("open")] == [found[1].lead_id]
    assert store.get(found[0].lead_id).decided_by == "handler:h1"
    with pytest.raises(LeadNotFoundError):
        store.get("nope")
