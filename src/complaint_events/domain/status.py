"""The case state machine: statuses, steps, and the one transition table.

Read the table against docs/lifecycle.md ("The transition table"): a step not listed under a status
is refused with :class:`~complaint_events.domain.errors.InvalidTransitionError`.
Some steps (escalation, callbacks, reminders, deadline expiries) are facts
about the case rather than stage changes; they are listed where they may
happen and keep the status.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from complaint_events.domain.errors import InvalidTransitionError, LiabilityNotDeterminedError


class CaseStatus(StrEnum):
    """Where a case stands in its lifecycle."""

    FILED = "filed"
    VERIFYING = "verifying"
    LIABILITY_DETERMINED = "liability_determined"
    REMEDY_OFFERED = "remedy_offered"
    REMEDY_ACCEPTED = "remedy_accepted"
    REMEDY_REJECTED = "remedy_rejected"
    REMEDY_EXECUTED = "remedy_executed"
    CLOSED = "closed"
    UNDER_APPEAL = "under_appeal"


class Step(StrEnum):
    """What can be done to a case; each step records the event of the same name."""

    TRIAGE = "CaseTriaged"
    ASSIGN = "CaseAssigned"
    RECORD_DUPLICATE = "DuplicateSubmissionRecorded"
    ACKNOWLEDGE = "AcknowledgementSent"
    REQUEST_INFORMATION = "InformationRequested"
    SUPPLY_INFORMATION = "InformationSupplied"
    SCHEDULE_CALLBACK = "CallbackScheduled"
    REQUEST_MERCHANT_EVIDENCE = "MerchantEvidenceRequested"
    SUBMIT_MERCHANT_EVIDENCE = "MerchantEvidenceSubmitted"
    ORDER_SPOT_CHECK = "SpotCheckOrdered"
    RECORD_SPOT_CHECK_RESULT = "SpotCheckResultRecorded"
    ASSESS_EVIDENCE = "EvidenceAssessed"
    DETERMINE_LIABILITY = "LiabilityDetermined"
    OFFER_REMEDY = "RemedyOffered"
    OFFER_NO_REASON_RETURN = "RemedyOffered:no_reason_return"
    ACCEPT_REMEDY = "RemedyAccepted"
    REJECT_REMEDY = "RemedyRejected"
    RECEIVE_RETURN = "ReturnReceived"
    EXECUTE_REMEDY = "RemedyExecuted"
    CLOSE = "CaseClosed"
    RECORD_SATISFACTION = "SatisfactionRecorded"
    FILE_APPEAL = "AppealFiled"
    UPHOLD_APPEAL = "AppealDecided:upheld"
    DISMISS_APPEAL = "AppealDecided:dismissed"
    REOPEN = "CaseReopened"
    ESCALATE = "CaseEscalated"
    REFER_TO_AUTHORITY = "CaseReferredToAuthority"
    SEND_REMINDER = "DeadlineReminderSent"
    EXPIRE_DEADLINE = "DeadlineExpired"
    RECORD_PENALTY = "MerchantPenaltyRecorded"
    LINK_BATCH_ALERT = "BatchAlertLinked"


S = CaseStatus

# Steps that may happen at any open stage without changing it.
_ANYTIME_OPEN: Final = {
    Step.TRIAGE: None,
    Step.ASSIGN: None,
    Step.RECORD_DUPLICATE: None,
    Step.ACKNOWLEDGE: None,
    Step.SCHEDULE_CALLBACK: None,
    Step.ESCALATE: None,
    Step.REFER_TO_AUTHORITY: None,
    Step.SEND_REMINDER: None,
    Step.EXPIRE_DEADLINE: None,
    Step.RECORD_PENALTY: None,
    Step.LINK_BATCH_ALERT: None,
}

# Verification steps: from FILED they open verification, within it they stay.
_VERIFICATION: Final = {
    Step.REQUEST_INFORMATION: S.VERIFYING,
    Step.SUPPLY_INFORMATION: S.VERIFYING,
    Step.REQUEST_MERCHANT_EVIDENCE: S.VERIFYING,
    Step.SUBMIT_MERCHANT_EVIDENCE: S.VERIFYING,
    Step.ORDER_SPOT_CHECK: S.VERIFYING,
    Step.RECORD_SPOT_CHECK_RESULT: S.VERIFYING,
    Step.ASSESS_EVIDENCE: S.VERIFYING,
}


def _row(*parts: Mapping[Step, CaseStatus | None]) -> dict[Step, CaseStatus | None]:
    row: dict[Step, CaseStatus | None] = {}
    for part in parts:
        row.update(part)
    return row


# status -> {step: next status (None: unchanged)}
TRANSITIONS: Final[Mapping[CaseStatus, Mapping[Step, CaseStatus | None]]] = MappingProxyType(
    {
        S.FILED: _row(
            _ANYTIME_OPEN,
            _VERIFICATION,
            {
                Step.DETERMINE_LIABILITY: S.LIABILITY_DETERMINED,
                # CPL Art. 25: a no-reason return is the consumer's right without any fault
                Step.OFFER_NO_REASON_RETURN: S.REMEDY_OFFERED,
                Step.CLOSE: S.CLOSED,
            },
        ),
        S.VERIFYING: _row(
            _ANYTIME_OPEN,
            _VERIFICATION,
            {
                Step.DETERMINE_LIABILITY: S.LIABILITY_DETERMINED,
                # CPL Art. 25: a no-reason return is the consumer's right without any fault
                Step.OFFER_NO_REASON_RETURN: S.REMEDY_OFFERED,
                Step.CLOSE: S.CLOSED,
            },
        ),
        S.LIABILITY_DETERMINED: _row(
            _ANYTIME_OPEN,
            {
                # late evidence or a running spot check can still land; liability may be revised
                Step.SUBMIT_MERCHANT_EVIDENCE: None,
                Step.RECORD_SPOT_CHECK_RESULT: None,
                Step.ASSESS_EVIDENCE: None,
                Step.DETERMINE_LIABILITY: S.LIABILITY_DETERMINED,
                Step.OFFER_REMEDY: S.REMEDY_OFFERED,
                Step.CLOSE: S.CLOSED,
            },
        ),
        S.REMEDY_OFFERED: _row(
            _ANYTIME_OPEN,
            {
                Step.OFFER_REMEDY: S.REMEDY_OFFERED,  # a revised offer replaces the open one
                Step.OFFER_NO_REASON_RETURN: S.REMEDY_OFFERED,
                Step.ACCEPT_REMEDY: S.REMEDY_ACCEPTED,
                Step.REJECT_REMEDY: S.REMEDY_REJECTED,
                Step.CLOSE: S.CLOSED,
            },
        ),
        S.REMEDY_REJECTED: _row(
            _ANYTIME_OPEN,
            {
                Step.OFFER_REMEDY: S.REMEDY_OFFERED,
                Step.OFFER_NO_REASON_RETURN: S.REMEDY_OFFERED,
                Step.DETERMINE_LIABILITY: S.LIABILITY_DETERMINED,
                Step.CLOSE: S.CLOSED,
            },
        ),
        S.REMEDY_ACCEPTED: _row(
            _ANYTIME_OPEN,
            {
                Step.RECEIVE_RETURN: None,
                Step.EXECUTE_REMEDY: S.REMEDY_EXECUTED,
            },
        ),
        S.REMEDY_EXECUTED: _row(
            _ANYTIME_OPEN,
            {
                Step.CLOSE: S.CLOSED,
                Step.RECORD_SATISFACTION: None,
            },
        ),
        S.CLOSED: {
            Step.RECORD_DUPLICATE: None,
            Step.LINK_BATCH_ALERT: None,  # linked for the record; a closed case orders no test
            Step.RECORD_SATISFACTION: None,
            Step.FILE_APPEAL: S.UNDER_APPEAL,
            Step.REOPEN: S.VERIFYING,
            Step.EXPIRE_DEADLINE: None,
            Step.SEND_REMINDER: None,
        },
        S.UNDER_APPEAL: {
            Step.RECORD_DUPLICATE: None,
            Step.LINK_BATCH_ALERT: None,
            Step.ESCALATE: None,
            Step.REFER_TO_AUTHORITY: None,
            Step.UPHOLD_APPEAL: S.VERIFYING,
            Step.DISMISS_APPEAL: S.CLOSED,
        },
    }
)

# Steps refused with the more specific LiabilityNotDeterminedError before liability is known.
_NEEDS_LIABILITY: Final = frozenset({Step.OFFER_REMEDY})
_BEFORE_LIABILITY: Final = frozenset({S.FILED, S.VERIFYING})


def next_status(status: CaseStatus, step: Step) -> CaseStatus:
    """The status after ``step``; raises a named error when ``step`` is not allowed."""
    row = TRANSITIONS[status]
    if step not in row:
        if step in _NEEDS_LIABILITY and status in _BEFORE_LIABILITY:
            raise LiabilityNotDeterminedError(status.value, _describe(step))
        raise InvalidTransitionError(status.value, _describe(step))
    target = row[step]
    return status if target is None else target


def _describe(step: Step) -> str:
    return step.name.lower().replace("_", " ")
