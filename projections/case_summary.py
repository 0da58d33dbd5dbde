"""One row per case: where it stands, who has it, what was decided, and its clocks.

The row is a pure fold of the case's events (:func:`fold_case`). Status and
deadlines follow the rules of the aggregate (:mod:`complaint_events.domain.case`),
restated as data that a reader can check against it:

* the clocks: :func:`complaint_events.processing.deadline_fold.fold_deadlines`,
  the fold the deadline keeper uses too; in a folded row ``deadlines`` holds
  them as :class:`~complaint_events.domain.deadlines.Deadline` values by id,
  and the table stores them as JSON
  (:mod:`complaint_events.processing.deadline_json`);
* :func:`status_after` — the ``status`` an event carries, else :data:`IMPLIED_STATUS`.

``tests/unit/projections/test_case_summary_matches_domain.py`` folds random
valid histories and checks the result against the aggregate itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Final

from psycopg import Cursor

from complaint_events.contracts.envelope import EventEnvelope
from complaint_events.domain.status import CaseStatus
from complaint_events.processing.deadline_fold import fold_deadlines
from complaint_events.processing.deadline_json import deadlines_from_json, deadlines_json
from complaint_events.projections.base import Projection, Tables, TableSpec
from complaint_events.projections.memory_fold import FactsAndCounters, MemoryFold
from complaint_events.projections.read_models_schema import READ_MODELS_SCHEMA
from complaint_events.projections.table_io import Row, fold_batch, load_rows, upsert_rows

S = CaseStatus

# ----------------------------------------------------------------- the rules

IMPLIED_STATUS: Final[Mapping[str, tuple[CaseStatus | None, CaseStatus]]] = MappingProxyType(
    {
        # event type: (status it applies to — None: any, status after) for events without `status`
        "ComplaintFiled": (None, S.FILED),
        "AcknowledgementSent": (S.FILED, S.VERIFYING),
    }
)

STAGES: Final[Mapping[str, str]] = MappingProxyType(
    {
        S.FILED: "intake",
        S.VERIFYING: "verification",
        S.LIABILITY_DETERMINED: "liability",
        S.REMEDY_OFFERED: "remedy",
        S.REMEDY_ACCEPTED: "remedy",
        S.REMEDY_REJECTED: "remedy",
        S.REMEDY_EXECUTED: "remedy",
        S.CLOSED: "closed",
        S.UNDER_APPEAL: "appeal",
    }
)


def status_after(status: str | None, event: EventEnvelope) -> str | None:
    """The case's status after ``event``: the one it carries, else the implied one."""
    carried = event.payload.get("status")
    if isinstance(carried, str):
        return carried
    implied = IMPLIED_STATUS.get(event.event_type)
    if implied is not None and (implied[0] is None or implied[0] == status):
        return str(implied[1])
    return status


def stage_of(status: str, route: str | None) -> str:
    """The stage a person would name; a filed case waits for triage, then for acknowledgement."""
    if status == S.FILED and route is not None:
        return "acknowledgement"
    return STAGES.get(status, status)


# ------------------------------------------------------------------ the row

SUMMARY = TableSpec(
    "case_summary",
    "case_id uuid PRIMARY KEY, status text NOT NULL, stage text NOT NULL,"
    " route text, queue text, fast_track boolean NOT NULL, assignee text,"
    " channel text NOT NULL, merchant_id text NOT NULL, sku text NOT NULL,"
    " category text NOT NULL, product_name text NOT NULL, price numeric NOT NULL,"
    " quantity integer NOT NULL, demand text NOT NULL, liability_party text,"
    " remedy_kind text, refund_amount numeric, compensation_amount numeric,"
    " amount_paid numeric, escalation_level integer NOT NULL, resolution text,"
    " batch_alert_ids jsonb NOT NULL, deadlines jsonb NOT NULL,"
    " filed_at timestamptz NOT NULL, acknowledged_at timestamptz, closed_at timestamptz,"
    " last_sequence bigint NOT NULL, updated_at timestamptz NOT NULL",
    indexes=(
        "merchant_id, filed_at",
        "status, filed_at",
        "sku, filed_at",
        "channel, filed_at",
        "filed_at",
    ),
    added=("referrals jsonb NOT NULL DEFAULT '[]'",),
    schema=READ_MODELS_SCHEMA,
    comment=(
        "One row per complaint case: where it stands now, who has it, what was decided and"
        " its clocks. Built from the case's events (projection case_summary); amounts are in"
        " yuan (CNY), times are UTC."
    ),
    column_comments={
        "case_id": "The case's id (the id in the API's /cases/{case_id}).",
        "status": (
            "Lifecycle status now: filed, verifying, liability_determined, remedy_offered,"
            " remedy_accepted, remedy_rejected, remedy_executed, closed or under_appeal."
        ),
        "stage": (
            "The stage a person names: intake, acknowledgement, verification, liability,"
            " remedy, appeal or closed (derived from status and route)."
        ),
        "route": "Triage route (e.g. quality, counterfeit, food); NULL until triaged.",
        "queue": "Handlers' queue the case waits in; NULL until triaged.",
        "fast_track": "True when triage put the case on the fast track (injury, safety).",
        "assignee": "Handler the case is assigned to; NULL while unassigned.",
        "channel": "Where the complaint came in: web, app, chat, hotline, email, social, review.",
        "merchant_id": "The merchant complained about.",
        "sku": "The product's SKU.",
        "category": "What the consumer says is wrong (e.g. quality_defect, counterfeit).",
        "product_name": "The product's name as filed.",
        "price": "Unit price paid, in yuan (CNY).",
        "quantity": "Units bought (a count).",
        "demand": "What the consumer asks for: refund, return, exchange, repair, compensation.",
        "liability_party": (
            "Who is liable by the current decision: merchant, consumer, shared, unclear or"
            " platform; NULL until decided."
        ),
        "remedy_kind": "Remedy last offered (e.g. full_refund, repair); NULL until offered.",
        "refund_amount": "Refund in the remedy last offered, in yuan (CNY); NULL until offered.",
        "compensation_amount": (
            "Compensation in the remedy last offered, in yuan (CNY); NULL until offered."
        ),
        "amount_paid": "Amount paid when the remedy was executed, in yuan (CNY); NULL before.",
        "escalation_level": "Highest escalation level reached (0: never escalated).",
        "resolution": (
            "Why the case was closed (e.g. remedy_executed, withdrawn); NULL while it is open."
        ),
        "batch_alert_ids": "JSON array of the batch-quality alert ids the case is linked to.",
        "deadlines": (
            "JSON object of the case's clocks by deadline id: kind, started_at, due_at,"
            " remind_at, state (open, paused, met, expired, cancelled), reminded, paused_at"
            " (ISO 8601 UTC times)."
        ),
        "filed_at": "When the complaint was recorded (UTC).",
        "acknowledged_at": "When the acknowledgement was sent (UTC); NULL before.",
        "closed_at": "When the case was last closed (UTC); NULL while open or reopened.",
        "last_sequence": "Sequence number of the last case event applied to this row (a count).",
        "updated_at": "When that last event was recorded (UTC).",
        "referrals": (
            "JSON array of referrals to outside authorities: authority, reference, referred_on."
        ),
    },
)

COLUMNS: Final = (
    "case_id", "status", "stage", "route", "queue", "fast_track", "assignee", "channel",
    "merchant_id", "sku", "category", "product_name", "price", "quantity", "demand",
    "liability_party", "remedy_kind", "refund_amount", "compensation_amount", "amount_paid",
    "escalation_level", "resolution", "batch_alert_ids", "deadlines", "filed_at",
    "acknowledged_at", "closed_at", "last_sequence", "updated_at", "referrals",
)  # fmt: skip
JSON_COLUMNS: Final = frozenset({"batch_alert_ids", "deadlines", "referrals"})

Update = Callable[[Row, EventEnvelope], None]


def _filed(row: Row, event: EventEnvelope) -> None:
    p = event.payload
    row.update(
        channel=p["channel"],
        merchant_id=p["merchant_id"],
        sku=p["sku"],
        category=p["category"],
        product_name=p["product_name"],
        price=Decimal(p["price"]),
        quantity=p["quantity"],
        demand=p["demand"],
        filed_at=event.recorded_at,  # the case's filed_at: when it was recorded
    )


def _triaged(row: Row, event: EventEnvelope) -> None:
    p = event.payload
    row.update(route=p["route"], queue=p["queue"], fast_track=p["fast_track"])


def _remedy_offered(row: Row, event: EventEnvelope) -> None:
    p = event.payload
    row.update(
        remedy_kind=p["kind"],
        refund_amount=Decimal(p["refund_amount"]),
        compensation_amount=Decimal(p["compensation_amount"]),
    )


def _closed(row: Row, event: EventEnvelope) -> None:
    row.update(resolution=event.payload["resolution"], closed_at=event.recorded_at)


def _reopened(row: Row, event: EventEnvelope) -> None:
    row.update(resolution=None, closed_at=None)


def _appeal_decided(row: Row, event: EventEnvelope) -> None:
    # Upheld: the case is examined again; dismissed: it stays closed as it was.
    if event.payload["status"] != S.CLOSED:
        _reopened(row, event)


def _escalated(row: Row, event: EventEnvelope) -> None:
    row["escalation_level"] = max(row["escalation_level"], event.payload["level"])


def _alert_linked(row: Row, event: EventEnvelope) -> None:
    alert_id = event.payload["alert_id"]
    if alert_id not in row["batch_alert_ids"]:
        row["batch_alert_ids"] = [*row["batch_alert_ids"], alert_id]


def _referred(row: Row, event: EventEnvelope) -> None:
    p = event.payload
    referral = {k: p[k] for k in ("authority", "reference", "referred_on")}
    row["referrals"] = [*row["referrals"], referral]


def _assigned(row: Row, event: EventEnvelope) -> None:
    row["assignee"] = event.payload["handler"]


def _acknowledged(row: Row, event: EventEnvelope) -> None:
    row["acknowledged_at"] = event.recorded_at


def _liability(row: Row, event: EventEnvelope) -> None:
    row["liability_party"] = event.payload["party"]


def _executed(row: Row, event: EventEnvelope) -> None:
    row["amount_paid"] = Decimal(event.payload["amount_paid"])


FIELD_UPDATES: Final[Mapping[str, Update]] = MappingProxyType(
    {
        "ComplaintFiled": _filed,
        "CaseTriaged": _triaged,
        "CaseAssigned": _assigned,
        "AcknowledgementSent": _acknowledged,
        "LiabilityDetermined": _liability,
        "RemedyOffered": _remedy_offered,
        "RemedyExecuted": _executed,
        "CaseClosed": _closed,
        "AppealDecided": _appeal_decided,
        "CaseReopened": _reopened,
        "CaseEscalated": _escalated,
        "CaseReferredToAuthority": _referred,
        "BatchAlertLinked": _alert_linked,
    }
)
"""Columns other than status, stage and deadlines that an event sets."""


def _new_row(event: EventEnvelope) -> Row:
    row: Row = dict.fromkeys(COLUMNS)
    row.update(
        case_id=event.case_id,
        fast_track=False,
        escalation_level=0,
        batch_alert_ids=[],
        deadlines={},
        referrals=[],
    )
    return row


def fold_case(row: Row | None, event: EventEnvelope) -> Row | None:
    """The case's row after ``event``: a new dict, or ``row`` itself when nothing changes.

    Without a row, only ``ComplaintFiled`` makes one (a case first seen mid-stream
    has no filing facts, so it gets no row); an event at or below the row's
    ``last_sequence`` was applied already and changes nothing.
    """
    if row is None:
        if event.event_type != "ComplaintFiled":
            return None
        row = _new_row(event)
    elif event.sequence <= row["last_sequence"]:
        return row
    else:
        row = dict(row)
    update = FIELD_UPDATES.get(event.event_type)
    if update is not None:
        update(row, event)
    row["status"] = status_after(row["status"], event)
    row["stage"] = stage_of(row["status"], row["route"])
    row["deadlines"] = fold_deadlines(row["deadlines"], event)
    row["last_sequence"] = event.sequence
    row["updated_at"] = event.recorded_at
    return row


class CaseSummary(Projection):
    """The current state of every case, for the API's case lists and case pages."""

    name = "case_summary"
    tables = (SUMMARY,)

    def apply(self, cursor: Cursor[Any], tables: Tables, events: Sequence[EventEnvelope]) -> None:
        table = tables[SUMMARY.name]
        rows = load_rows(cursor, table, COLUMNS, "case_id", {e.case_id for e in events})
        for row in rows.values():
            row["deadlines"] = deadlines_from_json(row["deadlines"])
        changed, _ = fold_batch(rows, events, lambda row, event: (fold_case(row, event), ()))
        stored = [
            {**row, "deadlines": deadlines_json(row["deadlines"])} for row in changed.values()
        ]
        upsert_rows(cursor, table, COLUMNS, "case_id", stored, JSON_COLUMNS)

    def memory_fold(self) -> MemoryFold:
        return FactsAndCounters(
            lambda row, event: (fold_case(row, event), ()),
            SUMMARY.name,
            COLUMNS,
            {},
            json_columns=JSON_COLUMNS,
            stored=_stored,
        )


def _stored(row: Row) -> Row:
    return {**row, "deadlines": deadlines_json(row["deadlines"])}
