"""The pure text rules: labelled facts, demand, category, safety, and the lead classifier."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

import pytest

from complaint_events.application.secrets import pseudonymous_id
from complaint_events.domain.values import Demand, ProblemCategory, SafetyFlag
from complaint_events.consumers.channels.facts import (
    infer_category,
    infer_demand,
    infer_safety_flags,
    labelled_facts,
    language_of,
    parse_date,
    parse_price,
)
from complaint_events.consumers.channels.lead_rules import classify_post
from complaint_events.consumers.channels.social import public_safe


def test_labelled_facts_in_chinese_and_english() -> None:
    text = (
        "投诉 订单号：T123-9 商品编码: SKU-1\n"
        "Merchant ID: m-7\n商品名称：儿童保温杯\n实付：￥59.9\n"
        "> Order: OLD-QUOTED\n"
    )
    assert labelled_facts(text) == {
        "order_id": "T123-9",
        "sku": "SKU-1",
        "merchant_id": "m-7",
        "product_name": "儿童保温杯",
        "price": "￥59.9",
    }
    assert labelled_facts("Re: Order #A-77, it broke")["order_id"] == "A-77"
    assert "order_id" not in labelled_facts("I ordered on Monday: nothing came")


@pytest.mark.parametrize(
    ("text", "price"),
    [("¥299.00", "299.00"), ("299 元", "299"), ("CNY 12.5", "12.5"), ("1,299.00", "1299.00")],
)
def test_prices(text: str, price: str) -> None:
    assert parse_price(text) == Decimal(price)


def test_not_prices_and_dates() -> None:
    assert parse_price("about three hundred") is None
    assert parse_date("2026年3月1日") == date(2026, 3, 1)
    assert parse_date("2026/02/30") is None


@pytest.mark.parametrize(
    ("text", "demand"),
    [
        ("我要退货退款", Demand.RETURN),
        ("请给我退款", Demand.REFUND),
        ("I'd like a replacement or a refund", Demand.EXCHANGE),
        ("please repair it", Demand.REPAIR),
        ("要求赔偿医药费", Demand.COMPENSATION),
        ("it is broken", None),
    ],
)
def test_demand_is_the_earliest_asked(text: str, demand: Demand | None) -> None:
    assert infer_demand(text) is demand


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("这是假货，和专柜的不一样", ProblemCategory.COUNTERFEIT),
        ("牛奶变质了", ProblemCategory.FOOD_SAFETY),
        ("arrived damaged, the box was crushed", ProblemCategory.DAMAGED_IN_TRANSIT),
        ("颜色与描述不符", ProblemCategory.NOT_AS_DESCRIBED),
        ("the kettle leaks", ProblemCategory.QUALITY_DEFECT),
        ("I changed my mind", ProblemCategory.OTHER),
    ],
)
def test_categories(text: str, category: ProblemCategory) -> None:
    assert infer_category(text) is category


def test_safety_flags_and_children() -> None:
    assert infer_safety_flags("充电时冒烟起火") == [SafetyFlag.FIRE_OR_EXPLOSION]
    assert infer_safety_flags("my kid loves it") == []
    assert infer_safety_flags("孩子误食了脱落的小零件") == [SafetyFlag.CHILD_SAFETY]
    assert SafetyFlag.INJURY in infer_safety_flags("the blade cut my finger, I was injured")


def test_language_and_pseudonymous_ids() -> None:
    assert language_of("质量 bad") == "zh"
    assert language_of("bad quality") == "en"


KEY = bytes(range(32))


def test_a_pseudonymous_id_is_stable_for_one_contact_and_key() -> None:
    same = pseudonymous_id(KEY, "phone", "138-1234 5678")
    assert same == pseudonymous_id(KEY, "phone", "13812345678")
    assert "13812345678" not in same
    assert pseudonymous_id(KEY, "email", "Lin@Example.cn") == pseudonymous_id(
        KEY, "email", " lin@example.cn"
    )


def test_a_pseudonymous_id_cannot_be_found_by_hashing_every_phone_number() -> None:
    """An unkeyed hash of a phone number is reversed by trying the whole number
    space; with the installation's key the same guess gives another id."""
    phone = "13812345678"
    unkeyed = hashlib.sha256(f"phone:{phone}".encode()).hexdigest()
    keyed = pseudonymous_id(KEY, "phone", phone)
    assert unkeyed[:20] not in keyed
    assert keyed != pseudonymous_id(bytes(32), "phone", phone)


@pytest.mark.parametrize(
    "text",
    [
        "买的吹风机用了两天就坏了，客服不理人，差评！",
        "Worst purchase ever, the zipper broke on day one. Want a refund.",
        "假货！！和正品完全不一样，大家避雷",
        "Seller sent a fake, this is a scam",
    ],
)
def test_complaint_like_posts_are_leads(text: str) -> None:
    signal = classify_post(text)
    assert signal is not None
    assert not signal.urgent


@pytest.mark.parametrize(
    ("text", "rating"),
    [
        ("新买的空气炸锅太好用了，好评推荐！一点质量问题都没有", None),
        ("Dropped it twice and it is not broken at all, love it.", 5),
        ("GIVEAWAY! prices so low they're broken - retweet to win #ad", None),
        ("今天天气真好", None),
        ("a bit of a leak but works fine overall", 4),
    ],
)
def test_non_complaints_are_not_leads(text: str, rating: int | None) -> None:
    assert classify_post(text, rating) is None


def test_safety_makes_an_urgent_lead_whatever_the_rating() -> None:
    signal = classify_post("Great speaker but it started smoking while charging", rating=5)
    assert signal is not None
    assert signal.urgent
    assert SafetyFlag.FIRE_OR_EXPLOSION in signal.safety_flags


def test_a_low_rating_alone_is_a_lead() -> None:
    signal = classify_post("meh", rating=1)
    assert signal is not None
    assert signal.cues == ("rating 1",)


def test_public_replies_mask_long_numbers() -> None:
    assert public_safe("call 13812345678 about 9001-4432") == "call 13*******78 about 9001-4432"
