"""Read side of the HTTP API: cases, timelines, scorecards, SLA figures, SKU quality.

Each route checks the caller's role, asks :mod:`~complaint_events.api.read_models`
and renders through :mod:`~complaint_events.api.case_views`. A case the caller
may not read answers exactly like an unknown one (404, same body), so nobody
learns that someone else's case exists. Adapters read nothing here (403).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from functools import partial
from typing import Annotated, Final, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, status

from complaint_events.api import read_models as rm
from complaint_events.api.auth import Principal, Role, require
from complaint_events.api.case_views import (
    as_of_rows,
    case_public,
    scorecard_public,
    sku_quality_public,
    sla_day_public,
    summary_public,
    timeline_public,
)
from complaint_events.api.deps import CasesDep, DbConn, DbConnIfAny, no_read_models
from complaint_events.api.problems import answers, unprocessable
from complaint_events.api.query_models import (
    CaseListPublic,
    CasePublic,
    ScorecardListPublic,
    ScorecardPublic,
    SkuQualityPublic,
    SlaDailyPublic,
    TimelinePublic,
)
from complaint_events.api.visibility import (
    READERS,
    STAFF,
    ContactOpener,
    may_read_case,
    texts_opened,
)
from complaint_events.application.personal_data import open_contact
from complaint_events.application.refusals import CaseNotFoundError
from complaint_events.contracts.bounds import CalendarDate, Timestamp
from complaint_events.domain.status import CaseStatus
from complaint_events.domain.values import Channel

COMMON_RESPONSES: Final = answers(
    401,
    s403="The caller's role may not read this",
    s503="The read models need the PostgreSQL store (not in embedded mode)",
)

router = APIRouter(prefix="/v1", tags=["queries"], responses=COMMON_RESPONSES)

Reader = Annotated[Principal, Depends(require(*READERS))]
Staff = Annotated[Principal, Depends(require(*STAFF))]
ScorecardReader = Annotated[Principal, Depends(require(Role.HANDLER, Role.AUDITOR, Role.MERCHANT))]

CASE_NOT_FOUND: Final = "no such case"
MAX_SLA_DAYS: Final = 366
Stage = Literal[
    "intake", "acknowledgement", "verification", "liability", "remedy", "closed", "appeal"
]
"""The stages of the case summary (:func:`complaint_events.projections.case_summary.stage_of`)."""

NOT_FOUND: Final = answers(404)


def _case_not_found() -> HTTPException:
    # One body for "no such case" and "not yours": never reveal that a case exists.
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=CASE_NOT_FOUND)


def contact_opener(cases: CasesDep) -> ContactOpener:
    """Opens consumers' sealed contacts with their keys (plain older records open as they are)."""
    return partial(open_contact, keys=cases.keys)


Opener = Annotated[ContactOpener, Depends(contact_opener)]


def _visible_case(
    conn: DbConn, principal: Principal, case_id: UUID
) -> tuple[rm.Row, rm.Row | None]:
    row = rm.case_summary(conn, case_id)
    if row is None:
        raise _case_not_found()
    filing = rm.filing(conn, case_id)
    consumer_id = None if filing is None else filing.get("consumer_id")
    if not may_read_case(principal, row["merchant_id"], consumer_id):
        raise _case_not_found()
    return row, filing


# -------------------------------------------------------------------- cases


@router.get(
    "/cases",
    summary="List cases",
    description="Cases in filing order, filtered, one page at a time. Merchants see only "
    "their own cases, consumers only the cases they filed.",
)
def list_cases(
    principal: Reader,
    conn: DbConn,
    status_: Annotated[CaseStatus | None, Query(alias="status", description="Status")] = None,
    stage: Annotated[Stage | None, Query(description="Stage a person would name")] = None,
    merchant_id: Annotated[str | None, Query(description="Merchant complained about")] = None,
    sku: Annotated[str | None, Query(description="SKU")] = None,
    channel: Annotated[Channel | None, Query(description="Intake channel")] = None,
    route: Annotated[str | None, Query(description="Triage route")] = None,
    queue: Annotated[str | None, Query(description="Work queue")] = None,
    assignee: Annotated[str | None, Query(description="Handler working the case")] = None,
    filed_from: Annotated[
        Timestamp | None, Query(description="Filed at or after (RFC 3339, with offset)")
    ] = None,
    filed_to: Annotated[
        Timestamp | None, Query(description="Filed before (RFC 3339, with offset)")
    ] = None,
    escalated: Annotated[bool | None, Query(description="Escalated at least once")] = None,
    limit: Annotated[int, Query(ge=1, le=rm.MAX_PAGE, description="Page size")] = 50,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page")] = None,
) -> CaseListPublic:
    filters = rm.CaseFilters(
        status=None if status_ is None else str(status_),
        stage=stage,
        merchant_id=merchant_id,
        sku=sku,
        channel=None if channel is None else str(channel),
        route=route,
        queue=queue,
        assignee=assignee,
        filed_from=filed_from,
        filed_to=filed_to,
        escalated=escalated,
    )
    if principal.role is Role.MERCHANT:
        if merchant_id not in (None, principal.id):
            return CaseListPublic(items=[], next_cursor=None)
        filters = replace(filters, merchant_id=principal.id)
    elif principal.role is Role.CONSUMER:
        filters = replace(filters, consumer_id=principal.id)
    try:
        page = rm.list_cases(conn, filters, limit, cursor)
    except rm.InvalidCursorError as error:
        raise _invalid("cursor", str(error)) from None
    return CaseListPublic(
        items=[summary_public(r) for r in page.rows], next_cursor=page.next_cursor
    )


@router.get(
    "/cases/{case_id}",
    summary="Read a case",
    description="The case now (read model; PostgreSQL store only), or as it stood at `as_of` "
    "(event store, either store; handlers and auditors). For a merchant the consumer's "
    "personal data is masked.",
    responses=NOT_FOUND,
)
def read_case(
    case_id: UUID,
    principal: Reader,
    conn: DbConnIfAny,
    cases: CasesDep,
    opener: Opener,
    as_of: Annotated[
        Timestamp | None, Query(description="A past instant (RFC 3339, with offset)")
    ] = None,
) -> CasePublic:
    if as_of is None:
        if conn is None:
            raise no_read_models()
        row, filing = _visible_case(conn, principal, case_id)
        return case_public(principal, row, texts_opened(filing, cases.keys), opener)
    if principal.role not in STAFF:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail="only handlers and auditors read past states"
        )
    try:
        case = cases.case_as_of(case_id, as_of)
    except CaseNotFoundError:
        raise _case_not_found() from None
    if case is None:
        raise _case_not_found()
    row, filing = as_of_rows(case)
    return case_public(principal, row, texts_opened(filing, cases.keys), opener, as_of=as_of)


@router.get(
    "/cases/{case_id}/timeline",
    summary="A case's history",
    description="Every event of the case, oldest first, with a one-line summary. For a "
    "merchant the consumer's personal data is masked or removed and free text scrubbed.",
    responses=NOT_FOUND,
)
def read_timeline(
    case_id: UUID, principal: Reader, conn: DbConn, cases: CasesDep, opener: Opener
) -> TimelinePublic:
    row, filing = _visible_case(conn, principal, case_id)
    rows = [
        {**r, "payload": texts_opened(r["payload"], cases.keys)} for r in rm.timeline(conn, case_id)
    ]
    return timeline_public(
        principal, case_id, rows, texts_opened(filing, cases.keys), opener, row.get("remedy_kind")
    )


# ---------------------------------------------------------------- merchants


@router.get(
    "/merchants/scorecards",
    summary="Merchant scorecards",
    description="Scorecards in merchant-id order; a merchant gets only its own.",
)
def list_scorecards(
    principal: ScorecardReader,
    conn: DbConn,
    limit: Annotated[int, Query(ge=1, le=rm.MAX_PAGE, description="Page size")] = 50,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page")] = None,
) -> ScorecardListPublic:
    own = principal.id if principal.role is Role.MERCHANT else None
    page = rm.scorecards(conn, limit, after=cursor, merchant_id=own)
    return ScorecardListPublic(
        items=[scorecard_public(r) for r in page.rows], next_cursor=page.next_cursor
    )


@router.get(
    "/merchants/{merchant_id}/scorecard",
    summary="One merchant's scorecard",
    description="A merchant may read only its own.",
    responses=NOT_FOUND,
)
def read_scorecard(merchant_id: str, principal: ScorecardReader, conn: DbConn) -> ScorecardPublic:
    if principal.role is Role.MERCHANT and principal.id != merchant_id:
        raise _no_scorecard()
    row = rm.scorecard(conn, merchant_id)
    if row is None:
        raise _no_scorecard()
    return scorecard_public(row)


def _no_scorecard() -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail="no scorecard for this merchant")


# ---------------------------------------------------------------- analytics


@router.get(
    "/sla/daily",
    summary="SLA compliance per filing day",
    description=f"Per filing day (UTC) and channel, at most {MAX_SLA_DAYS} days.",
)
def read_sla_daily(
    principal: Staff,
    conn: DbConn,
    day_from: Annotated[CalendarDate, Query(alias="from", description="First filing day")],
    day_to: Annotated[CalendarDate, Query(alias="to", description="Last filing day (inclusive)")],
    channel: Annotated[Channel | None, Query(description="Only this channel")] = None,
) -> SlaDailyPublic:
    if day_to < day_from:
        raise _invalid("to", "must not be before 'from'")
    if day_to - day_from >= timedelta(days=MAX_SLA_DAYS):
        raise _invalid("to", f"a range covers at most {MAX_SLA_DAYS} days")
    rows = rm.sla_daily(conn, day_from, day_to, None if channel is None else str(channel))
    return SlaDailyPublic(
        day_from=day_from,
        day_to=day_to,
        channel=None if channel is None else str(channel),
        days=[sla_day_public(r) for r in rows],
    )


@router.get(
    "/skus/{sku}/quality",
    summary="Quality record of a SKU",
    description="Complaints, spot checks, confirmed defects and batch alerts of the SKU.",
    responses=NOT_FOUND,
)
def read_sku_quality(sku: str, principal: Staff, conn: DbConn) -> SkuQualityPublic:
    row = rm.sku_quality(conn, sku)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no complaints on this SKU")
    return sku_quality_public(row)


def _invalid(field: str, message: str) -> HTTPException:
    return unprocessable(("query", field), message)
