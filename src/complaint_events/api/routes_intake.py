"""``POST /v1/complaints``: file a complaint (the web form, and adapters that speak HTTP).

The body is the intake contract (:class:`IntakeMessageV1`); it is published to
``complaints.intake.v1`` keyed by ``channel:channel_ref``, where the intake
processor opens the case. The case id follows from the channel reference, so
the answer names it at once.
"""

from __future__ import annotations

from typing import Annotated, Any, Final
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Header, HTTPException, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from complaint_events.api.actions import answer_once, publish
from complaint_events.api.auth import Principal, Role, require
from complaint_events.api.deps import BusDep
from complaint_events.api.problems import answers, unprocessable
from complaint_events.api.request_examples import FILING_EXAMPLES
from complaint_events.contracts.bounds import SHORT_TEXT_MAX
from complaint_events.contracts.intake import IntakeMessageV1
from complaint_events.contracts.topology import INTAKE_TOPIC
from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.values import Channel
from complaint_events.processing.intake_processor import SUBMITTED_BY_HEADER

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
        **answers(
            400,
            401,
            409,
            s403="Not an adapter of this channel, or a consumer filing for someone else",
            s503="The bus is unavailable",
        ),
    },
)
def file_complaint(
    body: Annotated[IntakeMessageV1, Body(openapi_examples=FILING_EXAMPLES)],
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
    """Publish one complaint as received by a channel.

    Who may file what (docs/channels.md): an adapter token ``adapter:<channel>``
    files on its own channel only; a consumer files only on the web or app
    channel and only for themself, and their ``channel_ref`` is kept under their
    own name (``consumer:<id>/<ref>``), so nobody can take a reference another
    submitter will use. The filing event records the caller as its actor.
    """
    body = _as_submitted_by(body, principal)

    def produce() -> tuple[int, dict[str, Any]]:
        publish(
            bus,
            INTAKE_TOPIC,
            body.kafka_key(),
            body.model_dump_json().encode("utf-8"),
            [(SUBMITTED_BY_HEADER, principal.actor.encode("utf-8"))],
        )
        case_id = ComplaintCase.create_id(body.channel.value, body.channel_ref)
        accepted = ComplaintAccepted(case_id=case_id, status_url=f"/v1/cases/{case_id}")
        return status.HTTP_202_ACCEPTED, accepted.model_dump(mode="json")

    return answer_once(request, principal, idempotency_key, body.model_dump(mode="json"), produce)


CONSUMER_CHANNELS: Final = frozenset({Channel.WEB, Channel.APP})
"""Where a consumer files for themself; the other channels come through their adapters."""


def _as_submitted_by(body: IntakeMessageV1, principal: Principal) -> IntakeMessageV1:
    """The complaint as ``principal`` may file it, or 403 saying why not."""
    if principal.role is Role.ADAPTER:
        if principal.id != body.channel.value:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"{principal.actor} files on channel {principal.id!r} only, "
                f"not on {body.channel.value!r}",
            )
        return body
    if body.consumer.consumer_id != principal.id:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail="a consumer may only file their own complaints "
            "(consumer.consumer_id must be the caller's id)",
        )
    if body.channel not in CONSUMER_CHANNELS:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail=f"a consumer files on the web or app channel, not on {body.channel.value!r}",
        )
    reference = f"{principal.actor}/{body.channel_ref}"
    if len(reference) > SHORT_TEXT_MAX:
        raise unprocessable(
            ("body", "channel_ref"),
            f"channel_ref is kept as {reference[:40]}…, which is longer than "
            f"{SHORT_TEXT_MAX} characters; send a shorter one",
        )
    return body.model_copy(update={"channel_ref": reference})
