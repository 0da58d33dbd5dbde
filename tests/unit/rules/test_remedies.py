"""Remedies and statutory compensation, built from docs/rules.md, Remedies."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from complaint_events.domain.rules.references import (
    CPL_24_QUALITY_RETURN,
    CPL_25_NO_REASON_RETURN,
    CPL_55_FRAUD,
    FSL_148_UNSAFE_FOOD,
    PLATFORM_SILENT_MERCHANT,
    SANBAO_TWO_REPAIRS,
)
from complaint_events.domain.rules.remedies import (
    RemedyFacts,
    default_judgment,
    entitled_remedies,
    recommend_remedy,
    statutory_compensation,
)
from complaint_events.domain.values import (
    Demand,
    LiabilityGround,
    Party,
    ProblemCategory,
    RemedyKind,
)

TODAY = date(2024, 6, 30)
R = RemedyKind


def days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


DEFECT = RemedyFacts(
    price=Decimal("299.00"),
    quantity=1,
    demand=Demand.RETURN,
    category=ProblemCategory.QUALITY_DEFECT,
    liable=Party.MERCHANT,
    grounds=(LiabilityGround.DEFECT,),
    received_on=days_ago(5),
    warranty_months=12,
    failed_repairs=0,
    fraud=False,
    unsafe_food=False,
    consumer_loss=Decimal(0),
)
NO_REASON = replace(
    DEFECT,
    category=ProblemCategory.NO_REASON_RETURN,
    liable=Party.UNCLEAR,
    grounds=(),
)


@pytest.mark.parametrize(
    ("price", "quantity", "expected"),
    [
        (Decimal(100), 1, Decimal("500.00")),  # 3 x 100 = 300, raised to the minimum
        (Decimal(1000), 1, Decimal("3000.00")),
        (Decimal("166.67"), 1, Decimal("500.01")),
        (Decimal(100), 2, Decimal("600.00")),  # 3 x the price *paid*
        (Decimal(0), 1, Decimal("500.00")),
    ],
)
def test_fraud_compensation_is_three_times_the_price_at_least_500(
    price: Decimal, quantity: int, expected: Decimal
) -> None:
    facts = replace(DEFECT, price=price, quantity=quantity, fraud=True)
    compensation = statutory_compensation(facts)
    assert compensation is not None
    assert compensation.amount == expected
    assert compensation.rule_refs == (CPL_55_FRAUD,)


def test_counterfeit_ground_counts_as_fraud() -> None:
    facts = replace(DEFECT, price=Decimal(1000), grounds=(LiabilityGround.COUNTERFEIT,))
    compensation = statutory_compensation(facts)
    assert compensation is not None
    assert compensation.amount == Decimal("3000.00")


@pytest.mark.parametrize(
    ("price", "loss", "expected"),
    [
        (Decimal(50), Decimal(0), Decimal("1000.00")),  # 10 x 50 = 500, raised to the minimum
        (Decimal(200), Decimal(1000), Decimal("3000.00")),  # max(2000, 3000)
        (Decimal(500), Decimal(100), Decimal("5000.00")),  # max(5000, 300)
        (Decimal("12.345"), Decimal(400), Decimal("1200.00")),  # max(123.50, 1200)
    ],
)
def test_unsafe_food_compensation(price: Decimal, loss: Decimal, expected: Decimal) -> None:
    facts = replace(
        DEFECT,
        category=ProblemCategory.FOOD_SAFETY,
        price=price,
        consumer_loss=loss,
        unsafe_food=True,
    )
    compensation = statutory_compensation(facts)
    assert compensation is not None
    assert compensation.amount == expected
    assert compensation.rule_refs == (FSL_148_UNSAFE_FOOD,)


def test_compensation_says_where_to_claim_and_that_the_platform_may_decline() -> None:
    compensation = statutory_compensation(replace(DEFECT, fraud=True))
    assert compensation is not None
    assert "12315" in compensation.where_to_claim
    assert "court" in compensation.where_to_claim
    assert "merchant first" in compensation.where_to_claim
    assert "decline" in compensation.where_to_claim


def test_fraud_and_unsafe_food_together_give_the_larger_amount() -> None:
    facts = replace(DEFECT, price=Decimal(200), fraud=True, unsafe_food=True)
    compensation = statutory_compensation(facts)
    assert compensation is not None
    assert compensation.amount == Decimal("2000.00")
    assert compensation.rule_refs == (FSL_148_UNSAFE_FOOD,)


def test_no_statutory_compensation_for_a_plain_defect() -> None:
    assert statutory_compensation(DEFECT) is None


@pytest.mark.parametrize(
    ("days", "failed_repairs", "expected"),
    [
        (0, 0, (R.RETURN_AND_REFUND, R.EXCHANGE, R.REPAIR)),
        (5, 0, (R.RETURN_AND_REFUND, R.EXCHANGE, R.REPAIR)),
        (7, 0, (R.RETURN_AND_REFUND, R.EXCHANGE, R.REPAIR)),
        (8, 0, (R.EXCHANGE, R.REPAIR)),
        (10, 0, (R.EXCHANGE, R.REPAIR)),
        (15, 0, (R.EXCHANGE, R.REPAIR)),
        (16, 0, (R.REPAIR,)),
        (200, 0, (R.REPAIR,)),
        (200, 1, (R.REPAIR,)),
        (200, 2, (R.RETURN_AND_REFUND, R.EXCHANGE, R.REPAIR)),
        (400, 2, (R.COMPENSATION,)),  # out of warranty: only discretionary compensation
    ],
)
def test_sanbao_windows(days: int, failed_repairs: int, expected: tuple[RemedyKind, ...]) -> None:
    facts = replace(DEFECT, received_on=days_ago(days), failed_repairs=failed_repairs)
    assert entitled_remedies(facts, TODAY) == expected


@pytest.mark.parametrize("liable", [Party.CONSUMER, Party.UNCLEAR, Party.PLATFORM])
def test_quality_remedies_need_a_liable_merchant(liable: Party) -> None:
    assert entitled_remedies(replace(DEFECT, liable=liable), TODAY) == ()


def test_shared_liability_is_entitled_to_compensation_only() -> None:
    assert entitled_remedies(replace(DEFECT, liable=Party.SHARED), TODAY) == (R.COMPENSATION,)


def test_goods_never_received_are_refunded_without_a_return() -> None:
    assert entitled_remedies(replace(DEFECT, received_on=None), TODAY) == (R.FULL_REFUND,)


def test_quality_return_within_7_days_merchant_pays_shipping() -> None:
    recommendation = recommend_remedy(DEFECT, TODAY)
    assert recommendation.kind is R.RETURN_AND_REFUND
    assert recommendation.refund_amount == Decimal("299.00")
    assert recommendation.shipping_paid_by is Party.MERCHANT
    assert CPL_24_QUALITY_RETURN in recommendation.rule_refs
    assert recommendation.compensation is None


def test_quality_return_after_10_days_becomes_an_exchange() -> None:
    recommendation = recommend_remedy(replace(DEFECT, received_on=days_ago(10)), TODAY)
    assert recommendation.kind is R.EXCHANGE
    assert recommendation.refund_amount == Decimal("0.00")
    assert recommendation.shipping_paid_by is Party.MERCHANT
    assert "not available" in recommendation.explanation


def test_repair_demand_is_honoured_when_a_return_is_also_available() -> None:
    recommendation = recommend_remedy(replace(DEFECT, demand=Demand.REPAIR), TODAY)
    assert recommendation.kind is R.REPAIR
    assert "as the consumer asked" in recommendation.explanation


def test_two_failed_repairs_within_warranty_allow_a_return() -> None:
    facts = replace(DEFECT, received_on=days_ago(120), failed_repairs=2)
    recommendation = recommend_remedy(facts, TODAY)
    assert recommendation.kind is R.RETURN_AND_REFUND
    assert SANBAO_TWO_REPAIRS in recommendation.rule_refs


def test_no_reason_return_within_7_days_buyer_pays_shipping() -> None:
    recommendation = recommend_remedy(NO_REASON, TODAY)
    assert recommendation.kind is R.RETURN_AND_REFUND
    assert recommendation.refund_amount == Decimal("299.00")
    assert recommendation.shipping_paid_by is Party.CONSUMER
    assert recommendation.rule_refs == (CPL_25_NO_REASON_RETURN,)


@pytest.mark.parametrize(
    ("facts", "reason"),
    [
        (replace(NO_REASON, received_on=days_ago(8)), "window has passed"),
        (replace(NO_REASON, liable=Party.CONSUMER, grounds=(LiabilityGround.MISUSE,)), "misuse"),
    ],
)
def test_no_reason_return_refused(facts: RemedyFacts, reason: str) -> None:
    recommendation = recommend_remedy(facts, TODAY)
    assert recommendation.kind is R.NONE
    assert reason in recommendation.explanation


def test_consumer_liable_gets_no_remedy() -> None:
    facts = replace(DEFECT, liable=Party.CONSUMER, grounds=(LiabilityGround.SELF_REPAIR,))
    recommendation = recommend_remedy(facts, TODAY)
    assert recommendation.kind is R.NONE
    assert recommendation.refund_amount == Decimal("0.00")
    assert "self_repair" in recommendation.explanation


def test_counterfeit_gets_refund_plus_three_times_the_price_at_any_time() -> None:
    facts = replace(
        DEFECT,
        price=Decimal(1000),
        category=ProblemCategory.COUNTERFEIT,
        grounds=(LiabilityGround.COUNTERFEIT,),
        received_on=days_ago(60),
        warranty_months=0,
    )
    recommendation = recommend_remedy(facts, TODAY)
    assert recommendation.kind is R.RETURN_AND_REFUND
    assert recommendation.refund_amount == Decimal("1000.00")
    assert recommendation.compensation is not None
    assert recommendation.compensation.amount == Decimal("3000.00")
    assert CPL_55_FRAUD in recommendation.rule_refs
    assert "12315" in recommendation.explanation


def test_unsafe_food_is_refunded_without_a_return() -> None:
    facts = replace(
        DEFECT,
        price=Decimal(50),
        quantity=2,
        demand=Demand.COMPENSATION,
        category=ProblemCategory.FOOD_SAFETY,
        unsafe_food=True,
        received_on=days_ago(30),
        warranty_months=0,
    )
    assert entitled_remedies(facts, TODAY) == (R.FULL_REFUND, R.STATUTORY_COMPENSATION)
    recommendation = recommend_remedy(facts, TODAY)
    assert recommendation.kind is R.STATUTORY_COMPENSATION
    assert recommendation.refund_amount == Decimal("100.00")
    assert recommendation.compensation is not None
    assert recommendation.compensation.amount == Decimal("1000.00")


def test_silent_merchant_ground_grants_return_after_the_window() -> None:
    facts = replace(DEFECT, grounds=(LiabilityGround.SILENT_MERCHANT,), received_on=days_ago(30))
    recommendation = recommend_remedy(facts, TODAY)
    assert recommendation.kind is R.RETURN_AND_REFUND
    assert PLATFORM_SILENT_MERCHANT in recommendation.rule_refs


def test_default_judgment_is_return_and_refund_at_the_merchants_cost() -> None:
    recommendation = default_judgment(Decimal("33.335"), 3)
    assert recommendation.kind is R.RETURN_AND_REFUND
    assert recommendation.refund_amount == Decimal("100.01")
    assert recommendation.shipping_paid_by is Party.MERCHANT
    assert recommendation.rule_refs[0] == PLATFORM_SILENT_MERCHANT


@pytest.mark.parametrize(
    "changes",
    [
        {"price": Decimal(-1)},
        {"quantity": 0},
        {"failed_repairs": -1},
        {"warranty_months": -1},
        {"consumer_loss": Decimal(-1)},
    ],
)
def test_invalid_facts_are_rejected(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="must"):
        replace(DEFECT, **changes)  # type: ignore[arg-type]
