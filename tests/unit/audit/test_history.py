"""An auditor's history: who, when, what, and why (the reason and the rules cited)."""

from __future__ import annotations

from audit_support import IN_MEMORY, chained_case, documents
from complaint_events.audit.history import history_rows, rule_refs, why
from complaint_events.bootstrap import open_cases


def test_each_event_says_who_when_what_and_why() -> None:
    app = open_cases(env=IN_MEMORY)
    rows = history_rows(documents(app, chained_case(app)))
    app.close()
    assert [r.event_type for r in rows] == [
        "ComplaintFiled",
        "AcknowledgementSent",
        "EvidenceAssessed",
        "LiabilityDetermined",
        "RemedyOffered",
    ]
    liability = rows[3]
    assert liability.actor == "handler:h1"
    assert liability.recorded_at == "2026-03-01T10:00:00Z"
    assert liability.rule_refs == ("消费者权益保护法 Art. 24",)
    assert liability.why == (
        "audit test; reasoning: the seal leaks: a manufacturing defect; grounds: defect"
    )
    assert rows[0].actor == "adapter:web"
    assert rows[0].rule_refs == ()
    assert all(r.hash for r in rows)


def test_rule_references_are_found_wherever_they_are() -> None:
    payload = {
        "rule_refs": ["A", "B"],
        "cost_rule": "the party at fault pays",
        "nested": {"rules": [{"rule_ref": "C"}], "other": "not a rule"},
        "more": ["A"],
    }
    assert rule_refs(payload) == ("A", "B", "the party at fault pays", "C")


def test_why_without_reason_or_justification_is_empty() -> None:
    assert why({"reason": None, "payload": {"language": "zh"}}) == ""
