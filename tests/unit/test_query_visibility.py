"""Read-side rules of the API that need no database: who may read, what a merchant sees."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from uuid import UUID

import pytest

from complaint_events.api.auth import Principal, Role
from complaint_events.api.read_models import InvalidCursorError, decode_cursor, encode_cursor
from complaint_events.api.visibility import MerchantRedactor, contact_view, may_read_case
from complaint_events.domain.masking import ConsumerContact

CONTACT = ConsumerContact(
    name="林小明",
    phone="18312342807",
    email="xiaoming.lin@example.com",
    address="文三路88号",
    id_number=None,
    payment_account=None,
)


@pytest.mark.parametrize(
    ("principal", "merchant", "consumer", "readable"),
    [
        (Principal(Role.HANDLER, "h-1"), "m-1", "c-1", True),
        (Principal(Role.AUDITOR, "a-1"), "m-1", "c-1", True),
        (Principal(Role.MERCHANT, "m-1"), "m-1", "c-1", True),
        (Principal(Role.MERCHANT, "m-2"), "m-1", "c-1", False),
        (Principal(Role.CONSUMER, "c-1"), "m-1", "c-1", True),
        (Principal(Role.CONSUMER, "c-2"), "m-1", "c-1", False),
        (Principal(Role.CONSUMER, "c-1"), "m-1", None, False),
        (Principal(Role.ADAPTER, "web"), "m-1", "c-1", False),
    ],
)
def test_who_may_read_a_case(
    principal: Principal, merchant: str, consumer: str | None, readable: bool
) -> None:
    assert may_read_case(principal, merchant, consumer) is readable


def test_a_merchant_sees_a_masked_contact_and_the_address_only_for_a_return() -> None:
    merchant = Principal(Role.MERCHANT, "m-1")
    assert contact_view(merchant, CONTACT, "full_refund") == {
        "name": "林**",
        "phone": "183****2807",
        "email": None,
        "address": None,
    }
    shipped = contact_view(merchant, CONTACT, "return_and_refund")
    assert shipped is not None
    assert shipped["address"] == "文三路88号"
    handler = contact_view(Principal(Role.HANDLER, "h-1"), CONTACT, None)
    assert handler is not None
    assert handler["email"] == "xiaoming.lin@example.com"


def test_the_redactor_masks_known_details_in_free_text_and_drops_personal_keys() -> None:
    redact = MerchantRedactor.for_contact(CONTACT)
    text = redact.text(
        "我是林小明，住文三路88号，电话 183-1234-2807，邮件 xiaoming.lin@example.com"
    )
    assert text == "我是林**，住***，电话 183****2807，邮件 x***@example.com"
    payload = redact.value(
        {"consumer_id": "c-1", "contact": {"name": "林小明"}, "notes": ["林小明 18312342807"]}
    )
    assert payload == {"notes": ["林** 183****2807"]}
    assert redact.actor("consumer:c-1") == "consumer"
    assert redact.actor("handler:h-1") == "handler:h-1"


def test_cursors_round_trip_and_altered_ones_are_refused() -> None:
    at, case_id = datetime(2026, 3, 1, 8, tzinfo=UTC), UUID(int=42)
    assert decode_cursor(encode_cursor(at, case_id)) == (at, case_id)
    naive = base64.urlsafe_b64encode(b'["2026-03-01T08:00:00","' + str(case_id).encode() + b'"]')
    for bad in ("", "not-a-cursor", "e30", naive.decode()):
        with pytest.raises(InvalidCursorError):
            decode_cursor(bad)
