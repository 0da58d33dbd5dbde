"""Each channel's normaliser on the sample files: valid ones -> intake facts, malformed -> why."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from complaint_events.domain.values import (
    Channel,
    Demand,
    EvidenceKind,
    ProblemCategory,
    SafetyFlag,
)
from complaint_events.consumers.channels.chat import normalise_session
from complaint_events.consumers.channels.email_channel import evidence_kind, normalise_email
from complaint_events.consumers.channels.hotline import normalise_call
from complaint_events.consumers.channels.outcomes import Accepted, Ignored, LeadFound, Rejected
from complaint_events.consumers.channels.social import intake_from_lead, normalise_feed

SAMPLES = Path(__file__).resolve().parents[3] / "samples" / "channels"
NOW = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)
PSEUDONYM_KEY = bytes(range(32))


def _email(name: str, evidence: Path) -> Accepted | Rejected:
    path = SAMPLES / "email" / "new" / name
    return normalise_email(path.read_bytes(), evidence, path.name, PSEUDONYM_KEY)


def test_chinese_email_with_labelled_facts_and_attachments(tmp_path: Path) -> None:
    outcome = _email("zh-kettle-leak.eml", tmp_path)
    assert isinstance(outcome, Accepted)
    m = outcome.message
    assert m.channel is Channel.EMAIL
    # The sender chooses the Message-ID: it is the reference only under the sender's id.
    assert m.channel_ref == f"{m.consumer.consumer_id}/20260302101245.kettle-88123@mail.example.cn"
    assert (m.order_id, m.merchant_id, m.sku) == (
        "T20260220-88123",
        "m-homeappliance-017",
        "SKU-KT-1802-WH",
    )
    assert m.product_name == "美厨 1.8L 不锈钢电热水壶"
    assert m.product_spec == "1.8L 白色"
    assert m.price == Decimal("299.00")
    assert (m.purchase_date, m.delivered_on) == (date(2026, 2, 20), date(2026, 2, 22))
    assert m.demand is Demand.RETURN  # 退货退款
    assert m.category is ProblemCategory.QUALITY_DEFECT
    assert m.language == "zh"
    assert m.consumer.name == "林晓燕"
    assert m.consumer.email == "lin.xiaoyan@example.cn"
    assert m.consumer.consumer_id.startswith("email:")
    assert "lin.xiaoyan" not in m.consumer.consumer_id  # the id does not reveal the address
    assert [e.kind for e in m.evidence] == [EvidenceKind.PHOTO, EvidenceKind.TEST_REPORT]
    assert all(e.uri.startswith("file://") for e in m.evidence)
    assert [p.parent for p, _ in outcome.files] == [tmp_path, tmp_path]
    assert outcome.files[0][1].startswith(b"\xff\xd8")
    assert outcome.thread["message_id"] == "<20260302101245.kettle-88123@mail.example.cn>"
    assert "T0000-OLD" not in m.description  # quoted history is not the complaint


def test_english_email_reads_the_subject_and_infers_the_demand(tmp_path: Path) -> None:
    outcome = _email("en-headphones.eml", tmp_path)
    assert isinstance(outcome, Accepted)
    m = outcome.message
    assert m.order_id == "8812-5567-0001"  # from the subject line
    assert (m.merchant_id, m.sku, m.price) == ("m-audio-88", "HP-X200-BLK", Decimal("459.00"))
    assert m.demand is Demand.EXCHANGE  # "I would like a replacement"
    assert m.language == "en"
    assert m.received_at == datetime(2026, 3, 3, 21, 40, tzinfo=UTC)
    assert [e.kind for e in m.evidence] == [EvidenceKind.VIDEO]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        (
            "malformed-missing-facts.eml",
            "missing required facts: order_id, merchant_id, sku, product_name",
        ),
        ("malformed-not-an-email.eml", "no sender address in From"),
    ],
)
def test_malformed_emails_have_a_reason(tmp_path: Path, name: str, reason: str) -> None:
    outcome = _email(name, tmp_path)
    assert isinstance(outcome, Rejected)
    assert outcome.reason == reason
    assert outcome.raw == (SAMPLES / "email" / "new" / name).read_bytes()


@pytest.mark.parametrize(
    ("content_type", "name", "kind"),
    [
        ("image/png", "x.png", EvidenceKind.PHOTO),
        ("video/quicktime", "x.mov", EvidenceKind.VIDEO),
        ("application/pdf", "SGS test report.pdf", EvidenceKind.TEST_REPORT),
        ("application/pdf", "电子发票.pdf", EvidenceKind.RECEIPT),
        ("application/zip", "stuff.zip", EvidenceKind.OTHER),
    ],
)
def test_attachment_kind_by_content_type(content_type: str, name: str, kind: EvidenceKind) -> None:
    assert evidence_kind(content_type, name) is kind


def _call(name: str) -> Accepted | Rejected:
    path = SAMPLES / "hotline" / name
    return normalise_call(path.read_bytes(), path.stem, PSEUDONYM_KEY)


def test_hotline_call_with_fields_and_tags() -> None:
    outcome = _call("HL-20260302-0042.json")
    assert isinstance(outcome, Accepted)
    m = outcome.message
    assert (m.channel, m.channel_ref) == (Channel.HOTLINE, "HL-20260302-0042")
    assert (m.order_id, m.sku, m.price) == ("T20260225-55120", "SKU-HT-2000", Decimal("239.00"))
    assert m.consumer.phone == "13812345678"
    assert m.consumer.consumer_id.startswith("phone:")
    assert SafetyFlag.FIRE_OR_EXPLOSION in m.safety_flags
    assert m.category is ProblemCategory.QUALITY_DEFECT
    assert m.demand is Demand.RETURN
    assert "冒烟" in m.description
    assert "请问订单号" not in m.description  # the agent's words are not the complaint
    assert [e.kind for e in m.evidence] == [EvidenceKind.OTHER]  # the recording
    assert outcome.thread == {"phone": "13812345678", "call_id": "HL-20260302-0042"}


def test_hotline_facts_from_the_agents_summary() -> None:
    outcome = _call("HL-20260303-0107.json")
    assert isinstance(outcome, Accepted)
    m = outcome.message
    assert (m.order_id, m.merchant_id, m.sku) == ("9001-4432-7781", "m-kitchenpro-12", "BL-600-CLR")
    assert (m.price, m.demand, m.language) == (Decimal("349.00"), Demand.REFUND, "en")
    assert m.consumer.consumer_id == "u-77120"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        (
            "HL-20260303-0110-no-order.json",
            "missing required facts: order_id, merchant_id, sku, product_name, price",
        ),
        ("HL-20260303-0111-truncated.json", "unparseable JSON"),
    ],
)
def test_malformed_calls_have_a_reason(name: str, reason: str) -> None:
    outcome = _call(name)
    assert isinstance(outcome, Rejected)
    assert outcome.reason.startswith(reason)


def _session(name: str) -> Accepted | Rejected:
    path = SAMPLES / "chat" / name
    return normalise_session(path.read_bytes(), path.stem)


def test_chat_session_in_chinese() -> None:
    outcome = _session("CS-20260303-7781.json")
    assert isinstance(outcome, Accepted)
    m = outcome.message
    assert (m.channel, m.channel_ref, m.consumer.consumer_id) == (
        Channel.CHAT,
        "CS-20260303-7781",
        "u-20931",
    )
    assert m.category is ProblemCategory.NOT_AS_DESCRIBED
    assert m.demand is Demand.EXCHANGE
    assert m.received_at == datetime(2026, 3, 3, 12, 2, 40, tzinfo=UTC)  # the user's last word
    assert [e.kind for e in m.evidence] == [EvidenceKind.PHOTO]
    assert "请问您希望" not in m.description


def test_chat_session_about_food_that_made_a_child_ill() -> None:
    outcome = _session("CS-20260304-0912.json")
    assert isinstance(outcome, Accepted)
    m = outcome.message
    assert m.category is ProblemCategory.FOOD_SAFETY
    assert m.safety_flags == [SafetyFlag.FOOD_ILLNESS]
    assert m.demand is Demand.COMPENSATION
    assert m.product_type == "food"


def test_chat_contract_errors_are_field_level() -> None:
    outcome = _session("CS-20260304-1001-float-price.json")
    assert isinstance(outcome, Rejected)
    assert outcome.reason == "not a valid intake message (1 problems)"
    assert [e["field"] for e in outcome.errors] == ["price"]
    missing_user = _session("CS-20260304-0950-no-user.json")
    assert isinstance(missing_user, Rejected)
    assert missing_user.reason == "missing required facts: user.user_id"


def test_social_feed_leads_ignored_posts_and_bad_lines() -> None:
    outcomes = normalise_feed((SAMPLES / "social" / "feed-2026-03-04.jsonl").read_bytes(), NOW)
    kinds = [type(o).__name__ for o in outcomes]
    assert kinds == [
        "LeadFound",
        "Ignored",
        "LeadFound",
        "Ignored",
        "Ignored",
        "Rejected",
        "Rejected",
    ]
    weibo, review = (o.lead for o in outcomes if isinstance(o, LeadFound))
    assert (weibo.lead_id, weibo.channel, weibo.urgent) == (
        "weibo-5012345678",
        Channel.SOCIAL,
        True,
    )
    assert SafetyFlag.FIRE_OR_EXPLOSION in weibo.safety_flags
    assert (review.channel, review.rating, review.known_facts["sku"]) == (
        Channel.REVIEW,
        1,
        "SPK-BT-MINI",
    )
    reasons = [o.reason for o in outcomes if isinstance(o, Rejected)]
    assert reasons[0].startswith("unparseable JSON")
    assert reasons[1] == "missing required facts: author.handle"
    assert all(isinstance(o, Ignored) for o in outcomes[3:5])


def test_confirmed_lead_becomes_an_intake_message() -> None:
    outcomes = normalise_feed((SAMPLES / "social" / "feed-2026-03-04.jsonl").read_bytes(), NOW)
    weibo = next(o.lead for o in outcomes if isinstance(o, LeadFound))
    lacking = intake_from_lead(weibo, facts={"order_id": "T1"})
    assert isinstance(lacking, Rejected)
    assert lacking.reason.startswith("missing required facts: merchant_id, sku, product_name")
    facts: dict[str, str | None] = {
        "order_id": "T20260301-1",
        "merchant_id": "m-digital-9",
        "sku": "SKU-PB-10K",
        "product_name": "10000mAh 充电宝",
        "price": "¥89.00",
    }
    confirmed = intake_from_lead(weibo, facts=facts, demand=Demand.REFUND)
    assert isinstance(confirmed, Accepted)
    m = confirmed.message
    assert (m.channel, m.channel_ref) == (Channel.SOCIAL, "weibo-5012345678")
    assert m.consumer.consumer_id == "weibo:rainy_day_88"
    assert (m.price, m.demand, m.language) == (Decimal("89.00"), Demand.REFUND, "zh")
    assert SafetyFlag.FIRE_OR_EXPLOSION in m.safety_flags
    assert [e.kind for e in m.evidence] == [EvidenceKind.PHOTO]
