"""A lead's dashboard: SLA per filing day, breaches, merchants and SKUs at risk, batch alerts.

The figures are those of the read models the analytics and the API's query
routes read (``sla_daily``, ``merchant_scorecard``, ``sku_quality`` and its
alerts, through :mod:`complaint_events.api.read_models`), so the dashboard and
``GET /v1/sla/daily`` or ``GET /v1/merchants/scorecards`` never disagree.

*Breaches* are counted two ways: per filing day, the acknowledgements and the
merchant answers recorded after their clock ran out (what ``sla_daily``
counts); and now, the open cases whose earliest running clock is already due
(the queue's own judgement, :mod:`.queue`). The second needs no read model, so
on the embedded SQLite store, which has none, the dashboard still shows it and
says that the rest needs the PostgreSQL store.

Who sees it: staff (handlers, whose leads sign in with handler tokens, and
auditors), as the platform-wide analytics routes of the API.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Final

from complaint_events.api import read_models as rm
from complaint_events.api.auth import Principal
from complaint_events.api.case_views import scorecard_public
from complaint_events.api.database import DictConnection
from complaint_events.api.query_models import ScorecardPublic
from complaint_events.application.cases import ComplaintCases
from complaint_events.console.queue import OPEN, QueueFilters, QueuePage, build_queue, queue_source

DEFAULT_DAYS: Final = 14
MAX_DAYS: Final = 92
"""A quarter: the longest span the dashboard's per-day table shows."""

TOP: Final = 10
"""How many merchants, SKUs and alerts at risk each list shows."""


@dataclass(frozen=True, slots=True)
class DayFigures:
    """The SLA figures of the complaints filed on one day, every channel together."""

    day: date
    filed: int = 0
    acknowledged: int = 0
    acknowledged_in_time: int = 0
    merchant_requests: int = 0
    merchant_answers: int = 0
    merchant_answers_in_time: int = 0
    closed: int = 0

    @property
    def late_acknowledgements(self) -> int:
        return self.acknowledged - self.acknowledged_in_time

    @property
    def late_merchant_answers(self) -> int:
        return self.merchant_answers - self.merchant_answers_in_time

    @property
    def breaches(self) -> int:
        return self.late_acknowledgements + self.late_merchant_answers

    @property
    def in_time_percent(self) -> int | None:
        """Acknowledgements and merchant answers in time, in percent (None before any)."""
        replies = self.acknowledged + self.merchant_answers
        if replies == 0:
            return None
        return round(100 * (self.acknowledged_in_time + self.merchant_answers_in_time) / replies)


def _sum_day(day: date, rows: Iterable[Mapping[str, Any]]) -> DayFigures:
    rows = list(rows)

    def total(name: str) -> int:
        return sum(int(r[name]) for r in rows)

    return DayFigures(
        day=day,
        filed=total("cases_filed"),
        acknowledged=total("acknowledged"),
        acknowledged_in_time=total("acknowledged_in_time"),
        merchant_requests=total("merchant_requests"),
        merchant_answers=total("merchant_responses"),
        merchant_answers_in_time=total("merchant_responses_in_time"),
        closed=total("closed"),
    )


def sla_by_day(rows: Iterable[Mapping[str, Any]], day_from: date, day_to: date) -> list[DayFigures]:
    """Every day from ``day_from`` to ``day_to``, newest first, channels added together;
    a day without complaints shows zeros rather than missing."""
    by_day: dict[date, list[Mapping[str, Any]]] = {}
    for row in rows:
        by_day.setdefault(row["day"], []).append(row)
    span = (day_to - day_from).days
    days = (day_to - timedelta(days=offset) for offset in range(span + 1))
    return [_sum_day(day, by_day.get(day, ())) for day in days]


@dataclass(frozen=True, slots=True)
class Dashboard:
    """Everything the dashboard page shows."""

    day_from: date
    day_to: date
    open_cases: QueuePage
    read_models: bool
    days: list[DayFigures] = field(default_factory=list)
    total: DayFigures | None = None
    merchants: list[ScorecardPublic] = field(default_factory=list)
    skus: Sequence[Mapping[str, Any]] = field(default_factory=list)
    alerts: Sequence[Mapping[str, Any]] = field(default_factory=list)


def build_dashboard(
    conn: DictConnection | None,
    cases: ComplaintCases,
    principal: Principal,
    now: datetime,
    days: int,
) -> Dashboard:
    """The dashboard of the ``days`` filing days up to today; read models only if ``conn``."""
    day_to = now.date()
    day_from = day_to - timedelta(days=days - 1)
    open_cases = build_queue(
        queue_source(conn, cases)(QueueFilters(status=OPEN), principal),
        QueueFilters(status=OPEN),
        principal,
        now,
    )
    if conn is None:
        return Dashboard(day_from, day_to, open_cases, read_models=False)
    sla_rows = rm.sla_daily(conn, day_from, day_to)
    return Dashboard(
        day_from=day_from,
        day_to=day_to,
        open_cases=open_cases,
        read_models=True,
        days=sla_by_day(sla_rows, day_from, day_to),
        total=_sum_day(day_from, sla_rows),
        merchants=[scorecard_public(r) for r in rm.merchants_at_risk(conn, TOP)],
        skus=rm.skus_at_risk(conn, TOP),
        alerts=rm.batch_alerts(conn, TOP),
    )
