"""Random but valid case histories, for property tests of whatever consumes the events.

A story drives real ``ComplaintCase`` aggregates with commands chosen by the
caller (hypothesis draws, or a seeded random), skips the ones the domain
refuses, and returns the published envelopes in the order the events topic
would hold them: per case in sequence order, cases interleaved.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from complaint_events.contracts.envelope import EventEnvelope
from complaint_events.contracts.translator import to_envelope
from complaint_events.domain.acting import Acting
from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.complaint import ComplaintDetails, EvidenceRef
from complaint_events.domain.deadlines import DeadlinePolicy
from complaint_events.domain.errors import ComplaintError
from complaint_events.domain.values import Channel, EvidenceKind, ProblemCategory
from complaint_support import numbered_complaint

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
POLICY = DeadlinePolicy()
CHANNELS = (Channel.APP, Channel.WEB, Channel.EMAIL, Channel.HOTLINE)
CATEGORIES = (
    ProblemCategory.QUALITY_DEFECT,
    ProblemCategory.FOOD_SAFETY,
    ProblemCategory.COUNTERFEIT,
)

Choose = Callable[[int], int]  # choose(n) -> an index in range(n)


def _handler(at: datetime) -> Acting:
    return Acting("handler:h-1", at)


def _first_running(case: ComplaintCase) -> str:
    running = case.running_deadlines
    return running[0].deadline_id if running else "none@0"


COMMANDS: tuple[tuple[str, Callable[[ComplaintCase, datetime], object]], ...] = (
    ("acknowledge", lambda c, at: c.acknowledge(
        notification_id="n", language="zh", soothing=False, by=Acting("system:ack", at))),
    ("request_information", lambda c, at: c.request_information(["receipt"], _handler(at), POLICY)),
    ("supply_information", lambda c, at: c.supply_information(
        "here", [{"kind": "receipt", "uri": "s3://r"}], Acting(f"consumer:{c.consumer_id}", at))),
    ("request_merchant_evidence", lambda c, at: c.request_merchant_evidence(
        {"text": "leak"}, _handler(at), POLICY)),
    ("submit_merchant_evidence", lambda c, at: c.submit_merchant_evidence(
        [], "we tested it", Acting(f"merchant:{c.merchant_id}", at))),
    ("order_spot_check", lambda c, at: c.order_spot_check(
        method="same_model_sampling", scope="product", lab="lab", cost_rule="at fault pays",
        by=_handler(at), policy=POLICY)),
    ("record_spot_check_result", lambda c, at: c.record_spot_check_result(
        outcome="defect_confirmed", report_ref="R-1", findings="bad", cost_payer="merchant",
        by=_handler(at))),
    ("determine_liability", lambda c, at: c.determine_liability(
        party="merchant", grounds=["defect"], rule_refs=["CPL-24"], reasoning="defect",
        testing_cost_payer="merchant", by=_handler(at))),
    ("offer_remedy", lambda c, at: c.offer_remedy(
        kind="full_refund", refund_amount=Decimal("99.00"), compensation_amount=Decimal(0),
        shipping_paid_by="merchant", rule_refs=["CPL-24"], explanation="refund",
        by=_handler(at), policy=POLICY)),
    ("accept_remedy", lambda c, at: c.accept_remedy(Acting(f"consumer:{c.consumer_id}", at))),
    ("reject_remedy", lambda c, at: c.reject_remedy(
        "too little", Acting(f"consumer:{c.consumer_id}", at))),
    ("receive_return", lambda c, at: c.receive_return("TRK-1", _handler(at), POLICY)),
    ("execute_remedy", lambda c, at: c.execute_remedy(Decimal("99.00"), "PAY-1", _handler(at))),
    ("close", lambda c, at: c.close("resolved", "done", _handler(at), POLICY)),
    ("escalate", lambda c, at: c.escalate("slow", 1, _handler(at))),
    ("expire_first_deadline", lambda c, at: c.expire_deadline(
        _first_running(c), Acting("system:deadline-keeper", at), POLICY)),
    ("remind_first_deadline", lambda c, at: c.send_reminder(
        _first_running(c), Acting("system:deadline-keeper", at))),
    ("file_appeal", lambda c, at: c.file_appeal("unfair", Acting(f"consumer:{c.consumer_id}", at))),
    ("reopen", lambda c, at: c.reopen("new photos", _handler(at))),
    ("link_batch_alert", lambda c, at: c.link_batch_alert(
        alert_id="alert-1", sku=c.sku, by=Acting("system:batch-quality", at), policy=POLICY)),
    ("record_penalty", lambda c, at: c.record_penalty("late", ["PLATFORM"], _handler(at))),
    ("refer_to_authority", lambda c, at: c.refer_to_authority(
        "market_regulator", f"12315-{c.version}", at.date(), _handler(at))),
)  # fmt: skip


def complaint(n: int, choose: Choose) -> ComplaintDetails:
    return numbered_complaint(
        n,
        T0,
        channel=CHANNELS[choose(len(CHANNELS))],
        channel_ref=f"story-{n}",
        merchant_id=f"m-{choose(3)}",
        sku=f"sku-{choose(3)}",
        category=CATEGORIES[choose(len(CATEGORIES))],
        evidence=(EvidenceRef(EvidenceKind.PHOTO, f"s3://e/{n}.jpg"),),
    )


def story(choose: Choose, cases: int, steps: int) -> list[EventEnvelope]:
    """Envelopes of ``cases`` cases after ``steps`` chosen commands, cases interleaved."""
    aggregates: list[ComplaintCase] = []
    per_case: list[list[EventEnvelope]] = []
    for n in range(cases):
        case = ComplaintCase.file(complaint(n, choose), Acting("adapter:app", T0), POLICY)
        aggregates.append(case)
        per_case.append([to_envelope(e) for e in case.collect_events()])
    for step in range(steps):
        at = T0 + timedelta(hours=6 * (step + 1))
        index = choose(cases)
        case = aggregates[index]
        _, command = COMMANDS[choose(len(COMMANDS))]
        before = copy.deepcopy(case)
        try:
            command(case, at)
        except (ComplaintError, ValueError):
            # A refused command may have recorded part of a compound change: go back to
            # the case as stored, as the case store would.
            aggregates[index] = before
            continue
        per_case[index].extend(to_envelope(e) for e in case.collect_events())
        aggregates[index] = case
    return _interleave(per_case, choose)


def _interleave(per_case: list[list[EventEnvelope]], choose: Choose) -> list[EventEnvelope]:
    queues = [list(q) for q in per_case]
    out: list[EventEnvelope] = []
    while any(queues):
        live = [q for q in queues if q]
        out.append(live[choose(len(live))].pop(0))
    return out
