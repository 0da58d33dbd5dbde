"""What merchants and consumers do on their own cases; anyone else's case is ``404``."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, status
from fastapi.responses import JSONResponse

from complaint_events.api.actions import ACCEPTED_RESPONSES, ConsumerActions, MerchantActions
from complaint_events.contracts.commands import (
    AcceptRemedyV1,
    FileAppealV1,
    RecordSatisfactionV1,
    RejectRemedyV1,
    SubmitMerchantEvidenceV1,
    SupplyInformationV1,
)

router = APIRouter(prefix="/v1/cases")

_POST: dict[str, Any] = {"status_code": status.HTTP_202_ACCEPTED, "responses": ACCEPTED_RESPONSES}


@router.post(
    "/{case_id}/submit-evidence", summary="Submit evidence", tags=["merchant actions"], **_POST
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
    **_POST,
)
def supply_information(
    case_id: UUID, body: SupplyInformationV1, act: ConsumerActions
) -> JSONResponse:
    """Answer a request for information: details and more evidence."""
    return act.issue(case_id, body)


@router.post(
    "/{case_id}/accept-remedy", summary="Accept the remedy", tags=["consumer actions"], **_POST
)
def accept_remedy(
    case_id: UUID,
    act: ConsumerActions,
    body: Annotated[AcceptRemedyV1 | None, Body(description="{} or no body")] = None,
) -> JSONResponse:
    """Accept the remedy on offer."""
    return act.issue(case_id, body or AcceptRemedyV1())


@router.post(
    "/{case_id}/reject-remedy", summary="Reject the remedy", tags=["consumer actions"], **_POST
)
def reject_remedy(case_id: UUID, body: RejectRemedyV1, act: ConsumerActions) -> JSONResponse:
    """Reject the remedy on offer, saying why."""
    return act.issue(case_id, body)


@router.post("/{case_id}/appeal", summary="Appeal", tags=["consumer actions"], **_POST)
def appeal(case_id: UUID, body: FileAppealV1, act: ConsumerActions) -> JSONResponse:
    """Appeal a closed case within the 7-day window."""
    return act.issue(case_id, body)


@router.post(
    "/{case_id}/satisfaction",
    summary="Answer the satisfaction survey",
    tags=["consumer actions"],
    **_POST,
)
def satisfaction(case_id: UUID, body: RecordSatisfactionV1, act: ConsumerActions) -> JSONResponse:
    """A score of 1-5 and a comment (回访)."""
    return act.issue(case_id, body)
