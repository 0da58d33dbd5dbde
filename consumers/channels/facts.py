"""Pure text rules shared by the channel adapters: labelled facts, demand, category, safety.

Consumers write free text; the intake contract wants typed facts.  These
functions find them, in Chinese or English, and never guess a fact that the
consumer must state: an order id, merchant, SKU, product or price that is not
written down stays missing, and the message is dead-lettered with the reason.

Labelled facts (a label, then ``:`` or the full-width ``：``; first occurrence
wins, quoted lines starting with ``>`` are ignored):

=============== ===========================================================
fact            labels
=============== ===========================================================
order_id        Order, Order ID, Order No., Order number, 订单号, 订单编号
merchant_id     Merchant, Merchant ID, Shop, Shop ID, Store, 商家, 商家ID, 店铺, 店铺ID
sku             SKU, Item No., 商品编码, 商品编号, 货号
product_name    Product, Product name, 商品, 商品名称, 产品
product_spec    Spec, Specification, 规格, 型号
price           Price, Amount paid, 价格, 单价, 实付, 实付金额
quantity        Quantity, Qty, 数量
purchase_date   Purchase date, Purchased, Ordered on, 购买日期, 下单日期
delivered_on    Delivered, Delivered on, Received on, 签收日期, 收货日期
demand          Demand, Request, 诉求, 要求
=============== ===========================================================

Ids (order, merchant, SKU) may also appear inside a line (``投诉 订单号：T123``,
``Order #T123``); texts (product, spec, demand) must start their line.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from complaint_events.domain.values import Demand, ProblemCategory, SafetyFlag

_ID_LABELS: Final[Mapping[str, str]] = {
    "order_id": r"order\s*(?:id|no\.?|number)|order|订单编号|订单号",
    "merchant_id": r"merchant\s*id|merchant|shop\s*id|shop|store|商家\s*id|商家|店铺\s*id|店铺",
    "sku": r"sku|item\s*no\.?|商品编码|商品编号|货号",
}
_TEXT_LABELS: Final[Mapping[str, str]] = {
    "product_name": r"product\s*name|product|商品名称|商品|产品",
    "product_spec": r"specification|spec|规格|型号",
    "price": r"amount\s*paid|price|实付金额|实付|单价|价格",
    "quantity": r"quantity|qty|数量",
    "purchase_date": r"purchase\s*date|purchased(?:\s*on)?|ordered\s*on|购买日期|下单日期",
    "delivered_on": r"delivered(?:\s*on)?|received\s*on|签收日期|收货日期",
    "demand": r"demand|request|诉求|要求",
}
_ID_VALUE: Final = r"[A-Za-z0-9][\w\-./]*"
_ID_PATTERNS: Final = {
    fact: re.compile(
        rf"(?:^|(?<=[\s,;，；、【\[(（]))(?:{labels})\s*(?:[:：]|#)\s*(?P<value>{_ID_VALUE})",
        re.IGNORECASE,
    )
    for fact, labels in _ID_LABELS.items()
}
_TEXT_PATTERNS: Final = {
    fact: re.compile(rf"^\s*(?:{labels})\s*[:：]\s*(?P<value>.+?)\s*$", re.IGNORECASE)
    for fact, labels in _TEXT_LABELS.items()
}

_PRICE: Final = re.compile(r"^(?:[¥￥$]|CNY|RMB)?\s*(\d+(?:\.\d{1,2})?)\s*(?:元|CNY|RMB)?$", re.I)
_DATE: Final = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")
_CJK: Final = re.compile(r"[\u4e00-\u9fff]")


def labelled_facts(text: str) -> dict[str, str]:
    """The labelled facts found in ``text`` (see the module's table), first occurrence each."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        if line.lstrip().startswith(">"):
            continue  # a quoted earlier message
        for fact, pattern in _ID_PATTERNS.items():
            if fact not in found and (match := pattern.search(line)):
                found[fact] = match["value"].rstrip(".")
        for fact, pattern in _TEXT_PATTERNS.items():
            if fact not in found and (match := pattern.match(line)):
                found[fact] = match["value"]
    return found


def parse_price(text: str) -> Decimal | None:
    """``"¥299.00"``, ``"299 元"``, ``"CNY 12.5"`` -> an exact decimal; None if not a price."""
    match = _PRICE.match(text.strip().replace(",", ""))
    if match is None:
        return None
    try:
        return Decimal(match[1])
    except InvalidOperation:  # pragma: no cover - the pattern admits digits only
        return None


def parse_date(text: str) -> date | None:
    """``2026-03-01``, ``2026/3/1`` or ``2026年3月1日`` -> a date; None if not one."""
    match = _DATE.search(text)
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def parse_quantity(text: str) -> int | None:
    """The first whole number in ``text``."""
    match = re.search(r"\d+", text)
    return int(match[0]) if match else None


# Earliest mention wins: "return and refund" / "退货退款" is a return.
_DEMAND_CUES: Final[tuple[tuple[Demand, re.Pattern[str]], ...]] = (
    (Demand.RETURN, re.compile(r"\breturn\b|退货", re.I)),
    (Demand.REFUND, re.compile(r"\brefund\w*|\bmoney back\b|退款|退钱", re.I)),
    (Demand.EXCHANGE, re.compile(r"\bexchange\b|\breplace\w*|换货|换一个|换新", re.I)),
    (Demand.REPAIR, re.compile(r"\brepair\w*|\bfix\b|维修|修理|返修", re.I)),
    (Demand.COMPENSATION, re.compile(r"\bcompensat\w*|赔偿|赔付|索赔", re.I)),
)


def infer_demand(text: str) -> Demand | None:
    """What the consumer asks for, from the earliest demand word in ``text``; None if none."""
    hits = [(m.start(), d) for d, p in _DEMAND_CUES if (m := p.search(text))]
    return min(hits)[1] if hits else None


# First matching category wins: the more specific problems come first.
_CATEGORY_CUES: Final[tuple[tuple[ProblemCategory, re.Pattern[str]], ...]] = (
    (
        ProblemCategory.COUNTERFEIT,
        re.compile(r"counterfeit|\bfake\b|假货|假冒|仿冒|山寨|高仿", re.I),
    ),
    (
        ProblemCategory.FOOD_SAFETY,
        re.compile(
            r"spoil(?:ed|t)|mou?ldy?|expired|food poisoning|foreign object"
            r"|变质|发霉|霉变|异物|过期|食物中毒|吃坏",
            re.I,
        ),
    ),
    (
        ProblemCategory.DAMAGED_IN_TRANSIT,
        re.compile(
            r"damaged in (?:transit|delivery)|arrived (?:damaged|broken|crushed)"
            r"|运输|快递.{0,6}(?:压|摔|破)|外包装破损",
            re.I,
        ),
    ),
    (
        ProblemCategory.NOT_AS_DESCRIBED,
        re.compile(
            r"not as described|different from the (?:picture|photo|listing)"
            r"|与描述不符|货不对板|和图片不一样|色差|描述不符",
            re.I,
        ),
    ),
    (
        ProblemCategory.AFTER_SALES_BROKEN_PROMISE,
        re.compile(
            r"warranty (?:refused|denied)|refused to (?:repair|honou?r)"
            r"|不给保修|拒绝保修|售后不|不履行",
            re.I,
        ),
    ),
    (ProblemCategory.NO_REASON_RETURN, re.compile(r"no[- ]reason|七天无理由|无理由退", re.I)),
    (
        ProblemCategory.QUALITY_DEFECT,
        re.compile(
            r"broken|\bbroke\b|defect\w*|faulty|leak\w*|crack\w*|stopped working|doesn't work"
            r"|does not work|won't (?:turn on|charge)|overheat\w*|smok\w+|caught fire|explod\w*"
            r"|坏了|损坏|故障|质量|漏水|漏电|开裂|裂了|不工作|不能用|无法开机|充不进电|发烫"
            r"|冒烟|起火|爆炸|断了",
            re.I,
        ),
    ),
)


def infer_category(text: str) -> ProblemCategory:
    """The problem category the text reads as; OTHER when no rule matches."""
    for category, pattern in _CATEGORY_CUES:
        if pattern.search(text):
            return category
    return ProblemCategory.OTHER


_SAFETY_CUES: Final[tuple[tuple[SafetyFlag, re.Pattern[str]], ...]] = (
    (
        SafetyFlag.INJURY,
        re.compile(
            r"\binjur\w*|\bburn(?:ed|t|s)\b|\bcut my\b|\bbled\b"
            r"|受伤|烫伤|烧伤|划伤|割伤|流血",
            re.I,
        ),
    ),
    (
        SafetyFlag.FIRE_OR_EXPLOSION,
        re.compile(
            r"caught fire|\bfire\b|\bsmok(?:e|ing)\b"
            r"|explod\w*|explosion|起火|着火|冒烟|爆炸|自燃",
            re.I,
        ),
    ),
    (SafetyFlag.ELECTRIC_SHOCK, re.compile(r"electric shock|\bshocked\b|触电|漏电|电到", re.I)),
    (
        SafetyFlag.FOOD_ILLNESS,
        re.compile(
            r"food poisoning|vomit\w*|diarrh\w*|stomach ache"
            r"|腹泻|拉肚子|呕吐|食物中毒|肚子疼",
            re.I,
        ),
    ),
)
_CHILD: Final = re.compile(
    r"\b(?:child|children|kid|kids|baby|toddler)\b|儿童|孩子|宝宝|婴儿", re.I
)
_CHILD_HAZARD: Final = re.compile(r"chok\w*|swallow\w*|窒息|吞|误食", re.I)


def infer_safety_flags(text: str) -> list[SafetyFlag]:
    """Safety signals in the text; a child is flagged only together with a hazard."""
    flags = [flag for flag, pattern in _SAFETY_CUES if pattern.search(text)]
    if _CHILD.search(text) and (flags or _CHILD_HAZARD.search(text)):
        flags.append(SafetyFlag.CHILD_SAFETY)
    return flags


def language_of(text: str) -> str:
    """``"zh"`` when the text has Chinese characters, else ``"en"``."""
    return "zh" if _CJK.search(text) else "en"


def read_from_text(text: str) -> dict[str, Any]:
    """The intake fields a channel without tags of its own reads from the consumer's words:
    the problem's category, safety flags and the language."""
    return {
        "category": infer_category(text),
        "safety_flags": infer_safety_flags(text),
        "language": language_of(text),
    }


def missing(facts: Mapping[str, object], required: tuple[str, ...]) -> list[str]:
    """The required facts that are absent or blank."""
    return [name for name in required if facts.get(name) in (None, "")]


REQUIRED_FACTS: Final = ("order_id", "merchant_id", "sku", "product_name", "price", "demand")
"""Facts every channel must find before it can file a complaint."""
