"""Each event's one-line summary in the case timeline."""

from __future__ import annotations

from complaint_events.contracts.events import EVENT_PAYLOADS
from complaint_events.domain.acting import Acting
from complaint_events.domain.values import DeadlineKind
from complaint_events.projections.timeline import MAX_TEXT, SUMMARIES, summary_of, timeline_row


def test_every_published_event_type_has_a_summary() -> None:
    assert set(SUMMARIES) == set(EVENT_PAYLOADS)


def test_summaries_say_what_happened_in_a_few_words(story) -> None:
    s = (
        story()
        .acknowledge(1)
        .request_merchant_evidence(2)
        .expire(DeadlineKind.MERCHANT_EVIDENCE, 50)
    )

    assert [summary_of(e) for e in s.events] == [
        "complaint filed via web: sku-kettle-1 (quality_defect), demands return",
        "acknowledgement sent",
        "merchant evidence requested from m-1, due 2024-06-05T11:00:00Z",
        "deadline merchant_evidence@3 expired",
        "liability: merchant (silent_merchant)",
        "remedy offered: return_and_refund, refund 199.00",
    ]


def test_long_free_text_is_cut(story, at) -> None:
    s = story()
    (event,) = s.do(lambda c: c.escalate("x" * 500, 1, Acting("handler:h", at(1))))

    summary = summary_of(event)

    assert summary.startswith("escalated to level 1: xxx")
    assert summary.endswith("…")
    assert len(summary) == len("escalated to level 1: ") + MAX_TEXT


def test_the_row_carries_the_envelope_as_published(story, at) -> None:
    s = story()
    (event,) = s.do(
        lambda c: c.escalate(
            "slow", 1, Acting("handler:h-2", at(1), "corr-1", "cause-1", "consumer called")
        )
    )

    row = timeline_row(event)

    assert row[:11] == (
        s.case.id,
        2,
        event.event_id,
        "CaseEscalated",
        at(1),
        at(1),
        "handler:h-2",
        "consumer called",
        "corr-1",
        "cause-1",
        "escalated to level 1: slow",
    )
    assert row[11].obj == {"escalation": "slow", "level": 1}
