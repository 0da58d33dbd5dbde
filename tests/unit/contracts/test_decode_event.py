"""A worker checks each message of the events topic once, however many agents want it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from complaint_events.contracts.envelope import (
    DECODED_KEPT_UP_TO,
    EventEnvelope,
    _decode_kept,
    decode_event,
)
from complaint_events.contracts.translator import to_envelope, to_json_bytes
from complaint_events.domain.acting import Acting
from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.deadlines import DeadlinePolicy
from complaint_support import kettle_complaint

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


def filed_message(n: int = 1) -> bytes:
    case = ComplaintCase.file(
        kettle_complaint(n), Acting(actor="adapter:web", at=T0), DeadlinePolicy()
    )
    return to_json_bytes(to_envelope(case.collect_events()[0]))


def test_the_agents_of_a_worker_share_one_checked_envelope() -> None:
    message = filed_message(1)

    first = decode_event(message)
    again = decode_event(bytes(message))  # another copy of the same bytes, as each agent gets

    assert again is first
    assert first == EventEnvelope.model_validate_json(message)
    assert first.typed_payload() is again.typed_payload()
    assert first.typed_payload() == EventEnvelope.model_validate_json(message).typed_payload()


def test_a_typed_payload_kept_on_an_envelope_leaves_it_equal_to_a_fresh_one() -> None:
    message = filed_message(2)
    kept, fresh = decode_event(message), EventEnvelope.model_validate_json(message)
    kept.typed_payload()

    assert kept == fresh
    assert kept.model_dump_json() == fresh.model_dump_json()
    assert "typed_payload" not in kept.model_dump()


def test_an_invalid_event_is_refused_every_time_and_not_kept() -> None:
    message = json.loads(filed_message(3))
    message["payload"]["price"] = 19.9  # money must be an exact decimal string
    broken = json.dumps(message).encode()
    kept_before = _decode_kept.cache_info().currsize

    for _ in range(2):
        with pytest.raises(ValidationError, match="exact decimal string"):
            decode_event(broken)

    assert _decode_kept.cache_info().currsize == kept_before


def test_a_large_message_is_decoded_but_not_kept() -> None:
    message = json.loads(filed_message(4))
    message["reason"] = "x" * DECODED_KEPT_UP_TO
    large = json.dumps(message).encode()
    kept_before = _decode_kept.cache_info().currsize

    first, again = decode_event(large), decode_event(large)

    assert first == again
    assert first is not again
    assert _decode_kept.cache_info().currsize == kept_before


def test_a_copy_with_another_payload_types_its_own_payload() -> None:
    envelope = decode_event(filed_message(5))
    envelope.typed_payload()
    other = EventEnvelope.model_validate_json(filed_message(6))

    copied = envelope.model_copy(update={"payload": other.payload, "hash": None})

    assert copied.typed_payload() == other.typed_payload()
    assert copied.typed_payload() != envelope.typed_payload()
    assert envelope.model_copy(update={"hash": None}).typed_payload() is envelope.typed_payload()
