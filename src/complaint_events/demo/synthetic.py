"""A realistic synthetic stream of complaints, and what each party will do about each one.

Every complaint comes with a :class:`Plan`: how its consumer, its merchant and
the lab will behave (answer or stay silent, accept or reject the offer, answer
the survey, appeal). The plan is drawn from a generator seeded with the demo's
seed and the complaint's own index, so a seed gives the same stream and the
same behaviour, whatever order the bus happens to deliver events in.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final, Literal

from complaint_events.contracts.intake import ConsumerV1, IntakeEvidenceV1, IntakeMessageV1
from complaint_events.domain.values import (
    Channel,
    Demand,
    EvidenceKind,
    ProblemCategory,
    SafetyFlag,
    SpotCheckOutcome,
)

RemedyAnswer = Literal["accept", "reject", "silent"]


@dataclass(frozen=True, slots=True)
class Product:
    sku: str
    merchant_id: str
    name_zh: str
    name_en: str
    product_type: str
    price: Decimal


CATALOGUE: Final = (
    Product(
        "SKU-KETTLE-17",
        "m-kitchen",
        "电热水壶 1.7L",
        "Electric kettle 1.7L",
        "kettle",
        Decimal("129.00"),
    ),
    Product(
        "SKU-PAN-28", "m-kitchen", "不粘锅 28cm", "Non-stick pan 28cm", "cookware", Decimal("89.00")
    ),
    Product(
        "SKU-NUTS-500", "m-snacks", "每日坚果 500g", "Mixed nuts 500g", "food", Decimal("59.90")
    ),
    Product(
        "SKU-MILK-24",
        "m-snacks",
        "儿童牛奶 24盒",
        "Kids' milk, 24 cartons",
        "food",
        Decimal("79.00"),
    ),
    Product("SKU-CASE-X", "m-phones", "手机壳", "Phone case", "accessory", Decimal("19.90")),
    Product(
        "SKU-CHARGER-65",
        "m-phones",
        "65W 快充充电器",
        "65W fast charger",
        "charger",
        Decimal("149.00"),
    ),
    Product(
        "SKU-EARBUDS-3", "m-audio", "无线耳机", "Wireless earbuds", "earbuds", Decimal("399.00")
    ),
    Product(
        "SKU-TV-55", "m-bigscreen", "55英寸智能电视", "55-inch smart TV", "tv", Decimal("2899.00")
    ),
    Product(
        "SKU-FRIDGE-400", "m-coolhome", "双门冰箱 400L", "Fridge 400L", "fridge", Decimal("3299.00")
    ),
    Product(
        "SKU-LAPTOP-14",
        "m-digital",
        "轻薄笔记本电脑 14英寸",
        "14-inch laptop",
        "laptop",
        Decimal("4999.00"),
    ),
    Product(
        "SKU-SNEAKER-42",
        "m-sports",
        "跑步鞋 42码",
        "Running shoes size 42",
        "shoes",
        Decimal("459.00"),
    ),
    Product(
        "SKU-SERUM-30", "m-beauty", "精华液 30ml", "Face serum 30ml", "cosmetics", Decimal("268.00")
    ),
    Product("SKU-BAG-LUX", "m-fashion", "真皮手提包", "Leather handbag", "bag", Decimal("1280.00")),
    Product("SKU-STROLLER-1", "m-baby", "婴儿推车", "Baby stroller", "stroller", Decimal("899.00")),
    Product(
        "SKU-HEATER-2K",
        "m-coolhome",
        "电暖器 2000W",
        "Electric heater 2000W",
        "heater",
        Decimal("239.00"),
    ),
)

BATCH_SKU: Final = "SKU-CHARGER-65"
"""The SKU whose bad batch draws enough complaints in a week to raise a batch alert."""

_CATEGORY_TEXTS: Final[dict[ProblemCategory, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    ProblemCategory.QUALITY_DEFECT: (
        (
            "{p}用了{d}天就坏了，{issue_zh}，附照片。",
            "收到的{p}有质量问题：{issue_zh}。希望尽快处理。",
            "{p}质量太差了，{issue_zh}，才买没多久。",
        ),
        (
            "The {p} broke after {d} days: {issue_en}. Photos attached.",
            "My {p} has a defect, {issue_en}. Please sort it out.",
            "Poor quality {p}: {issue_en}, bought it only recently.",
        ),
    ),
    ProblemCategory.NOT_AS_DESCRIBED: (
        ("收到的{p}和描述不符，颜色和尺寸都不对。", "{p}实物与宣传图差别很大，材质不一样。"),
        (
            "The {p} is not as described: wrong size and colour.",
            "The {p} looks nothing like the listing.",
        ),
    ),
    ProblemCategory.COUNTERFEIT: (
        ("怀疑{p}是假货，防伪码查不到，做工粗糙。", "{p}和专柜正品对比明显是仿冒的。"),
        (
            "I believe this {p} is counterfeit: the serial number does not verify.",
            "The {p} is fake, compared with the one from the official store.",
        ),
    ),
    ProblemCategory.FOOD_SAFETY: (
        ("{p}有异味，孩子吃了以后肚子疼去了医院！", "{p}里发现异物，还没到保质期就变质了。"),
        (
            "My child got sick after eating the {p}, we went to hospital!",
            "The {p} smelled rancid and was mouldy before its best-before date.",
        ),
    ),
    ProblemCategory.DAMAGED_IN_TRANSIT: (
        ("{p}收到时外包装破损，里面也摔坏了。",),
        ("The {p} arrived smashed, the box was crushed.",),
    ),
    ProblemCategory.AFTER_SALES_BROKEN_PROMISE: (
        ("商家承诺{p}一年包换，现在坏了却不给换。",),
        ("The merchant promised a one-year exchange on the {p} and now refuses.",),
    ),
}
_ISSUES: Final = (
    ("底部漏水", "it leaks from the bottom"),
    ("通电后没反应", "it does not turn on"),
    ("外壳开裂", "the casing cracked"),
    ("发热严重还有焦味", "it overheats and smells burnt"),
    ("屏幕出现坏点", "the screen has dead pixels"),
    ("开胶了", "the sole came unglued"),
)
_DISTRESS_ZH: Final = ("太气人了！！", "我非常愤怒，要投诉到底！", "真的很失望，心情很糟。")
_DISTRESS_EN: Final = (
    "This is outrageous!!",
    "I am furious and will not let this go!",
    "I am so upset.",
)
_NAMES: Final = (
    "林小明",
    "王芳",
    "张伟",
    "李娜",
    "刘洋",
    "陈静",
    "Wang Fang",
    "Li Lei",
    "Emma Chen",
    "Zhao Lei",
)
_VARIANTS: Final = ("A", "B", "C", "D", "E")  # colours and specs: one SKU each
_DEMANDS: Final = (
    Demand.REFUND,
    Demand.RETURN,
    Demand.EXCHANGE,
    Demand.REPAIR,
    Demand.COMPENSATION,
)


@dataclass(frozen=True, slots=True)
class Plan:
    """One complaint as the channel sends it, and how everyone will behave about it."""

    index: int
    message: IntakeMessageV1
    duplicate: IntakeMessageV1 | None  # the same complaint again, from another channel
    needs_information: bool
    consumer_silent: bool  # never answers the information request: closed insufficient
    merchant_silent: bool  # evidence request expires: default judgment
    merchant_proves_no_defect: bool
    consumer_misuse: bool
    spot_check_outcome: SpotCheckOutcome
    remedy_answer: RemedyAnswer
    satisfaction: int | None
    appeal: bool
    appeal_upheld: bool
    delays: tuple[float, ...]  # hours, drawn once, used in turn by the actors

    @property
    def key(self) -> tuple[str, str]:
        return self.message.channel.value, self.message.channel_ref

    def delay(self, step: int) -> timedelta:
        return timedelta(hours=self.delays[step % len(self.delays)])


def synthetic_stream(cases: int, seed: int, start: datetime, days: int = 14) -> list[Plan]:
    """``cases`` complaints spread over ``days`` from ``start``, in filing order."""
    plans = [_plan(i, random.Random(f"{seed}:{i}"), start, days) for i in range(cases)]  # noqa: S311 (demo data)
    return sorted(plans, key=lambda p: (p.message.received_at, p.index))


def _plan(index: int, rng: random.Random, start: datetime, days: int) -> Plan:
    batch = index % 7 == 3  # about one in seven: the bad charger batch
    product = next(p for p in CATALOGUE if p.sku == BATCH_SKU) if batch else rng.choice(CATALOGUE)
    received = start + timedelta(minutes=rng.randrange(days * 24 * 60))
    if batch:  # the bad batch reaches consumers within a few days
        received = start + timedelta(days=3, minutes=rng.randrange(4 * 24 * 60))
    category = _category(product, rng)
    language: Literal["zh", "en"] = "en" if rng.random() < 0.35 else "zh"
    channel = rng.choice(list(Channel))
    distressed = rng.random() < 0.2 or category is ProblemCategory.FOOD_SAFETY
    description = _text(product, category, language, distressed, rng)
    flags: list[SafetyFlag] = []
    if category is ProblemCategory.FOOD_SAFETY:
        flags = [SafetyFlag.FOOD_ILLNESS] + (
            [SafetyFlag.CHILD_SAFETY] if rng.random() < 0.5 else []
        )
    elif product.product_type in ("heater", "charger") and rng.random() < 0.3:
        flags = [SafetyFlag.FIRE_OR_EXPLOSION]
    elif product.product_type == "stroller" and rng.random() < 0.5:
        flags = [SafetyFlag.INJURY, SafetyFlag.CHILD_SAFETY]
    has_photo = rng.random() < 0.8
    delivered = received.date() - timedelta(days=rng.randrange(1, 25))
    message = IntakeMessageV1(
        channel=channel,
        channel_ref=f"{channel.value}-{index:05d}",
        received_at=received,
        consumer=ConsumerV1(
            consumer_id=f"c-{10000 + index}",
            name=rng.choice(_NAMES),
            phone=f"1{rng.randrange(30, 90)}{rng.randrange(10**8):08d}",
        ),
        order_id=f"O-{880000 + index}",
        merchant_id=product.merchant_id,
        sku=product.sku if batch else f"{product.sku}-{rng.choice(_VARIANTS)}",
        product_name=product.name_zh if language == "zh" else product.name_en,
        product_type=product.product_type,
        purchase_date=delivered - timedelta(days=2),
        delivered_on=delivered,
        price=product.price,
        quantity=2 if product.product_type == "food" else 1,
        description=description,
        evidence=(
            [
                IntakeEvidenceV1(
                    kind=EvidenceKind.PHOTO, uri=f"evidence://{channel.value}/{index}/1.jpg"
                )
            ]
            if has_photo
            else []
        ),
        demand=Demand.COMPENSATION if flags else rng.choice(_DEMANDS),
        category=category,
        safety_flags=flags,
        language=language,
    )
    duplicate = None
    if rng.random() < 0.06:
        other = rng.choice([c for c in Channel if c is not channel])
        duplicate = message.model_copy(
            update={
                "channel": other,
                "channel_ref": f"{other.value}-dup-{index:05d}",
                "received_at": received + timedelta(hours=rng.randrange(2, 30)),
            }
        )
    vague = not has_photo and rng.random() < 0.7
    return Plan(
        index=index,
        message=message,
        duplicate=duplicate,
        needs_information=vague or rng.random() < 0.1,
        consumer_silent=vague and rng.random() < 0.5,
        merchant_silent=rng.random() < 0.2,
        merchant_proves_no_defect=rng.random() < 0.12,
        consumer_misuse=rng.random() < 0.06,
        spot_check_outcome=(
            SpotCheckOutcome.DEFECT_CONFIRMED
            if batch or rng.random() < 0.75
            else SpotCheckOutcome.NO_DEFECT
        ),
        remedy_answer=rng.choices(("accept", "reject", "silent"), (0.8, 0.14, 0.06))[0],
        satisfaction=rng.choices((None, 5, 4, 3, 2, 1), (0.3, 0.35, 0.15, 0.1, 0.05, 0.05))[0],
        appeal=rng.random() < 0.08,
        appeal_upheld=rng.random() < 0.3,
        delays=tuple(round(rng.uniform(1, 36), 2) for _ in range(8)),
    )


def _category(product: Product, rng: random.Random) -> ProblemCategory:
    if product.product_type == "food":
        return ProblemCategory.FOOD_SAFETY if rng.random() < 0.7 else ProblemCategory.QUALITY_DEFECT
    if product.sku == BATCH_SKU:
        return ProblemCategory.QUALITY_DEFECT
    if product.product_type in ("bag", "cosmetics", "shoes") and rng.random() < 0.4:
        return ProblemCategory.COUNTERFEIT
    return rng.choices(
        (
            ProblemCategory.QUALITY_DEFECT,
            ProblemCategory.NOT_AS_DESCRIBED,
            ProblemCategory.DAMAGED_IN_TRANSIT,
            ProblemCategory.AFTER_SALES_BROKEN_PROMISE,
        ),
        (0.65, 0.15, 0.12, 0.08),
    )[0]


def _text(
    product: Product,
    category: ProblemCategory,
    language: Literal["zh", "en"],
    distressed: bool,
    rng: random.Random,
) -> str:
    zh, en = _CATEGORY_TEXTS[category]
    issue_zh, issue_en = rng.choice(_ISSUES)
    if language == "zh":
        text = rng.choice(zh).format(p=product.name_zh, d=rng.randrange(1, 20), issue_zh=issue_zh)
        return text + (rng.choice(_DISTRESS_ZH) if distressed else "")
    text = rng.choice(en).format(p=product.name_en, d=rng.randrange(1, 20), issue_en=issue_en)
    return text + (" " + rng.choice(_DISTRESS_EN) if distressed else "")
