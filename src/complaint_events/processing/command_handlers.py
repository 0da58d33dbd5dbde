"""Which ``ComplaintCase`` method each command payload calls, and with what: typed, one place.

Every payload model (every version) has one handler, registered with
:func:`handles`; mypy checks each handler against both the payload's fields and
the case method's signature, so renaming a method or a field breaks the build,
not the wire contract. Texts that may hold personal data are sealed under the
case's consumer key (:meth:`Applying.sealed`), texts that justify a decision are
kept readable without the consumer's details (:meth:`Applying.redacted`); see
docs/privacy.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType
from typing import Any, Final, TypeVar

from pydantic import BaseModel

from complaint_events.contracts.commands import (
    AcceptRemedyV1,
    AcknowledgeV1,
    AssessEvidenceV1,
    AssignV1,
    CloseV1,
    CommandPayload,
    DecideAppealV1,
    DetermineLiabilityV1,
    EscalateV1,
    ExecuteRemedyV1,
    ExpireDeadlineV1,
    FileAppealV1,
    LinkBatchAlertV1,
    LinkBatchAlertV2,
    OfferRemedyV1,
    OrderSpotCheckV1,
    ReceiveReturnV1,
    RecordDuplicateV1,
    RecordPenaltyV1,
    RecordSatisfactionV1,
    RecordSpotCheckResultV1,
    ReferToAuthorityV1,
    RejectRemedyV1,
    ReopenV1,
    RequestInformationV1,
    RequestMerchantEvidenceV1,
    RequestMerchantEvidenceV2,
    ScheduleCallbackV1,
    SendReminderV1,
    SubmitMerchantEvidenceV1,
    SupplyInformationV1,
    TriageV1,
)
from complaint_events.domain.acting import Acting
from complaint_events.domain.case import ComplaintCase, Text
from complaint_events.domain.deadlines import DeadlinePolicy

Sealer = Callable[[str, str], dict[str, str]]
"""Seals a text under a consumer's key: (text, consumer id) -> sealed record."""

Redactor = Callable[[str, ComplaintCase], str]
"""Keeps a consumer's personal data out of a text written about their case."""


@dataclass(frozen=True, slots=True)
class Applying:
    """What a handler needs beside the case and the payload: who acts, the deadline policy,
    and how texts are kept (sealed or redacted) before the case records them."""

    by: Acting
    policy: DeadlinePolicy
    seal: Sealer | None = None
    redact: Redactor | None = None

    def sealed(self, text: str, case: ComplaintCase) -> Text:
        """``text`` sealed under the case's consumer key (in clear without a sealer)."""
        return text if self.seal is None else self.seal(text, case.consumer_id)

    def redacted(self, text: str, case: ComplaintCase) -> str:
        """``text`` without the consumer's personal data (as it is without a redactor)."""
        return text if self.redact is None or not text else self.redact(text, case)


P = TypeVar("P", bound=CommandPayload)
Handler = Callable[[ComplaintCase, P, Applying], None]

_HANDLERS: dict[type[CommandPayload], Handler[Any]] = {}


def handles(model: type[P]) -> Callable[[Handler[P]], Handler[P]]:
    """Register the decorated function as the one handler of ``model``."""

    def register(handler: Handler[P]) -> Handler[P]:
        if model in _HANDLERS:
            raise ValueError(f"{model.__name__} already has a handler")
        _HANDLERS[model] = handler
        return handler

    return register


def plain(value: object) -> Any:
    """A payload value as the domain records it: enums as their values, records as dicts
    (dates and times stay objects: the event store's transcoder keeps them)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, BaseModel):
        return {k: plain(getattr(value, k)) for k in type(value).model_fields}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def apply(case: ComplaintCase, payload: CommandPayload, applying: Applying) -> None:
    """Apply ``payload`` to ``case`` through its handler."""
    _HANDLERS[type(payload)](case, payload, applying)


# ------------------------------------------------------------ triage, routing


@handles(TriageV1)
def _triage(case: ComplaintCase, p: TriageV1, a: Applying) -> None:
    case.triage(
        route=p.route.value,
        queue=p.queue,
        fast_track=p.fast_track,
        burden_of_proof_on_merchant=p.burden_of_proof_on_merchant,
        distress=p.distress,
        rule_refs=list(p.rule_refs),
        by=a.by,
    )


@handles(AssignV1)
def _assign(case: ComplaintCase, p: AssignV1, a: Applying) -> None:
    case.assign(p.handler, a.by)


@handles(RecordDuplicateV1)
def _record_duplicate(case: ComplaintCase, p: RecordDuplicateV1, a: Applying) -> None:
    case.record_duplicate(
        channel=p.channel, channel_ref=p.channel_ref, matched_on=p.matched_on, by=a.by
    )


@handles(AcknowledgeV1)
def _acknowledge(case: ComplaintCase, p: AcknowledgeV1, a: Applying) -> None:
    case.acknowledge(
        notification_id=p.notification_id, language=p.language, soothing=p.soothing, by=a.by
    )


# ---------------------------------------------------------------- verification


@handles(RequestInformationV1)
def _request_information(case: ComplaintCase, p: RequestInformationV1, a: Applying) -> None:
    case.request_information(list(p.items), a.by, a.policy)


@handles(SupplyInformationV1)
def _supply_information(case: ComplaintCase, p: SupplyInformationV1, a: Applying) -> None:
    case.supply_information(a.sealed(p.details, case), plain(p.evidence), a.by)


@handles(ScheduleCallbackV1)
def _schedule_callback(case: ComplaintCase, p: ScheduleCallbackV1, a: Applying) -> None:
    case.schedule_callback(p.scheduled_for, a.sealed(p.note, case), a.by)


@handles(RequestMerchantEvidenceV1)
def _request_merchant_evidence_v1(
    case: ComplaintCase, p: RequestMerchantEvidenceV1, a: Applying
) -> None:
    case.request_merchant_evidence(plain(p.summary), a.by, a.policy)


@handles(RequestMerchantEvidenceV2)
def _request_merchant_evidence(
    case: ComplaintCase, p: RequestMerchantEvidenceV2, a: Applying
) -> None:
    case.request_merchant_evidence(plain(p.summary), a.by, a.policy)


@handles(SubmitMerchantEvidenceV1)
def _submit_merchant_evidence(
    case: ComplaintCase, p: SubmitMerchantEvidenceV1, a: Applying
) -> None:
    case.submit_merchant_evidence(plain(p.evidence), a.redacted(p.explanation, case), a.by)


@handles(OrderSpotCheckV1)
def _order_spot_check(case: ComplaintCase, p: OrderSpotCheckV1, a: Applying) -> None:
    case.order_spot_check(
        method=p.method.value,
        scope=p.scope,
        lab=p.lab,
        cost_rule=p.cost_rule,
        by=a.by,
        policy=a.policy,
    )


@handles(RecordSpotCheckResultV1)
def _record_spot_check_result(case: ComplaintCase, p: RecordSpotCheckResultV1, a: Applying) -> None:
    case.record_spot_check_result(
        outcome=p.outcome.value,
        report_ref=p.report_ref,
        findings=a.redacted(p.findings, case),
        cost_payer=p.cost_payer.value,
        by=a.by,
    )


@handles(AssessEvidenceV1)
def _assess_evidence(case: ComplaintCase, p: AssessEvidenceV1, a: Applying) -> None:
    case.assess_evidence(
        authentic=p.authentic,
        relevant=p.relevant,
        lawful=p.lawful,
        notes=a.redacted(p.notes, case),
        by=a.by,
    )


# ------------------------------------------------------------ liability, remedy


@handles(DetermineLiabilityV1)
def _determine_liability(case: ComplaintCase, p: DetermineLiabilityV1, a: Applying) -> None:
    case.determine_liability(
        party=p.party.value,
        grounds=plain(p.grounds),
        rule_refs=list(p.rule_refs),
        reasoning=a.redacted(p.reasoning, case),
        testing_cost_payer=p.testing_cost_payer.value,
        by=a.by,
    )


@handles(OfferRemedyV1)
def _offer_remedy(case: ComplaintCase, p: OfferRemedyV1, a: Applying) -> None:
    case.offer_remedy(
        kind=p.kind.value,
        refund_amount=p.refund_amount,
        compensation_amount=p.compensation_amount,
        shipping_paid_by=p.shipping_paid_by.value,
        rule_refs=list(p.rule_refs),
        explanation=a.redacted(p.explanation, case),
        by=a.by,
        policy=a.policy,
    )


@handles(AcceptRemedyV1)
def _accept_remedy(case: ComplaintCase, p: AcceptRemedyV1, a: Applying) -> None:
    case.accept_remedy(a.by)


@handles(RejectRemedyV1)
def _reject_remedy(case: ComplaintCase, p: RejectRemedyV1, a: Applying) -> None:
    case.reject_remedy(a.sealed(p.reason, case), a.by)


@handles(ReceiveReturnV1)
def _receive_return(case: ComplaintCase, p: ReceiveReturnV1, a: Applying) -> None:
    case.receive_return(p.tracking_ref, a.by, a.policy)


@handles(ExecuteRemedyV1)
def _execute_remedy(case: ComplaintCase, p: ExecuteRemedyV1, a: Applying) -> None:
    case.execute_remedy(p.amount_paid, p.reference, a.by)


# ---------------------------------------------------------- closure and after


@handles(CloseV1)
def _close(case: ComplaintCase, p: CloseV1, a: Applying) -> None:
    case.close(p.resolution, a.redacted(p.note, case), a.by, a.policy)


@handles(RecordSatisfactionV1)
def _record_satisfaction(case: ComplaintCase, p: RecordSatisfactionV1, a: Applying) -> None:
    case.record_satisfaction(p.score, a.sealed(p.comment, case), a.by)


@handles(FileAppealV1)
def _file_appeal(case: ComplaintCase, p: FileAppealV1, a: Applying) -> None:
    case.file_appeal(a.sealed(p.grounds, case), a.by)


@handles(DecideAppealV1)
def _decide_appeal(case: ComplaintCase, p: DecideAppealV1, a: Applying) -> None:
    case.decide_appeal(p.outcome, a.redacted(p.decision, case), a.by)


@handles(ReopenV1)
def _reopen(case: ComplaintCase, p: ReopenV1, a: Applying) -> None:
    case.reopen(a.sealed(p.new_facts, case), a.by)


@handles(EscalateV1)
def _escalate(case: ComplaintCase, p: EscalateV1, a: Applying) -> None:
    case.escalate(a.redacted(p.reason, case), p.level, a.by)


@handles(ReferToAuthorityV1)
def _refer_to_authority(case: ComplaintCase, p: ReferToAuthorityV1, a: Applying) -> None:
    case.refer_to_authority(p.authority, p.reference, p.referred_on, a.by)


@handles(RecordPenaltyV1)
def _record_penalty(case: ComplaintCase, p: RecordPenaltyV1, a: Applying) -> None:
    case.record_penalty(a.redacted(p.reason, case), list(p.rule_refs), a.by)


# ------------------------------------------------------------ batch, deadlines


@handles(LinkBatchAlertV1)
def _link_batch_alert_v1(case: ComplaintCase, p: LinkBatchAlertV1, a: Applying) -> None:
    case.link_batch_alert(alert_id=p.alert_id, sku=p.sku, by=a.by, policy=a.policy)


@handles(LinkBatchAlertV2)
def _link_batch_alert(case: ComplaintCase, p: LinkBatchAlertV2, a: Applying) -> None:
    case.link_batch_alert(
        alert_id=p.alert_id,
        sku=p.sku,
        by=a.by,
        policy=a.policy,
        spot_check_due_at=p.spot_check_due_at,
        reports_lateness=p.reports_lateness,
    )


@handles(SendReminderV1)
def _send_reminder(case: ComplaintCase, p: SendReminderV1, a: Applying) -> None:
    case.send_reminder(p.deadline_id, a.by)


@handles(ExpireDeadlineV1)
def _expire_deadline(case: ComplaintCase, p: ExpireDeadlineV1, a: Applying) -> None:
    case.expire_deadline(p.deadline_id, a.by, a.policy)


HANDLERS: Final[Mapping[type[CommandPayload], Handler[Any]]] = MappingProxyType(_HANDLERS)
"""Every payload model and the function that applies it."""
