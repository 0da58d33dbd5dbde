"""``POST /v1/complaints``: file a complaint (the web form, and adapters that speak HTTP).

The body is the intake contract (:class:`IntakeMessageV1`); it is published to
``complaints.intake.v1`` keyed by ``channel:channel_ref``, where the intake
processor opens the case. The case id follows from the channel reference, so
the answer names it at once.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Header, HTTPException, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from complaint_events.api.actions import answer_once, publish
from complaint_events.api.auth import Principal, Role, require
from complaint_events.api.deps import BusDep
from complaint_events.contracts.intake import INTAKE_TOPIC, IntakeMessageV1
from complaint_events.domain.case import ComplaintCase

router = APIRouter(prefix="/v1", tags=["intake"])


class ComplaintAccepted(BaseModel):
    """The complaint is on the intake topic; the case will appear under ``status_url``."""

    case_id: UUID = Field(description="The case's id (derived from the channel reference)")
    status_url: str = Field(description="Where the case can be read once it is open")


@router.post(
    "/complaints",
    status_code=status.HTTP_202_ACCEPTED,
    summary="File a complaint",
    responses={
        202: {"model": ComplaintAccepted, "description": "Complaint published"},
        401: {"description": "No valid bearer token"},
        403: {"description": "Not an adapter, or a consumer filing for someone else"},
        409: {"description": "A request with this Idempotency-Key is still being processed"},
        503: {"description": "The bus is unavailable"},
    },
)
def file_complaint(
    body: IntakeMessageV1,
    request: Request,
    principal: Annotated[Principal, Depends(require(Role.ADAPTER, Role.CONSUMER))],
    bus: BusDep,
    idempotency_key: Annotated[
        str,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=200,
            pattern=r"^[\x21-\x7e]+$",
            description="Required: a retry with the same key and body gets the first answer.",
        ),
    ],
) -> JSONResponse:
    """Publish one complaint as received by a channel; a consumer files only for themself."""
    if principal.role is Role.CONSUMER and body.consumer.consumer_id != principal.id:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail="a consumer may only file their own complaints "
            "(consumer.consumer_id must be the caller's id)",
        )

    def produce() -> tuple[int, dict[str, Any]]:
        publish(bus, INTAKE_TOPIC, body.kafka_key(), body.model_dump_json().encode("utf-8"))
        case_id = ComplaintCase.create_id(body.channel.value, body.channel_ref)
        accepted = ComplaintAccepted(case_id=case_id, status_url=f"/v1/cases/{case_id}")
        return status.HTTP_202_ACCEPTED, accepted.model_dump(mode="json")

    return answer_once(request, principal, idempotency_key, body.model_dump(mode="json"), produce)
