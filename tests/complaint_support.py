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
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from complaint_events.domain.complaint import ComplaintDetails, Contact, EvidenceRef
from complaint_events.domain.values import Channel, Demand, EvidenceKind, ProblemCategory

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
    base = ComplaintDetails(
        channel=Channel.WEB,
        channel_ref=f"web-{n}",
        received_at=received_at,
        consumer_id=f"c-{n}",
        contact=Contact(f"Consumer {n}", "18312342807"),
        order_id=f"o-{n}",
        merchant_id="m-1",
        sku="sku-kettle",
        product_name="kettle",
        description="leaks",
        demand=Demand.REFUND,
        category=ProblemCategory.QUALITY_DEFECT,
        price=Decimal("99.00"),
    )
    return replace(base, **overrides)
