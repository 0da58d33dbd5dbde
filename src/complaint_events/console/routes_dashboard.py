"""The lead's dashboard page, ``/console/dashboard``: for staff (handlers and auditors).

Merchants are answered ``403``, as the API's platform-wide analytics routes
answer them; the figures are built by :mod:`.dashboard`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import Response

from complaint_events.api.deps import CasesDep, ClockDep, DbConnIfAny
from complaint_events.api.visibility import STAFF
from complaint_events.console import rendering, session
from complaint_events.console.dashboard import DEFAULT_DAYS, MAX_DAYS, TOP, build_dashboard
from complaint_events.console.i18n import Lang, Words

router = APIRouter(prefix="/console", include_in_schema=False)

DaysQuery = Annotated[int, Query(ge=1, le=MAX_DAYS, description="filing days shown")]


@router.get("/dashboard")
def dashboard_page(
    request: Request,
    conn: DbConnIfAny,
    cases: CasesDep,
    clock: ClockDep,
    days: DaysQuery = DEFAULT_DAYS,
    lang: Annotated[Lang | None, Query(description="zh or en")] = None,
) -> Response:
    principal = session.signed_in(request)
    if principal is None:
        return rendering.to("/console/sign-in")
    chosen = rendering.lang_of(request, lang)
    if principal.role not in STAFF:
        return rendering.page(
            request, "message.html", chosen, {"message": Words(chosen)("forbidden")},
            status_code=status.HTTP_403_FORBIDDEN, principal=principal,
        )  # fmt: skip
    board = build_dashboard(conn, cases, principal, clock.now(), days)
    context = {"board": board, "days": days, "max_days": MAX_DAYS, "top": TOP}
    return rendering.page(request, "dashboard.html", chosen, context, principal=principal)
