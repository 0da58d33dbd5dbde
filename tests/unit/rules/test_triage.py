"""Triage routes and flags, built from docs/rules.md, Triage."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from complaint_events.domain.rules.references import (
    CPL_23_DURABLE_BURDEN,
    CPL_25_NO_REASON_RETURN,
    FSL_148_UNSAFE_FOOD,
)
from complaint_events.domain.rules.triage import (
    TriageFacts,
    add_months,
    is_durable_good,
    shows_distress,
    triage,
    within_durable_burden_period,
)
from complaint_events.domain.values import (
    Demand,
    ProblemCategory,
    Route,
    SafetyFlag,
    SpotCheckMethod,
)

TODAY = date(2024, 6, 15)

BASE = TriageFacts(
    category=ProblemCategory.QUALITY_DEFECT,
    safety_flags=frozenset(),
    product_type=None,
    product_name="Cotton T-shirt",
    description="The seam came apart after one wash.",
    demand=Demand.REFUND,
    delivered_on=date(2024, 6, 1),
)
TV = replace(BASE, product_type="TV", product_name="Hisense 55-inch 4K TV")


@pytest.mark.parametrize(
    ("product_type", "product_name", "expected"),
    [
        ("TV", "anything", True),
        ("Refrigerator", "", True),
        ("air conditioner", "", True),
        ("冰箱", "", True),
        ("笔记本", "", True),
        ("洗衣机", "", True),
        (None, "Haier BCD-470 fridge", True),
        (None, "联想ThinkPad笔记本电脑", True),
        (None, "格力空调 1.5匹", True),
        (None, "比亚迪汽车", True),
        (None, "Dell laptop 14 inch", True),
        ("clothing", "Cotton T-shirt", False),
        (None, "A5 笔记本 (paper notebook)", False),
        (None, "TV stand, walnut", False),
        (None, "冰箱贴 fridge magnet", False),
        (None, "空调被 summer quilt", False),
        (None, "Scarf", False),
        (None, "Cardigan", False),
    ],
)
def test_is_durable_good(product_type: str | None, product_name: str, expected: bool) -> None:
    assert is_durable_good(product_type, product_name) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("My son ended up in hospital after this", True),
        ("I am scared to use it again", True),
        ("I'm FURIOUS", True),
        ("desperate for a refund", True),
        ("Where is my refund!!!", True),
        ("退款\uff01\uff01\uff01", True),
        ("孩子受伤了", True),
        ("我妈住院了", True),
        ("气死我了", True),
        ("真的崩溃", True),
        ("太失望了", True),
        ("我很害怕", True),
        ("The colour is slightly off.", False),
        ("Great hospitality, but the kettle leaks!", False),
        ("请尽快处理，谢谢！", False),
    ],
)
def test_shows_distress(text: str, expected: bool) -> None:
    assert shows_distress(text) is expected


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2024, 1, 15), 6, date(2024, 7, 15)),
        (date(2023, 8, 31), 6, date(2024, 2, 29)),  # clamped to a leap February
        (date(2024, 11, 30), 3, date(2025, 2, 28)),
        (date(2024, 3, 1), 0, date(2024, 3, 1)),
    ],
)
def test_add_months_clamps_to_month_end(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("delivered_on", "expected"),
    [
        (date(2024, 2, 15), True),  # 4 months ago
        (date(2023, 12, 15), True),  # exactly 6 months ago
        (date(2023, 12, 14), False),  # 6 months and a day
        (date(2023, 10, 15), False),  # 8 months ago
        (None, False),
    ],
)
def test_durable_burden_period(delivered_on: date | None, expected: bool) -> None:
    assert within_durable_burden_period(delivered_on, TODAY) is expected


@pytest.mark.parametrize(
    "flag",
    [
        SafetyFlag.INJURY,
        SafetyFlag.FIRE_OR_EXPLOSION,
        SafetyFlag.ELECTRIC_SHOCK,
        SafetyFlag.CHILD_SAFETY,
    ],
)
def test_physical_harm_is_fast_tracked_escalated_and_tested(flag: SafetyFlag) -> None:
    decision = triage(replace(BASE, safety_flags=frozenset({flag})), TODAY)
    assert decision.route is Route.INJURY_FAST_TRACK
    assert decision.queue == "safety"
    assert decision.fast_track
    assert decision.escalate
    assert decision.spot_check_required
    assert decision.spot_check_method is SpotCheckMethod.THIRD_PARTY_APPRAISAL


def test_safety_outranks_every_category() -> None:
    facts = replace(
        BASE,
        category=ProblemCategory.COUNTERFEIT,
        safety_flags=frozenset({SafetyFlag.FIRE_OR_EXPLOSION, SafetyFlag.FOOD_ILLNESS}),
    )
    assert triage(facts, TODAY).route is Route.INJURY_FAST_TRACK


def test_durable_tv_that_caught_fire_keeps_the_burden_of_proof() -> None:
    facts = replace(TV, safety_flags=frozenset({SafetyFlag.FIRE_OR_EXPLOSION}))
    decision = triage(facts, TODAY)
    assert decision.route is Route.INJURY_FAST_TRACK
    assert decision.burden_of_proof_on_merchant
    assert CPL_23_DURABLE_BURDEN in decision.rule_refs


def test_food_illness_is_fast_tracked_and_the_batch_sampled() -> None:
    facts = replace(
        BASE,
        category=ProblemCategory.FOOD_SAFETY,
        safety_flags=frozenset({SafetyFlag.FOOD_ILLNESS}),
    )
    decision = triage(facts, TODAY)
    assert decision.route is Route.FOOD
    assert decision.queue == "food"
    assert (decision.fast_track, decision.escalate, decision.spot_check_required) == (
        True,
        True,
        True,
    )
    assert decision.spot_check_method is SpotCheckMethod.SAME_MODEL_SAMPLING
    assert FSL_148_UNSAFE_FOOD in decision.rule_refs


def test_food_illness_flag_routes_to_food_whatever_the_category() -> None:
    facts = replace(BASE, safety_flags=frozenset({SafetyFlag.FOOD_ILLNESS}))
    assert triage(facts, TODAY).route is Route.FOOD


def test_food_safety_without_illness_is_not_fast_tracked() -> None:
    decision = triage(replace(BASE, category=ProblemCategory.FOOD_SAFETY), TODAY)
    assert decision.route is Route.FOOD
    assert not decision.fast_track
    assert not decision.escalate
    assert not decision.spot_check_required


def test_counterfeit_requires_a_third_party_appraisal() -> None:
    decision = triage(replace(BASE, category=ProblemCategory.COUNTERFEIT), TODAY)
    assert decision.route is Route.COUNTERFEIT
    assert decision.queue == "counterfeit"
    assert decision.spot_check_required
    assert decision.spot_check_method is SpotCheckMethod.THIRD_PARTY_APPRAISAL
    assert not decision.fast_track


def test_no_reason_return_goes_to_returns_under_cpl_25() -> None:
    decision = triage(replace(TV, category=ProblemCategory.NO_REASON_RETURN), TODAY)
    assert decision.route is Route.NO_REASON_RETURN
    assert decision.queue == "returns"
    assert decision.rule_refs == (CPL_25_NO_REASON_RETURN,)
    assert not decision.burden_of_proof_on_merchant


def test_durable_tv_delivered_four_months_ago_puts_the_burden_on_the_merchant() -> None:
    decision = triage(replace(TV, delivered_on=date(2024, 2, 15)), TODAY)
    assert decision.route is Route.DURABLE_GOODS
    assert decision.queue == "durables"
    assert decision.burden_of_proof_on_merchant
    assert decision.rule_refs == (CPL_23_DURABLE_BURDEN,)


def test_durable_tv_delivered_eight_months_ago_is_ordinary_quality() -> None:
    decision = triage(replace(TV, delivered_on=date(2023, 10, 15)), TODAY)
    assert decision.route is Route.QUALITY
    assert decision.queue == "quality"
    assert not decision.burden_of_proof_on_merchant


def test_durable_not_as_described_shifts_the_burden_too() -> None:
    facts = replace(TV, category=ProblemCategory.NOT_AS_DESCRIBED)
    assert triage(facts, TODAY).burden_of_proof_on_merchant


def test_durable_damaged_in_transit_does_not_shift_the_burden() -> None:
    facts = replace(TV, category=ProblemCategory.DAMAGED_IN_TRANSIT)
    decision = triage(facts, TODAY)
    assert decision.route is Route.QUALITY
    assert not decision.burden_of_proof_on_merchant


def test_ordinary_quality_complaint() -> None:
    decision = triage(BASE, TODAY)
    assert decision.route is Route.QUALITY
    assert decision.queue == "quality"
    assert not decision.fast_track
    assert not decision.escalate
    assert not decision.spot_check_required
    assert not decision.distress


def test_distress_is_flagged_on_any_route() -> None:
    facts = replace(BASE, category=ProblemCategory.COUNTERFEIT, description="太失望了，假货！！！")
    decision = triage(facts, TODAY)
    assert decision.distress
    assert decision.route is Route.COUNTERFEIT


def test_triage_is_deterministic() -> None:
    facts = replace(
        TV,
        safety_flags=frozenset({SafetyFlag.INJURY, SafetyFlag.ELECTRIC_SHOCK}),
        description="scared",
    )
    assert triage(facts, TODAY) == triage(facts, TODAY)
    assert "electric_shock, injury" in triage(facts, TODAY).reasons[0]
