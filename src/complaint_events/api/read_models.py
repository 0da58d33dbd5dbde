"""Queries over the read models: the PostgreSQL tables that ``projections/`` writes.

Plain parameterised SQL over one connection with dict rows; table names, with
the schema the read models live in, come from the projections' own
:class:`~complaint_events.projections.base.TableSpec` constants, so a renamed
or moved table cannot drift. Who may see which rows is not decided here but in
:mod:`complaint_events.api.visibility`; these functions only answer what they
are asked.

A ``case_summary`` row comes back with its ``deadlines`` read from their JSON
into :class:`~complaint_events.domain.deadlines.Deadline` values, as the
projection folds them and as a case read from the event store holds them.

A read model that has not been created yet (the projector never ran) reads as
empty rather than failing: the API then answers 404 or an empty list.

Case lists are paged by an opaque cursor over ``(filed_at, case_id)``, the
order of the ``case_summary`` indexes, so each page is one index range scan
and a case filed while a client walks the pages never shifts the ones after it.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final
from uuid import UUID

from psycopg import Connection, errors, sql

from complaint_events.processing.deadline_json import deadlines_from_json
from complaint_events.projections.case_summary import SUMMARY
from complaint_events.projections.merchant_scorecard import SCORECARD
from complaint_events.projections.sku_quality import ALERTS, QUALITY
from complaint_events.projections.sla import DAILY
from complaint_events.projections.timeline import TIMELINE

Row = dict[str, Any]
Conn = Connection[Row]

MAX_PAGE: Final = 200
"""The largest page a list answers."""

FILED_EVENT: Final = "ComplaintFiled"


class InvalidCursorError(ValueError):
    """A cursor that this API did not hand out (or that was altered)."""


@dataclass(frozen=True, slots=True)
class CaseFilters:
    """What a case list is narrowed to; ``None`` means "any"."""

    status: str | None = None
    stage: str | None = None
    merchant_id: str | None = None
    consumer_id: str | None = None  # set by the visibility rules, never by the caller
    sku: str | None = None
    channel: str | None = None
    route: str | None = None
    queue: str | None = None
    assignee: str | None = None
    filed_from: datetime | None = None  # inclusive
    filed_to: datetime | None = None  # exclusive
    escalated: bool | None = None


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list and the cursor of the next one (``None`` on the last page)."""

    rows: list[Row]
    next_cursor: str | None


# ------------------------------------------------------------------ cursors


def encode_cursor(filed_at: datetime, case_id: UUID) -> str:
    """An opaque cursor pointing just after the case ``(filed_at, case_id)``."""
    raw = json.dumps([filed_at.isoformat(), str(case_id)], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    """The position a cursor of :func:`encode_cursor` points after."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        filed_at, case_id = json.loads(raw)
        at, ident = datetime.fromisoformat(filed_at), UUID(case_id)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError) as error:
        raise InvalidCursorError("not a cursor this API handed out") from error
    if at.tzinfo is None:
        raise InvalidCursorError("not a cursor this API handed out")
    return at, ident


# ------------------------------------------------------------------ helpers


def _fetch(conn: Conn, query: sql.Composed | sql.SQL, params: Sequence[Any] = ()) -> list[Row]:
    if any(isinstance(p, str) and "\x00" in p for p in params):
        return []  # PostgreSQL text never holds NUL: such a value matches nothing
    try:
        return conn.execute(query, params).fetchall()
    except errors.UndefinedTable:
        # The projector has not created this read model yet: nothing to read.
        if not conn.autocommit:
            conn.rollback()
        return []


def _one(conn: Conn, query: sql.Composed | sql.SQL, params: Sequence[Any] = ()) -> Row | None:
    rows = _fetch(conn, query, params)
    return rows[0] if rows else None


# -------------------------------------------------------------------- cases


def case_summary(conn: Conn, case_id: UUID) -> Row | None:
    """The ``case_summary`` row of the case."""
    row = _one(
        conn,
        sql.SQL("SELECT * FROM {} WHERE case_id = %s").format(SUMMARY.identifier),
        (case_id,),
    )
    return None if row is None else _summary_row(row)


def _summary_row(row: Row) -> Row:
    return {**row, "deadlines": deadlines_from_json(row["deadlines"])}


def filing(conn: Conn, case_id: UUID) -> Row | None:
    """The payload of the case's ``ComplaintFiled`` event, as the timeline keeps it.

    It holds what the summary leaves out: the consumer's id and contact, the
    order id, the complaint text and the evidence.
    """
    row = _one(
        conn,
        sql.SQL(
            "SELECT payload FROM {} WHERE case_id = %s AND event_type = %s"
            " ORDER BY sequence LIMIT 1"
        ).format(TIMELINE.identifier),
        (case_id, FILED_EVENT),
    )
    if row is None or not isinstance(row["payload"], dict):
        return None
    payload: Row = row["payload"]
    return payload


def _case_conditions(filters: CaseFilters) -> tuple[list[sql.Composable], list[Any]]:
    conditions: list[sql.Composable] = []
    params: list[Any] = []
    for column in ("status", "stage", "merchant_id", "sku", "channel", "route", "queue"):
        value = getattr(filters, column)
        if value is not None:
            conditions.append(sql.SQL("s.{} = %s").format(sql.Identifier(column)))
            params.append(value)
    if filters.assignee is not None:
        conditions.append(sql.SQL("s.assignee = %s"))
        params.append(filters.assignee)
    if filters.filed_from is not None:
        conditions.append(sql.SQL("s.filed_at >= %s"))
        params.append(filters.filed_from)
    if filters.filed_to is not None:
        conditions.append(sql.SQL("s.filed_at < %s"))
        params.append(filters.filed_to)
    if filters.escalated is not None:
        conditions.append(
            sql.SQL("s.escalation_level > 0" if filters.escalated else "s.escalation_level = 0")
        )
    if filters.consumer_id is not None:
        # The summary has no consumer column; the filing event in the timeline names them.
        conditions.append(
            sql.SQL(
                "EXISTS (SELECT 1 FROM {} f WHERE f.case_id = s.case_id"
                " AND f.event_type = %s AND f.payload->>'consumer_id' = %s)"
            ).format(TIMELINE.identifier)
        )
        params.extend((FILED_EVENT, filters.consumer_id))
    return conditions, params


def list_cases(conn: Conn, filters: CaseFilters, limit: int, cursor: str | None = None) -> Page:
    """Cases matching ``filters`` in filing order, ``limit`` of them after ``cursor``.

    Raises :class:`InvalidCursorError` for a cursor this API did not hand out.
    """
    limit = max(1, min(limit, MAX_PAGE))
    conditions, params = _case_conditions(filters)
    if cursor is not None:
        conditions.append(sql.SQL("(s.filed_at, s.case_id) > (%s, %s)"))
        params.extend(decode_cursor(cursor))
    where = sql.SQL(" WHERE ") + sql.SQL(" AND ").join(conditions) if conditions else sql.SQL("")
    query = sql.SQL("SELECT s.* FROM {} s{} ORDER BY s.filed_at, s.case_id LIMIT %s").format(
        SUMMARY.identifier, where
    )
    rows = [_summary_row(row) for row in _fetch(conn, query, [*params, limit + 1])]
    if len(rows) <= limit:
        return Page(rows, None)
    rows = rows[:limit]
    last = rows[-1]
    return Page(rows, encode_cursor(last["filed_at"], last["case_id"]))


def timeline(conn: Conn, case_id: UUID) -> list[Row]:
    """Every event of the case in order, as the ``case_timeline`` read model holds them."""
    return _fetch(
        conn,
        sql.SQL("SELECT * FROM {} WHERE case_id = %s ORDER BY sequence").format(
            TIMELINE.identifier
        ),
        (case_id,),
    )


# ---------------------------------------------------------------- analytics


def scorecard(conn: Conn, merchant_id: str) -> Row | None:
    """The merchant's scorecard row."""
    return _one(
        conn,
        sql.SQL("SELECT * FROM {} WHERE merchant_id = %s").format(SCORECARD.identifier),
        (merchant_id,),
    )


def scorecards(
    conn: Conn, limit: int, after: str | None = None, merchant_id: str | None = None
) -> Page:
    """Scorecards in merchant-id order, ``limit`` of them after the merchant ``after``."""
    limit = max(1, min(limit, MAX_PAGE))
    conditions: list[sql.Composable] = []
    params: list[Any] = []
    if after is not None:
        conditions.append(sql.SQL("merchant_id > %s"))
        params.append(after)
    if merchant_id is not None:
        conditions.append(sql.SQL("merchant_id = %s"))
        params.append(merchant_id)
    where = sql.SQL(" WHERE ") + sql.SQL(" AND ").join(conditions) if conditions else sql.SQL("")
    rows = _fetch(
        conn,
        sql.SQL("SELECT * FROM {}{} ORDER BY merchant_id LIMIT %s").format(
            SCORECARD.identifier, where
        ),
        [*params, limit + 1],
    )
    if len(rows) <= limit:
        return Page(rows, None)
    rows = rows[:limit]
    return Page(rows, str(rows[-1]["merchant_id"]))


def sla_daily(conn: Conn, day_from: date, day_to: date, channel: str | None = None) -> list[Row]:
    """SLA rows of the filing days ``day_from`` to ``day_to`` (both inclusive), by channel."""
    conditions = [sql.SQL("day >= %s"), sql.SQL("day <= %s")]
    params: list[Any] = [day_from, day_to]
    if channel is not None:
        conditions.append(sql.SQL("channel = %s"))
        params.append(channel)
    return _fetch(
        conn,
        sql.SQL("SELECT * FROM {} WHERE {} ORDER BY day, channel").format(
            DAILY.identifier, sql.SQL(" AND ").join(conditions)
        ),
        params,
    )


def sku_quality(conn: Conn, sku: str) -> Row | None:
    """The SKU's quality row, with its batch alerts under ``alerts`` (oldest id first)."""
    row = _one(
        conn,
        sql.SQL("SELECT * FROM {} WHERE sku = %s").format(QUALITY.identifier),
        (sku,),
    )
    if row is None:
        return None
    row["alerts"] = _fetch(
        conn,
        sql.SQL("SELECT alert_id, cases_linked FROM {} WHERE sku = %s ORDER BY alert_id").format(
            ALERTS.identifier
        ),
        (sku,),
    )
    return row


# ---------------------------------------------------------------- at risk


def merchants_at_risk(conn: Conn, limit: int) -> list[Row]:
    """Scorecards of merchants found liable, judged by default or penalised; worst first.

    Ordered by the cases where the merchant is liable now, then default
    judgments, then penalties, then complaints.
    """
    return _fetch(
        conn,
        sql.SQL(
            "SELECT * FROM {} WHERE merchant_liable > 0 OR default_judgments > 0 OR penalties > 0"
            " ORDER BY merchant_liable DESC, default_judgments DESC, penalties DESC,"
            " complaints DESC, merchant_id LIMIT %s"
        ).format(SCORECARD.identifier),
        (max(1, min(limit, MAX_PAGE)),),
    )


def skus_at_risk(conn: Conn, limit: int) -> list[Row]:
    """SKU quality rows with a batch alert or a confirmed defect; most alerts first."""
    return _fetch(
        conn,
        sql.SQL(
            "SELECT * FROM {} WHERE batch_alerts > 0 OR defects_confirmed > 0"
            " ORDER BY batch_alerts DESC, defects_confirmed DESC, complaints DESC, sku LIMIT %s"
        ).format(QUALITY.identifier),
        (max(1, min(limit, MAX_PAGE)),),
    )


def batch_alerts(conn: Conn, limit: int) -> list[Row]:
    """Batch alerts with their SKU and how many cases each linked; the widest first."""
    return _fetch(
        conn,
        sql.SQL(
            "SELECT sku, alert_id, cases_linked FROM {}"
            " ORDER BY cases_linked DESC, alert_id, sku LIMIT %s"
        ).format(ALERTS.identifier),
        (max(1, min(limit, MAX_PAGE)),),
    )
