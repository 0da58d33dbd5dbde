"""Sample complaints in Chinese and English, as channel adapters would file them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from complaint_events.domain.complaint import ComplaintDetails, Contact, EvidenceRef
from complaint_events.domain.values import (
    Channel,
    Demand,
    EvidenceKind,
    ProblemCategory,
    SafetyFlag,
)


def leaking_kettle(at: datetime) -> ComplaintDetails:
    """A visible defect whose merchant stays silent: default judgment."""
    return ComplaintDetails(
        channel=Channel.APP,
        channel_ref="app-20260101-0001",
        received_at=at,
        consumer_id="c-1001",
        contact=Contact("林小明", "18312342807", address="杭州市西湖区文三路 1 号"),
        order_id="O-88001",
        merchant_id="m-kitchen",
        sku="SKU-KETTLE-17",
        product_name="电热水壶 1.7L",
        product_spec="1.7L 白色",
        product_type="kettle",
        purchase_date=date(2025, 12, 20),
        delivered_on=date(2025, 12, 24),
        price=Decimal("129.00"),
        description="水壶底部漏水，用了两次就坏了，附照片。",
        evidence=(EvidenceRef(EvidenceKind.PHOTO, "evidence://app/0001/leak.jpg"),),
        demand=Demand.RETURN,
        category=ProblemCategory.QUALITY_DEFECT,
        language="zh",
    )


def spoiled_snack(at: datetime) -> ComplaintDetails:
    """Unsafe food that made a child ill: fast track, spot check, statutory compensation."""
    return ComplaintDetails(
        channel=Channel.HOTLINE,
        channel_ref="call-7731",
        received_at=at,
        consumer_id="c-2002",
        contact=Contact("Wang Fang", "13912345678"),
        order_id="O-88002",
        merchant_id="m-snacks",
        sku="SKU-NUTS-500",
        product_name="Mixed nuts 500g",
        product_type="food",
        purchase_date=date(2025, 12, 28),
        delivered_on=date(2025, 12, 30),
        price=Decimal("59.90"),
        quantity=2,
        description=(
            "My son got sick after eating these nuts, they smelled rancid. We went to hospital!"
        ),
        evidence=(
            EvidenceRef(EvidenceKind.PHOTO, "evidence://hotline/7731/bag.jpg"),
            EvidenceRef(EvidenceKind.RECEIPT, "evidence://hotline/7731/clinic.pdf"),
        ),
        demand=Demand.COMPENSATION,
        category=ProblemCategory.FOOD_SAFETY,
        safety_flags=frozenset({SafetyFlag.FOOD_ILLNESS, SafetyFlag.CHILD_SAFETY}),
        language="en",
    )


def kettle_again_by_email(at: datetime) -> ComplaintDetails:
    """The kettle complaint once more, by e-mail: no second case opens."""
    first = leaking_kettle(at)
    return ComplaintDetails(
        **{
            **{f: getattr(first, f) for f in first.__dataclass_fields__},
            "channel": Channel.EMAIL,
            "channel_ref": "<msg-42@mail.example>",
            "received_at": at,
        },
    )


def silent_consumer(at: datetime) -> ComplaintDetails:
    """A vague complaint whose consumer never supplies the order details asked for."""
    return ComplaintDetails(
        channel=Channel.CHAT,
        channel_ref="chat-5521",
        received_at=at,
        consumer_id="c-3003",
        contact=Contact("赵磊", "13700001111"),
        order_id="O-88003",
        merchant_id="m-phones",
        sku="SKU-CASE-X",
        product_name="手机壳",
        price=Decimal("19.90"),
        description="东西不太对。",
        demand=Demand.REFUND,
        category=ProblemCategory.NOT_AS_DESCRIBED,
        language="zh",
    )
