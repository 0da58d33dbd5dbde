"""One batch spot check per alert: one clock on the SKU, one escalation, one result for all.

Five complaints about one SKU raise an alert; the batch's spot check runs on each
linked case, and each waits on the SKU's one clock. When the lab is late only the
alert's first case escalates; when the result comes in on any linked case, every
other one receives it once, whatever it found.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from complaint_events.application import sku_alerts
from complaint_events.application.cases import ComplaintCases
from complaint_events.clock import SimulatedClock
from complaint_events.contracts.commands import (
    CommandEnvelopeV1,
    ExpireDeadlineV1,
    RecordSpotCheckResultV1,
)
from complaint_events.contracts.translator import to_envelope
from complaint_events.domain.acting import Acting
from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.deadlines import DeadlineState
from complaint_events.domain.sku_quality import SkuQuality
from complaint_events.domain.values import DeadlineKind, Party, SpotCheckOutcome
from complaint_events.processing.batch_alerts import alert_commands, passed_on_results
from complaint_events.processing.batch_window import LinkToBatchAlert, RaiseBatchAlert
from complaint_events.processing.command_processor import CommandProcessor
from complaint_events.processing.issuing import issue, to_bytes
from complaint_events.processing.messages import Incoming
from stack_support import complaint

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
SKU = "SKU-0"  # complaint(n) for n a multiple of 11
ALERT = "alert-sku-0"


class Desk:
    """The case store, a command processor on a simulated clock, and what they recorded."""

    def __init__(self) -> None:
        self.cases = ComplaintCases(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
        self.clock = SimulatedClock(T0)
        self.processor = CommandProcessor(self.cases, self.clock)

    def run(self, commands: list[CommandEnvelopeV1]) -> None:
        report = self.processor.process(
            [Incoming(value=to_bytes(c), key=c.kafka_key()) for c in commands]
        )
        assert report.rejected == 0, [r.reason for r in report.results]

    def case(self, case_id: UUID) -> ComplaintCase:
        return self.cases.get_case(case_id)

    def spot_check_clock(self, case_id: UUID) -> tuple[str, datetime, DeadlineState]:
        clock = next(
            d
            for d in reversed(self.case(case_id).deadlines.values())
            if d.kind is DeadlineKind.SPOT_CHECK
        )
        return clock.deadline_id, clock.due_at, clock.state


@pytest.fixture
def desk() -> Iterator[Desk]:
    found = Desk()
    yield found
    found.cases.close()


def raise_alert(desk: Desk) -> list[UUID]:
    """File five complaints on the SKU and raise its alert at T0 + 1 h; the linked case ids."""
    ids = [
        o.case_id
        for o in desk.cases.file_complaints(
            [(complaint(n), Acting("adapter:web", T0)) for n in (11, 22, 33, 44, 55)]
        )
    ]
    desk.clock.set(T0 + timedelta(hours=1))
    decision = RaiseBatchAlert(
        alert_id=ALERT,
        sku=SKU,
        case_ids=tuple(ids),
        raised_at=T0,
        threshold=5,
        window=timedelta(days=7),
    )
    desk.run(alert_commands(desk.cases, decision, desk.clock.now()))
    return ids


def test_every_linked_case_waits_on_the_skus_one_clock(desk: Desk) -> None:
    ids = raise_alert(desk)

    record = sku_alerts.find_sku_quality(desk.cases, SKU)
    assert isinstance(record, SkuQuality)
    due = record.alert(ALERT).spot_check_due_at
    assert (
        due == T0 + timedelta(hours=1) + desk.cases.policy.clocks[DeadlineKind.SPOT_CHECK].duration
    )
    assert {desk.spot_check_clock(i)[1] for i in ids} == {due}
    # A case linked later waits on the same clock, not on a fresh one of its own.
    desk.clock.set(T0 + timedelta(days=2))
    late = desk.cases.file_complaints([(complaint(66), Acting("adapter:web", desk.clock.now()))])
    joined = LinkToBatchAlert(alert_id=ALERT, sku=SKU, case_id=late[0].case_id)
    desk.run(alert_commands(desk.cases, joined, desk.clock.now()))
    assert desk.spot_check_clock(late[0].case_id)[1] == due


def test_a_late_batch_result_escalates_once(desk: Desk) -> None:
    ids = raise_alert(desk)
    _, due, _ = desk.spot_check_clock(ids[0])
    desk.clock.set(due + timedelta(minutes=1))

    desk.run(
        [
            issue(
                case_id,
                ExpireDeadlineV1(deadline_id=desk.spot_check_clock(case_id)[0]),
                purpose="expire-spot-check",
                actor="system:deadline-keeper",
                issued_at=desk.clock.now(),
            )
            for case_id in ids
        ]
    )

    assert [desk.spot_check_clock(i)[2] for i in ids] == [DeadlineState.EXPIRED] * 5
    escalations = [desk.case(i).escalations for i in ids]
    assert [len(e) for e in escalations] == [1, 0, 0, 0, 0]
    assert ALERT in escalations[0][0]["reason"]
    # Still waiting on the lab: a late result still counts, on every case.
    assert all(desk.case(i).spot_checks[-1]["outcome"] is None for i in ids)


@pytest.mark.parametrize("outcome", list(SpotCheckOutcome))
def test_the_batch_result_reaches_every_linked_case_once(desk: Desk, outcome) -> None:
    ids = raise_alert(desk)
    desk.clock.set(T0 + timedelta(days=3))
    result = RecordSpotCheckResultV1(
        outcome=outcome, report_ref="LAB-7", findings="batch 7", cost_payer=Party.MERCHANT
    )
    reporter = ids[2]
    desk.run(
        [
            issue(
                reporter,
                result,
                purpose="lab",
                actor="handler:h-1",
                issued_at=desk.clock.now(),
            )
        ]
    )
    recorded = to_envelope(desk.cases.history(reporter)[-1])

    passed = passed_on_results(desk.cases, recorded, desk.clock.now())
    desk.run(passed)
    again = passed_on_results(desk.cases, recorded, desk.clock.now())  # a replay
    copies = [
        passed_on_results(desk.cases, to_envelope(desk.cases.history(i)[-1]), desk.clock.now())
        for i in ids
        if i != reporter
    ]

    assert sorted(c.case_id for c in passed) == sorted(i for i in ids if i != reporter)
    desk.run(again)  # the same command ids: the processor records nothing twice
    assert copies == [[], [], [], []]  # a passed-on copy passes nothing on
    for case_id in ids:
        checks = desk.case(case_id).spot_checks
        assert [(c["outcome"], c["report_ref"]) for c in checks] == [(outcome.value, "LAB-7")]
        assert not desk.case(case_id).spot_check_running
