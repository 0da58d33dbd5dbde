"""A handler's queue: the cases to work, the most urgent first, with counts.

The rows come from the read models (``case_summary``, through
:func:`complaint_events.api.read_models.list_cases`) on the PostgreSQL store,
and from the event store itself on the embedded SQLite store, which has no read
models; both give the same summary-shaped rows. A case is *urgent* by the
earliest due time of its running clocks: overdue first, then due within
:data:`SOON`, then the rest in filing order. Sorting needs every matching row,
so a queue reads at most :data:`MAX_SCAN` cases (the earliest filed) and says
so when it stopped there; a page shows :data:`PAGE_SIZE` of them.

Who sees which rows is :func:`complaint_events.api.visibility.may_read_case`:
a merchant's queue holds only its own cases. Summary rows carry nothing
personal, so they are shown alike to every reader.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final
from uuid import UUID

from complaint_events.api import read_models as rm
from complaint_events.api.auth import Principal, Role
from complaint_events.api.case_views import as_of_rows
from complaint_events.api.database import DictConnection
from complaint_events.api.visibility import may_read_case
from complaint_events.application.cases import ComplaintCases
from complaint_events.domain.deadlines import Deadline, DeadlineState
from complaint_events.domain.status import CaseStatus

PAGE_SIZE: Final = 25
MAX_SCAN: Final = 2000
MAX_PAGES: Final = -(-MAX_SCAN // PAGE_SIZE)
SOON: Final = timedelta(hours=24)
OPEN: Final = "open"
ALL: Final = "all"
STATUS_CHOICES: Final = (OPEN, ALL, *(s.value for s in CaseStatus))
"""``open`` (every status but closed: the default), ``all``, or one status."""

_CHUNK: Final = 200

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class QueueFilters:
    """What the queue is narrowed to (already validated and bounded by the route)."""

    status: str = OPEN
    route: str | None = None
    queue: str | None = None
    page: int = 1


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One case in the queue."""

    case_id: UUID
    status: str
    route: str | None
    queue: str | None
    merchant_id: str
    sku: str
    product_name: str | None
    assignee: str | None
    escalation_level: int
    filed_at: datetime
    next_due: datetime | None
    next_kind: str | None
    overdue: bool
    due_soon: bool


@dataclass(frozen=True, slots=True)
class QueuePage:
    """One page of the queue and the counts over every matching case read."""

    rows: list[QueueRow]
    page: int
    pages: int
    total: int
    overdue: int
    due_soon: int
    by_status: Mapping[str, int]
    capped: bool


def _next_clock(deadlines: Mapping[str, Deadline]) -> Deadline | None:
    running = [d for d in deadlines.values() if d.state is DeadlineState.OPEN]
    return min(running, key=lambda d: d.due_at, default=None)


def queue_row(row: Mapping[str, Any], now: datetime) -> QueueRow:
    """A summary-shaped row as a queue entry, its urgency judged at ``now``."""
    clock = _next_clock(row["deadlines"])
    due = None if clock is None else clock.due_at
    return QueueRow(
        case_id=row["case_id"],
        status=str(row["status"]),
        route=row.get("route"),
        queue=row.get("queue"),
        merchant_id=str(row["merchant_id"]),
        sku=str(row["sku"]),
        product_name=row.get("product_name"),
        assignee=row.get("assignee"),
        escalation_level=int(row.get("escalation_level") or 0),
        filed_at=row["filed_at"],
        next_due=due,
        next_kind=None if clock is None else clock.kind.value,
        overdue=due is not None and due <= now,
        due_soon=due is not None and now < due <= now + SOON,
    )


def _wanted(row: Mapping[str, Any], filters: QueueFilters, principal: Principal) -> bool:
    status = str(row["status"])
    if filters.status == OPEN and status == CaseStatus.CLOSED:
        return False
    if filters.status not in (OPEN, ALL) and status != filters.status:
        return False
    if filters.route is not None and row.get("route") != filters.route:
        return False
    if filters.queue is not None and row.get("queue") != filters.queue:
        return False
    return may_read_case(principal, str(row["merchant_id"]), None)


def _from_read_models(
    conn: DictConnection, filters: QueueFilters, principal: Principal
) -> Iterator[Row]:
    exact = filters.status if filters.status not in (OPEN, ALL) else None
    merchant = principal.id if principal.role is Role.MERCHANT else None
    wanted = rm.CaseFilters(
        status=exact, route=filters.route, queue=filters.queue, merchant_id=merchant
    )
    cursor: str | None = None
    while True:
        page = rm.list_cases(conn, wanted, rm.MAX_PAGE, cursor)
        yield from page.rows
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def _from_event_store(cases: ComplaintCases) -> Iterator[Row]:
    ids = cases.case_ids()
    while chunk := list(itertools.islice(ids, _CHUNK)):
        found = cases.get_cases(chunk)
        for case_id in chunk:
            case = found.get(case_id)
            if case is not None:
                yield as_of_rows(case)[0]


def build_queue(
    rows: Iterator[Row], filters: QueueFilters, principal: Principal, now: datetime
) -> QueuePage:
    """The page ``filters.page`` of the rows ``principal`` may see that match ``filters``."""
    matching = (queue_row(r, now) for r in rows if _wanted(r, filters, principal))
    read = list(itertools.islice(matching, MAX_SCAN + 1))
    capped = len(read) > MAX_SCAN
    read = read[:MAX_SCAN]
    read.sort(key=lambda r: (r.next_due is None, r.next_due or r.filed_at, r.filed_at))
    pages = max(1, -(-len(read) // PAGE_SIZE))
    page = min(filters.page, pages)
    start = (page - 1) * PAGE_SIZE
    return QueuePage(
        rows=read[start : start + PAGE_SIZE],
        page=page,
        pages=pages,
        total=len(read),
        overdue=sum(r.overdue for r in read),
        due_soon=sum(r.due_soon for r in read),
        by_status=dict(sorted(Counter(r.status for r in read).items())),
        capped=capped,
    )


QueueSource = Callable[[QueueFilters, Principal], Iterator[Row]]


def queue_source(conn: DictConnection | None, cases: ComplaintCases) -> QueueSource:
    """Where the queue's rows come from: the read models if there are any, else the store."""
    if conn is not None:
        return lambda filters, principal: _from_read_models(conn, filters, principal)
    return lambda _filters, _principal: _from_event_store(cases)
