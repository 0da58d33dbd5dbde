"""The case summary row, column by column, as a case moves through its stages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from complaint_events.contracts.envelope import EventEnvelope
from complaint_events.domain.acting import Acting
from complaint_events.domain.values import AppealOutcome, DeadlineKind, ResolutionCode
from complaint_events.processing.deadline_json import deadline_json
from complaint_events.projections.case_summary import fold_case, stage_of


def fold_all(events: list[EventEnvelope]) -> dict[str, Any] | None:
    row = None
    for event in events:
        row = fold_case(row, event)
    return row


def test_a_resolved_case_passes_through_every_stage(story, at) -> None:
    s = story()
    stages = [fold_all(s.events)["stage"]]

    def then(step) -> None:
        step()
        stages.append(fold_all(s.events)["stage"])

    then(
        lambda: s.do(
            lambda c: c.triage(
                route="quality",
                queue="quality-zh",
                fast_track=True,
                burden_of_proof_on_merchant=False,
                distress=False,
                rule_refs=["TRIAGE-1"],
                by=Acting("system:router", at(0.5)),
            )
        )
    )
    then(lambda: s.acknowledge(1))
    then(lambda: s.determine_liability(3))
    then(lambda: s.offer_remedy(4))
    then(lambda: s.close(8, ResolutionCode.REMEDY_REJECTED))
    then(lambda: s.do(lambda c: c.file_appeal("unfair", Acting("consumer:c-1", at(9)))))
    then(
        lambda: s.do(
            lambda c: c.decide_appeal(
                AppealOutcome.UPHELD, "look again", Acting("handler:h", at(10))
            )
        )
    )

    assert stages == [
        "intake",
        "acknowledgement",
        "verification",
        "liability",
        "remedy",
        "closed",
        "appeal",
        "verification",
    ]


def test_the_row_holds_the_cases_facts_and_decisions(story, at) -> None:
    s = story().acknowledge(1).determine_liability(3).offer_remedy(4)
    s.do(lambda c: c.assign("h-7", Acting("handler:lead", at(2))))
    s.do(lambda c: c.escalate("consumer upset", 2, Acting("handler:h", at(5))))
    s.do(lambda c: c.escalate("still waiting", 1, Acting("handler:h", at(6))))

    row = fold_all(s.events)

    assert row is not None
    assert row["case_id"] == s.case.id
    assert (row["channel"], row["merchant_id"], row["sku"]) == ("web", "m-1", "sku-kettle-1")
    assert (row["category"], row["demand"], row["quantity"]) == ("quality_defect", "return", 1)
    assert row["price"] == Decimal("199.00")
    assert row["assignee"] == "h-7"
    assert row["liability_party"] == "merchant"
    assert (row["remedy_kind"], row["refund_amount"], row["compensation_amount"]) == (
        "return_and_refund",
        Decimal("199.00"),
        Decimal(0),
    )
    assert row["escalation_level"] == 2  # the highest level reached
    assert (row["filed_at"], row["acknowledged_at"]) == (at(0), at(1))
    assert row["status"] == "remedy_offered"
    assert row["last_sequence"] == s.case.version
    assert row["updated_at"] == at(6)  # the last event's time, never the wall clock


def test_closing_sets_and_reopening_clears_the_resolution(story, at) -> None:
    s = story().acknowledge(1).close(5, ResolutionCode.WITHDRAWN)
    closed = fold_all(s.events)
    s.do(lambda c: c.reopen("new photos", Acting("handler:h", at(7))))
    reopened = fold_all(s.events)

    assert (closed["resolution"], closed["closed_at"]) == ("withdrawn", at(5))
    assert (reopened["resolution"], reopened["closed_at"]) == (None, None)
    clocks = {d.kind: d.state for d in reopened["deadlines"].values()}
    assert clocks == {"acknowledgement": "met", "appeal_window": "cancelled"}


def test_a_deadline_paused_by_a_spot_check_resumes_later(story, at) -> None:
    s = story().acknowledge(1).request_merchant_evidence(2).order_spot_check(10)
    paused = deadline_json(fold_all(s.events)["deadlines"]["merchant_evidence@3"])
    s.spot_check_result(34)  # 24 hours of testing
    resumed = deadline_json(fold_all(s.events)["deadlines"]["merchant_evidence@3"])

    assert (paused["state"], paused["paused_at"]) == ("paused", "2024-06-03T19:00:00Z")
    assert (resumed["state"], resumed["paused_at"]) == ("open", None)
    assert resumed["due_at"] == "2024-06-06T11:00:00Z"  # 2 + 48 + 24 hours


def test_batch_alerts_are_listed_once_each(story) -> None:
    s = story().link_batch_alert("a-1", 1).link_batch_alert("a-2", 2).link_batch_alert("a-1", 3)

    assert fold_all(s.events)["batch_alert_ids"] == ["a-1", "a-2"]


def test_a_case_first_seen_mid_stream_gets_no_row(story) -> None:
    s = story().acknowledge(1)

    assert fold_case(None, s.events[1]) is None


def test_an_event_already_applied_changes_nothing(story) -> None:
    s = story().acknowledge(1)
    row = fold_all(s.events)

    assert fold_case(row, s.events[0]) is row
    assert fold_case(row, s.events[1]) is row


def test_events_without_columns_of_their_own_only_move_the_position(story, at) -> None:
    s = story().acknowledge(1)
    before = fold_all(s.events)
    s.do(lambda c: c.schedule_callback(at(30), "call back", Acting("handler:h", at(2))))
    after = fold_all(s.events)

    changed = {k for k in after if after[k] != before[k]}
    assert changed == {"last_sequence", "updated_at"}


def test_an_expired_acknowledgement_clock_shows_as_expired(story) -> None:
    s = story().expire(DeadlineKind.ACKNOWLEDGEMENT, 25)

    row = fold_all(s.events)

    assert row["deadlines"]["acknowledgement@1"].state == "expired"
    assert row["escalation_level"] == 1


def test_stage_names_follow_the_status() -> None:
    assert stage_of("filed", None) == "intake"
    assert stage_of("filed", "quality") == "acknowledgement"
    assert stage_of("remedy_executed", "quality") == "remedy"
    assert stage_of("under_appeal", None) == "appeal"
