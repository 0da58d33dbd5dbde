"""The happy path of docs/lifecycle.md, stage by stage, and replaying it from its events."""

from __future__ import annotations

from functools import reduce
from typing import Any

from complaint_events.application.cases import ComplaintCases
from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.deadlines import DeadlineState
from complaint_events.domain.status import CaseStatus
from complaint_events.domain.values import DeadlineKind, ResolutionCode

S = CaseStatus


def walk_happy_path(case: ComplaintCase, steps: Any, by: Any) -> list[tuple[str, CaseStatus]]:
    """Take every stage of a resolved complaint; return (event, status after it)."""
    seen = [("ComplaintFiled", case.status)]

    def take(name: str, action: Any) -> None:
        action()
        seen.append((name, case.status))

    take("AcknowledgementSent", lambda: steps.acknowledge(case, 1))
    take("MerchantEvidenceRequested", lambda: steps.request_merchant_evidence(case, 2))
    take("MerchantEvidenceSubmitted", lambda: steps.submit_merchant_evidence(case, 20))
    take("EvidenceAssessed", lambda: steps.assess(case, 21))
    take("LiabilityDetermined", lambda: steps.determine_liability(case, 22))
    take("RemedyOffered", lambda: steps.offer_remedy(case, 23))
    take("RemedyAccepted", lambda: steps.accept(case, 30))
    take("ReturnReceived", lambda: steps.receive_return(case, 50))
    take("RemedyExecuted", lambda: steps.execute(case, 60))
    take("CaseClosed", lambda: steps.close(case, 61))
    take(
        "SatisfactionRecorded",
        lambda: case.record_satisfaction(5, "quick and fair", by=by.consumer(70)),
    )
    return seen


def test_happy_path_moves_through_each_stage(steps, by) -> None:
    case = steps.file()

    seen = walk_happy_path(case, steps, by)

    assert seen == [
        ("ComplaintFiled", S.FILED),
        ("AcknowledgementSent", S.VERIFYING),
        ("MerchantEvidenceRequested", S.VERIFYING),
        ("MerchantEvidenceSubmitted", S.VERIFYING),
        ("EvidenceAssessed", S.VERIFYING),
        ("LiabilityDetermined", S.LIABILITY_DETERMINED),
        ("RemedyOffered", S.REMEDY_OFFERED),
        ("RemedyAccepted", S.REMEDY_ACCEPTED),
        ("ReturnReceived", S.REMEDY_ACCEPTED),
        ("RemedyExecuted", S.REMEDY_EXECUTED),
        ("CaseClosed", S.CLOSED),
        ("SatisfactionRecorded", S.CLOSED),
    ]


def test_happy_path_records_one_named_event_per_step(steps, by) -> None:
    case = steps.file()
    seen = walk_happy_path(case, steps, by)

    events = case.collect_events()

    assert [type(e).__name__ for e in events] == [name for name, _ in seen]
    assert [e.timestamp for e in events] == sorted(e.timestamp for e in events)


def test_happy_path_leaves_every_clock_finished_but_the_appeal_window(steps, by) -> None:
    case = steps.file()
    walk_happy_path(case, steps, by)

    states = {d.kind: d.state for d in case.deadlines.values()}

    assert states == {
        DeadlineKind.ACKNOWLEDGEMENT: DeadlineState.MET,
        DeadlineKind.MERCHANT_EVIDENCE: DeadlineState.MET,
        DeadlineKind.REMEDY_ANSWER: DeadlineState.MET,
        DeadlineKind.REFUND: DeadlineState.MET,
        DeadlineKind.APPEAL_WINDOW: DeadlineState.OPEN,
    }
    assert case.resolution is ResolutionCode.REMEDY_EXECUTED
    assert case.satisfaction is not None
    assert case.satisfaction["score"] == 5


def test_replaying_the_collected_events_rebuilds_an_equal_case(steps, by) -> None:
    case = steps.file()
    walk_happy_path(case, steps, by)
    events = case.collect_events()

    replayed = reduce(lambda agg, e: e.mutate(agg), events, None)

    assert replayed == case
    assert replayed.status is S.CLOSED
    assert replayed.version == len(events)


def test_case_read_back_from_the_store_equals_the_case_saved(
    steps, by, details, app: ComplaintCases
) -> None:
    # Filed as every complaint is, through the application (which seals the contact and
    # the description): a filing stored in clear is upcast to the sealed form when read.
    (filed,) = app.file_complaints([(details(), by.adapter(0))])
    case = app.get_case(filed.case_id)
    walk_happy_path(case, steps, by)
    app.save(case)

    stored = app.get_case(case.id)

    assert stored == case
    assert [type(e).__name__ for e in app.history(case.id)][-1] == "SatisfactionRecorded"
