"""The counts of the SLA, merchant scorecard and SKU quality folds, scenario by scenario."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from complaint_events.domain.acting import Acting
from complaint_events.domain.deadlines import Deadline, DeadlineState
from complaint_events.domain.values import (
    AppealOutcome,
    Channel,
    DeadlineKind,
    LiabilityGround,
    Party,
    ResolutionCode,
)
from complaint_events.projections.merchant_scorecard import fold_merchant
from complaint_events.projections.sku_quality import fold_sku
from complaint_events.projections.sla import fold_sla, in_time

DAY = date(2024, 6, 3)
HOUR = Decimal(3600)

# ---------------------------------------------------------------------- SLA


def test_sla_counts_one_acknowledgement_in_time_and_one_late(story, counted) -> None:
    quick = story(n=1).acknowledge(1)
    slow = story(n=2).expire(DeadlineKind.ACKNOWLEDGEMENT, 24).acknowledge(30)
    other_channel = story(n=3, channel=Channel.APP)

    totals = counted(fold_sla, quick.events + slow.events + other_channel.events)

    web = totals["sla_daily", (DAY, "web")]
    assert web["cases_filed"] == 2
    assert (web["acknowledged"], web["acknowledged_in_time"]) == (2, 1)
    assert web["ack_seconds_total"] == 31 * HOUR
    assert totals["sla_daily", (DAY, "app")] == {"cases_filed": 1}


def test_an_acknowledgement_at_the_due_time_is_in_time(story, counted) -> None:
    totals = counted(fold_sla, story().acknowledge(24).events)

    assert totals["sla_daily", (DAY, "web")]["acknowledged_in_time"] == 1


def test_a_clock_paused_by_a_spot_check_does_not_run(story, counted) -> None:
    # Ordered at 2 h, the check pauses the acknowledgement clock with 22 h left;
    # an acknowledgement at 40 h, during the pause, is still in time.
    s = story().order_spot_check(2).acknowledge(40)

    totals = counted(fold_sla, s.events)

    assert totals["sla_daily", (DAY, "web")]["acknowledged_in_time"] == 1


def test_a_clock_already_overdue_when_paused_stays_overdue() -> None:
    deadline = Deadline(
        "acknowledgement@1",
        DeadlineKind.ACKNOWLEDGEMENT,
        started_at=datetime(2024, 6, 3, 9, tzinfo=UTC),
        due_at=datetime(2024, 6, 4, 9, tzinfo=UTC),
        remind_at=None,
        state=DeadlineState.PAUSED,
        paused_at=datetime(2024, 6, 4, 10, tzinfo=UTC),
    )

    assert not in_time(deadline, datetime(2024, 6, 4, 11, tzinfo=UTC))
    assert in_time(
        replace(deadline, paused_at=datetime(2024, 6, 4, 8, tzinfo=UTC)),
        datetime(2024, 6, 9, tzinfo=UTC),
    )
    assert not in_time(None, datetime(2024, 6, 4, tzinfo=UTC))


def test_sla_counts_merchant_answers_in_time_and_late(story, counted) -> None:
    prompt = story(n=1).acknowledge(1).request_merchant_evidence(2).submit_merchant_evidence(12)
    late = story(n=2).acknowledge(1).request_merchant_evidence(2)
    late.order_spot_check(60)  # already overdue (due at 50 h) when the check pauses it
    late.spot_check_result(70).submit_merchant_evidence(71)

    web = counted(fold_sla, prompt.events + late.events)["sla_daily", (DAY, "web")]

    assert (web["merchant_requests"], web["merchant_responses"]) == (2, 2)
    assert web["merchant_responses_in_time"] == 1
    assert web["merchant_response_seconds_total"] == (10 + 69) * HOUR


def test_a_reopened_case_leaves_the_closed_count_until_it_closes_again(story, counted, at) -> None:
    s = story().acknowledge(1).close(10)
    closed = counted(fold_sla, s.events)["sla_daily", (DAY, "web")]
    s.do(lambda c: c.reopen("new photos", Acting("handler:h", at(20))))
    reopened = counted(fold_sla, s.events)["sla_daily", (DAY, "web")]
    s.close(30)
    s.do(lambda c: c.file_appeal("unfair", Acting("consumer:c-1", at(40))))
    s.do(lambda c: c.decide_appeal(AppealOutcome.DISMISSED, "no", Acting("handler:h", at(50))))
    dismissed = counted(fold_sla, s.events)["sla_daily", (DAY, "web")]

    assert (closed["closed"], closed["close_seconds_total"]) == (1, 10 * HOUR)
    assert (reopened["closed"], reopened["close_seconds_total"]) == (0, 0)
    assert (dismissed["closed"], dismissed["close_seconds_total"]) == (1, 30 * HOUR)


def test_sla_ignores_a_case_first_seen_mid_stream(story) -> None:
    s = story().acknowledge(1)

    assert fold_sla(None, s.events[1]) == (None, [])


# ------------------------------------------------------------- merchant


def test_a_silent_merchant_is_judged_by_default(story, counted) -> None:
    s = story().acknowledge(1).request_merchant_evidence(2)
    s.expire(DeadlineKind.MERCHANT_EVIDENCE, 50)

    card = counted(fold_merchant, s.events)["merchant_scorecard", ("m-1",)]

    assert card == {
        "complaints": 1,
        "evidence_requests": 1,
        "liability_decided": 1,
        "merchant_liable": 1,
        "default_judgments": 1,
    }


def test_a_revised_decision_moves_the_merchant_liable_count(story, counted) -> None:
    s = story().acknowledge(1).determine_liability(3, Party.MERCHANT)
    s.determine_liability(4, Party.CONSUMER, (LiabilityGround.MISUSE,))
    moved = counted(fold_merchant, s.events)["merchant_scorecard", ("m-1",)]
    s.determine_liability(5, Party.MERCHANT)
    back = counted(fold_merchant, s.events)["merchant_scorecard", ("m-1",)]

    assert (moved["liability_decided"], moved["merchant_liable"]) == (1, 0)
    assert (back["liability_decided"], back["merchant_liable"]) == (1, 1)


def test_answers_and_penalties_count_per_merchant(story, counted, at) -> None:
    one = story(n=1).acknowledge(1).request_merchant_evidence(2).submit_merchant_evidence(5)
    other = story(n=2, merchant_id="m-2")
    other.do(lambda c: c.record_penalty("late refund", ["PLATFORM"], Acting("handler:h", at(3))))

    totals = counted(fold_merchant, one.events + other.events)

    m1, m2 = totals["merchant_scorecard", ("m-1",)], totals["merchant_scorecard", ("m-2",)]
    assert (m1["evidence_responses"], m1["response_seconds_total"]) == (1, 3 * HOUR)
    assert m2 == {"complaints": 1, "penalties": 1}


def test_a_case_first_seen_mid_stream_counts_from_an_event_naming_its_merchant(
    story, counted
) -> None:
    s = story().acknowledge(1).request_merchant_evidence(2).submit_merchant_evidence(5)

    card = counted(fold_merchant, s.events[2:])["merchant_scorecard", ("m-1",)]

    assert card == {
        "evidence_requests": 1,
        "evidence_responses": 1,
        "response_seconds_total": 3 * HOUR,
    }


# ------------------------------------------------------------------ SKU


def test_a_failed_spot_check_counts_as_a_defect(story, counted) -> None:
    failed = story(n=1).order_spot_check(1).spot_check_result(30, "defect_confirmed")
    passed = story(n=2).order_spot_check(1).spot_check_result(30, "no_defect")

    sku = counted(fold_sku, failed.events + passed.events)["sku_quality", ("sku-kettle-1",)]

    assert sku == {"complaints": 2, "spot_check_results": 2, "defects_confirmed": 1}


def test_batch_alert_links_count_per_alert(story, counted) -> None:
    one = story(n=1).link_batch_alert("a-1", 1)
    two = story(n=2).link_batch_alert("a-1", 1).link_batch_alert("a-2", 2)

    totals = counted(fold_sku, one.events + two.events)

    assert totals["sku_quality_alerts", ("sku-kettle-1", "a-1")] == {"cases_linked": 2}
    assert totals["sku_quality_alerts", ("sku-kettle-1", "a-2")] == {"cases_linked": 1}


def test_closing_does_not_touch_the_sku_counts(story, counted) -> None:
    s = story().close(2, ResolutionCode.WITHDRAWN)

    assert counted(fold_sku, s.events) == {("sku_quality", ("sku-kettle-1",)): {"complaints": 1}}
