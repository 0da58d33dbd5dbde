"""Remedies: what the consumer is entitled to, what to offer, what the law adds (docs/rules.md).

Time windows follow 消费者权益保护法 Arts. 24-25 and the 三包 rules, counted in
calendar days from receipt (the day of receipt is day 0, so "within 7 days" means
at most 7 days later).  Statutory compensation (CPL Art. 55, 食品安全法 Art. 148)
is always computed, even where the platform declines to adjudicate it, so the
consumer knows the amount and where to claim it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from complaint_events.domain.rules.references import (
    CPL_24_QUALITY_RETURN,
    CPL_25_NO_REASON_RETURN,
    CPL_55_FRAUD,
    FSL_148_UNSAFE_FOOD,
    PLATFORM_DISCRETION,
    PLATFORM_SILENT_MERCHANT,
    SANBAO_7_DAY,
    SANBAO_15_DAY,
    SANBAO_TWO_REPAIRS,
    SANBAO_WARRANTY_REPAIR,
    RuleRef,
)
from complaint_events.domain.rules.triage import add_months
from complaint_events.domain.values import (
    Demand,
    LiabilityGround,
    Party,
    ProblemCategory,
    RemedyKind,
)

_CENT: Final = Decimal("0.01")
ZERO: Final = Decimal("0.00")
RETURN_WINDOW_DAYS: Final = 7  # CPL Arts. 24-25; 三包 Art. 9
EXCHANGE_WINDOW_DAYS: Final = 15  # 三包 Art. 10
FAILED_REPAIRS_FOR_EXCHANGE: Final = 2  # 三包 Art. 11
FRAUD_MULTIPLE: Final = Decimal(3)  # CPL Art. 55
FRAUD_MINIMUM: Final = Decimal(500)
FOOD_PRICE_MULTIPLE: Final = Decimal(10)  # 食品安全法 Art. 148
FOOD_LOSS_MULTIPLE: Final = Decimal(3)
FOOD_MINIMUM: Final = Decimal(1000)

WHERE_TO_CLAIM: Final = (
    "Claim it from the merchant first; if the merchant refuses, complain to the local "
    "market regulator (12315) or bring a claim in court. The platform may decline to "
    "adjudicate statutory compensation; it records the amount to support your claim."
)

# Most to least complete for the consumer: used when their demand is not available.
_PREFERENCE: Final[tuple[RemedyKind, ...]] = (
    RemedyKind.FULL_REFUND,
    RemedyKind.RETURN_AND_REFUND,
    RemedyKind.STATUTORY_COMPENSATION,
    RemedyKind.EXCHANGE,
    RemedyKind.REPAIR,
    RemedyKind.COMPENSATION,
)
# What each demand asks for, best match first.
_DEMANDED: Final[dict[Demand, tuple[RemedyKind, ...]]] = {
    Demand.REFUND: (RemedyKind.FULL_REFUND, RemedyKind.RETURN_AND_REFUND),
    Demand.RETURN: (RemedyKind.RETURN_AND_REFUND, RemedyKind.FULL_REFUND),
    Demand.EXCHANGE: (RemedyKind.EXCHANGE,),
    Demand.REPAIR: (RemedyKind.REPAIR,),
    Demand.COMPENSATION: (RemedyKind.STATUTORY_COMPENSATION, RemedyKind.COMPENSATION),
}
_REFUNDING: Final = frozenset(
    {RemedyKind.FULL_REFUND, RemedyKind.RETURN_AND_REFUND, RemedyKind.STATUTORY_COMPENSATION}
)


def yuan(amount: Decimal) -> Decimal:
    """Quantize an amount of yuan to the fen, rounding half up."""
    return amount.quantize(_CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class RemedyFacts:
    """What the remedy rules need: the purchase, the demand and the liability finding.

    ``received_on`` is ``None`` when the goods never reached the consumer (lost or
    damaged in transit, refused at the door): there is then nothing to return.
    """

    price: Decimal
    quantity: int
    demand: Demand
    category: ProblemCategory
    liable: Party
    grounds: tuple[LiabilityGround, ...]
    received_on: date | None
    warranty_months: int
    failed_repairs: int
    fraud: bool
    unsafe_food: bool
    consumer_loss: Decimal

    def __post_init__(self) -> None:
        if self.price < 0 or self.consumer_loss < 0:
            raise ValueError("price and consumer_loss must not be negative")
        if self.quantity < 1:
            raise ValueError("quantity must be at least 1")
        if self.warranty_months < 0 or self.failed_repairs < 0:
            raise ValueError("warranty_months and failed_repairs must not be negative")

    @property
    def price_paid(self) -> Decimal:
        """What the consumer paid for the goods complained of."""
        return yuan(self.price * self.quantity)


@dataclass(frozen=True, slots=True)
class StatutoryCompensation:
    """Compensation the law adds on top of a refund, and where the consumer claims it."""

    amount: Decimal
    basis: str
    rule_refs: tuple[RuleRef, ...]
    where_to_claim: str


@dataclass(frozen=True, slots=True)
class RemedyRecommendation:
    """The remedy to offer, what it costs whom, and why."""

    kind: RemedyKind
    refund_amount: Decimal
    shipping_paid_by: Party
    compensation: StatutoryCompensation | None
    rule_refs: tuple[RuleRef, ...]
    explanation: str


def _fraud_compensation(facts: RemedyFacts) -> StatutoryCompensation:
    # 消费者权益保护法 Art. 55: 3x the price paid, at least ¥500, besides the refund.
    amount = yuan(max(FRAUD_MULTIPLE * facts.price_paid, FRAUD_MINIMUM))
    return StatutoryCompensation(
        amount=amount,
        basis=f"fraud: 3 x price paid ¥{facts.price_paid}, at least ¥500, besides the refund",
        rule_refs=(CPL_55_FRAUD,),
        where_to_claim=WHERE_TO_CLAIM,
    )


def _food_compensation(facts: RemedyFacts) -> StatutoryCompensation:
    # 食品安全法 Art. 148: 10x the price paid or 3x the loss (the consumer takes the
    # larger), at least ¥1,000, besides damages for the loss itself.
    amount = yuan(
        max(
            FOOD_PRICE_MULTIPLE * facts.price_paid,
            FOOD_LOSS_MULTIPLE * facts.consumer_loss,
            FOOD_MINIMUM,
        )
    )
    return StatutoryCompensation(
        amount=amount,
        basis=(
            f"unsafe food: the larger of 10 x price paid ¥{facts.price_paid} and "
            f"3 x loss ¥{yuan(facts.consumer_loss)}, at least ¥1,000"
        ),
        rule_refs=(FSL_148_UNSAFE_FOOD,),
        where_to_claim=WHERE_TO_CLAIM,
    )


def statutory_compensation(facts: RemedyFacts) -> StatutoryCompensation | None:
    """The compensation CPL Art. 55 or 食品安全法 Art. 148 grants, if either applies.

    When both apply the consumer may claim under one of them; the larger is returned.
    """
    candidates: list[StatutoryCompensation] = []
    if facts.fraud or LiabilityGround.COUNTERFEIT in facts.grounds:
        candidates.append(_fraud_compensation(facts))
    if facts.unsafe_food:
        candidates.append(_food_compensation(facts))
    if not candidates:
        return None
    # Stable on ties: fraud (listed first) wins an equal amount.
    return max(candidates, key=lambda c: c.amount)


def _days_since(received_on: date, today: date) -> int:
    """Calendar days since receipt; a receipt date after ``today`` counts as today."""
    return max((today - received_on).days, 0)


def _entitlements(facts: RemedyFacts, today: date) -> dict[RemedyKind, tuple[RuleRef, ...]]:
    """Each remedy the consumer is entitled to, with the rules that grant it."""
    granted: dict[RemedyKind, tuple[RuleRef, ...]] = {}

    def grant(kind: RemedyKind, *refs: RuleRef) -> None:
        granted.setdefault(kind, refs)

    received = facts.received_on

    if facts.category is ProblemCategory.NO_REASON_RETURN:
        # CPL Art. 25: needs the goods intact, so not when the consumer is at fault.
        if (
            facts.liable is not Party.CONSUMER
            and received is not None
            and _days_since(received, today) <= RETURN_WINDOW_DAYS
        ):
            grant(RemedyKind.RETURN_AND_REFUND, CPL_25_NO_REASON_RETURN)
        return granted

    if facts.liable is Party.SHARED:
        grant(RemedyKind.COMPENSATION, PLATFORM_DISCRETION)
    if facts.liable is not Party.MERCHANT:
        return granted

    compensation = statutory_compensation(facts)
    if compensation is not None:
        # CPL Art. 55 / FSL Art. 148 come on top of getting the money back; eaten
        # food or undelivered goods cannot be sent back.
        nothing_to_return = facts.unsafe_food or received is None
        refund = RemedyKind.FULL_REFUND if nothing_to_return else RemedyKind.RETURN_AND_REFUND
        grant(refund, *compensation.rule_refs)
        grant(RemedyKind.STATUTORY_COMPENSATION, *compensation.rule_refs)
    if LiabilityGround.SILENT_MERCHANT in facts.grounds:
        # Default judgment: return and refund at the merchant's cost.
        grant(RemedyKind.RETURN_AND_REFUND, PLATFORM_SILENT_MERCHANT)

    if received is None:
        # Never received: nothing to return, exchange or repair.
        grant(RemedyKind.FULL_REFUND, CPL_24_QUALITY_RETURN)
        return granted
    days = _days_since(received, today)
    if days <= RETURN_WINDOW_DAYS:
        # CPL Art. 24 and 三包 Art. 9: return, exchange or repair.
        for kind in (RemedyKind.RETURN_AND_REFUND, RemedyKind.EXCHANGE, RemedyKind.REPAIR):
            grant(kind, CPL_24_QUALITY_RETURN, SANBAO_7_DAY)
    elif days <= EXCHANGE_WINDOW_DAYS:
        # 三包 Art. 10: exchange or repair.
        for kind in (RemedyKind.EXCHANGE, RemedyKind.REPAIR):
            grant(kind, CPL_24_QUALITY_RETURN, SANBAO_15_DAY)
    if today <= add_months(received, facts.warranty_months):
        grant(RemedyKind.REPAIR, SANBAO_WARRANTY_REPAIR)
        if facts.failed_repairs >= FAILED_REPAIRS_FOR_EXCHANGE:
            # 三包 Art. 11: two failed repairs, then exchange or return.
            grant(RemedyKind.EXCHANGE, SANBAO_TWO_REPAIRS)
            grant(RemedyKind.RETURN_AND_REFUND, SANBAO_TWO_REPAIRS)
    if not granted:
        # Liable, but every statutory window has passed: the handler sets compensation.
        grant(RemedyKind.COMPENSATION, PLATFORM_DISCRETION)
    return granted


def entitled_remedies(facts: RemedyFacts, today: date) -> tuple[RemedyKind, ...]:
    """The remedies the consumer is entitled to today, most complete first."""
    granted = _entitlements(facts, today)
    return tuple(kind for kind in _PREFERENCE if kind in granted)


def _shipping_payer(facts: RemedyFacts, kind: RemedyKind) -> Party:
    if kind is RemedyKind.NONE:
        return Party.CONSUMER  # nothing is owed; any shipment is the consumer's own
    if facts.category is ProblemCategory.NO_REASON_RETURN:
        return Party.CONSUMER  # CPL Art. 25: the buyer pays return shipping
    if facts.liable is Party.SHARED:
        return Party.SHARED
    return Party.MERCHANT  # CPL Art. 24: the merchant bears the transport costs


def recommend_remedy(facts: RemedyFacts, today: date) -> RemedyRecommendation:
    """The remedy to offer: the consumer's demand when entitled to it, else the best entitled."""
    compensation = None if facts.liable is Party.CONSUMER else statutory_compensation(facts)
    granted = _entitlements(facts, today)
    if not granted:
        if facts.liable is Party.CONSUMER:
            why = "the consumer is liable (" + ", ".join(g.value for g in facts.grounds) + ")"
        elif facts.category is ProblemCategory.NO_REASON_RETURN:
            why = "the 7-day no-reason return window has passed (CPL Art. 25)"
        else:
            why = "no liability of the merchant was established; goodwill is at platform discretion"
        if compensation is not None:
            why += "; statutory compensation may still be claimed: " + compensation.where_to_claim
        return RemedyRecommendation(
            kind=RemedyKind.NONE,
            refund_amount=ZERO,
            shipping_paid_by=Party.CONSUMER,
            compensation=compensation,
            rule_refs=compensation.rule_refs if compensation else (),
            explanation=f"No remedy is owed: {why}.",
        )

    wanted = _DEMANDED[facts.demand]
    chosen = next((kind for kind in wanted if kind in granted), None)
    honoured = chosen is not None
    if chosen is None:
        chosen = next(kind for kind in _PREFERENCE if kind in granted)
    shipping = _shipping_payer(facts, chosen)
    refund = facts.price_paid if chosen in _REFUNDING else ZERO
    refs = tuple(
        dict.fromkeys((*granted[chosen], *(compensation.rule_refs if compensation else ())))
    )

    parts = [
        f"{chosen.value.replace('_', ' ')}"
        + (
            " as the consumer asked"
            if honoured
            else f" (the consumer asked for {facts.demand.value}, which is not available now)"
        ),
    ]
    if refund:
        parts.append(f"refund ¥{refund}")
    if chosen in (RemedyKind.RETURN_AND_REFUND, RemedyKind.EXCHANGE, RemedyKind.REPAIR):
        parts.append(f"shipping paid by the {shipping.value}")
    if compensation is not None:
        parts.append(
            f"statutory compensation ¥{compensation.amount} ({compensation.basis}); "
            + compensation.where_to_claim
        )
    return RemedyRecommendation(
        kind=chosen,
        refund_amount=refund,
        shipping_paid_by=shipping,
        compensation=compensation,
        rule_refs=refs,
        explanation="; ".join(parts) + ".",
    )


def default_judgment(price: Decimal, quantity: int) -> RemedyRecommendation:
    """The remedy when a silent merchant is presumed liable: return and refund at its cost."""
    if price < 0 or quantity < 1:
        raise ValueError("price must not be negative and quantity must be at least 1")
    refund = yuan(price * quantity)
    return RemedyRecommendation(
        kind=RemedyKind.RETURN_AND_REFUND,
        refund_amount=refund,
        shipping_paid_by=Party.MERCHANT,
        compensation=None,
        rule_refs=(PLATFORM_SILENT_MERCHANT, CPL_24_QUALITY_RETURN),
        explanation=(
            "The merchant gave no evidence before the deadline and the defect is visible: "
            f"return and refund of ¥{refund} at the merchant's cost, shipping included."
        ),
    )
