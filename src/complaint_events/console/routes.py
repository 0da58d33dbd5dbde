"""The console's pages under ``/console/``: sign-in, the queue, a case and its actions.

Server-rendered with Jinja2; a little plain JavaScript (``static/console.js``)
refreshes the queue and follows a sent command without reloading, and every
page works without it. The routes are thin like the API's: who is signed in
comes from :mod:`.session`, the rows from :mod:`.queue` and :mod:`.case_page`,
and a step is sent through the API's own
:class:`~complaint_events.api.actions.CaseActions` (the same visibility check,
idempotency key and command as ``POST /v1/cases/{id}/...``); its outcome is read
through the API's ``GET /v1/commands/{id}`` route function.

None of these routes is part of the API's OpenAPI document.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Annotated, Any, Final
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from complaint_events.api.actions import CaseActions
from complaint_events.api.auth import Principal
from complaint_events.api.deps import CasesDep, ClockDep, DbConnIfAny
from complaint_events.api.routes_command_status import command_status
from complaint_events.console import rendering, session
from complaint_events.console.case_page import (
    CaseHiddenError,
    CaseView,
    PastViewRefusedError,
    read_case,
)
from complaint_events.console.i18n import Lang, Words
from complaint_events.console.queue import (
    MAX_PAGES,
    OPEN,
    STATUS_CHOICES,
    QueueFilters,
    build_queue,
    queue_source,
)
from complaint_events.console.steps import (
    BY_NAME,
    allowed_steps,
    build_payload,
    form_values,
    prefill,
)
from complaint_events.contracts.bounds import Timestamp

router = APIRouter(prefix="/console", include_in_schema=False)

LangQuery = Annotated[Lang | None, Query(description="zh or en")]
Name = Annotated[str | None, Query(max_length=64, pattern=r"^[\w.:-]+$")]


def _needs_sign_in(request: Request) -> RedirectResponse:
    return rendering.to("/console/sign-in")


# ------------------------------------------------------------------ sign-in


@router.get("/")
def home(request: Request) -> RedirectResponse:
    return rendering.to("/console/queue" if session.signed_in(request) else "/console/sign-in")


@router.get("/sign-in")
def sign_in_page(request: Request, lang: LangQuery = None) -> HTMLResponse:
    return _sign_in_form(request, rendering.lang_of(request, lang), error=None, status_code=200)


def _sign_in_form(
    request: Request, lang: Lang, error: str | None, status_code: int
) -> HTMLResponse:
    nonce = session.new_nonce()
    response = rendering.page(
        request,
        "sign_in.html",
        lang,
        {"sign_in_csrf": session.sign_in_csrf(nonce), "error": error},
        status_code=status_code,
    )
    session.set_cookie(
        response, request, session.PRE_SESSION_COOKIE, nonce, session.PRE_SESSION_SECONDS
    )
    return response


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    form = await request.form()
    lang = rendering.lang_of(request, None)
    nonce = request.cookies.get(session.PRE_SESSION_COOKIE)
    sent = form.get("csrf")
    if not nonce or not session.matches(session.sign_in_csrf(nonce), _text(sent)):
        return _sign_in_form(request, lang, Words(lang)("csrf"), status.HTTP_403_FORBIDDEN)
    token = (_text(form.get("token")) or "").strip()
    registry = request.app.state.tokens
    principal = registry.principal(token) if 0 < len(token) <= session.TOKEN_MAX else None
    if principal is None or principal.role not in session.CONSOLE_ROLES:
        return _sign_in_form(request, lang, Words(lang)("bad_token"), status.HTTP_401_UNAUTHORIZED)
    response = rendering.to("/console/queue")
    session.set_cookie(response, request, session.SESSION_COOKIE, token, session.SESSION_SECONDS)
    session.clear_cookie(response, request, session.PRE_SESSION_COOKIE)
    return response


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    refused = await _refused_csrf(request)
    if refused is not None:
        return refused
    response = rendering.to("/console/sign-in")
    session.clear_cookie(response, request, session.SESSION_COOKIE)
    return response


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


async def _refused_csrf(request: Request) -> Response | None:
    """403 unless the form carries this session's CSRF token."""
    token = session.session_token(request)
    form = await request.form()
    if token is None or not session.matches(session.csrf_token(token), _text(form.get("csrf"))):
        lang = rendering.lang_of(request, None)
        return rendering.page(
            request,
            "message.html",
            lang,
            {"message": Words(lang)("csrf")},
            status_code=status.HTTP_403_FORBIDDEN,
        )
    return None


# -------------------------------------------------------------------- queue


StatusQuery = Annotated[str, Query(alias="status", max_length=32)]
PageQuery = Annotated[int, Query(ge=1, le=MAX_PAGES)]


def _filters(
    status_: StatusQuery = OPEN, route: Name = None, queue: Name = None, page: PageQuery = 1
) -> QueueFilters:
    """The queue's filters from the query string (one dependency for the page and its rows;
    the status is checked once the caller is known to be signed in)."""
    return QueueFilters(status=status_, route=route, queue=queue, page=page)


FiltersDep = Annotated[QueueFilters, Depends(_filters)]


def _queue_context(
    principal: Principal,
    filters: QueueFilters,
    conn: Any,
    cases: Any,
    now: datetime,
) -> dict[str, Any]:
    if filters.status not in STATUS_CHOICES:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=f"status is one of: {', '.join(STATUS_CHOICES)}",
        )
    rows = queue_source(conn, cases)(filters, principal)
    return {
        "queue": build_queue(rows, filters, principal, now),
        "filters": filters,
        "status_choices": STATUS_CHOICES,
        "now": now,
    }


@router.get("/queue")
def queue_page(
    request: Request,
    conn: DbConnIfAny,
    cases: CasesDep,
    clock: ClockDep,
    filters: FiltersDep,
    lang: LangQuery = None,
) -> Response:
    principal = session.signed_in(request)
    if principal is None:
        return _needs_sign_in(request)
    context = _queue_context(principal, filters, conn, cases, clock.now())
    return rendering.page(
        request, "queue.html", rendering.lang_of(request, lang), context, principal=principal
    )


@router.get("/queue/rows")
def queue_rows(
    request: Request,
    conn: DbConnIfAny,
    cases: CasesDep,
    clock: ClockDep,
    filters: FiltersDep,
) -> Response:
    """The queue's table alone, for the page's refresh."""
    principal = session.signed_in(request)
    if principal is None:
        return Response(status_code=status.HTTP_401_UNAUTHORIZED)
    context = _queue_context(principal, filters, conn, cases, clock.now())
    return rendering.page(
        request, "_queue_rows.html", rendering.lang_of(request, None), context, principal=principal
    )


# -------------------------------------------------------------------- cases


@router.get("/cases/{case_id}")
def case_page(
    request: Request,
    case_id: UUID,
    as_of: Annotated[Timestamp | None, Query()] = None,
    command: Annotated[UUID | None, Query()] = None,
    lang: LangQuery = None,
) -> Response:
    principal = session.signed_in(request)
    if principal is None:
        return _needs_sign_in(request)
    return _case_response(
        request, principal, case_id, rendering.lang_of(request, lang), as_of=as_of, command=command
    )


def _case_response(
    request: Request,
    principal: Principal,
    case_id: UUID,
    lang: Lang,
    *,
    as_of: datetime | None = None,
    command: UUID | None = None,
    refusal: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    state = request.app.state
    words = Words(lang)
    try:
        view = read_case(state.cases, principal, case_id, as_of)
    except CaseHiddenError:
        return rendering.page(
            request, "message.html", lang, {"message": words("not_found")},
            status_code=status.HTTP_404_NOT_FOUND, principal=principal,
        )  # fmt: skip
    except PastViewRefusedError:
        return rendering.page(
            request, "message.html", lang, {"message": words("forbidden")},
            status_code=status.HTTP_403_FORBIDDEN, principal=principal,
        )  # fmt: skip
    steps = [] if as_of is not None else allowed_steps(principal, view.status, running(view))
    forms = [(form, prefill(form, case_id, principal, state.cases, state.clock)) for form in steps]
    instants = [row.recorded_at for row in view.timeline] if as_of is None else []
    context = {
        "view": view,
        "case": view.case,
        "forms": forms,
        "actions_enabled": state.settings.store == "postgres",
        "idempotency_key": str(uuid.uuid4()),
        "command": command,
        "refusal": refusal,
        "instants": instants,
        "may_look_back": principal.role.value in ("handler", "auditor"),
    }
    return rendering.page(
        request, "case.html", lang, context, status_code=status_code, principal=principal
    )


MAX_STEP_NAME: Final = 40


@router.post("/cases/{case_id}/steps/{step}")
async def take_step(request: Request, case_id: UUID, step: str) -> Response:
    """Send the step's command as the signed-in user; then show the case following it."""
    refused = await _refused_csrf(request)
    if refused is not None:
        return refused
    principal = session.signed_in(request)
    if principal is None:
        return _needs_sign_in(request)
    lang = rendering.lang_of(request, None)
    words = Words(lang)
    form = BY_NAME.get(step[:MAX_STEP_NAME])
    if form is None or form.name not in {f.name for f in _allowed(principal, case_id, request)}:
        return _case_response(
            request, principal, case_id, lang,
            refusal=words("forbidden"), status_code=status.HTTP_403_FORBIDDEN,
        )  # fmt: skip
    if request.app.state.settings.store != "postgres":
        return _case_response(
            request, principal, case_id, lang,
            refusal=words("actions_need_bus"), status_code=status.HTTP_409_CONFLICT,
        )  # fmt: skip
    posted = await request.form()
    key = _text(posted.get("idempotency_key"))
    if key is not None and not 0 < len(key) <= 200:
        key = None
    values = form_values(form, lambda name: [v for v in posted.getlist(name) if isinstance(v, str)])
    try:
        payload = build_payload(form, values, request.app.state.cases)
        answer = CaseActions(principal, request, key).issue(case_id, payload)
    except ValidationError as error:
        return _case_response(
            request, principal, case_id, lang, refusal=_explain(error),
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )  # fmt: skip
    except (HTTPException, ValueError) as error:
        detail = error.detail if isinstance(error, HTTPException) else str(error)
        code = error.status_code if isinstance(error, HTTPException) else 422
        return _case_response(
            request, principal, case_id, lang,
            refusal=detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False),
            status_code=code,
        )  # fmt: skip
    command_id = json.loads(bytes(answer.body))["command_id"]
    return rendering.to(f"/console/cases/{case_id}?command={command_id}")


def _allowed(principal: Principal, case_id: UUID, request: Request) -> list[Any]:
    try:
        view = read_case(request.app.state.cases, principal, case_id)
    except CaseHiddenError:
        return []
    return allowed_steps(principal, view.status, running(view))


def running(view: CaseView) -> frozenset[str]:
    """The kinds of the case's clocks that run (paused ones still count as running)."""
    return frozenset(c.kind for c in view.clocks if c.state in ("running", "paused"))


def _explain(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(part) for part in e['loc']) or 'form'}: {e['msg']}" for e in error.errors()
    )


@router.get("/commands/{command_id}")
def command_outcome(request: Request, command_id: UUID) -> Response:
    """The outcome box of a sent command (pending, accepted or the refusal's reason)."""
    principal = session.signed_in(request)
    if principal is None:
        return Response(status_code=status.HTTP_401_UNAUTHORIZED)
    try:
        answer = command_status(command_id, request, principal)
    except HTTPException as error:
        return Response(status_code=error.status_code)
    outcome = json.loads(bytes(answer.body))
    return rendering.page(
        request,
        "_outcome.html",
        rendering.lang_of(request, None),
        {"outcome": outcome},
        principal=principal,
    )
