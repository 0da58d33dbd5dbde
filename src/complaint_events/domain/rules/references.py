"""The legal and platform rules the complaint process cites (docs/rules.md).

Every decision the rules modules return carries the ``RuleRef`` values that justify
it, so an auditor or a consumer can see which article a liability finding or a
remedy rests on.  Codes are stable identifiers that travel in events.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Final


@dataclass(frozen=True, slots=True)
class RuleRef:
    """One cited rule: a stable code, its source, the article and a plain summary."""

    code: str
    source: str
    article: str
    summary: str


_CPL: Final = "消费者权益保护法 (Consumer Rights Protection Law)"
_FSL: Final = "食品安全法 (Food Safety Law)"
_SANBAO: Final = "部分商品修理更换退货责任规定 (三包规定)"
_PIPL: Final = "个人信息保护法 (Personal Information Protection Law)"
_PLATFORM: Final = "平台投诉处理规则 (platform complaint rules)"

CPL_23_DURABLE_BURDEN: Final = RuleRef(
    code="CPL-23",
    source=_CPL,
    article="Art. 23(3)",
    summary=(
        "For durable goods (cars, computers, TVs, refrigerators, air conditioners, "
        "washing machines) with a defect found within 6 months of delivery, the "
        "merchant bears the burden of proving there is no defect."
    ),
)
CPL_24_QUALITY_RETURN: Final = RuleRef(
    code="CPL-24",
    source=_CPL,
    article="Art. 24",
    summary=(
        "Goods not meeting quality requirements may be returned within 7 days of "
        "receipt, then exchanged or repaired; the merchant bears the necessary "
        "transport costs."
    ),
)
CPL_25_NO_REASON_RETURN: Final = RuleRef(
    code="CPL-25",
    source=_CPL,
    article="Art. 25",
    summary=(
        "Goods bought online may be returned without giving a reason within 7 days "
        "of receipt; the buyer pays the return shipping unless agreed otherwise."
    ),
)
CPL_55_FRAUD: Final = RuleRef(
    code="CPL-55",
    source=_CPL,
    article="Art. 55(1)",
    summary=(
        "Fraud in supplying goods: refund plus compensation of 3 times the price "
        "paid, at least ¥500."
    ),
)
FSL_148_UNSAFE_FOOD: Final = RuleRef(
    code="FSL-148",
    source=_FSL,
    article="Art. 148(2)",
    summary=(
        "Food not meeting safety standards: besides damages, compensation of 10 "
        "times the price paid or 3 times the loss, at least ¥1,000."
    ),
)
SANBAO_7_DAY: Final = RuleRef(
    code="SANBAO-7D",
    source=_SANBAO,
    article="Art. 9",
    summary="Within 7 days of receipt a defective product may be returned, exchanged or repaired.",
)
SANBAO_15_DAY: Final = RuleRef(
    code="SANBAO-15D",
    source=_SANBAO,
    article="Art. 10",
    summary="Within 15 days of receipt a defective product may be exchanged or repaired.",
)
SANBAO_WARRANTY_REPAIR: Final = RuleRef(
    code="SANBAO-WARRANTY",
    source=_SANBAO,
    article="三包有效期 (warranty period)",
    summary="Within the warranty period a defective product is repaired free of charge.",
)
SANBAO_TWO_REPAIRS: Final = RuleRef(
    code="SANBAO-2REPAIRS",
    source=_SANBAO,
    article="Art. 11",
    summary=(
        "Within warranty, after two repairs that fail to restore normal use, the "
        "product is exchanged or returned."
    ),
)
PIPL_MINIMISATION: Final = RuleRef(
    code="PIPL-6",
    source=_PIPL,
    article="Art. 6",
    summary=(
        "Personal data is limited to what the purpose needs: merchants see masked "
        "names and phones, an address only when a return needs it, and never ID "
        "numbers, payment accounts or medical data."
    ),
)
PLATFORM_TESTING_COST: Final = RuleRef(
    code="PLATFORM-TESTING-COST",
    source=_PLATFORM,
    article="Spot checks",
    summary="The party found at fault pays for testing.",
)
PLATFORM_SILENT_MERCHANT: Final = RuleRef(
    code="PLATFORM-SILENT-MERCHANT",
    source=_PLATFORM,
    article="Merchant evidence deadline",
    summary=(
        "A merchant who submits no evidence before the deadline is presumed liable "
        "for a visible defect (default judgment: return and refund at the "
        "merchant's cost)."
    ),
)
PLATFORM_DISCRETION: Final = RuleRef(
    code="PLATFORM-DISCRETION",
    source=_PLATFORM,
    article="Liability",
    summary=(
        "When the evidence is inconclusive or points both ways, the platform "
        "decides at its discretion, fairly and neutrally."
    ),
)
PLATFORM_REFUND_AFTER_RETURN: Final = RuleRef(
    code="PLATFORM-REFUND-AFTER-RETURN",
    source=_PLATFORM,
    article="Refunds",
    summary=(
        "Once the returned goods are received, the merchant refunds within 7 days; "
        "a late refund is escalated and a penalty recorded against the merchant."
    ),
)

ALL_RULES: Final[tuple[RuleRef, ...]] = (
    CPL_23_DURABLE_BURDEN,
    CPL_24_QUALITY_RETURN,
    CPL_25_NO_REASON_RETURN,
    CPL_55_FRAUD,
    FSL_148_UNSAFE_FOOD,
    SANBAO_7_DAY,
    SANBAO_15_DAY,
    SANBAO_WARRANTY_REPAIR,
    SANBAO_TWO_REPAIRS,
    PIPL_MINIMISATION,
    PLATFORM_TESTING_COST,
    PLATFORM_SILENT_MERCHANT,
    PLATFORM_DISCRETION,
    PLATFORM_REFUND_AFTER_RETURN,
)

_BY_CODE: Final = MappingProxyType({rule.code: rule for rule in ALL_RULES})


def by_code(code: str) -> RuleRef:
    """Look up a rule by its code, e.g. when rebuilding a decision from a stored event."""
    try:
        return _BY_CODE[code]
    except KeyError:
        known = ", ".join(sorted(_BY_CODE))
        raise KeyError(f"unknown rule code {code!r}; known codes: {known}") from None
