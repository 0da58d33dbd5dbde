"""The command processor: each command applied once, each caller told the outcome.

Runs on the eventsourcing library's in-memory recorder: the logic under test
is the processor's; the PostgreSQL store is exercised by the integration and
end-to-end suites.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from complaint_events.application.cases import ComplaintCases
from complaint_events.application.personal_data import open_text
from complaint_events.clock import SimulatedClock
from complaint_events.contracts.envelope import event_id_for
from complaint_events.contracts.translator import to_envelope, to_json_bytes
from complaint_events.domain.acting import Acting
from complaint_events.domain.case import ComplaintCase
from complaint_events.processing.command_processor import (
    CommandProcessor,
)
from complaint_events.processing.messages import Incoming
from stack_support import complaint

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def processor(cases: ComplaintCases) -> CommandProcessor:
    return CommandProcessor(cases, SimulatedClock(T0))


def filed(cases: ComplaintCases, n: int = 1) -> UUID:
    return cases.file_complaint(complaint(n), Acting("adapter:web", T0)).case_id


def message(case_id: UUID, command_type: str, payload: dict[str, Any], **extra: Any) -> Incoming:
    body = {
        "command_id": str(extra.pop("command_id", uuid.uuid4())),
        "command_type": command_type,
        "schema_version": 1,
        "case_id": str(case_id),
        "actor": extra.pop("actor", "handler:h-1"),
        "issued_at": T0.isoformat(),
        "payload": payload,
        **extra,
    }
    return Incoming(json.dumps(body).encode(), key=str(case_id).encode())


ACK = {"notification_id": "n-1", "language": "zh", "soothing": False}


def test_an_accepted_command_names_the_events_it_recorded(
    cases: ComplaintCases, processor: CommandProcessor
) -> None:
    case_id = filed(cases)
    report = processor.process([message(case_id, "acknowledge", ACK)])
    [result] = report.results
    assert result.outcome == "accepted"
    assert result.event_ids == [event_id_for(case_id, 2)]
    assert cases.get_case(case_id).acknowledged_at == T0


def test_a_command_delivered_twice_is_applied_once(
    cases: ComplaintCases, processor: CommandProcessor
) -> None:
    case_id = filed(cases)
    command_id = uuid.uuid4()
    first = processor.process(
        [message(case_id, "escalate", {"reason": "x"}, command_id=command_id)]
    )
    again = processor.process(
        [message(case_id, "escalate", {"reason": "x"}, command_id=command_id)]
    )
    assert first.results[0].event_ids == again.results[0].event_ids
    assert again.results[0].outcome == "accepted"
    assert len(cases.get_case(case_id).escalations) == 1


def test_a_refused_command_says_why_and_records_nothing(
    cases: ComplaintCases, processor: CommandProcessor
) -> None:
    case_id = filed(cases)
    [result] = processor.process([message(case_id, "accept_remedy", {})]).results
    assert result.outcome == "rejected"
    assert result.error_code == "invalid_transition"
    assert "cannot accept" in (result.reason or "")
    assert cases.get_case(case_id).version == 1


def test_an_unknown_case_is_rejected_by_name(processor: CommandProcessor) -> None:
    [result] = processor.process([message(uuid.uuid4(), "escalate", {"reason": "x"})]).results
    assert result.outcome == "rejected"
    assert result.error_code == "case_not_found"


def test_a_refused_command_does_not_hold_back_the_rest_of_its_batch(
    cases: ComplaintCases, processor: CommandProcessor
) -> None:
    case_id, other = filed(cases, 1), filed(cases, 2)
    report = processor.process(
        [
            message(case_id, "accept_remedy", {}),
            message(case_id, "acknowledge", ACK),
            message(other, "escalate", {"reason": "urgent"}),
        ]
    )
    assert [r.outcome for r in report.results] == ["rejected", "accepted", "accepted"]
    assert cases.get_case(case_id).acknowledged_at == T0
    assert cases.get_case(other).escalated


def test_a_message_that_is_not_a_command_is_dead_lettered(processor: CommandProcessor) -> None:
    report = processor.process([Incoming(b"{nonsense", key=b"k", topic="t", offset=4)])
    assert report.results == []
    [letter] = report.dead_letters
    assert letter.value == b"{nonsense"
    assert letter.source_offset == 4
    assert "not a valid command message" in letter.reason


def test_a_malformed_command_with_readable_ids_is_rejected_and_dead_lettered(
    cases: ComplaintCases, processor: CommandProcessor
) -> None:
    case_id = filed(cases)
    report = processor.process([message(case_id, "escalate", {"level": 0})])
    [letter] = report.dead_letters
    [result] = report.results
    assert result.outcome == "rejected"
    assert result.error_code == "invalid_command"
    assert "reason" in (result.reason or "")
    assert {e["field"] for e in letter.errors} == {"payload"}


def test_a_refused_command_delivered_again_later_gets_the_same_answer(
    cases: ComplaintCases, processor: CommandProcessor
) -> None:
    # Refused while its case did not exist yet; redelivered (at least once, a rebalance)
    # after the case was filed: still refused, with the first reason, and nothing applied.
    case_id = ComplaintCase.create_id("web", "web-1")
    command_id = uuid.uuid4()
    [first] = processor.process(
        [message(case_id, "acknowledge", ACK, command_id=command_id)]
    ).results
    assert first.outcome == "rejected"
    assert filed(cases, 1) == case_id
    [again] = processor.process(
        [message(case_id, "acknowledge", ACK, command_id=command_id)]
    ).results
    assert (again.outcome, again.reason, again.error_code) == (
        first.outcome,
        first.reason,
        first.error_code,
    )
    assert cases.get_case(case_id).acknowledged_at is None
    # A new command saying the same is a new question, decided on the case as it is now.
    [fresh] = processor.process([message(case_id, "acknowledge", ACK)]).results
    assert fresh.outcome == "accepted"


def test_texts_people_write_reach_the_case_sealed_and_die_with_the_key(
    cases: ComplaintCases, processor: CommandProcessor
) -> None:
    """What a consumer or a handler writes on a case can hold personal data: the
    command processor seals it under the case's consumer key (issue 13)."""
    case_id = filed(cases)
    said = "请回电 18312342807，我是林小明"
    report = processor.process(
        [
            message(case_id, "request_information", {"items": ["订单截图"]}),
            message(
                case_id,
                "supply_information",
                {"details": said, "evidence": []},
                actor="consumer:c-1",
            ),
            message(
                case_id,
                "schedule_callback",
                {"scheduled_for": "2026-03-02T09:00:00+00:00", "note": said},
            ),
        ]
    )
    assert [r.outcome for r in report.results] == ["accepted"] * 3, report.results
    published = [to_envelope(e) for e in cases.history(case_id)]
    kinds = {e.event_type: e for e in published}
    assert kinds["InformationSupplied"].schema_version == 2
    assert kinds["CallbackScheduled"].schema_version == 2
    for envelope in published:
        assert b"18312342807" not in to_json_bytes(envelope)
        assert "林小明".encode() not in to_json_bytes(envelope)
    supplied = kinds["InformationSupplied"].payload["details"]
    assert open_text(supplied, cases.keys) == said
    cases.keys.erase(cases.get_case(case_id).consumer_id, T0)
    assert open_text(supplied, cases.keys) is None


def test_a_decisions_text_keeps_its_reasons_but_not_the_consumers_details(
    cases: ComplaintCases, processor: CommandProcessor
) -> None:
    """A handler's note stays readable for the audit trail; the consumer's name and
    number quoted in it are masked before the case records it (issue 13)."""
    case_id = filed(cases)
    contact = cases.contact_of(cases.get_case(case_id))
    assert contact is not None
    assert contact.phone is not None
    note = f"{contact.name} 来电 {contact.phone} 撤回投诉"
    report = processor.process(
        [message(case_id, "close", {"resolution": "withdrawn", "note": note})]
    )
    assert [r.outcome for r in report.results] == ["accepted"], report.results
    closed = to_envelope(cases.history(case_id)[-1])
    assert closed.event_type == "CaseClosed"
    kept = closed.payload["note"]
    assert "撤回投诉" in kept
    assert contact.name not in kept
    assert contact.phone not in kept
