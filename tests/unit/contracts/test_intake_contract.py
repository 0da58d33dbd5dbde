"""Intake messages: a valid one becomes complaint details; a bad one says which field is wrong."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from complaint_events.contracts.intake import IntakeMessageV1
from complaint_events.domain.values import Channel, EvidenceKind, SafetyFlag


def message(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "channel": "app",
        "channel_ref": "app-123",
        "received_at": "2024-05-01T09:00:00+08:00",
        "consumer": {"consumer_id": "c1", "name": "林小明", "phone": "18312342807"},
        "order_id": "o-1",
        "merchant_id": "m1",
        "sku": "sku-1",
        "product_name": "电热水壶",
        "purchase_date": "2024-04-20",
        "delivered_on": "2024-04-22",
        "price": "199.90",
        "quantity": 2,
        "description": "  壶底漏水  ",
        "evidence": [{"kind": "photo", "uri": "s3://ev/1.jpg"}],
        "demand": "refund",
        "category": "quality_defect",
        "safety_flags": ["electric_shock"],
    }
    return {**base, **changes}


def errors_of(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        IntakeMessageV1.model_validate_json(json.dumps(data))
    return {".".join(map(str, e["loc"])): e["msg"] for e in caught.value.errors()}


def test_a_valid_message_becomes_complaint_details() -> None:
    intake = IntakeMessageV1.model_validate_json(json.dumps(message()))
    details = intake.to_details()
    assert details.channel is Channel.APP
    assert details.received_at == datetime(2024, 5, 1, 1, 0, tzinfo=UTC)
    assert details.contact.name == "林小明"
    assert details.contact.email is None
    assert details.price == Decimal("199.90")
    assert details.quantity == 2
    assert details.description == "壶底漏水"
    assert details.purchase_date == date(2024, 4, 20)
    assert details.evidence[0].kind is EvidenceKind.PHOTO
    assert details.safety_flags == frozenset({SafetyFlag.ELECTRIC_SHOCK})
    assert details.language == "zh"
    assert intake.kafka_key() == b"app:app-123"


def test_defaults_for_optional_facts() -> None:
    data = message()
    for optional in ("purchase_date", "delivered_on", "evidence", "safety_flags", "quantity"):
        del data[optional]
    details = IntakeMessageV1.model_validate(data).to_details()
    assert (details.quantity, details.evidence, details.safety_flags) == (1, (), frozenset())
    assert details.product_spec == ""
    assert details.product_type is None


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"channel": "fax"}, "channel", "Input should be"),
        ({"price": "-1"}, "price", "greater than or equal to 0"),
        ({"price": 19.9}, "price", "exact decimal string"),
        ({"price": "1e5"}, "price", "exact decimal string"),
        ({"price": 5}, "price", "exact decimal string"),
        ({"received_at": -1}, "received_at", "RFC 3339"),
        ({"received_at": "2024-05-01"}, "received_at", "RFC 3339"),
        ({"purchase_date": 0}, "purchase_date", "'YYYY-MM-DD'"),
        ({"quantity": 0}, "quantity", "greater than or equal to 1"),
        ({"description": "   "}, "description", "must say something"),
        ({"description": "x" * 5001}, "description", "at most 5000 characters"),
        ({"received_at": "2024-05-01T09:00:00"}, "received_at", "RFC 3339"),
        ({"language": "fr"}, "language", "'zh' or 'en'"),
        ({"safety_flags": ["sharp_edges"]}, "safety_flags.0", "Input should be"),
        ({"evidence": [{"kind": "photo"}]}, "evidence.0.uri", "Field required"),
        ({"consumer": {"consumer_id": "c1"}}, "consumer.name", "Field required"),
        ({"coupon": "X"}, "coupon", "Extra inputs are not permitted"),
        ({"order_id": ""}, "order_id", "must say something"),
    ],
)
def test_invalid_messages_name_the_field(changes: dict[str, Any], field: str, says: str) -> None:
    errors = errors_of(message(**changes))
    assert field in errors, errors
    assert says in errors[field]


def test_dates_must_be_in_order() -> None:
    errors = errors_of(message(delivered_on="2024-04-19"))
    assert "delivered_on cannot be before purchase_date" in " ".join(errors.values())
    errors = errors_of(message(purchase_date="2024-06-01", delivered_on=None))
    assert "purchase_date cannot be after" in " ".join(errors.values())


def test_missing_required_fields_are_all_reported() -> None:
    data = message()
    for required in ("order_id", "demand", "price"):
        del data[required]
    assert {"order_id", "demand", "price"} <= set(errors_of(data))


@pytest.mark.parametrize(
    "changes",
    [
        {"description": "壶底漏水\u0000"},
        {"consumer": {"consumer_id": "c\u0000x", "name": "林小明", "phone": "18312342807"}},
        {"evidence": [{"kind": "photo", "uri": "s3://ev/\u00001.jpg"}]},
    ],
)
def test_a_nul_character_anywhere_is_refused_with_the_reason(changes: dict[str, Any]) -> None:
    # PostgreSQL text cannot store U+0000: refused at the contract, it is dead-lettered
    # with this reason instead of failing the batch in the database.
    errors = errors_of(message(**changes))
    assert "NUL character" in " ".join(errors.values())
