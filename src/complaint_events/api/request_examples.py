"""Worked request bodies for the main steps, shown by ``/docs`` ("Examples") and ``/redoc``.

They are OpenAPI examples of the operations (``Body(openapi_examples=...)``),
not of the contracts' models, so the published JSON Schemas under ``schemas/``
stay as they are. Every example is a body the route accepts: the unit test
``tests/unit/api/test_request_examples.py`` parses each with its model.

The rule references are codes of ``domain/rules/references.py``. The people
and ids are made up and used by no test's data, so a test that looks for a
case's secrets in what the API answers does not find them in the document.
"""

from __future__ import annotations

from typing import Any, Final

from fastapi.openapi.models import Example

from complaint_events.contracts.commands import DetermineLiabilityV1, OfferRemedyV1
from complaint_events.contracts.intake import IntakeMessageV1

_KETTLE: Final[dict[str, Any]] = {
    "order_id": "o-20260220-0042",
    "merchant_id": "m-31",
    "sku": "KETTLE-1.7L-WHITE",
    "product_name": "电热水壶 1.7L",
    "purchase_date": "2026-02-20",
    "delivered_on": "2026-02-22",
    "price": "199.90",
}

FILING_EXAMPLES: Final[dict[str, Example]] = {
    "web_form": Example(
        summary="A leaking kettle, from the web form (as adapter:web)",
        description="The web channel's adapter files what the consumer typed; "
        "`channel` must be the adapter's own.",
        value={
            "channel": "web",
            "channel_ref": "web-form-7c1e9a",
            "received_at": "2026-03-01T08:00:00+08:00",
            "consumer": {"consumer_id": "c-5107", "name": "周雨桐", "phone": "13900000042"},
            **_KETTLE,
            "description": "用了三天壶底就漏水，插电时有焦味。",
            "evidence": [{"kind": "photo", "uri": "s3://evidence/web-form-7c1e9a/1.jpg"}],
            "demand": "refund",
            "category": "quality_defect",
        },
    ),
    "consumer_in_app": Example(
        summary="A consumer files for themself in the app (as consumer:c-5107)",
        description="`consumer.consumer_id` must be the caller's id; the API keeps "
        "`channel_ref` under the caller's name.",
        value={
            "channel": "app",
            "channel_ref": "app-2026-03-01-1",
            "received_at": "2026-03-01T21:15:00+08:00",
            "consumer": {"consumer_id": "c-5107", "name": "周雨桐", "email": "zhou@example.com"},
            **_KETTLE,
            "description": "The base sparks when switched on.",
            "evidence": [{"kind": "video", "uri": "s3://evidence/app-2026-03-01-1/spark.mp4"}],
            "demand": "return",
            "category": "quality_defect",
            "safety_flags": ["electric_shock"],
            "language": "en",
        },
    ),
}
"""``POST /v1/complaints``."""

LIABILITY_EXAMPLES: Final[dict[str, Example]] = {
    "merchant_defect": Example(
        summary="The merchant is liable for a defect",
        value={
            "party": "merchant",
            "grounds": ["defect"],
            "rule_refs": ["CPL-24", "CPL-23"],
            "reasoning": "漏水出现在交付后第三天，照片显示焊缝开裂，属质量缺陷。",
            "testing_cost_payer": "merchant",
        },
    ),
    "consumer_misuse": Example(
        summary="The consumer is liable: the product was misused",
        value={
            "party": "consumer",
            "grounds": ["misuse"],
            "rule_refs": ["PLATFORM-TESTING-COST"],
            "reasoning": "The lab found the kettle had been heated empty on a gas stove.",
            "testing_cost_payer": "consumer",
        },
    ),
}
"""``POST /v1/cases/{case_id}/determine-liability``."""

REMEDY_EXAMPLES: Final[dict[str, Example]] = {
    "return_and_refund": Example(
        summary="Return the goods for a full refund, the merchant pays the shipping",
        value={
            "kind": "return_and_refund",
            "refund_amount": "199.90",
            "compensation_amount": "0",
            "shipping_paid_by": "merchant",
            "rule_refs": ["CPL-24"],
            "explanation": "七日内质量问题退货，商家承担运费，收到退货后全额退款。",
        },
    ),
    "repair": Example(
        summary="Repair under warranty, nothing paid",
        value={
            "kind": "repair",
            "refund_amount": "0",
            "compensation_amount": "0",
            "shipping_paid_by": "merchant",
            "rule_refs": ["SANBAO-WARRANTY"],
            "explanation": "The defect appeared after 15 days, within the warranty: free repair.",
        },
    ),
}
"""``POST /v1/cases/{case_id}/offer-remedy``."""

EXAMPLES_BY_MODEL: Final[tuple[tuple[type[Any], dict[str, Example]], ...]] = (
    (IntakeMessageV1, FILING_EXAMPLES),
    (DetermineLiabilityV1, LIABILITY_EXAMPLES),
    (OfferRemedyV1, REMEDY_EXAMPLES),
)
"""Each set of examples with the model its bodies must satisfy (for the test)."""
