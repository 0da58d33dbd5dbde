"""Commands the process refuses, each with the named error that says why."""

from __future__ import annotations

from datetime import timedelta

import pytest

from complaint_events.domain.case import MAX_CASE_EVIDENCE
from complaint_events.domain.errors import (
    AlreadyAnsweredError,
    AppealWindowClosedError,
    InvalidCommandError,
    InvalidTransitionError,
    LiabilityNotDeterminedError,
    NothingRequestedError,
    TooMuchEvidenceError,
    WrongConsumerError,
    WrongMerchantError,
)
from complaint_events.domain.status import TRANSITIONS, CaseStatus, Step, next_status
from complaint_events.domain.values import (
    AppealOutcome,
    Authority,
    ProblemCategory,
    ResolutionCode,
)

APPEAL_WINDOW = timedelta(days=7)


def test_offering_a_remedy_before_liability_is_determined_is_refused(steps) -> None:
    case = steps.file()
    steps.acknowledge(case, 1)

    with pytest.raises(LiabilityNotDeterminedError):
        steps.offer_remedy(case, 2)

    assert case.remedy is None
    assert case.status is CaseStatus.VERIFYING
    assert [type(e).__name__ for e in case.collect_events()][-1] == "AcknowledgementSent"


def test_an_appeal_inside_the_window_is_accepted(steps, by) -> None:
    case = steps.closed()  # closed at 8 h

    case.file_appeal("the refund was short", by=by.consumer(8 + 7 * 24))

    assert case.status is CaseStatus.UNDER_APPEAL


def test_an_appeal_after_the_window_is_refused(steps, by) -> None:
    case = steps.closed()  # closed at 8 h
    just_after = 8 + APPEAL_WINDOW / timedelta(hours=1) + 1 / 60

    with pytest.raises(AppealWindowClosedError):
        case.file_appeal("the refund was short", by=by.consumer(just_after))

    assert case.status is CaseStatus.CLOSED
    assert case.appeals == []


def test_evidence_from_another_merchant_is_refused(steps, by) -> None:
    case = steps.file()
    steps.request_merchant_evidence(case, 1)

    with pytest.raises(WrongMerchantError):
        case.submit_merchant_evidence([], "not ours", by=by.merchant(2, merchant_id="m-2"))

    assert case.merchant_evidence == []


def test_another_consumer_cannot_accept_the_remedy(steps, by) -> None:
    case = steps.offered()

    with pytest.raises(WrongConsumerError):
        case.accept_remedy(by=by.consumer(5, consumer_id="c-2"))

    assert case.status is CaseStatus.REMEDY_OFFERED
    assert case.remedy is not None
    assert case.remedy["answer"] is None


def test_supplying_information_never_requested_is_refused(filed_case, steps, by) -> None:
    case = filed_case()
    steps.acknowledge(case, 1)

    with pytest.raises(NothingRequestedError):
        case.supply_information("order o-1", [], by=by.consumer(2))


def test_supplying_information_twice_is_refused(steps, by) -> None:
    case = steps.file()
    steps.request_information(case, 1)
    case.supply_information("order o-1", [], by=by.consumer(2))

    with pytest.raises(NothingRequestedError):
        case.supply_information("order o-1 again", [], by=by.consumer(3))


def test_merchant_evidence_never_requested_is_refused(steps) -> None:
    case = steps.file()

    with pytest.raises(NothingRequestedError):
        steps.submit_merchant_evidence(case, 1)


@pytest.mark.parametrize("new_facts", ["", "   "])
def test_reopening_without_new_facts_is_refused(steps, by, new_facts: str) -> None:
    case = steps.file()
    steps.close(case, 1, ResolutionCode.INSUFFICIENT_INFORMATION)

    with pytest.raises(InvalidCommandError):
        case.reopen(new_facts, by=by.handler(2))

    assert case.status is CaseStatus.CLOSED
    assert case.reopen_count == 0


def test_reopening_on_new_facts_returns_the_case_to_verification(steps, by) -> None:
    case = steps.file()
    steps.close(case, 1, ResolutionCode.INSUFFICIENT_INFORMATION)

    case.reopen("consumer found the order id", by=by.handler(2))

    assert case.status is CaseStatus.VERIFYING
    assert case.resolution is None
    assert case.reopen_count == 1


def test_a_refused_step_on_the_aggregate_records_nothing(steps, by) -> None:
    case = steps.closed()
    before = case.version

    with pytest.raises(InvalidTransitionError):
        case.accept_remedy(by=by.consumer(9))

    assert case.version == before


_LISTED = [(status, step) for status, row in TRANSITIONS.items() for step in row]
_NOT_LISTED = [
    (status, step) for status in CaseStatus for step in Step if step not in TRANSITIONS[status]
]


def test_the_table_has_a_row_for_every_status() -> None:
    assert set(TRANSITIONS) == set(CaseStatus)


@pytest.mark.parametrize(("status", "step"), _LISTED)
def test_every_listed_step_is_allowed(status: CaseStatus, step: Step) -> None:
    expected = TRANSITIONS[status][step]

    assert next_status(status, step) is (status if expected is None else expected)


@pytest.mark.parametrize(("status", "step"), _NOT_LISTED)
def test_every_step_not_listed_is_refused(status: CaseStatus, step: Step) -> None:
    with pytest.raises(InvalidTransitionError) as refused:
        next_status(status, step)

    assert refused.value.status == status.value


@pytest.mark.parametrize("status", [CaseStatus.FILED, CaseStatus.VERIFYING])
def test_a_remedy_before_liability_gets_the_specific_error(status: CaseStatus) -> None:
    with pytest.raises(LiabilityNotDeterminedError):
        next_status(status, Step.OFFER_REMEDY)


@pytest.mark.parametrize("status", [CaseStatus.CLOSED, CaseStatus.REMEDY_EXECUTED])
def test_a_remedy_after_the_case_moved_on_is_an_ordinary_refusal(status: CaseStatus) -> None:
    with pytest.raises(InvalidTransitionError) as refused:
        next_status(status, Step.OFFER_REMEDY)

    assert not isinstance(refused.value, LiabilityNotDeterminedError)


def test_the_satisfaction_survey_is_answered_once_per_closure(steps, by) -> None:
    case = steps.closed()  # closed at 8 h
    case.record_satisfaction(2, "slow", by=by.consumer(9))

    with pytest.raises(AlreadyAnsweredError):
        case.record_satisfaction(5, "changed my mind", by=by.consumer(10))

    assert case.satisfaction is not None
    assert case.satisfaction["score"] == 2
    # Reopened on new facts and closed again: a new closure asks again.
    case.reopen("the kettle leaks again", by=by.handler(11))
    steps.close(case, 12, ResolutionCode.REMEDY_EXECUTED)
    case.record_satisfaction(4, "fixed now", by=by.consumer(13))
    assert case.satisfaction["score"] == 4


def test_a_case_holds_a_bounded_number_of_evidence_pointers(steps, by) -> None:
    case = steps.file(evidence=())
    steps.acknowledge(case, 1)
    photos = [{"kind": "photo", "uri": f"s3://e/{i}.jpg"} for i in range(MAX_CASE_EVIDENCE)]
    steps.request_information(case, 2)
    case.supply_information("all of them", photos, by=by.consumer(3))
    steps.request_information(case, 4)

    with pytest.raises(TooMuchEvidenceError, match=f"at most {MAX_CASE_EVIDENCE}"):
        case.supply_information("one more", photos[:1], by=by.consumer(5))

    assert len(case.evidence) == MAX_CASE_EVIDENCE


# ------------------------------------------------- the dead ends of issue 14


def test_a_reopened_case_takes_the_consumers_information_once_unasked(steps, by) -> None:
    case = steps.file()
    steps.close(case, 1, ResolutionCode.INSUFFICIENT_INFORMATION)
    case.reopen("the consumer called: it leaks again", by=by.handler(2))

    case.supply_information("new photos", [{"kind": "photo", "uri": "s3://2.jpg"}], by.consumer(3))

    assert case.evidence[-1]["uri"] == "s3://2.jpg"
    with pytest.raises(NothingRequestedError):  # further answers wait for a request
        case.supply_information("more", [], by=by.consumer(4))


def test_an_upheld_appeal_takes_the_consumers_information_unasked(steps, by) -> None:
    case = steps.closed()
    case.file_appeal("the refund left out the shipping", by=by.consumer(9))
    case.decide_appeal(AppealOutcome.UPHELD, "shipping is the merchant's", by=by.handler(10))

    case.supply_information("the shipping receipt", [], by=by.consumer(11))

    assert case.status is CaseStatus.VERIFYING


def test_a_no_reason_return_is_offered_without_a_liability_finding(steps, by, policy) -> None:
    case = steps.file(category=ProblemCategory.NO_REASON_RETURN)
    steps.acknowledge(case, 1)

    steps.offer_remedy(case, 2)

    assert (case.status, case.liability) == (CaseStatus.REMEDY_OFFERED, None)


def test_other_remedies_still_wait_for_liability(steps) -> None:
    case = steps.file()
    steps.acknowledge(case, 1)

    with pytest.raises(LiabilityNotDeterminedError):
        steps.offer_remedy(case, 2)


# ----------------------------------------------------- referral to an authority


def test_a_referral_records_the_authority_its_reference_and_the_day(steps, by) -> None:
    case = steps.file()
    on = by.handler(5).at.date()

    case.refer_to_authority(Authority.MARKET_REGULATOR, "12315-0042", on, by.handler(5))
    steps.close(case, 6, ResolutionCode.REFERRED_TO_AUTHORITY)

    assert [(r["authority"], r["reference"], r["referred_on"]) for r in case.referrals] == [
        ("market_regulator", "12315-0042", on)
    ]
    assert case.resolution is ResolutionCode.REFERRED_TO_AUTHORITY


def test_closing_as_referred_needs_the_referral_on_record(steps) -> None:
    case = steps.file()

    with pytest.raises(InvalidCommandError, match="record the referral first"):
        steps.close(case, 1, ResolutionCode.REFERRED_TO_AUTHORITY)


@pytest.mark.parametrize(
    ("authority", "reference", "days_later"),
    [
        ("market_regulator", " ", 0),  # no reference
        ("market_regulator", "12315-1", 1),  # dated tomorrow
        ("the_press", "X-1", 0),  # no such authority
    ],
)
def test_a_referral_without_its_facts_is_refused(steps, by, authority, reference, days_later):
    case = steps.file()
    on = by.handler(1).at.date() + timedelta(days=days_later)

    with pytest.raises(InvalidCommandError):
        case.refer_to_authority(authority, reference, on, by.handler(1))
    assert case.referrals == []


def test_the_same_referral_twice_is_refused(steps, by) -> None:
    case = steps.file()
    on = by.handler(1).at.date()
    case.refer_to_authority(Authority.MARKET_REGULATOR, "12315-1", on, by.handler(1))

    with pytest.raises(InvalidCommandError):
        case.refer_to_authority(Authority.MARKET_REGULATOR, "12315-1", on, by.handler(2))
    case.refer_to_authority(Authority.PUBLIC_SECURITY, "GA-7", on, by.handler(3))
    assert len(case.referrals) == 2
