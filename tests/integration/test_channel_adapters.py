"""The channel adapters on the real Kafka: sample inboxes in, intake and dead letters out,
files moved; notifications out to each channel's outbox, and only to its own."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest
from kafka import KafkaProducer
from typer.testing import CliRunner

from complaint_events.adapters.kafka_topics import ensure_topics
from complaint_events.adapters.secrets_file import load_secrets
from complaint_events.application.secrets import pseudonymous_id
from complaint_events.cli.main import app
from complaint_events.consumers.channels.email_channel import sender_scoped_ref
from complaint_events.contracts.dead_letters import read_context
from complaint_events.contracts.intake import IntakeMessageV1
from complaint_events.contracts.notifications import NotificationKind, NotificationV1
from complaint_events.contracts.topology import INTAKE_DLQ_TOPIC, INTAKE_TOPIC, NOTIFICATIONS_TOPIC
from complaint_events.domain.values import Channel
from complaint_events.settings import Settings
from stack_support import read_topic

pytestmark = pytest.mark.integration
SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "channels"


def _mail_ref(sender: str, message_id: str) -> str:
    """A mail's channel reference: its Message-ID under its sender's pseudonymous id,
    keyed by the installation's pseudonym key (the one the adapter process reads)."""
    key = load_secrets(Settings()).pseudonym_key
    return sender_scoped_ref(pseudonymous_id(key, "email", sender), message_id)


def kettle_mail() -> str:
    return _mail_ref("lin.xiaoyan@example.cn", "20260302101245.kettle-88123@mail.example.cn")


def headphones_mail() -> str:
    return _mail_ref("d.ortega@example.com", "CAB7x2k=headphones.0001@mail.example.com")


CHANNELS = ("email", "hotline", "chat", "social")


def _run(settings: Settings, *args: str) -> str:
    env = {
        "COMPLAINTS_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "COMPLAINTS_TOPIC_PREFIX": settings.topic_prefix,
    }
    result = CliRunner().invoke(app, ["adapters", *args], env=env)
    assert result.exit_code == 0, result.output
    return result.output


def _adapter(settings: Settings, root: Path, channel: str) -> str:
    return _run(
        settings,
        "run",
        channel,
        "--inbox",
        str(root / channel / "inbox"),
        "--outbox",
        str(root / channel / "outbox"),
        "--state",
        str(root / channel / "state"),
        "--leads",
        str(root / "leads.json"),
        "--once",
    )


def _note(channel: Channel, ref: str) -> NotificationV1:
    return NotificationV1(
        notification_id=uuid4(),
        case_id=uuid4(),
        kind=NotificationKind.ACKNOWLEDGEMENT,
        channel=channel,
        channel_ref=ref,
        language="en",
        soothing=False,
        subject="We have received your complaint",
        body=f"Thank you, your complaint via {channel} is registered.",
        created_at=datetime(2026, 3, 5, 9, 0, tzinfo=UTC),
    )


def test_adapters_on_the_samples(stack_settings: Settings, tmp_path: Path) -> None:
    ensure_topics(stack_settings)
    for channel in CHANNELS:
        shutil.copytree(SAMPLES / channel, tmp_path / channel / "inbox")
    outputs = {channel: _adapter(stack_settings, tmp_path, channel) for channel in CHANNELS}
    assert "2 published, 2 dead-lettered" in outputs["email"]
    assert "2 new leads" in outputs["social"]

    intake = read_topic(stack_settings.kafka_bootstrap, stack_settings.topic(INTAKE_TOPIC))
    assert sorted(key for key, _, _ in intake) == sorted(
        [
            f"email:{kettle_mail()}",
            f"email:{headphones_mail()}",
            "hotline:HL-20260302-0042",
            "hotline:HL-20260303-0107",
            "chat:CS-20260303-7781",
            "chat:CS-20260304-0912",
        ]
    )
    for _, _, value in intake:
        IntakeMessageV1.model_validate_json(value)

    dead = read_topic(stack_settings.kafka_bootstrap, stack_settings.topic(INTAKE_DLQ_TOPIC))
    contexts = {key: read_context(list(headers.items())) for key, headers, _ in dead}
    assert len(dead) == 9
    assert contexts["hotline:HL-20260303-0110"]["dlq_reason"].startswith(
        "missing required facts: order_id"
    )
    assert contexts["chat:CS-20260304-1001"]["dlq_processor"] == "adapter-chat"
    assert json.loads(contexts["chat:CS-20260304-1001"]["dlq_errors"])[0]["field"] == "price"
    assert contexts["email:malformed-not-an-email.eml"]["dlq_reason"] == (
        "no sender address in From"
    )
    failed_bytes = {key: value for key, _, value in dead}
    assert (
        failed_bytes["hotline:HL-20260303-0111-truncated"]
        == (SAMPLES / "hotline" / "HL-20260303-0111-truncated.json").read_bytes()
    )

    email_inbox = tmp_path / "email" / "inbox"
    assert list((email_inbox / "new").iterdir()) == []
    assert sorted(p.name for p in (email_inbox / "cur").iterdir()) == [
        "en-headphones.eml:2,S",
        "zh-kettle-leak.eml:2,S",
    ]
    assert sorted(p.name for p in (email_inbox / "failed").iterdir()) == [
        "malformed-missing-facts.eml",
        "malformed-not-an-email.eml",
    ]
    assert len(list((tmp_path / "email" / "state" / "evidence").iterdir())) == 3
    for channel in ("hotline", "chat"):
        inbox = tmp_path / channel / "inbox"
        assert not list(inbox.glob("*.json"))
        assert len(list((inbox / "processed").iterdir())) == 2
        assert len(list((inbox / "failed").iterdir())) == 2
    social = tmp_path / "social" / "inbox"
    assert [p.name for p in (social / "processed").iterdir()] == ["feed-2026-03-04.jsonl"]
    assert sorted(p.name for p in (social / "failed").iterdir()) == [
        "feed-2026-03-04.rejected.jsonl",
        "feed-corrupt.jsonl",
    ]

    # A handler confirms the review lead: then, and only then, an intake message.
    leads = _run(stack_settings, "leads", "list", "--json", "--leads", str(tmp_path / "leads.json"))
    assert [json.loads(line)["lead_id"] for line in leads.splitlines()] == [
        "weibo-5012345678",
        "shopreviews-r-771203",
    ]
    confirmed = _run(
        stack_settings,
        "leads",
        "confirm",
        "shopreviews-r-771203",
        "--by",
        "handler:h7",
        "--leads",
        str(tmp_path / "leads.json"),
    )
    assert "review:shopreviews-r-771203" in confirmed
    intake = read_topic(stack_settings.kafka_bootstrap, stack_settings.topic(INTAKE_TOPIC))
    assert "review:shopreviews-r-771203" in {key for key, _, _ in intake}

    # Outbound: one notification per channel, and one for the web form nobody here serves.
    notes = [
        _note(Channel.EMAIL, kettle_mail()),
        _note(Channel.HOTLINE, "HL-20260302-0042"),
        _note(Channel.CHAT, "CS-20260303-7781"),
        _note(Channel.SOCIAL, "weibo-5012345678"),
        _note(Channel.WEB, "web-1"),
    ]
    producer = KafkaProducer(bootstrap_servers=stack_settings.kafka_bootstrap)
    for n in notes:
        producer.send(
            stack_settings.topic(NOTIFICATIONS_TOPIC), key=n.kafka_key(), value=n.to_json_bytes()
        )
    producer.flush()
    producer.close()
    for channel in CHANNELS:
        _adapter(stack_settings, tmp_path, channel)

    email, hotline, chat, social_note, _ = notes
    assert [p.name for p in (tmp_path / "email" / "outbox" / "new").iterdir()] == [
        f"{email.notification_id}.eml"
    ]
    assert [p.name for p in (tmp_path / "hotline" / "outbox").iterdir()] == [
        f"{hotline.notification_id}.sms.txt"
    ]
    assert [p.name for p in (tmp_path / "chat" / "outbox").iterdir()] == [
        f"{chat.notification_id}.json"
    ]
    replies = (tmp_path / "social" / "outbox" / "public-replies.jsonl").read_text("utf-8")
    assert [json.loads(line)["notification_id"] for line in replies.splitlines()] == [
        str(social_note.notification_id)
    ]

    # A second pass delivers nothing again (committed position, idempotent outbox).
    again = _adapter(stack_settings, tmp_path, "hotline")
    assert "0 notifications delivered" in again
