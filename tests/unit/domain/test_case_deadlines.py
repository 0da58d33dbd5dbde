"""The clocks of docs/deadlines.md: due times, default outcomes, pauses, reminders."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from functools import reduce

import pytest

from complaint_events.bootstrap import open_cases
from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.complaint import EvidenceRef
from complaint_events.domain.deadlines import Deadline, DeadlinePolicy, DeadlineState
from complaint_events.domain.errors import AppealWindowClosedError
from complaint_events.domain.rules.references import CPL_23_DURABLE_BURDEN
from complaint_events.domain.status import CaseStatus
from complaint_events.domain.values import (
    DeadlineKind,
    EvidenceKind,
    LiabilityGround,
    Party,
    RemedyKind,
    ResolutionCode,
)

K = DeadlineKind
H = timedelta(hours=1)
WEEK = 7 * 24


def clock(case: ComplaintCase, kind: DeadlineKind) -> Deadline:
    """The latest deadline of ``kind`` on the case, whatever its state."""
    found = [d for d in case.deadlines.values() if d.kind is kind]
    assert found, f"no {kind} deadline on the case"
    return found[-1]


def new_event_names(case: ComplaintCase, since: int) -> list[str]:
    return [type(e).__name__ for e in case.collect_events()][since:]


# ------------------------------------------------------------------ due times


def test_acknowledgement_is_due_24_hours_after_filing(steps, at) -> None:
    case = steps.file(hours=5)

    ack = clock(case, K.ACKNOWLEDGEMENT)

    assert ack.started_at == at(5)
    assert ack.due_at == at(5 + 24)
    assert ack.state is DeadlineState.OPEN


def test_each_clock_starts_at_its_event_with_its_default_length(steps, at) -> None:
    case = steps.file()
    steps.request_information(case, 1)
    steps.request_merchant_evidence(case, 2)

    assert clock(case, K.INFORMATION).due_at == at(1 + 72)
    assert clock(case, K.INFORMATION).remind_at == at(1 + 48)
    assert clock(case, K.MERCHANT_EVIDENCE).due_at == at(2 + 48)

    closed = steps.closed()  # offered at 4, return received at 6, closed at 8
    assert clock(closed, K.REMEDY_ANSWER).due_at == at(4 + 72)
    assert clock(closed, K.REFUND).due_at == at(6 + WEEK)
    assert clock(closed, K.APPEAL_WINDOW).due_at == at(8 + WEEK)


def test_the_due_time_is_stored_in_the_event_that_starts_the_clock(steps, at) -> None:
    case = steps.file()
    steps.request_information(case, 1)

    filed, requested = case.collect_events()

    assert filed.acknowledgement_deadline["due_at"] == at(24)
    assert requested.deadline["due_at"] == at(73)
    assert requested.deadline["remind_at"] == at(49)


def test_replaying_under_a_changed_policy_keeps_the_stored_due_time(
    tmp_path, details, by, at
) -> None:
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(tmp_path / "cases.sqlite"),
    }
    before = open_cases(env=env)
    filed = before.file_complaint(details(), by.adapter(0))
    before.close()

    shorter = DeadlinePolicy().with_duration(K.ACKNOWLEDGEMENT, timedelta(hours=1))
    after = open_cases(env=env, policy=shorter)
    case = after.get_case(filed.case_id)
    ack = clock(case, K.ACKNOWLEDGEMENT)
    expired = after.act(
        filed.case_id, lambda c: c.expire_deadline(ack.deadline_id, by.system(2), shorter)
    )

    assert ack.due_at == at(24)
    assert expired.events == ()
    after.close()


def test_reduce_over_the_events_keeps_the_due_times(steps) -> None:
    case = steps.offered()
    due = {d.deadline_id: d.due_at for d in case.deadlines.values()}

    replayed = reduce(lambda agg, e: e.mutate(agg), case.collect_events(), None)

    assert {d.deadline_id: d.due_at for d in replayed.deadlines.values()} == due


def test_a_configured_duration_sets_the_due_time(by, at, details) -> None:
    policy = DeadlinePolicy().with_duration(K.ACKNOWLEDGEMENT, timedelta(hours=4))

    case = ComplaintCase.file(details(), by.adapter(0), policy)

    assert clock(case, K.ACKNOWLEDGEMENT).due_at == at(4)


def test_a_configured_duration_keeps_the_reminder_lead_when_it_fits(by, at, details) -> None:
    policy = DeadlinePolicy().with_duration(K.INFORMATION, timedelta(hours=96))
    case = ComplaintCase.file(details(), by.adapter(0), policy)

    case.request_information(["order id"], by=by.handler(1), policy=policy)

    assert clock(case, K.INFORMATION).due_at == at(97)
    assert clock(case, K.INFORMATION).remind_at == at(97 - 24)


def test_a_configured_duration_too_short_for_the_reminder_drops_it(by, at, details) -> None:
    policy = DeadlinePolicy().with_duration(K.INFORMATION, timedelta(hours=12))
    case = ComplaintCase.file(details(), by.adapter(0), policy)

    case.request_information(["order id"], by=by.handler(1), policy=policy)

    assert clock(case, K.INFORMATION).due_at == at(13)
    assert clock(case, K.INFORMATION).remind_at is None


def test_with_duration_leaves_the_original_policy_alone() -> None:
    default = DeadlinePolicy()

    default.with_duration(K.REFUND, timedelta(days=3))

    assert default.clocks[K.REFUND].duration == timedelta(days=7)


# ------------------------------------------------------- outcomes on expiry


def test_acknowledgement_expiry_escalates_the_case(steps, by, policy) -> None:
    case = steps.file()
    ack = clock(case, K.ACKNOWLEDGEMENT)

    assert case.expire_deadline(ack.deadline_id, by.system(24), policy) is True

    assert new_event_names(case, 1) == ["DeadlineExpired", "CaseEscalated"]
    assert clock(case, K.ACKNOWLEDGEMENT).state is DeadlineState.EXPIRED
    assert case.escalated
    assert case.status is CaseStatus.FILED


def test_information_expiry_closes_as_insufficient_and_can_be_reopened(steps, by, policy) -> None:
    case = steps.file()
    steps.acknowledge(case, 1)
    steps.request_information(case, 2)

    assert (
        case.expire_deadline(clock(case, K.INFORMATION).deadline_id, by.system(2 + 72), policy)
        is True
    )

    assert case.status is CaseStatus.CLOSED
    assert case.resolution is ResolutionCode.INSUFFICIENT_INFORMATION
    case.reopen("the consumer found the order id", by=by.handler(80))
    assert case.status is CaseStatus.VERIFYING


def test_a_silent_merchant_with_photos_of_the_defect_is_judged_by_default(
    steps, by, policy
) -> None:
    case = steps.file()
    steps.acknowledge(case, 1)
    steps.request_merchant_evidence(case, 2)
    version = case.version

    assert (
        case.expire_deadline(
            clock(case, K.MERCHANT_EVIDENCE).deadline_id, by.system(2 + 48), policy
        )
        is True
    )

    assert new_event_names(case, version) == [
        "DeadlineExpired",
        "LiabilityDetermined",
        "RemedyOffered",
    ]
    assert case.liability is not None
    assert case.liability["party"] == Party.MERCHANT
    assert case.liability["grounds"] == [LiabilityGround.SILENT_MERCHANT]
    assert case.remedy is not None
    assert case.remedy["kind"] == RemedyKind.RETURN_AND_REFUND
    assert case.remedy["shipping_paid_by"] == Party.MERCHANT
    assert case.remedy["refund_amount"] == Decimal("199.00")
    assert case.status is CaseStatus.REMEDY_OFFERED
    assert clock(case, K.REMEDY_ANSWER).state is DeadlineState.OPEN


@pytest.mark.parametrize("kinds", [(), (EvidenceKind.RECEIPT, EvidenceKind.TEST_REPORT)])
def test_a_silent_merchant_without_photo_or_video_is_escalated(steps, by, policy, kinds) -> None:
    case = steps.file(evidence=tuple(EvidenceRef(k, f"s3://{k}") for k in kinds))
    steps.acknowledge(case, 1)
    steps.request_merchant_evidence(case, 2)

    assert (
        case.expire_deadline(
            clock(case, K.MERCHANT_EVIDENCE).deadline_id, by.system(2 + 48), policy
        )
        is True
    )

    assert case.escalated
    assert case.liability is None
    assert case.status is CaseStatus.VERIFYING


@pytest.mark.parametrize("within_six_months", [True, False])
def test_a_silent_merchant_of_a_durable_good_bears_the_burden_of_proof(
    steps, by, policy, within_six_months: bool
) -> None:
    """A TV bought 4 months ago, no photos, the merchant silent: within 6 months of
    delivery the burden of proof is the merchant's (CPL Art. 23(3)), so silence ends
    in a default judgment with Art. 23 as its ground; later it is escalated (issue 14)."""
    case = steps.file(evidence=())
    case.triage(
        route="durable_goods",
        queue="durable",
        fast_track=False,
        burden_of_proof_on_merchant=within_six_months,
        distress=False,
        rule_refs=["CPL-23"] if within_six_months else [],
        by=by.system(0.1),
    )
    steps.acknowledge(case, 1)
    steps.request_merchant_evidence(case, 2)

    case.expire_deadline(clock(case, K.MERCHANT_EVIDENCE).deadline_id, by.system(50), policy)

    if within_six_months:
        assert case.liability is not None
        assert case.liability["party"] == Party.MERCHANT
        assert case.liability["grounds"] == [LiabilityGround.DEFECT]
        assert CPL_23_DURABLE_BURDEN.code in case.liability["rule_refs"]
        assert "CPL Art. 23(3)" in case.liability["reasoning"]
        assert case.status is CaseStatus.REMEDY_OFFERED
    else:
        assert case.liability is None
        assert case.escalated


def test_an_overdue_spot_check_escalates(steps, by, policy) -> None:
    case = steps.file()
    steps.acknowledge(case, 1)
    steps.order_spot_check(case, 2)

    assert (
        case.expire_deadline(clock(case, K.SPOT_CHECK).deadline_id, by.system(2 + WEEK), policy)
        is True
    )

    assert case.escalated
    assert case.status is CaseStatus.VERIFYING


def test_an_unanswered_remedy_offer_escalates_to_a_handler(steps, by, policy) -> None:
    case = steps.offered()  # offered at 4

    assert (
        case.expire_deadline(clock(case, K.REMEDY_ANSWER).deadline_id, by.system(4 + 72), policy)
        is True
    )

    assert case.escalated
    assert case.status is CaseStatus.REMEDY_OFFERED


def test_a_late_refund_escalates_and_penalises_the_merchant(steps, by, policy) -> None:
    case = steps.returned()  # return received at 6
    version = case.version

    assert (
        case.expire_deadline(clock(case, K.REFUND).deadline_id, by.system(6 + WEEK), policy) is True
    )

    assert new_event_names(case, version) == [
        "DeadlineExpired",
        "CaseEscalated",
        "MerchantPenaltyRecorded",
    ]
    assert len(case.penalties) == 1
    assert case.status is CaseStatus.REMEDY_ACCEPTED


def test_after_the_appeal_window_expires_appeals_are_refused(steps, by, policy) -> None:
    case = steps.closed()  # closed at 8
    window = clock(case, K.APPEAL_WINDOW)

    assert case.expire_deadline(window.deadline_id, by.system(8 + WEEK), policy) is True

    with pytest.raises(AppealWindowClosedError):
        case.file_appeal("the refund was short", by=by.consumer(8 + WEEK))
    assert case.status is CaseStatus.CLOSED


# -------------------------------------------- expiries that change nothing


def test_an_early_expiry_records_nothing(steps, by, policy) -> None:
    case = steps.file()
    version = case.version

    assert (
        case.expire_deadline(clock(case, K.ACKNOWLEDGEMENT).deadline_id, by.system(23.9), policy)
        is False
    )

    assert case.version == version
    assert clock(case, K.ACKNOWLEDGEMENT).state is DeadlineState.OPEN


def test_a_repeated_expiry_records_nothing_more(steps, by, policy) -> None:
    case = steps.file()
    ack = clock(case, K.ACKNOWLEDGEMENT).deadline_id
    case.expire_deadline(ack, by.system(24), policy)
    version = case.version

    assert case.expire_deadline(ack, by.system(25), policy) is False

    assert case.version == version
    assert len(case.escalations) == 1


def test_expiry_of_a_met_deadline_records_nothing(steps, by, policy) -> None:
    case = steps.file()
    steps.acknowledge(case, 1)
    version = case.version

    assert (
        case.expire_deadline(clock(case, K.ACKNOWLEDGEMENT).deadline_id, by.system(24), policy)
        is False
    )

    assert case.version == version
    assert not case.escalated


def test_expiry_of_a_replaced_information_request_records_nothing(steps, by, policy) -> None:
    case = steps.file()
    steps.request_information(case, 1)
    first = clock(case, K.INFORMATION).deadline_id
    steps.request_information(case, 2)  # a new request cancels the first clock
    version = case.version

    assert case.deadlines[first].state is DeadlineState.CANCELLED
    assert case.expire_deadline(first, by.system(74), policy) is False
    assert case.version == version
    assert case.status is CaseStatus.VERIFYING


def test_expiry_of_an_unknown_deadline_records_nothing(steps, by, policy) -> None:
    case = steps.file()

    assert case.expire_deadline("information@99", by.system(500), policy) is False
    assert case.version == 1


# ---------------------------------------------------- spot-check pause


def test_a_spot_check_pauses_the_other_open_clocks(steps, by, policy) -> None:
    case = steps.file()
    steps.request_merchant_evidence(case, 1)  # due at 49
    steps.order_spot_check(case, 10)
    version = case.version

    assert clock(case, K.MERCHANT_EVIDENCE).state is DeadlineState.PAUSED
    assert clock(case, K.ACKNOWLEDGEMENT).state is DeadlineState.PAUSED
    assert clock(case, K.SPOT_CHECK).state is DeadlineState.OPEN
    assert (
        case.expire_deadline(clock(case, K.MERCHANT_EVIDENCE).deadline_id, by.system(60), policy)
        is False
    )
    assert case.version == version


def test_on_the_result_paused_clocks_resume_pushed_back_by_the_testing_time(
    steps, by, at, policy
) -> None:
    case = steps.file()
    steps.request_merchant_evidence(case, 1)  # due at 49, reminder at 37
    steps.order_spot_check(case, 10)
    testing = 30

    steps.record_spot_check_result(case, 10 + testing)

    evidence = clock(case, K.MERCHANT_EVIDENCE)
    assert evidence.state is DeadlineState.OPEN
    assert evidence.due_at == at(49 + testing)
    assert evidence.remind_at == at(37 + testing)
    assert clock(case, K.ACKNOWLEDGEMENT).due_at == at(24 + testing)
    assert clock(case, K.SPOT_CHECK).state is DeadlineState.MET
    assert case.expire_deadline(evidence.deadline_id, by.system(49 + testing - 1), policy) is False
    assert case.expire_deadline(evidence.deadline_id, by.system(49 + testing), policy) is True


def test_resumed_due_times_survive_replay(steps) -> None:
    case = steps.file()
    steps.request_merchant_evidence(case, 1)
    steps.order_spot_check(case, 10)
    steps.record_spot_check_result(case, 40)

    replayed = reduce(lambda agg, e: e.mutate(agg), case.collect_events(), None)

    assert replayed == case


# ------------------------------------------------------------- reminders


def test_a_reminder_fires_once_and_only_after_remind_at(steps, by, policy) -> None:
    case = steps.file()
    steps.request_information(case, 1)  # reminder at 49
    info = clock(case, K.INFORMATION).deadline_id

    assert case.send_reminder(info, by.system(48.9)) is False
    assert case.send_reminder(info, by.system(49)) is True
    assert case.send_reminder(info, by.system(50)) is False

    assert new_event_names(case, 2) == ["DeadlineReminderSent"]
    assert case.deadlines[info].reminded


def test_no_reminder_for_a_clock_without_one_or_already_met(steps, by) -> None:
    case = steps.file()
    steps.request_information(case, 1)
    case.supply_information("order o-1", [], by=by.consumer(2))

    assert case.send_reminder(clock(case, K.ACKNOWLEDGEMENT).deadline_id, by.system(23)) is False
    assert case.send_reminder(clock(case, K.INFORMATION).deadline_id, by.system(60)) is False
    assert case.version == 3


@pytest.mark.parametrize("stage", ["liable", "offered", "returned"])
def test_information_expiry_after_verification_records_the_breach_but_keeps_the_case(
    steps, by, policy, stage: str
) -> None:
    case = steps.file()
    steps.request_information(case, 0.5)  # due at 72.5; the case moves on meanwhile
    steps.acknowledge(case, 1)
    steps.assess(case, 2)
    steps.determine_liability(case, 3)
    if stage in ("offered", "returned"):
        steps.offer_remedy(case, 4)
    if stage == "returned":
        steps.accept(case, 5)
        steps.receive_return(case, 6)
    status = case.status
    version = case.version

    assert (
        case.expire_deadline(clock(case, K.INFORMATION).deadline_id, by.system(72.5), policy)
        is True
    )

    assert new_event_names(case, version) == ["DeadlineExpired"]
    assert case.status is status
    assert case.resolution is None


def test_an_overdue_spot_check_result_is_still_recorded_and_resumes_paused_clocks(
    steps, by, at, policy
) -> None:
    case = steps.file()
    steps.acknowledge(case, 1)
    steps.request_merchant_evidence(case, 2)  # due at 50
    steps.order_spot_check(case, 10)
    case.expire_deadline(clock(case, K.SPOT_CHECK).deadline_id, by.system(10 + WEEK), policy)

    steps.record_spot_check_result(case, 10 + WEEK + 20)

    evidence = clock(case, K.MERCHANT_EVIDENCE)
    assert evidence.state is DeadlineState.OPEN
    assert evidence.due_at == at(50 + WEEK + 20)
    assert case.spot_checks[-1]["outcome"] == "defect_confirmed"
    assert clock(case, K.SPOT_CHECK).state is DeadlineState.EXPIRED
