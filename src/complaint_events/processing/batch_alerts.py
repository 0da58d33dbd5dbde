"""What the batch-quality detector does once it has decided: record, link, pass results on.

Shared by the faust batch-quality processor and the embedded demo's bus. Every
step is idempotent (alert ids follow from the SKU and its first case, command
ids from the alert), so a replay records and issues nothing twice.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from complaint_events.application import sku_alerts
from complaint_events.application.cases import ComplaintCases
from complaint_events.contracts.commands import (
    CommandEnvelopeV1,
    LinkBatchAlertV2,
    RecordSpotCheckResultV1,
)
from complaint_events.contracts.envelope import EventEnvelope
from complaint_events.domain.acting import Acting
from complaint_events.domain.sku_quality import alert_id_of_scope
from complaint_events.domain.values import Party, SpotCheckOutcome
from complaint_events.processing.batch_window import LinkToBatchAlert, RaiseBatchAlert
from complaint_events.processing.issuing import issue

ACTOR = "system:batch-quality"


def alert_commands(
    cases: ComplaintCases, decision: RaiseBatchAlert | LinkToBatchAlert, now: datetime
) -> list[CommandEnvelopeV1]:
    """Record the alert (or the new link) on the SKU; the commands linking the case(s).

    Every linked case waits on the SKU's one clock for the batch's result; the alert's
    first case alone escalates when it is late."""
    by = Acting(ACTOR, now, correlation_id=f"batch:{decision.alert_id}")
    if isinstance(decision, RaiseBatchAlert):
        alert = sku_alerts.record_alert(cases, decision, by)
        to_link = list(decision.case_ids)
    else:
        alert = sku_alerts.link_case(cases, decision.sku, decision.alert_id, decision.case_id, by)
        to_link = [decision.case_id]
    return [
        issue(
            case_id,
            LinkBatchAlertV2(
                alert_id=decision.alert_id,
                sku=decision.sku,
                spot_check_due_at=alert.spot_check_due_at,
                reports_lateness=case_id == alert.case_ids[0],
            ),
            purpose=f"batch:{decision.alert_id}:link",
            actor=ACTOR,
            issued_at=now,
            correlation_id=by.correlation_id,
            reason=f"{decision.sku}: batch-quality alert {decision.alert_id}",
        )
        for case_id in to_link
    ]


def passed_on_results(
    cases: ComplaintCases, event: EventEnvelope, now: datetime
) -> list[CommandEnvelopeV1]:
    """A batch spot check's result recorded on one linked case, for every other linked case
    still waiting on it: each gets it once, whatever it found."""
    alert_id = alert_id_of_scope(event.payload.get("scope"))
    if alert_id is None:
        return []
    sku = cases.get_case(event.case_id).sku
    by = Acting(ACTOR, now, correlation_id=f"batch:{alert_id}", causation_id=str(event.event_id))
    alert = sku_alerts.record_alert_result(
        cases,
        sku,
        alert_id,
        outcome=str(event.payload["outcome"]),
        report_ref=str(event.payload["report_ref"]),
        case_id=event.case_id,
        by=by,
    )
    if alert.result is None or alert.result.case_id != event.case_id:
        return []  # a copy passed on earlier, coming back: nothing more to do
    payload = RecordSpotCheckResultV1(
        outcome=SpotCheckOutcome(str(event.payload["outcome"])),
        report_ref=str(event.payload["report_ref"]),
        findings=str(event.payload.get("findings", "")),
        cost_payer=Party(str(event.payload.get("cost_payer", Party.MERCHANT.value))),
    )
    return [
        issue(
            case_id,
            payload,
            purpose=f"batch:{alert_id}:result",
            actor=ACTOR,
            issued_at=now,
            correlation_id=by.correlation_id,
            reason=f"batch spot check {event.payload['report_ref']} of alert {alert_id}",
        )
        for case_id in alert.case_ids
        if case_id != event.case_id and _awaits_batch_result(cases, case_id, alert_id)
    ]


def _awaits_batch_result(cases: ComplaintCases, case_id: UUID, alert_id: str) -> bool:
    """Whether the case's running spot check is the batch's (not a test of its own unit)."""
    check = cases.get_case(case_id).last_spot_check
    return (
        check is not None and check.outcome is None and alert_id_of_scope(check.scope) == alert_id
    )
