"""Handler actions on a case (DESIGN.md stages 3-6): each publishes one command, answers 202.

Bodies are the command payload contracts themselves, so the API refuses with
field-level 422s exactly what the command processor would refuse; whether the
step is allowed *now* (the state machine) is decided when the command is
applied, and reported by ``GET /v1/commands/{id}``.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from complaint_events.api.actions import ACCEPTED_RESPONSES, HandlerActions
from complaint_events.application.merchant_summary import merchant_summary
from complaint_events.contracts.bounds import LIST_MAX, LongText
from complaint_events.contracts.commands import (
    AssessEvidenceV1,
    CloseV1,
    DetermineLiabilityV1,
    EscalateV1,
    OfferRemedyV1,
    OrderSpotCheckV1,
    RecordSpotCheckResultV1,
    ReopenV1,
    RequestInformationV1,
    RequestMerchantEvidenceV2,
    ScheduleCallbackV1,
)
from complaint_events.domain.case import ComplaintCase

router = APIRouter(prefix="/v1/cases", tags=["handler actions"])

_POST: dict[str, Any] = {"status_code": status.HTTP_202_ACCEPTED, "responses": ACCEPTED_RESPONSES}


class MerchantEvidenceRequest(BaseModel):
    """Ask the merchant for evidence; the API adds the masked case summary it is shown."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    questions: list[LongText] = Field(
        default_factory=list,
        max_length=LIST_MAX,
        description="What the merchant should answer, beside the usual vouchers",
    )


@router.post("/{case_id}/request-information", summary="Ask the consumer for more", **_POST)
def request_information(
    case_id: UUID, body: RequestInformationV1, act: HandlerActions
) -> JSONResponse:
    """Start the 72 h information clock (reminder at 48 h)."""
    return act.issue(case_id, body)


@router.post("/{case_id}/schedule-callback", summary="Schedule a callback", **_POST)
def schedule_callback(case_id: UUID, body: ScheduleCallbackV1, act: HandlerActions) -> JSONResponse:
    """A phone call with the consumer, for complex cases."""
    return act.issue(case_id, body)


@router.post(
    "/{case_id}/request-merchant-evidence", summary="Ask the merchant for evidence", **_POST
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


@router.post("/{case_id}/order-spot-check", summary="Order a spot check", **_POST)
def order_spot_check(case_id: UUID, body: OrderSpotCheckV1, act: HandlerActions) -> JSONResponse:
    """Same-model sampling or a third-party appraisal; other clocks pause while it runs."""
    return act.issue(case_id, body)


@router.post("/{case_id}/record-spot-check-result", summary="Record the lab's result", **_POST)
def record_spot_check_result(
    case_id: UUID, body: RecordSpotCheckResultV1, act: HandlerActions
) -> JSONResponse:
    """The result of the running spot check, and who pays for it."""
    return act.issue(case_id, body)


@router.post("/{case_id}/assess-evidence", summary="Assess the evidence", **_POST)
def assess_evidence(case_id: UUID, body: AssessEvidenceV1, act: HandlerActions) -> JSONResponse:
    """Authenticity, relevance and legality of the evidence on file."""
    return act.issue(case_id, body)


@router.post("/{case_id}/determine-liability", summary="Record liability", **_POST)
def determine_liability(
    case_id: UUID, body: DetermineLiabilityV1, act: HandlerActions
) -> JSONResponse:
    """Who is liable, on what grounds and rules (see ``GET .../liability-suggestion``)."""
    return act.issue(case_id, body)


@router.post("/{case_id}/offer-remedy", summary="Offer a remedy", **_POST)
def offer_remedy(case_id: UUID, body: OfferRemedyV1, act: HandlerActions) -> JSONResponse:
    """Start the consumer's 72 h answer clock (see ``GET .../remedy-suggestion``)."""
    return act.issue(case_id, body)


@router.post("/{case_id}/close", summary="Close the case", **_POST)
def close(case_id: UUID, body: CloseV1, act: HandlerActions) -> JSONResponse:
    """Close with a resolution code; the 7-day appeal window opens."""
    return act.issue(case_id, body)


@router.post("/{case_id}/reopen", summary="Reopen the case", **_POST)
def reopen(case_id: UUID, body: ReopenV1, act: HandlerActions) -> JSONResponse:
    """Reopen on new facts only."""
    return act.issue(case_id, body)


@router.post("/{case_id}/escalate", summary="Escalate the case", **_POST)
def escalate(case_id: UUID, body: EscalateV1, act: HandlerActions) -> JSONResponse:
    """Raise the case to a higher level, with the reason."""
    return act.issue(case_id, body)
