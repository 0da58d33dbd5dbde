"""The router: what a new case is sent to do, by the triage rules."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from complaint_events.contracts.envelope import EventEnvelope
from complaint_events.contracts.intake import IntakeMessageV1
from complaint_events.contracts.translator import to_envelope
from complaint_events.domain.acting import Acting
from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.deadlines import DeadlinePolicy
from complaint_events.processing.router import route
from worker_support import intake_message

NOW = datetime(2026, 3, 1, 9, 5, tzinfo=UTC)


def filed_event(**changes: object) -> EventEnvelope:
    details = IntakeMessageV1.model_validate_json(
        json.dumps(intake_message(1, **changes), ensure_ascii=False)
    ).to_details()
    case = ComplaintCase.file(details, Acting("adapter:app", NOW), DeadlinePolicy())
    return to_envelope(case.collect_events()[0])


def test_a_food_injury_is_fast_tracked_escalated_and_sampled() -> None:
    commands = route(
        filed_event(category="food_safety", safety_flags=["food_illness", "injury"]), NOW
    )
    assert [c.command_type for c in commands] == [
        "triage",
        "assign",
        "escalate",
        "order_spot_check",
    ]
    triage = commands[0].payload
    assert triage["route"] == "injury_fast_track"
    assert triage["fast_track"] is True
    assert commands[1].payload == {"handler": "queue:safety"}
    assert commands[3].payload["method"] == "third_party_appraisal"
    assert all(c.actor == "system:router" for c in commands)


def test_a_plain_quality_complaint_is_triaged_and_queued_only() -> None:
    commands = route(filed_event(), NOW)
    assert [c.command_type for c in commands] == ["triage", "assign"]
    assert commands[1].payload == {"handler": "queue:quality"}


def test_routing_the_same_event_again_issues_the_same_command_ids() -> None:
    event = filed_event(category="counterfeit")
    assert [c.command_id for c in route(event, NOW)] == [c.command_id for c in route(event, NOW)]


def test_other_events_are_not_routed() -> None:
    details = IntakeMessageV1.model_validate_json(json.dumps(intake_message(1))).to_details()
    case = ComplaintCase.file(details, Acting("adapter:app", NOW), DeadlinePolicy())
    case.escalate("x", 1, Acting("handler:h", NOW))
    assert route(to_envelope(case.collect_events()[1]), NOW) == []
