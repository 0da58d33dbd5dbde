"""``GET /v1/commands/{id}``: what became of a command -- pending, accepted or rejected.

Its issuer may read it, and so may handlers and auditors; anyone else gets the
same ``404`` as for an unknown command. Outcomes come from the command
processor's ``command_results`` table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from complaint_events.adapters.command_results import CommandResults
from complaint_events.api.auth import CurrentPrincipal, Role
from complaint_events.api.issued_commands import IssuedCommands
from complaint_events.api.problems import answers

router = APIRouter(prefix="/v1/commands", tags=["commands"])

NO_SUCH_COMMAND = "no such command"


class CommandStatus(BaseModel):
    """A command's outcome, or ``pending`` until the command processor has decided."""

    command_id: UUID
    case_id: UUID
    status: Literal["pending", "accepted", "rejected"] = Field(
        description="pending until the command processor has applied or refused it"
    )
    outcome: Literal["accepted", "rejected"] | None = None
    event_ids: list[UUID] = Field(
        default_factory=list, description="The events it recorded (accepted only)"
    )
    reason: str | None = Field(default=None, description="Why it was rejected")
    error_code: str | None = Field(default=None, description="The domain error's code")
    decided_at: datetime | None = None


@router.get(
    "/{command_id}",
    response_model=CommandStatus,
    summary="A command's outcome",
    responses={
        202: {"model": CommandStatus, "description": "Not decided yet"},
        **answers(401, s404="No such command (or not the caller's)"),
    },
)
def command_status(command_id: UUID, request: Request, principal: CurrentPrincipal) -> JSONResponse:
    """``200`` with the outcome once decided; ``202`` with status ``pending`` before."""
    issued: IssuedCommands = request.app.state.issued
    results: CommandResults = request.app.state.results
    command = issued.get(command_id)
    may_read_any = principal.role in {Role.HANDLER, Role.AUDITOR}
    if not may_read_any and (command is None or command.actor != principal.actor):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=NO_SUCH_COMMAND)
    result = results.get(command_id)
    if result is not None:
        decided = CommandStatus(
            command_id=result.command_id,
            case_id=result.case_id,
            status=result.outcome,
            outcome=result.outcome,
            event_ids=result.event_ids,
            reason=result.reason,
            error_code=result.error_code,
            decided_at=result.decided_at,
        )
        return JSONResponse(decided.model_dump(mode="json"), status_code=status.HTTP_200_OK)
    if command is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=NO_SUCH_COMMAND)
    pending = CommandStatus(command_id=command_id, case_id=command.case_id, status="pending")
    return JSONResponse(pending.model_dump(mode="json"), status_code=status.HTTP_202_ACCEPTED)
