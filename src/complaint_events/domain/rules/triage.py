"""Triage: which route and queue a new complaint takes, and how urgently (docs/rules.md, Triage).

``triage`` is a pure function of the complaint's facts and the clock's date.  It
decides the route once, at intake, so that a handler, the router and an auditor
all see the same reasons and rule references.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Final

from complaint_events.domain.rules.references import (
    CPL_23_DURABLE_BURDEN,
    CPL_25_NO_REASON_RETURN,
    CPL_55_FRAUD,
    FSL_148_UNSAFE_FOOD,
    PLATFORM_TESTING_COST,
    RuleRef,
)
from complaint_events.domain.values import (
    Demand,
    ProblemCategory,
    Route,
    SafetyFlag,
    SpotCheckMethod,
)

# 消费者权益保护法 Art. 23(3) names these durable goods; product types are matched
# case-insensitively, in English or Chinese.
DURABLE_GOODS: Final[frozenset[str]] = frozenset(
    {
        "car", "cars", "automobile", "vehicle",
        "computer", "computers", "laptop", "laptops", "notebook computer", "pc",
        "tv", "tvs", "television", "televisions",
        "fridge", "fridges", "refrigerator", "refrigerators",
        "air conditioner", "air conditioners", "air-conditioner",
        "washing machine", "washing machines", "washer",
        "汽车", "轿车", "电脑", "计算机", "笔记本", "笔记本电脑", "台式机",
        "电视", "电视机", "冰箱", "电冰箱", "空调", "洗衣机",
    }
)  # fmt: skip

# Product names are free text, so they are matched on keywords.  "笔记本" alone is
# left out here because in a name it usually means a paper notebook.
_DURABLE_NAME_PATTERN: Final = re.compile(
    r"\b(?:cars?|automobile|computers?|laptops?|tvs?|televisions?|fridges?"
    r"|refrigerators?|air[- ]conditioners?|washing machines?)\b"
    r"|汽车|轿车|电脑|计算机|电视|冰箱|空调|洗衣机",
    re.IGNORECASE,
)
# A name that mentions a durable good but sells an accessory for it ("TV stand",
# "冰箱贴", "空调被" — a summer quilt) is not the durable good itself.
_ACCESSORY_PATTERN: Final = re.compile(
    r"\b(?:accessor(?:y|ies)|bag|cable|case|chair|charger|cover|desk|magnet|mat"
    r"|model|mount|remote|seat|sleeve|stand|sticker|toy)s?\b"
    r"|支架|遥控|充电|膜|贴|套|罩|柜|被|配件|车载|座|垫|包|椅|桌|玩具|模型",
    re.IGNORECASE,
)

# English cues are matched as words, Chinese cues as substrings.
_DISTRESS_PATTERN: Final = re.compile(
    r"\b(?:hospital|hospitali[sz]ed|emergency room|scared|terrified|afraid|furious"
    r"|desperate|desperately|outraged|devastated|crying|injured|hurt|panic\w*)\b"
    r"|[!\uff01]{3}"  # three exclamation marks, ASCII or full-width
    r"|住院|医院|急诊|害怕|吓死|吓坏|气死|崩溃|太失望|失望透顶|绝望|愤怒|受伤|救命|哭",
    re.IGNORECASE,
)

# Flags that put a person's safety at stake: fast track, escalate, test the product.
_PHYSICAL_HARM_FLAGS: Final[frozenset[SafetyFlag]] = frozenset(
    {
        SafetyFlag.INJURY,
        SafetyFlag.FIRE_OR_EXPLOSION,
        SafetyFlag.ELECTRIC_SHOCK,
        SafetyFlag.CHILD_SAFETY,
    }
)
_DEFECT_CATEGORIES: Final[frozenset[ProblemCategory]] = frozenset(
    {ProblemCategory.QUALITY_DEFECT, ProblemCategory.NOT_AS_DESCRIBED}
)
# 消费者权益保护法 Art. 23(3): six months after delivery.
DURABLE_BURDEN_MONTHS: Final = 6


@dataclass(frozen=True, slots=True)
class TriageFacts:
    """What intake knows about a complaint when it is filed."""

    category: ProblemCategory
    safety_flags: frozenset[SafetyFlag]
    product_type: str | None
    product_name: str
    description: str
    demand: Demand
    delivered_on: date | None
    distress: bool | None = None
    """Judged already (the description is sealed); None: judge ``description``."""


@dataclass(frozen=True, slots=True)
class TriageDecision:
    """Where a complaint goes, how urgently, and why."""

    route: Route
    queue: str
    fast_track: bool
    escalate: bool
    spot_check_required: bool
    burden_of_proof_on_merchant: bool
    distress: bool
    rule_refs: tuple[RuleRef, ...]
    reasons: tuple[str, ...]
    spot_check_method: SpotCheckMethod | None = None


def is_durable_good(product_type: str | None, product_name: str) -> bool:
    """Whether a product is one of the durable goods of 消费者权益保护法 Art. 23(3)."""
    if product_type is not None and product_type.strip().casefold() in DURABLE_GOODS:
        return True
    return bool(_DURABLE_NAME_PATTERN.search(product_name)) and not _ACCESSORY_PATTERN.search(
        product_name
    )


def shows_distress(text: str) -> bool:
    """Whether a complaint reads as distressed, so the acknowledgement soothes (docs/rules.md)."""
    return bool(_DISTRESS_PATTERN.search(text))


def add_months(day: date, months: int) -> date:
    """The same day ``months`` calendar months later, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def within_durable_burden_period(delivered_on: date | None, today: date) -> bool:
    """Whether ``today`` is at most 6 calendar months after delivery (CPL Art. 23(3)).

    An unknown delivery date cannot shift the burden of proof: the consumer must
    supply it first.
    """
    if delivered_on is None:
        return False
    return today <= add_months(delivered_on, DURABLE_BURDEN_MONTHS)


def triage(facts: TriageFacts, today: date) -> TriageDecision:
    """Route a complaint: safety first, then food, counterfeit, returns, durables, quality."""
    distress = facts.distress if facts.distress is not None else shows_distress(facts.description)
    # The burden of proof follows the product, whatever route the case takes: a TV
    # that caught fire two months after delivery is fast-tracked *and* the merchant
    # must prove it had no defect.
    burden = (
        facts.category in _DEFECT_CATEGORIES
        and is_durable_good(facts.product_type, facts.product_name)
        and within_durable_burden_period(facts.delivered_on, today)
    )
    burden_refs: tuple[RuleRef, ...] = (CPL_23_DURABLE_BURDEN,) if burden else ()
    burden_reasons: tuple[str, ...] = (
        ("durable good within 6 months of delivery: the merchant must prove there is no defect",)
        if burden
        else ()
    )
    distress_reasons: tuple[str, ...] = (
        ("the complaint shows distress: acknowledge in a soothing tone",) if distress else ()
    )

    harm = sorted(facts.safety_flags & _PHYSICAL_HARM_FLAGS)
    if harm:
        return TriageDecision(
            route=Route.INJURY_FAST_TRACK,
            queue="safety",
            fast_track=True,
            escalate=True,
            spot_check_required=True,
            burden_of_proof_on_merchant=burden,
            distress=distress,
            rule_refs=(*burden_refs, PLATFORM_TESTING_COST),
            reasons=(
                "safety flags "
                + ", ".join(flag.value for flag in harm)
                + ": fast track, escalate, appraise the product",
                *burden_reasons,
                *distress_reasons,
            ),
            spot_check_method=SpotCheckMethod.THIRD_PARTY_APPRAISAL,
        )

    illness = SafetyFlag.FOOD_ILLNESS in facts.safety_flags
    if illness or facts.category is ProblemCategory.FOOD_SAFETY:
        # 食品安全法 Art. 148 may apply; illness makes it a safety incident whose
        # batch must be sampled.
        return TriageDecision(
            route=Route.FOOD,
            queue="food",
            fast_track=illness,
            escalate=illness,
            spot_check_required=illness,
            burden_of_proof_on_merchant=False,
            distress=distress,
            rule_refs=(FSL_148_UNSAFE_FOOD, PLATFORM_TESTING_COST)
            if illness
            else (FSL_148_UNSAFE_FOOD,),
            reasons=(
                "food illness reported: fast track, escalate, sample the batch"
                if illness
                else "food safety complaint",
                *distress_reasons,
            ),
            spot_check_method=SpotCheckMethod.SAME_MODEL_SAMPLING if illness else None,
        )

    if facts.category is ProblemCategory.COUNTERFEIT:
        # Only an appraisal can tell a counterfeit; fraud may carry CPL Art. 55 damages.
        return TriageDecision(
            route=Route.COUNTERFEIT,
            queue="counterfeit",
            fast_track=False,
            escalate=False,
            spot_check_required=True,
            burden_of_proof_on_merchant=False,
            distress=distress,
            rule_refs=(CPL_55_FRAUD, PLATFORM_TESTING_COST),
            reasons=("suspected counterfeit: third-party appraisal required", *distress_reasons),
            spot_check_method=SpotCheckMethod.THIRD_PARTY_APPRAISAL,
        )

    if facts.category is ProblemCategory.NO_REASON_RETURN:
        return TriageDecision(
            route=Route.NO_REASON_RETURN,
            queue="returns",
            fast_track=False,
            escalate=False,
            spot_check_required=False,
            burden_of_proof_on_merchant=False,
            distress=distress,
            rule_refs=(CPL_25_NO_REASON_RETURN,),
            reasons=(
                "no-reason return: 7 days from receipt, buyer pays shipping",
                *distress_reasons,
            ),
        )

    if burden:
        return TriageDecision(
            route=Route.DURABLE_GOODS,
            queue="durables",
            fast_track=False,
            escalate=False,
            spot_check_required=False,
            burden_of_proof_on_merchant=True,
            distress=distress,
            rule_refs=burden_refs,
            reasons=(*burden_reasons, *distress_reasons),
        )

    return TriageDecision(
        route=Route.QUALITY,
        queue="quality",
        fast_track=False,
        escalate=False,
        spot_check_required=False,
        burden_of_proof_on_merchant=False,
        distress=distress,
        rule_refs=(),
        reasons=(f"{facts.category.value} complaint: standard quality handling", *distress_reasons),
    )
