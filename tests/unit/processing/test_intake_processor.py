"""The intake processor: valid complaints filed, duplicates recorded, bad messages kept with why."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from complaint_events.application.cases import ComplaintCases
from complaint_events.clock import SimulatedClock
from complaint_events.domain.case import ComplaintCase
from complaint_events.processing.intake_processor import IntakeProcessor
from complaint_events.processing.messages import Incoming
from worker_support import intake_message

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def processor(cases: ComplaintCases) -> IntakeProcessor:
    return IntakeProcessor(cases, SimulatedClock(T0))


def incoming(data: dict[str, object] | bytes, offset: int = 0) -> Incoming:
    value = data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode()
    return Incoming(value, key=b"k", topic="intake", partition=0, offset=offset)


def test_a_batch_files_the_good_and_dead_letters_the_bad(
    cases: ComplaintCases, processor: IntakeProcessor
) -> None:
    report = processor.process(
        [
            incoming(intake_message(1)),
            incoming(b"\x00garbage", offset=1),
            incoming(intake_message(2, quantity=0, demand="everything"), offset=2),
            incoming(intake_message(3)),
        ]
    )
    assert report.opened == 2
    assert [d.source_offset for d in report.dead_letters] == [1, 2]
    assert report.dead_letters[0].value == b"\x00garbage"
    assert {e["field"] for e in report.dead_letters[1].errors} == {"quantity", "demand"}
    filed = cases.get_case(ComplaintCase.create_id("app", "app-1"))
    assert filed.filed_at == T0
    assert cases.description_of(filed) == "壶底漏水"  # sealed in the case


def test_a_redelivered_batch_opens_nothing_new(
    cases: ComplaintCases, processor: IntakeProcessor
) -> None:
    batch = [incoming(intake_message(n)) for n in range(5)]
    processor.process(batch)
    again = processor.process(batch)
    assert again.opened == 0
    assert again.duplicates == 5
    assert all(
        cases.get_case(ComplaintCase.create_id("app", f"app-{n}")).version == 1 for n in range(5)
    )


def test_the_same_problem_from_another_channel_is_recorded_on_the_first_case(
    cases: ComplaintCases, processor: IntakeProcessor
) -> None:
    first = intake_message(1)
    by_email = {**intake_message(1), "channel": "email", "channel_ref": "mail-1"}
    report = processor.process([incoming(first), incoming(by_email)])
    assert [o.opened for o in report.filed] == [True, False]
    assert report.filed[1].matched_on == "problem"
    case = cases.get_case(ComplaintCase.create_id("app", "app-1"))
    assert [d["channel_ref"] for d in case.duplicates] == ["mail-1"]
