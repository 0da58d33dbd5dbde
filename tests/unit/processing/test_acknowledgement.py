"""The acknowledgement: what the consumer is told, in their language, tone and channel."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from complaint_events.contracts.commands import AcknowledgeV1, CommandEnvelopeV1
from complaint_events.contracts.events import ComplaintFiledV1, ContractError
from complaint_events.contracts.intake import IntakeMessageV1
from complaint_events.contracts.notifications import NotificationKind, NotificationV1
from complaint_events.contracts.translator import to_envelope
from complaint_events.domain.acting import Acting
from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.deadlines import DeadlinePolicy
from complaint_events.domain.values import Channel, DeadlineKind
from complaint_events.processing.acknowledgement import (
    acknowledge_command_payload,
    acknowledgement_id,
    notification_language,
    render_acknowledgement,
)

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(minutes=3)
POLICY = DeadlinePolicy()
PERSONAL = ("林小明", "18312342807", "lin.xiaoming@example.com", "文三路88号")
CALM_ZH = "壶底漏水，用了两天就坏了"
DISTRESSED_ZH = "孩子被烫伤住院了，我真的很害怕"
CALM_EN = "The kettle leaks from the base after two days."
DISTRESSED_EN = "My son was burnt and is in hospital. I am terrified."


def filed(**changes: Any) -> tuple[UUID, ComplaintFiledV1]:
    """A case filed from an intake message, and its ComplaintFiled payload as published."""
    message: dict[str, Any] = {
        "channel": "email",
        "channel_ref": "mail-4711",
        "received_at": T0.isoformat(),
        "consumer": {
            "consumer_id": "c-1",
            "name": PERSONAL[0],
            "phone": PERSONAL[1],
            "email": PERSONAL[2],
            "address": f"杭州市西湖区{PERSONAL[3]}",
        },
        "order_id": "ORD-20240428-991",
        "merchant_id": "merchant-kettles",
        "sku": "SKU-KETTLE-17",
        "product_name": "Hotpot Kettle 1.7L",
        "price": "199.90",
        "description": CALM_ZH,
        "demand": "refund",
        "category": "quality_defect",
        "language": "zh",
        **changes,
    }
    details = IntakeMessageV1.model_validate(message).to_details()
    case = ComplaintCase.file(details, Acting("adapter:test", T0), POLICY)
    payload = to_envelope(case.collect_events()[0]).typed_payload()
    assert isinstance(payload, ComplaintFiledV1)
    return case.id, payload


def render(policy: DeadlinePolicy = POLICY, **changes: Any) -> NotificationV1:
    case_id, payload = filed(**changes)
    return render_acknowledgement(case_id=case_id, filed=payload, policy=policy, now=NOW)


def text(notification: NotificationV1) -> str:
    return f"{notification.subject}\n{notification.body}"


# ------------------------------------------------------------- language


def test_a_chinese_complaint_is_acknowledged_in_chinese() -> None:
    note = render(language="zh")
    assert note.language == "zh"
    assert "已收到" in note.body
    assert "感谢" in note.body
    assert "We have received" not in text(note)


def test_an_english_complaint_is_acknowledged_in_english() -> None:
    note = render(language="en", description=CALM_EN)
    assert note.language == "en"
    assert "We have received your complaint" in note.body
    assert "Thank you" in note.body
    assert "已收到" not in text(note)


@pytest.mark.parametrize(
    ("filed_language", "expected"),
    [("zh", "zh"), ("zh-CN", "zh"), ("ZH-Hant", "zh"), ("en", "en"), ("en-GB", "en"), ("", "en")],
)
def test_language_follows_the_complaint(filed_language: str, expected: str) -> None:
    assert notification_language(filed_language) == expected


# ------------------------------------------------------------------ tone


def test_a_calm_complaint_gets_no_soothing() -> None:
    note = render(description=CALM_ZH)
    assert note.soothing is False
    assert "理解您的心情" not in note.body
    assert "亲自" not in note.body


@pytest.mark.parametrize(
    ("language", "description", "empathy", "follow_up"),
    [
        ("zh", DISTRESSED_ZH, "我们非常理解您的心情", "亲自"),
        ("en", DISTRESSED_EN, "We are sorry this happened", "personally follow up"),
    ],
)
@pytest.mark.parametrize("channel", ["email", "chat", "social"])
def test_a_distressed_complaint_is_met_with_empathy_and_a_personal_follow_up(
    channel: str, language: str, description: str, empathy: str, follow_up: str
) -> None:
    note = render(channel=channel, language=language, description=description)
    assert note.soothing is True
    assert empathy in note.body
    assert follow_up in note.body
    # the empathy comes first, before any procedure
    assert note.body.index(empathy) < note.body.index(follow_up)


# -------------------------------------------------------------- timeline


def test_the_timeline_comes_from_the_default_policy() -> None:
    note = render(language="en", description=CALM_EN)
    assert "within 48 hours" in note.body  # merchant evidence
    assert "72 hours to reply" in note.body  # information requested from the consumer


def test_the_timeline_follows_a_changed_policy() -> None:
    policy = (
        DeadlinePolicy()
        .with_duration(DeadlineKind.MERCHANT_EVIDENCE, timedelta(hours=24))
        .with_duration(DeadlineKind.INFORMATION, timedelta(hours=36))
    )
    english = render(policy, language="en", description=CALM_EN)
    assert "within 24 hours" in english.body
    assert "36 hours to reply" in english.body
    assert "48 hours" not in english.body
    assert "72 hours" not in english.body

    chinese = render(policy, language="zh")
    assert "24小时内提供" in chinese.body
    assert "36小时内回复" in chinese.body
    assert "48" not in chinese.body


@pytest.mark.parametrize("channel", ["chat", "app", "web", "hotline"])
def test_short_channels_still_give_the_timeline(channel: str) -> None:
    note = render(channel=channel, language="en", description=CALM_EN)
    assert "48 hours" in note.body
    assert "72 hours" in note.body


@pytest.mark.parametrize(
    "changes",
    [
        {"safety_flags": ["food_illness"], "category": "food_safety"},
        {"safety_flags": ["electric_shock"]},
        {"category": "food_safety"},
    ],
)
def test_a_safety_case_is_prioritised_and_may_be_tested(changes: dict[str, Any]) -> None:
    note = render(language="en", description=CALM_EN, **changes)
    assert "priority" in note.body
    assert "tested" in note.body
    assert "within 7 days" in note.body  # spot-check clock
    assert "优先处理" in render(language="zh", **changes).body


def test_an_ordinary_case_mentions_no_testing() -> None:
    note = render(language="en", description=CALM_EN)
    assert "tested" not in note.body
    assert "priority" not in note.body


# --------------------------------------------------------------- content


def test_the_case_reference_is_the_first_eight_hex_digits() -> None:
    case_id, payload = filed()
    note = render_acknowledgement(case_id=case_id, filed=payload, policy=POLICY, now=NOW)
    reference = case_id.hex[:8].upper()
    assert reference in note.subject
    assert reference in note.body


def test_the_demand_is_echoed_in_an_email() -> None:
    assert "You asked for a refund" in render(language="en", description=CALM_EN).body
    assert "诉求是换货" in render(demand="exchange").body


# -------------------------------------------------------------- channels


@pytest.mark.parametrize("language", ["zh", "en"])
def test_an_email_is_a_formal_letter_with_a_subject(language: str) -> None:
    note = render(channel="email", language=language, description=CALM_EN)
    assert note.subject
    assert "\n" not in note.subject
    paragraphs = note.body.split("\n\n")
    assert len(paragraphs) >= 5
    greeting, sign_off = paragraphs[0], paragraphs[-1]
    assert greeting.startswith(("尊敬的用户", "Dear customer"))
    assert sign_off.startswith(("此致", "Kind regards"))
    assert "Hotpot Kettle 1.7L" in note.body  # a private letter may name the product


@pytest.mark.parametrize("channel", ["chat", "app", "web", "hotline"])
def test_chat_app_web_and_hotline_get_a_short_message(channel: str) -> None:
    email = render(channel="email")
    note = render(channel=channel)
    assert note.subject
    assert "\n" not in note.body
    assert len(note.body) < len(email.body) / 2


@pytest.mark.parametrize("channel", ["social", "review"])
@pytest.mark.parametrize(("language", "invitation"), [("zh", "私信"), ("en", "private message")])
def test_a_public_reply_reveals_nothing_about_the_order_or_product(
    channel: str, language: str, invitation: str
) -> None:
    note = render(
        channel=channel,
        language=language,
        description=DISTRESSED_EN,
        safety_flags=["electric_shock"],
    )
    assert invitation in note.body
    for detail in ("ORD-20240428-991", "Hotpot", "Kettle", "SKU-KETTLE-17", "merchant-kettles"):
        assert detail not in text(note)
    assert "merchant" not in text(note).lower()
    assert "商家" not in text(note)
    assert "tested" not in note.body  # not even that it is a safety complaint


@pytest.mark.parametrize("channel", list(Channel))
@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("description", [CALM_ZH, DISTRESSED_ZH, DISTRESSED_EN])
def test_no_personal_data_in_any_notification(
    channel: Channel, language: str, description: str
) -> None:
    note = render(channel=channel.value, language=language, description=description)
    dumped = note.to_json_bytes().decode("utf-8")
    for personal in PERSONAL:
        assert personal not in dumped
    assert note.channel is channel
    assert note.channel_ref == "mail-4711"  # how the adapter finds the recipient


# ------------------------------------------------------------ identity


def test_the_same_complaint_renders_the_same_notification() -> None:
    case_id, payload = filed()
    first = render_acknowledgement(case_id=case_id, filed=payload, policy=POLICY, now=NOW)
    again = render_acknowledgement(case_id=case_id, filed=payload, policy=POLICY, now=NOW)
    assert first == again
    assert first.notification_id == acknowledgement_id(case_id)
    assert first.case_id == case_id
    assert first.kind is NotificationKind.ACKNOWLEDGEMENT
    assert first.created_at == NOW


def test_the_notification_id_survives_a_replay_at_another_time() -> None:
    case_id, payload = filed()
    later = render_acknowledgement(
        case_id=case_id, filed=payload, policy=POLICY, now=NOW + timedelta(hours=5)
    )
    assert later.notification_id == acknowledgement_id(case_id)
    other_case, _ = filed(channel_ref="mail-4712")
    assert other_case != case_id
    assert acknowledgement_id(other_case) != acknowledgement_id(case_id)


# ------------------------------------------------------------ contracts


def test_the_acknowledge_command_payload_matches_its_contract() -> None:
    note = render(description=DISTRESSED_ZH)
    payload = acknowledge_command_payload(note)
    command = AcknowledgeV1.model_validate(payload)
    assert command.notification_id == str(note.notification_id)
    assert (command.language, command.soothing) == ("zh", True)
    envelope = CommandEnvelopeV1(
        command_id=note.notification_id,
        command_type="acknowledge",
        schema_version=1,
        case_id=note.case_id,
        actor="system:notifier",
        issued_at=NOW,
        payload=payload,
    )
    assert envelope.payload == payload


def test_a_notification_round_trips_through_json() -> None:
    note = render(description=DISTRESSED_ZH)
    data = note.to_json_bytes()
    assert "我们非常理解您的心情".encode() in data  # UTF-8, not \\u escapes
    assert NotificationV1.from_json_bytes(data) == note
    assert note.kafka_key() == str(note.case_id).encode("ascii")


@pytest.mark.parametrize(
    "data",
    [
        b"\x00\xffnot json",
        b"{}",
        b'{"kind": "acknowledgement"}',
    ],
)
def test_garbage_is_refused_with_a_contract_error(data: bytes) -> None:
    with pytest.raises(ContractError, match="not a valid notification"):
        NotificationV1.from_json_bytes(data)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"consumer_name": "林小明"}, "consumer_name"),  # no room for personal data
        ({"created_at": "2024-05-01T09:03:00"}, "created_at"),  # a time without a zone
        ({"language": "fr"}, "language"),
        ({"body": ""}, "body"),
    ],
)
def test_a_message_that_breaks_the_contract_names_the_field(
    change: dict[str, Any], field: str
) -> None:
    data = json.dumps({**render().model_dump(mode="json"), **change}).encode()
    with pytest.raises(ContractError, match=field):
        NotificationV1.from_json_bytes(data)
