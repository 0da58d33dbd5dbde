"""Handler actions on a case: each publishes one command, answers 202.

The steps are those of docs/lifecycle.md, from Verification to Closure.

Bodies are the command payload contracts themselves, so the API refuses with
field-level 422s exactly what the command processor would refuse; whether the
step is allowed *now* (the state machine) is decided when the command is
applied, and reported by ``GET /v1/commands/{id}``.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from complaint_events.api.actions import HandlerActions, posts
from complaint_events.api.request_examples import LIABILITY_EXAMPLES, REMEDY_EXAMPLES
from complaint_events.application.merchant_summary import merchant_summary
from complaint_events.contracts.bounds import LIST_MAX, LongText
from complaint_events.contracts.commands import (
    AssessEvidenceV1,
    AssignV1,
    CloseV1,
    DecideAppealV1,
    DetermineLiabilityV1,
    EscalateV1,
    OfferRemedyV1,
    OrderSpotCheckV1,
    RecordPenaltyV1,
    RecordSpotCheckResultV1,
    ReferToAuthorityV1,
    ReopenV1,
    RequestInformationV1,
    RequestMerchantEvidenceV2,
    ScheduleCallbackV1,
)
from complaint_events.domain.case import ComplaintCase

router = APIRouter(prefix="/v1/cases", tags=["handler actions"])


class MerchantEvidenceRequest(BaseModel):
    """Ask the merchant for evidence; the API adds the masked case summary it is shown."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    questions: list[LongText] = Field(
        default_factory=list,
        max_length=LIST_MAX,
        description="What the merchant should answer, beside the usual vouchers",
    )


@router.post("/{case_id}/assign", summary="Assign the case to a handler", **posts(AssignV1))
def assign(case_id: UUID, body: AssignV1, act: HandlerActions) -> JSONResponse:
    """Put the case in a handler's hands (a lead reassigns the same way)."""
    return act.issue(case_id, body)


@router.post(
    "/{case_id}/request-information",
    summary="Ask the consumer for more",
    **posts(RequestInformationV1),
)
def request_information(
    case_id: UUID, body: RequestInformationV1, act: HandlerActions
) -> JSONResponse:
    """Start the 72 h information clock (reminder at 48 h)."""
    return act.issue(case_id, body)


@router.post(
    "/{case_id}/schedule-callback", summary="Schedule a callback", **posts(ScheduleCallbackV1)
)
def schedule_callback(case_id: UUID, body: ScheduleCallbackV1, act: HandlerActions) -> JSONResponse:
    """A phone call with the consumer, for complex cases."""
    return act.issue(case_id, body)


@router.post(
    "/{case_id}/request-merchant-evidence",
    summary="Ask the merchant for evidence",
    **posts(RequestMerchantEvidenceV2),
)
def request_merchant_evidence(
    case_id: UUID, body: MerchantEvidenceRequest, act: HandlerActions
) -> JSONResponse:
    """Start the merchant's 48 h evidence clock; the merchant sees a masked summary only."""

    def command(case: ComplaintCase) -> RequestMerchantEvidenceV2:
        cases = act.request.app.state.cases
        summary = merchant_summary(
            case, cases.description_of(case), cases.contact_of(case), body.questions
        )
        return RequestMerchantEvidenceV2(summary=summary)

    return act.issue(case_id, command, body)


@router.post("/{case_id}/order-spot-check", summary="Order a spot check", **posts(OrderSpotCheckV1))
def order_spot_check(case_id: UUID, body: OrderSpotCheckV1, act: HandlerActions) -> JSONResponse:
    """Same-model sampling or a third-party appraisal; other clocks pause while it runs."""
    return act.issue(case_id, body)


@router.post(
    "/{case_id}/record-spot-check-result",
    summary="Record the lab's result",
    **posts(RecordSpotCheckResultV1),
)
def record_spot_check_result(
    case_id: UUID, body: RecordSpotCheckResultV1, act: HandlerActions
) -> JSONResponse:
    """The result of the running spot check, and who pays for it."""
    return act.issue(case_id, body)


@router.post("/{case_id}/assess-evidence", summary="Assess the evidence", **posts(AssessEvidenceV1))
def assess_evidence(case_id: UUID, body: AssessEvidenceV1, act: HandlerActions) -> JSONResponse:
    """Authenticity, relevance and legality of the evidence on file."""
    return act.issue(case_id, body)


@router.post(
    "/{case_id}/determine-liability", summary="Record liability", **posts(DetermineLiabilityV1)
)
def determine_liability(
    case_id: UUID,
    body: Annotated[DetermineLiabilityV1, Body(openapi_examples=LIABILITY_EXAMPLES)],
    act: HandlerActions,
) -> JSONResponse:
    """Who is liable, on what grounds and rules (see ``GET .../liability-suggestion``)."""
    return act.issue(case_id, body)


@router.post("/{case_id}/offer-remedy", summary="Offer a remedy", **posts(OfferRemedyV1))
def offer_remedy(
    case_id: UUID,
    body: Annotated[OfferRemedyV1, Body(openapi_examples=REMEDY_EXAMPLES)],
    act: HandlerActions,
) -> JSONResponse:
    """Start the consumer's 72 h answer clock (see ``GET .../remedy-suggestion``)."""
    return act.issue(case_id, body)


@router.post("/{case_id}/close", summary="Close the case", **posts(CloseV1))
def close(case_id: UUID, body: CloseV1, act: HandlerActions) -> JSONResponse:
    """Close with a resolution code; the 7-day appeal window opens."""
    return act.issue(case_id, body)


@router.post("/{case_id}/reopen", summary="Reopen the case", **posts(ReopenV1))
def reopen(case_id: UUID, body: ReopenV1, act: HandlerActions) -> JSONResponse:
    """Reopen on new facts only."""
    return act.issue(case_id, body)


@router.post("/{case_id}/escalate", summary="Escalate the case", **posts(EscalateV1))
def escalate(case_id: UUID, body: EscalateV1, act: HandlerActions) -> JSONResponse:
    """Raise the case to a higher level, with the reason."""
    return act.issue(case_id, body)


@router.post("/{case_id}/decide-appeal", summary="Decide the appeal", **posts(DecideAppealV1))
def decide_appeal(case_id: UUID, body: DecideAppealV1, act: HandlerActions) -> JSONResponse:
    """Uphold (the case is examined again) or dismiss (it closes again), with the decision."""
    return act.issue(case_id, body)


@router.post("/{case_id}/record-penalty", summary="Penalise the merchant", **posts(RecordPenaltyV1))
def record_penalty(case_id: UUID, body: RecordPenaltyV1, act: HandlerActions) -> JSONResponse:
    """A penalty against the case's merchant (a late refund, a false voucher), with its rules."""
    return act.issue(case_id, body)


@router.post(
    "/{case_id}/refer", summary="Refer the case to an authority", **posts(ReferToAuthorityV1)
)
def refer(case_id: UUID, body: ReferToAuthorityV1, act: HandlerActions) -> JSONResponse:
    """Hand the case to the market regulator (12315), the consumer association or the police,
    with their reference and the day; close it afterwards as ``referred_to_authority``."""
    return act.issue(case_id, body)
