"""Complaints for tests to file: one valid complaint, varied by keyword overrides.

Filing a case takes a dozen facts, and most tests care about one or two of
them. Writing the whole ``ComplaintDetails`` in every test module made a new
required field, or a tightened rule, a change in a dozen places; here each
test names only what it cares about and takes the rest from one of two
complaints:

* :func:`kettle_complaint` — the story the unit tests tell: 林小姐's electric
  kettle, bought from merchant ``m-1``, leaks; she wants to return it and has
  sent a photo. Filed at :data:`T0`.
* :func:`numbered_complaint` — the n-th of many plain complaints, for tests
  that file cases in bulk on the real stack and choose their own clock.

The two decisions most of those stories reach are here too, for the same
reason: :func:`find_liable` (the merchant, for the defect) and
:func:`offer_return_and_refund`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from complaint_events.domain.acting import Acting
from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.complaint import ComplaintDetails, Contact, EvidenceRef
from complaint_events.domain.deadlines import DeadlinePolicy
from complaint_events.domain.values import (
    Channel,
    Demand,
    EvidenceKind,
    LiabilityGround,
    Party,
    ProblemCategory,
    RemedyKind,
)

T0 = datetime(2024, 6, 3, 9, 0, tzinfo=UTC)
PHOTO_OF_LEAK = (EvidenceRef(EvidenceKind.PHOTO, "s3://evidence/leak.jpg"),)


def kettle_complaint(n: int = 1, **overrides: Any) -> ComplaintDetails:
    """Complaint ``n`` about the leaking kettle, received at ``T0``; overrides replace fields."""
    base = ComplaintDetails(
        channel=Channel.WEB,
        channel_ref=f"web-{n}",
        received_at=T0,
        consumer_id=f"c-{n}",
        contact=Contact(name="林小姐", phone="18312342807"),
        order_id=f"o-{n}",
        merchant_id="m-1",
        sku="sku-kettle-1",
        product_name="electric kettle",
        description="the kettle leaks from the base after two days",
        demand=Demand.RETURN,
        category=ProblemCategory.QUALITY_DEFECT,
        price=Decimal("199.00"),
        evidence=PHOTO_OF_LEAK,
    )
    return replace(base, **overrides)


def numbered_complaint(n: int, received_at: datetime, **overrides: Any) -> ComplaintDetails:
    """Consumer ``n``'s refund claim for a leaking kettle; ``overrides`` replace fields."""
    plain: dict[str, Any] = {
        "received_at": received_at,
        "contact": Contact(f"Consumer {n}", "18312342807"),
        "sku": "sku-kettle",
        "product_name": "kettle",
        "description": "leaks",
        "demand": Demand.REFUND,
        "price": Decimal("99.00"),
        "evidence": (),
    }
    return kettle_complaint(n, **(plain | overrides))


def find_liable(
    case: ComplaintCase,
    by: Acting,
    *,
    reasoning: str = "leak is a manufacturing defect",
    party: Party = Party.MERCHANT,
    grounds: tuple[LiabilityGround, ...] = (LiabilityGround.DEFECT,),
) -> None:
    """Liability under CPL-24, by default the merchant's for the defect; the liable pays testing."""
    case.determine_liability(
        party=party,
        grounds=list(grounds),
        rule_refs=["CPL-24"],
        reasoning=reasoning,
        testing_cost_payer=party,
        by=by,
    )


def offer_return_and_refund(case: ComplaintCase, by: Acting, policy: DeadlinePolicy) -> None:
    """The remedy for the kettle: sent back for the full 199.00, shipping paid by the merchant."""
    case.offer_remedy(
        kind=RemedyKind.RETURN_AND_REFUND,
        refund_amount=Decimal("199.00"),
        compensation_amount=Decimal(0),
        shipping_paid_by=Party.MERCHANT,
        rule_refs=["CPL-24"],
        explanation="return and refund",
        by=by,
        policy=policy,
    )
