"""The write side's one path: check who may act on which case, then publish a command.

Every case action of the API goes through :class:`CaseActions`: the case must
exist and be visible to the caller (a merchant's own, a consumer's own; any for
a handler) or the answer is ``404 no such case`` -- the same body whether the
case is missing or someone else's. The command is built with the caller as its
actor, published to ``complaints.commands.v1`` keyed by case id, and answered
``202`` with its id and where to read its outcome. An ``Idempotency-Key``
makes a retried request answer the first time's response (see
:mod:`complaint_events.api.idempotency`).
"""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Final
from uuid import UUID

from fastapi import Depends, Header, HTTPException, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from complaint_events.api.auth import Principal, Role, require
from complaint_events.api.bus import Bus, BusUnavailableError
from complaint_events.api.idempotency import ClaimKind, IdempotencyStore, request_hash
from complaint_events.api.issued_commands import IssuedCommand, IssuedCommands
from complaint_events.api.problems import answers, unprocessable
from complaint_events.application.cases import ComplaintCases
from complaint_events.application.refusals import CaseNotFoundError
from complaint_events.clock import Clock
from complaint_events.contracts.commands import CommandEnvelopeV1, CommandPayload
from complaint_events.contracts.topology import COMMANDS_TOPIC
from complaint_events.domain.case import ComplaintCase
from complaint_events.processing.issuing import to_bytes
from complaint_events.settings import Settings

NO_SUCH_CASE: Final = "no such case"

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="Any printable ASCII text; a retry with the same key and body gets the "
        "first answer.",
    ),
]


class CommandAccepted(BaseModel):
    """The command is on the bus; its outcome will be at ``status_url``."""

    command_id: UUID = Field(description="The command's id")
    case_id: UUID = Field(description="The case it acts on")
    status_url: str = Field(description="Where the outcome can be read")


ACCEPTED_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    202: {"model": CommandAccepted, "description": "Command published"},
    **answers(
        400,
        401,
        403,
        404,
        409,
        s404="No such case (or not the caller's)",
        s503="The command bus is unavailable",
    ),
}


COMMAND_EXTENSION: Final = "x-command"
"""The OpenAPI extension naming the command type a route publishes."""


def posts(command: type[CommandPayload]) -> dict[str, Any]:
    """A command route's keyword arguments: ``202``, its other answers, and the command
    it publishes named in the OpenAPI document (``x-command``)."""
    return {
        "status_code": status.HTTP_202_ACCEPTED,
        "responses": ACCEPTED_RESPONSES,
        "openapi_extra": {COMMAND_EXTENSION: command.command_type},
    }


def visible_case(cases: ComplaintCases, principal: Principal, case_id: UUID) -> ComplaintCase:
    """The case if the caller may act on it; 404 otherwise, revealing nothing."""
    try:
        case = cases.get_case(case_id)
    except CaseNotFoundError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=NO_SUCH_CASE) from None
    if (principal.role is Role.MERCHANT and case.merchant_id != principal.id) or (
        principal.role is Role.CONSUMER and case.consumer_id != principal.id
    ):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=NO_SUCH_CASE)
    return case


def answer_once(
    request: Request,
    principal: Principal,
    key: str | None,
    body: Any,
    produce: Callable[[], tuple[int, dict[str, Any]]],
) -> JSONResponse:
    """Run ``produce`` once per idempotency key; a retry gets the stored answer."""
    if key is None:
        code, answer = produce()
        return JSONResponse(answer, status_code=code)
    store: IdempotencyStore = request.app.state.idempotency
    settings: Settings = request.app.state.settings
    clock: Clock = request.app.state.clock
    claim = store.claim(
        principal.actor,
        key,
        request_hash(request.method, request.url.path, body),
        clock.now(),
        settings.idempotency_ttl,
    )
    if claim.kind is ClaimKind.MISMATCH:
        raise unprocessable(
            ("header", "Idempotency-Key"),
            "this Idempotency-Key was already used for a different request; "
            "use a new key for a new request",
        )
    if claim.kind is ClaimKind.IN_PROGRESS:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            detail="a request with this Idempotency-Key is still being processed; retry later",
        )
    if claim.kind is ClaimKind.REPLAY:
        assert claim.status_code is not None
        assert claim.response is not None
        return JSONResponse(
            claim.response, status_code=claim.status_code, headers={"Idempotent-Replayed": "true"}
        )
    try:
        code, answer = produce()
    except BaseException:
        store.release(principal.actor, key)
        raise
    store.complete(principal.actor, key, code, answer)
    return JSONResponse(answer, status_code=code)


def publish(
    bus: Bus, topic: str, key: bytes, value: bytes, headers: Sequence[tuple[str, bytes]] = ()
) -> None:
    """Publish, or answer 503 when the bus does not take the message."""
    try:
        bus.publish(topic, key, value, headers)
    except BusUnavailableError as error:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=str(error)) from None


@dataclass(frozen=True, slots=True)
class CaseActions:
    """What one case-action request needs: the caller, the request and the app's adapters."""

    principal: Principal
    request: Request
    idempotency_key: str | None

    def issue(
        self,
        case_id: UUID,
        payload: CommandPayload | Callable[[ComplaintCase], CommandPayload],
        body: BaseModel | None = None,
    ) -> JSONResponse:
        """Publish the command (``payload``, or built from the case) on behalf of the caller."""
        state = self.request.app.state
        case = visible_case(state.cases, self.principal, case_id)
        raw_body = None if body is None else body.model_dump(mode="json")
        if body is None and isinstance(payload, CommandPayload):
            raw_body = payload.model_dump(mode="json")

        def produce() -> tuple[int, dict[str, Any]]:
            built = payload if isinstance(payload, CommandPayload) else payload(case)
            command = CommandEnvelopeV1(
                command_id=uuid.uuid4(),
                command_type=built.command_type,
                schema_version=built.schema_version,
                case_id=case_id,
                actor=self.principal.actor,
                issued_at=state.clock.now(),
                payload=built.model_dump(mode="json"),
            )
            issued: IssuedCommands = state.issued
            issued.record(IssuedCommand.of(command))
            try:
                publish(state.bus, COMMANDS_TOPIC, command.kafka_key(), to_bytes(command))
            except BaseException:
                issued.forget(command.command_id)
                raise
            accepted = CommandAccepted(
                command_id=command.command_id,
                case_id=case_id,
                status_url=f"/v1/commands/{command.command_id}",
            )
            return status.HTTP_202_ACCEPTED, accepted.model_dump(mode="json")

        return answer_once(self.request, self.principal, self.idempotency_key, raw_body, produce)


def case_actions(*roles: Role) -> Any:
    """A dependency giving a :class:`CaseActions` to callers of ``roles`` only (403 others)."""
    allowed = require(*roles)

    def build(
        request: Request,
        principal: Annotated[Principal, Depends(allowed)],
        idempotency_key: IdempotencyKey = None,
    ) -> CaseActions:
        return CaseActions(principal, request, idempotency_key)

    return Depends(build)


HandlerActions = Annotated[CaseActions, case_actions(Role.HANDLER)]
MerchantActions = Annotated[CaseActions, case_actions(Role.MERCHANT)]
ConsumerActions = Annotated[CaseActions, case_actions(Role.CONSUMER)]
FulfilmentActions = Annotated[CaseActions, case_actions(Role.MERCHANT, Role.HANDLER)]
"""Steps of carrying out a remedy: the merchant's own, or a handler's on its behalf."""
