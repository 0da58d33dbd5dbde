"""Batch-quality alerts in the case store: what the batch detector writes and reads.

The SKU-level :class:`~complaint_events.domain.sku_quality.SkuQuality` records
live in the same event store as the cases they link. Every function here is
idempotent, so the detector may replay a decision after a crash, and retries
when a concurrent writer changed the SKU's record first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from complaint_events.application.cases import ComplaintCases
from complaint_events.domain.acting import Acting
from complaint_events.domain.errors import InvalidCommandError
from complaint_events.domain.sku_quality import BatchAlert, SkuQuality
from complaint_events.domain.values import DeadlineKind
from complaint_events.processing.batch_window import RaiseBatchAlert

log = logging.getLogger(__name__)


def find_sku_quality(cases: ComplaintCases, sku: str) -> SkuQuality | None:
    """The SKU's batch-quality record, or None before its first alert."""
    try:
        found: object = cases.repository.get(SkuQuality.create_id(sku))
    except AggregateNotFoundError:
        return None
    return found if isinstance(found, SkuQuality) else None


def record_alert(cases: ComplaintCases, decision: RaiseBatchAlert, by: Acting) -> BatchAlert:
    """Record a raised alert on its SKU (opening the SKU's record with its first alert);
    the alert as it stands."""

    # The batch's one spot-check clock, kept on the SKU, by the deadline policy of the cases.
    due_at = cases.policy.start(DeadlineKind.SPOT_CHECK, decision.alert_id, by.at).due_at

    def command(record: SkuQuality | None) -> SkuQuality:
        if record is None:
            return SkuQuality.raise_first_alert(
                sku=decision.sku,
                alert_id=decision.alert_id,
                case_ids=list(decision.case_ids),
                threshold=decision.threshold,
                window=decision.window,
                raised_at=decision.raised_at,
                by=by,
                spot_check_due_at=due_at,
            )
        record.raise_alert(
            alert_id=decision.alert_id,
            case_ids=list(decision.case_ids),
            threshold=decision.threshold,
            window=decision.window,
            raised_at=decision.raised_at,
            by=by,
            spot_check_due_at=due_at,
        )
        return record

    return _act(cases, decision.sku, command).alert(decision.alert_id)


def link_case(
    cases: ComplaintCases, sku: str, alert_id: str, case_id: UUID, by: Acting
) -> BatchAlert:
    """Link a case to the SKU's alert; the alert as it now stands (its result, if any).

    A case linked after the batch's result came in gets no result of its own from
    the linked cases; the caller can forward ``result`` to it.
    """

    def command(record: SkuQuality | None) -> SkuQuality:
        record = _existing(record, sku, alert_id)
        record.link_case(alert_id, case_id, by)
        return record

    return _act(cases, sku, command).alert(alert_id)


def linked_cases(cases: ComplaintCases, sku: str, alert_id: str) -> list[UUID]:
    """Every case linked to the alert, the ones that raised it first."""
    return list(_existing(find_sku_quality(cases, sku), sku, alert_id).alert(alert_id).case_ids)


def record_alert_result(
    cases: ComplaintCases,
    sku: str,
    alert_id: str,
    *,
    outcome: str,
    report_ref: str,
    case_id: UUID,
    by: Acting,
) -> BatchAlert:
    """Record the batch's spot-check result reported by linked case ``case_id``.

    Only the first report counts. The returned alert's ``result.case_id`` names the
    case whose report that was: the detector forwards the result to the other
    linked cases when it handles that case's event (again, harmlessly, on a
    replay), and not when a forwarded copy comes back from another case.
    """

    def command(record: SkuQuality | None) -> SkuQuality:
        record = _existing(record, sku, alert_id)
        record.record_spot_check_result(
            alert_id, outcome=outcome, report_ref=report_ref, case_id=case_id, by=by
        )
        return record

    return _act(cases, sku, command).alert(alert_id)


def _existing(record: SkuQuality | None, sku: str, alert_id: str) -> SkuQuality:
    if record is None:
        raise InvalidCommandError(f"SKU {sku} has no batch alert {alert_id}")
    return record


def _act(
    cases: ComplaintCases, sku: str, command: Callable[[SkuQuality | None], SkuQuality]
) -> SkuQuality:
    """Apply ``command`` to the SKU's record and save it, retrying on a concurrent write."""
    for attempt in range(cases.MAX_CONFLICT_RETRIES + 1):
        record = command(find_sku_quality(cases, sku))
        if not record.pending_events:
            return record
        try:
            cases.save(record)
        except IntegrityError:
            if attempt == cases.MAX_CONFLICT_RETRIES:
                raise
            log.info("batch-quality record of SKU %s changed concurrently, retrying", sku)
            continue
        return record
    raise AssertionError("unreachable")  # pragma: no cover
