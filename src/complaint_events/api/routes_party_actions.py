"""What merchants and consumers do on their own cases; anyone else's case is ``404``.

Carrying out a remedy (the return received, the remedy executed) is the merchant's
step, which a handler may also record for it."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse

from complaint_events.api.actions import (
    ConsumerActions,
    FulfilmentActions,
    MerchantActions,
    posts,
)
from complaint_events.contracts.commands import (
    AcceptRemedyV1,
    ExecuteRemedyV1,
    FileAppealV1,
    ReceiveReturnV1,
    RecordSatisfactionV1,
    RejectRemedyV1,
    SubmitMerchantEvidenceV1,
    SupplyInformationV1,
)

router = APIRouter(prefix="/v1/cases")


@router.post(
    "/{case_id}/submit-evidence",
    summary="Submit evidence",
    tags=["merchant actions"],
    **posts(SubmitMerchantEvidenceV1),
)
def submit_evidence(
    case_id: UUID, body: SubmitMerchantEvidenceV1, act: MerchantActions
) -> JSONResponse:
    """The merchant's certificates, vouchers, explanation and after-sales policy."""
    return act.issue(case_id, body)


@router.post(
    "/{case_id}/supply-information",
    summary="Supply information",
    tags=["consumer actions"],
    **posts(SupplyInformationV1),
)
def supply_information(
    case_id: UUID, body: SupplyInformationV1, act: ConsumerActions
) -> JSONResponse:
    """Answer a request for information: details and more evidence."""
    return act.issue(case_id, body)


@router.post(
    "/{case_id}/accept-remedy",
    summary="Accept the remedy",
    tags=["consumer actions"],
    **posts(AcceptRemedyV1),
)
def accept_remedy(
    case_id: UUID,
    act: ConsumerActions,
    body: Annotated[AcceptRemedyV1 | None, Body(description="{} or no body")] = None,
) -> JSONResponse:
    """Accept the remedy on offer."""
    return act.issue(case_id, body or AcceptRemedyV1())


@router.post(
    "/{case_id}/reject-remedy",
    summary="Reject the remedy",
    tags=["consumer actions"],
    **posts(RejectRemedyV1),
)
def reject_remedy(case_id: UUID, body: RejectRemedyV1, act: ConsumerActions) -> JSONResponse:
    """Reject the remedy on offer, saying why."""
    return act.issue(case_id, body)


@router.post(
    "/{case_id}/appeal", summary="Appeal", tags=["consumer actions"], **posts(FileAppealV1)
)
def appeal(case_id: UUID, body: FileAppealV1, act: ConsumerActions) -> JSONResponse:
    """Appeal a closed case within the 7-day window."""
    return act.issue(case_id, body)


@router.post(
    "/{case_id}/satisfaction",
    summary="Answer the satisfaction survey",
    tags=["consumer actions"],
    **posts(RecordSatisfactionV1),
)
def satisfaction(case_id: UUID, body: RecordSatisfactionV1, act: ConsumerActions) -> JSONResponse:
    """A score of 1-5 and a comment (回访)."""
    return act.issue(case_id, body)


@router.post(
    "/{case_id}/receive-return",
    summary="Record the returned goods' arrival",
    tags=["merchant actions"],
    **posts(ReceiveReturnV1),
)
def receive_return(case_id: UUID, body: ReceiveReturnV1, act: FulfilmentActions) -> JSONResponse:
    """The goods came back (merchant, or a handler for it): the 7-day refund clock starts."""
    return act.issue(case_id, body)


@router.post(
    "/{case_id}/execute-remedy",
    summary="Record the remedy carried out",
    tags=["merchant actions"],
    **posts(ExecuteRemedyV1),
)
def execute_remedy(case_id: UUID, body: ExecuteRemedyV1, act: FulfilmentActions) -> JSONResponse:
    """The refund paid, the item exchanged or repaired, with the amount and its reference."""
    return act.issue(case_id, body)
