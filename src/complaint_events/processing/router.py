"""The router's logic: on filing, triage the case and issue the commands the rules call for.

The decision is the pure triage rule (:mod:`complaint_events.domain.rules.triage`);
this module only turns it into commands, in the order a handler would act:
record the triage, put the case in its queue, escalate a safety case, order
the spot check. Their ids follow from the case and their purpose, so seeing
the same ComplaintFiled again issues the same commands, which change nothing.
"""

from __future__ import annotations

from datetime import datetime

from complaint_events.contracts.commands import (
    AssignV1,
    CommandEnvelopeV1,
    CommandPayload,
    EscalateV1,
    OrderSpotCheckV1,
    TriageV1,
)
from complaint_events.contracts.envelope import EventEnvelope
from complaint_events.contracts.events import AnyComplaintFiled, distress_of
from complaint_events.domain.rules.references import PLATFORM_TESTING_COST
from complaint_events.domain.rules.triage import TriageDecision, TriageFacts, triage
from complaint_events.processing.issuing import issue

ACTOR = "system:router"
SPOT_CHECK_LAB = "platform-designated laboratory"


def decide(filed: AnyComplaintFiled) -> TriageDecision:
    """The triage decision for a filed complaint, judged on the day it was received."""
    facts = TriageFacts(
        category=filed.category,
        safety_flags=frozenset(filed.safety_flags),
        product_type=filed.product_type,
        product_name=filed.product_name,
        description=filed.description if isinstance(filed.description, str) else "",
        distress=distress_of(filed),
        demand=filed.demand,
        delivered_on=filed.delivered_on,
    )
    return triage(facts, filed.received_at.date())


def route(event: EventEnvelope, now: datetime) -> list[CommandEnvelopeV1]:
    """The commands that route a newly filed case (none for any other event)."""
    filed = event.typed_payload()
    if not isinstance(filed, AnyComplaintFiled):
        return []
    decision = decide(filed)
    steps: list[tuple[str, CommandPayload]] = [
        (
            "triage",
            TriageV1(
                route=decision.route,
                queue=decision.queue,
                fast_track=decision.fast_track,
                burden_of_proof_on_merchant=decision.burden_of_proof_on_merchant,
                distress=decision.distress,
                rule_refs=[r.code for r in decision.rule_refs],
            ),
        ),
        ("assign", AssignV1(handler=f"queue:{decision.queue}")),
    ]
    if decision.escalate:
        steps.append(("escalate", EscalateV1(reason=decision.reasons[0], level=1)))
    if decision.spot_check_required and decision.spot_check_method is not None:
        steps.append(
            (
                "spot-check",
                OrderSpotCheckV1(
                    method=decision.spot_check_method,
                    scope="product",
                    lab=SPOT_CHECK_LAB,
                    cost_rule=f"{PLATFORM_TESTING_COST.code}: the party found at fault pays",
                ),
            )
        )
    reason = "; ".join(decision.reasons)
    return [
        issue(
            event.case_id,
            payload,
            purpose=f"router:{purpose}",
            actor=ACTOR,
            issued_at=now,
            correlation_id=event.correlation_id,
            reason=reason,
        )
        for purpose, payload in steps
    ]
