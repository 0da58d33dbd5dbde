"""A case, its history and its analytics as the caller may see them.

Read-model rows (or an aggregate read as of a past instant) go in, with the
case's clocks as :class:`~complaint_events.domain.deadlines.Deadline` values;
``*Public`` models come out, after the visibility rules of
:mod:`complaint_events.api.visibility`: a merchant gets the consumer masked and
free text scrubbed; the others get the contact opened with the consumer's key.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Final
from uuid import UUID

from complaint_events.api.auth import Principal, Role
from complaint_events.api.query_models import (
    CasePublic,
    CaseSummaryPublic,
    ContactPublic,
    DeadlinePublic,
    EvidencePublic,
    ScorecardPublic,
    SkuAlertPublic,
    SkuQualityPublic,
    SlaDayPublic,
    TimelineEntryPublic,
    TimelinePublic,
)
from complaint_events.api.visibility import (
    ContactOpener,
    MerchantRedactor,
    contact_of,
    contact_view,
    sealed_contact,
)
from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.deadlines import Deadline
from complaint_events.domain.masking import ERASED
from complaint_events.projections.case_summary import stage_of

Row = dict[str, Any]

FILED_EVENT: Final = "ComplaintFiled"


def _mean(total: Decimal | float | None, count: int) -> float | None:
    return None if not count or total is None else float(total) / count


def deadlines_public(deadlines: Mapping[str, Deadline]) -> list[DeadlinePublic]:
    """The case's clocks in the order they started."""
    return [
        DeadlinePublic(
            deadline_id=d.deadline_id,
            kind=d.kind.value,
            state=d.state.value,
            started_at=d.started_at,
            due_at=d.due_at,
            remind_at=d.remind_at,
            paused_at=d.paused_at,
            reminded=d.reminded,
        )
        for d in sorted(deadlines.values(), key=lambda d: d.started_at)
    ]


def summary_public(row: Mapping[str, Any]) -> CaseSummaryPublic:
    """A ``case_summary`` row: nothing personal in it, the same for every reader."""
    return CaseSummaryPublic.model_validate(_summary_fields(row))


def _summary_fields(row: Mapping[str, Any]) -> Row:
    fields = {name: row[name] for name in CaseSummaryPublic.model_fields if name in row}
    fields["deadlines"] = deadlines_public(row["deadlines"])
    fields["version"] = row["last_sequence"]
    return fields


def case_public(
    principal: Principal,
    row: Mapping[str, Any],
    filing: Mapping[str, Any] | None,
    opener: ContactOpener,
    as_of: datetime | None = None,
) -> CasePublic:
    """One case with the complaint as filed, seen by ``principal``."""
    fields = _summary_fields(row)
    contact = contact_of(filing, opener)
    facts = dict(filing or {})
    if principal.role is Role.MERCHANT:
        redact = MerchantRedactor.for_contact(contact)
        facts = {key: redact.value(value) for key, value in facts.items()}
        facts["consumer_id"] = None
    shown = contact_view(principal, contact, row.get("remedy_kind"))
    return CasePublic.model_validate(
        {
            **fields,
            "order_id": facts.get("order_id"),
            "product_spec": facts.get("product_spec"),
            "description": facts.get("description"),
            "evidence": [EvidencePublic.model_validate(e) for e in facts.get("evidence") or []],
            "safety_flags": facts.get("safety_flags") or [],
            "consumer_id": facts.get("consumer_id"),
            "contact": _contact_public(shown, erased=contact is None and sealed_contact(filing)),
            "as_of": as_of,
        }
    )


def _contact_public(shown: Mapping[str, Any] | None, *, erased: bool) -> ContactPublic | None:
    if erased:
        return ContactPublic(name=ERASED, erased=True)
    return None if shown is None else ContactPublic.model_validate(shown)


def timeline_public(
    principal: Principal,
    case_id: UUID,
    rows: list[Row],
    filing: Mapping[str, Any] | None,
    opener: ContactOpener,
    remedy_kind: str | None,
) -> TimelinePublic:
    """The case's events, seen by ``principal``."""
    contact = contact_of(filing, opener)
    shown = contact_view(principal, contact, remedy_kind)
    redact = MerchantRedactor.for_contact(contact) if principal.role is Role.MERCHANT else None
    return TimelinePublic(
        case_id=case_id,
        entries=[_entry(row, shown, redact) for row in rows],
    )


def _entry(
    row: Mapping[str, Any], shown: Mapping[str, Any] | None, redact: MerchantRedactor | None
) -> TimelineEntryPublic:
    payload: Row = dict(row["payload"])
    summary, reason, actor = row["summary"], row["reason"], row["actor"]
    if redact is not None:
        payload = redact.value(payload)
        summary = redact.text(summary)
        reason = None if reason is None else redact.text(reason)
        actor = redact.actor(actor)
    if row["event_type"] == FILED_EVENT:
        # Sealed (or erased) on the wire; shown opened, or masked for a merchant.
        payload["contact"] = None if shown is None else dict(shown)
    return TimelineEntryPublic.model_validate(
        {
            **{name: row[name] for name in TimelineEntryPublic.model_fields if name in row},
            "summary": summary,
            "reason": reason,
            "actor": actor,
            "payload": payload,
        }
    )


# -------------------------------------------------------------- as of a time


def as_of_rows(case: ComplaintCase) -> tuple[Row, Row]:
    """A summary-shaped row and the filing facts of a case read from the event store."""
    status = str(case.status)
    liability, remedy = case.liability_finding, case.remedy_offer
    executed = case.remedy_executed or {}
    row: Row = {
        "case_id": case.id,
        "status": status,
        "stage": stage_of(status, case.route),
        "route": case.route,
        "queue": case.queue,
        "fast_track": case.fast_track,
        "assignee": case.assignee,
        "channel": str(case.channel),
        "merchant_id": case.merchant_id,
        "sku": case.sku,
        "category": str(case.category),
        "product_name": case.product_name,
        "price": case.price,
        "quantity": case.quantity,
        "demand": str(case.demand),
        "liability_party": None if liability is None else liability.party.value,
        "remedy_kind": None if remedy is None else remedy.kind.value,
        "refund_amount": None if remedy is None else remedy.refund_amount,
        "compensation_amount": None if remedy is None else remedy.compensation_amount,
        "amount_paid": executed.get("amount_paid"),
        "escalation_level": max((int(e["level"]) for e in case.escalations), default=0),
        "resolution": None if case.resolution is None else str(case.resolution),
        "batch_alert_ids": [str(a["alert_id"]) for a in case.batch_alerts],
        "referrals": [
            {k: r[k] for k in ("authority", "reference", "referred_on")} for r in case.referrals
        ],
        "deadlines": dict(case.deadlines),
        "filed_at": case.filed_at,
        "acknowledged_at": case.acknowledged_at,
        "closed_at": case.closed_at,
        "last_sequence": case.version,
        "updated_at": case.modified_on,
    }
    filing: Row = {
        "consumer_id": case.consumer_id,
        "contact": case.contact,
        "order_id": case.order_id,
        "product_spec": case.product_spec,
        "description": case.description,
        "evidence": list(case.evidence),
        "safety_flags": sorted(str(f) for f in case.safety_flags),
    }
    return row, filing


# ---------------------------------------------------------------- analytics


def scorecard_public(row: Mapping[str, Any]) -> ScorecardPublic:
    return ScorecardPublic.model_validate(
        {
            **{name: row[name] for name in ScorecardPublic.model_fields if name in row},
            "mean_response_seconds": _mean(
                row["response_seconds_total"], row["evidence_responses"]
            ),
        }
    )


def sla_day_public(row: Mapping[str, Any]) -> SlaDayPublic:
    return SlaDayPublic.model_validate(
        {
            **{name: row[name] for name in SlaDayPublic.model_fields if name in row},
            "mean_ack_seconds": _mean(row["ack_seconds_total"], row["acknowledged"]),
            "mean_merchant_response_seconds": _mean(
                row["merchant_response_seconds_total"], row["merchant_responses"]
            ),
            "mean_close_seconds": _mean(row["close_seconds_total"], row["closed"]),
        }
    )


def sku_quality_public(row: Mapping[str, Any]) -> SkuQualityPublic:
    return SkuQualityPublic.model_validate(
        {
            **{name: row[name] for name in SkuQualityPublic.model_fields if name in row},
            "alerts": [SkuAlertPublic.model_validate(a) for a in row["alerts"]],
        }
    )
