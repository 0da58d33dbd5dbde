"""Builders for audit tests: a case store in memory and real, chained case histories."""

from __future__ import annotations

import copy
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from complaint_events.application.cases import ComplaintCases
from complaint_events.audit.sources import store_events
from complaint_events.contracts.envelope import event_id_for
from complaint_events.contracts.hash_chain import event_hash
from complaint_events.domain.acting import Acting
from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.deadlines import DeadlinePolicy
from stack_support import T0, complaint

IN_MEMORY = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": ":memory:"}

Doc = dict[str, Any]


def handler(hours: float) -> Acting:
    return Acting("handler:h1", T0 + timedelta(hours=hours), reason="audit test")


def decide(case: ComplaintCase, hours: float = 2) -> None:
    """Liability and a remedy: two events with rule references."""
    case.determine_liability(
        party="merchant",
        grounds=["defect"],
        rule_refs=["消费者权益保护法 Art. 24"],
        reasoning="the seal leaks: a manufacturing defect",
        testing_cost_payer="merchant",
        by=handler(hours),
    )
    case.offer_remedy(
        kind="return_and_refund",
        refund_amount=Decimal("99.00"),
        compensation_amount=Decimal(0),
        shipping_paid_by="merchant",
        rule_refs=["消费者权益保护法 Art. 24"],
        explanation="return within 7 days, the merchant pays shipping",
        by=handler(hours + 1),
        policy=DeadlinePolicy(),
    )


def assess_and_decide(case: ComplaintCase) -> None:
    case.assess_evidence(
        authentic=True, relevant=True, lawful=True, notes="photos genuine", by=handler(1.5)
    )
    decide(case)


def chained_case(cases: ComplaintCases, n: int = 1) -> UUID:
    """A case with five events, saved in three writes (so chained across saves)."""
    case_id = cases.file_complaint(complaint(n), Acting("adapter:web", T0)).case_id
    cases.act(
        case_id,
        lambda c: c.acknowledge(
            notification_id="n-1", language="zh", soothing=False, by=handler(1)
        ),
    )
    cases.act(case_id, assess_and_decide)
    return case_id


def documents(cases: ComplaintCases, case_id: UUID) -> list[Doc]:
    """The case's events in published form, as the store gives them."""
    found = [e.envelope for e in store_events(cases, case_id)]
    assert all(d is not None for d in found)
    return copy.deepcopy([d for d in found if d is not None])


def moved(document: Doc, sequence: int) -> Doc:
    """The event as a store would give it had its row's version been changed."""
    case_id = UUID(document["case_id"])
    return {**document, "sequence": sequence, "event_id": str(event_id_for(case_id, sequence))}


def rehashed(document: Doc) -> Doc:
    """The event with its hash recomputed (what a forger who knows the algorithm does)."""
    return {**document, "hash": event_hash(document)}
